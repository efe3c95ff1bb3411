"""Number formatting: the engine's formatters plus the percentages and rate units labs need."""
from __future__ import annotations

from mlsysim.units import fmt_bytes, fmt_count, fmt_rate, fmt_time

INTEGER_DTYPES = ("int8", "int4", "uint8", "int16", "int32")


def fmt_pct(fraction: float, digits: int = 1) -> str:
    return f"{fraction * 100:.{digits}f} %"


def ops_unit(dtype: str) -> str:
    """Throughput unit for ``dtype``: integer arithmetic is counted in OP/s, floating point in FLOP/s."""
    return "OP/s" if dtype in INTEGER_DTYPES else "FLOP/s"


__all__ = ["fmt_bytes", "fmt_count", "fmt_rate", "fmt_time", "fmt_pct", "ops_unit"]

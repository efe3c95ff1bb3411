"""Number formatting for labs: the engine's formatters at three significant figures, kept visible.

Labs print with ``keep_zeros=True`` so a value rounds before its unit is chosen and keeps its
significant zeros: 999.6 µs reads "1.00 ms", not "1e+03 µs" or "1 ms".
"""
from __future__ import annotations

from mlsysim import units

INTEGER_DTYPES = ("int8", "int4", "uint8", "int16", "int32")


def fmt_time(seconds: float) -> str:
    # the engine switches from seconds to hours at 2 h, so 1,000-7,199 s would read "2.84e+03 s"; minutes instead
    if 1000 <= abs(float(f"{seconds:.3g}")) < 7200:
        return f"{seconds / 60:#.3g}".rstrip(".") + " min"
    return units.fmt_time(seconds, keep_zeros=True)


def fmt_bytes(value: float) -> str:
    return units.fmt_bytes(value, keep_zeros=True)


def fmt_rate(value: float, unit: str = "FLOP/s") -> str:
    return units.fmt_rate(value, unit, keep_zeros=True)


def fmt_count(value: float, unit: str = "") -> str:
    return units.fmt_count(value, unit, keep_zeros=True)


def fmt_pct(fraction: float, digits: int = 1) -> str:
    return f"{fraction * 100:.{digits}f} %"


def ops_unit(dtype: str) -> str:
    """Throughput unit for ``dtype``: integer arithmetic is counted in OP/s, floating point in FLOP/s."""
    return "OP/s" if dtype in INTEGER_DTYPES else "FLOP/s"


__all__ = ["fmt_bytes", "fmt_count", "fmt_rate", "fmt_time", "fmt_pct", "ops_unit"]

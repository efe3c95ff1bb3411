"""Number formatting: the engine's formatters plus the percentages labs need."""
from __future__ import annotations

from mlsysim.units import fmt_bytes, fmt_count, fmt_rate, fmt_time


def fmt_pct(fraction: float, digits: int = 1) -> str:
    return f"{fraction * 100:.{digits}f} %"


__all__ = ["fmt_bytes", "fmt_count", "fmt_rate", "fmt_time", "fmt_pct"]

"""Unit constants and number formatting. All quantities in MLSys·im are SI floats."""
from __future__ import annotations

from .errors import choice

KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12
KiB, MiB, GiB = 2.0**10, 2.0**20, 2.0**30
GIGA, TERA, PETA = 1e9, 1e12, 1e15
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
JOULES_PER_KWH = 3.6e6

#: Bytes per element of every numeric format the catalogs know.
DTYPE_BYTES = {"fp64": 8.0, "fp32": 4.0, "tf32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
DTYPES = tuple(DTYPE_BYTES)


def dtype_name(dtype: str, field: str = "dtype") -> str:
    """Canonical lower-case dtype name; raises ValidationError listing the valid ones."""
    return choice(field, dtype, DTYPES)


def dtype_bytes(dtype: str, field: str = "dtype") -> float:
    return DTYPE_BYTES[dtype_name(dtype, field)]


def _scaled(value: float, steps, unit: str) -> str:
    magnitude = abs(value)
    for factor, prefix in steps:
        if magnitude >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


_DECIMAL = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def fmt_bytes(value: float) -> str:
    return _scaled(value, _DECIMAL, "B")


def fmt_rate(value: float, unit: str = "FLOP/s") -> str:
    return _scaled(value, _DECIMAL, unit)


def fmt_count(value: float, unit: str = "") -> str:
    return _scaled(value, _DECIMAL, unit).strip()


def fmt_time(seconds: float) -> str:
    magnitude = abs(seconds)
    if magnitude >= 86400 * 2:
        return f"{seconds / 86400:.3g} days"
    if magnitude >= 3600 * 2:
        return f"{seconds / 3600:.3g} h"
    if magnitude >= 1:
        return f"{seconds:.3g} s"
    if magnitude >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    if magnitude >= 1e-6:
        return f"{seconds * 1e6:.3g} µs"
    return f"{seconds * 1e9:.3g} ns"

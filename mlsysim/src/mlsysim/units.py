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


def _significant(value: float, keep_zeros: bool) -> str:
    return f"{value:#.3g}".rstrip(".") if keep_zeros else f"{value:.3g}"


def _scaled(value: float, steps, unit: str, keep_zeros: bool = False) -> str:
    # round to 3 significant figures BEFORE choosing the prefix, so 999.7e9 B reads "1 TB", not "1e+03 GB"
    magnitude = abs(float(f"{value:.3g}"))
    for factor, prefix in steps:
        if magnitude >= factor:
            return f"{_significant(value / factor, keep_zeros)} {prefix}{unit}"
    return f"{_significant(value, keep_zeros)} {unit}"


_DECIMAL = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def fmt_bytes(value: float, keep_zeros: bool = False) -> str:
    """Bytes with a decimal prefix, 3 significant figures ("1.00 TB" with ``keep_zeros``)."""
    return _scaled(value, _DECIMAL, "B", keep_zeros)


def fmt_rate(value: float, unit: str = "FLOP/s", keep_zeros: bool = False) -> str:
    return _scaled(value, _DECIMAL, unit, keep_zeros)


def fmt_count(value: float, unit: str = "", keep_zeros: bool = False) -> str:
    return _scaled(value, _DECIMAL, unit, keep_zeros).strip()


def fmt_time(seconds: float, keep_zeros: bool = False) -> str:
    """Seconds in the largest readable unit, 3 significant figures, rounded before the unit is chosen
    (999.6e-6 s reads "1 ms", or "1.00 ms" with ``keep_zeros``); 1,000 s up to 2 h read in minutes."""
    def show(value: float, unit: str) -> str:
        return f"{_significant(value, keep_zeros)} {unit}"
    magnitude = abs(float(f"{seconds:.3g}"))
    if magnitude >= 86400 * 2:
        return show(seconds / 86400, "days")
    if magnitude >= 3600 * 2:
        return show(seconds / 3600, "h")
    if magnitude >= 1000:
        # 3 significant figures of seconds would need an exponent ("2.84e+03 s") up to the switch to hours
        return show(seconds / 60, "min")
    if magnitude >= 1:
        return show(seconds, "s")
    if magnitude >= 1e-3:
        return show(seconds * 1e3, "ms")
    if magnitude >= 1e-6:
        return show(seconds * 1e6, "µs")
    return show(seconds * 1e9, "ns")

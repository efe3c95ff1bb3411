"""Errors raised by MLSys·im and the small validators every entry point shares."""
from __future__ import annotations

import difflib
import math
from typing import Iterable


class MLSysimError(Exception):
    """Base class for every error this package raises on purpose."""


class ValidationError(MLSysimError, ValueError):
    """An input is outside its valid range; the message names the field and the range."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class UnknownNameError(MLSysimError, KeyError):
    """A catalog lookup failed; the message lists the closest known names."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        lowered = {k.lower(): k for k in known}
        close = [lowered[m] for m in difflib.get_close_matches(str(name).lower(), list(lowered), n=5, cutoff=0.4)]
        self.kind, self.name, self.close_matches, self.known = kind, name, close, known
        hint = f"did you mean {', '.join(close)}?" if close else f"known {kind} names: {', '.join(known)}"
        super().__init__(f"unknown {kind} {name!r}; {hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return self.args[0]


class MissingDependencyError(MLSysimError, ImportError):
    """An optional dependency is not installed; the message names the package and how to install it."""

    def __init__(self, package: str, message: str):
        self.package = package
        super().__init__(message, name=package)


class DoesNotFitError(ValidationError):
    """The requested configuration needs more memory than the devices have."""


def si_magnitude(value):
    """Plain SI magnitude of a pint Quantity (bytes for information, not bits); other values unchanged.

    pint is optional: quantities are recognised by duck typing, so callers may pass ``700 * ureg.W``
    or ``80 * ureg.GB`` wherever a float in SI units is expected.
    """
    if hasattr(value, "to_base_units") and hasattr(value, "dimensionality"):
        units = str(value.units)
        if "bit" in units or "byte" in units:
            # pint treats information as dimensionless with the bit as base; MLSys·im counts bytes
            per_second = "/ second" in str(value.to_base_units().units) or "second" in units
            return float(value.to("byte / second" if per_second else "byte").magnitude)
        return float(value.to_base_units().magnitude)
    return value


def positive(field: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is a finite number > 0 (or >= 0). pint quantities are converted."""
    value = si_magnitude(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValidationError(field, f"must be finite, got {value!r}")
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValidationError(field, f"must be {bound}, got {value!r}")
    return number


def positive_int(field: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is a whole number >= ``minimum``."""
    value = si_magnitude(value)
    if isinstance(value, bool):
        raise ValidationError(field, f"expected an integer >= {minimum}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"expected an integer >= {minimum}, got {value!r}") from None
    if not math.isfinite(number) or number != int(number) or number < minimum:
        raise ValidationError(field, f"expected an integer >= {minimum}, got {value!r}")
    return int(number)


def fraction(field: str, value, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    """Return ``value`` if it lies in the unit interval (ends controlled by the flags)."""
    number = positive(field, value, allow_zero=True)
    if number > 1 or (number == 0 and not allow_zero) or (number == 1 and not allow_one):
        low = "0 <=" if allow_zero else "0 <"
        high = "<= 1" if allow_one else "< 1"
        raise ValidationError(field, f"must satisfy {low} {field} {high}, got {value!r}")
    return number


def choice(field: str, value, options: Iterable[str]) -> str:
    """Return the canonical spelling of ``value`` among ``options`` (case-insensitive)."""
    if isinstance(options, tuple) and isinstance(value, str) and value in options:
        return value  # already canonical: the common case, without building the lookup
    options = list(options)
    lookup = {o.lower(): o for o in options}
    key = str(value).lower()
    if key not in lookup:
        close = difflib.get_close_matches(key, list(lookup), n=3, cutoff=0.4)
        hint = f" (did you mean {', '.join(lookup[c] for c in close)}?)" if close else ""
        raise ValidationError(field, f"must be one of {', '.join(options)}, got {value!r}{hint}")
    return lookup[key]


def divides(field: str, divisor: int, what: str, total: int) -> None:
    """Require that ``divisor`` (named ``field``) divides ``total`` (named ``what``)."""
    if total % divisor:
        valid = [d for d in range(1, total + 1) if total % d == 0]
        shown = ", ".join(map(str, valid[:12])) + (", ..." if len(valid) > 12 else "")
        raise ValidationError(field, f"{field}={divisor} must divide {what}={total}; valid values: {shown}")

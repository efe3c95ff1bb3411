"""Guarded calls into ``mlsysim``.

Widgets keep every control inside its range, but some *combinations* are still invalid (a tensor
parallel degree that does not divide the GPU count, a model that does not fit any device). The
engine rejects those with an ``mlsysim.MLSysimError`` whose message names the field and the valid
values; a lab must show that message, not a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

import marimo as mo
from mlsysim import MLSysimError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """Either an engine result (``value``) or the engine's rejection (``error``)."""

    value: T | None = None
    error: MLSysimError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def view(self, context: str = "") -> mo.Html:
        """The callout a lab shows instead of its outputs when the engine said no."""
        return error_callout(self.error, context) if self.error is not None else mo.md("")


def error_callout(error: Exception, context: str = "") -> mo.Html:
    kind = type(error).__name__
    lead = f"**The engine rejected this configuration{' (' + context + ')' if context else ''}.**"
    return mo.callout(
        mo.md(f"{lead}\n\n`{kind}`: {error}\n\nMove the controls back into a valid combination; "
              "the message above names the field and the values it accepts."),
        kind="danger",
    )


def attempt(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Outcome[T]:
    """Call ``fn``; an engine error becomes ``Outcome(error=...)``, anything else propagates."""
    try:
        return Outcome(value=fn(*args, **kwargs))
    except MLSysimError as error:
        return Outcome(error=error)


def engine_call(fn: Callable[..., T], *args: Any, context: str = "", **kwargs: Any) -> T:
    """Call ``fn``; on an engine error stop this cell and its dependents, showing the message."""
    outcome = attempt(fn, *args, **kwargs)
    if not outcome.ok:
        mo.stop(True, outcome.view(context))
    return outcome.value


# for each precision, the others in the order a lab should fall back to them: same width first, then wider
NEAREST_DTYPES = {"bf16": ("fp16", "fp32", "fp8", "int8"), "fp16": ("bf16", "fp32", "fp8", "int8"),
                  "fp32": ("tf32", "bf16", "fp16"), "tf32": ("fp32", "bf16", "fp16"),
                  "fp8": ("int8", "bf16", "fp16"), "int8": ("fp8", "bf16", "fp16"), "int4": ("int8", "fp8", "bf16")}


def supported_dtype(hw: Any, dtype: str) -> tuple[str, list[str]]:
    """``dtype`` if ``hw`` publishes a peak for it, else the nearest precision it does, with a note saying so
    (for ``lk.adjusted``): a device without bf16 runs the lab in fp16 instead of rejecting every output."""
    supported = list(hw.peak_flops_by_dtype)
    if dtype in supported:
        return dtype, []
    nearest = next((d for d in NEAREST_DTYPES.get(dtype, ()) if d in supported), supported[0])
    return nearest, [f"{hw.name} has no published {dtype} peak (it lists {', '.join(supported)}); using {nearest}, "
                     "the nearest precision it has."]

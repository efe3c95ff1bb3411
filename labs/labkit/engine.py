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

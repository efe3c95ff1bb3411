"""Napkin-math checks: recompute every quantity of a worked answer and render the text from them.

A question's text never carries a typed-in result. Placeholders such as ``{kv_cache_gb:.1f}`` are
filled from the recomputed quantities, and each check's stated ``value`` is compared with its
recomputation so a catalog change in ``mlsysim`` that moves an answer is caught by the tests.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .schema import Check, Question, verdict_branches

# Expressions are authored in this repository and reviewed like code; the restricted builtins
# keep them to arithmetic so a question cannot reach the filesystem by accident.
_SAFE_BUILTINS = {
    "abs": abs, "min": min, "max": max, "round": round, "sum": sum, "len": len,
    "int": int, "float": float, "bool": bool, "range": range, "sorted": sorted,
    "all": all, "any": any, "pow": pow,
}


class CheckError(Exception):
    """A check could not be evaluated or disagrees with its stated value."""


@lru_cache(maxsize=1)
def _engine() -> Any:
    import mlsysim

    return mlsysim


class _LazyEngine:
    """Imports mlsysim on first attribute access so plain-formula questions never need it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_engine(), name)


@dataclass(frozen=True)
class CheckResult:
    check: Check
    computed: float | bool

    @property
    def ok(self) -> bool:
        stated = self.check.value
        if isinstance(stated, bool) or isinstance(self.computed, bool):
            return isinstance(self.computed, bool) and self.computed == stated
        if stated == 0:
            return abs(self.computed) <= (self.check.tolerance or 0)
        return abs(self.computed - stated) <= (self.check.tolerance or 0) * abs(stated)

    def describe(self) -> str:
        check = self.check
        if isinstance(check.value, bool):
            return f"{check.name}: stated {check.value}, recomputed {self.computed} ({check.expr})"
        error = (self.computed - check.value) / check.value if check.value else float("inf")
        return (
            f"{check.name}: stated {check.value:g} {check.unit}, recomputed {self.computed:.6g} "
            f"({error:+.1%}, tolerance ±{check.tolerance:.1%}) from `{check.expr}`"
        )


def evaluate(question: Question) -> tuple[dict[str, Any], list[CheckResult]]:
    """Evaluate the givens and checks of one question in order.

    Returns the namespace of every quantity (givens and computed checks) and one result per check.
    """
    # One dict serves as globals so comprehensions inside an expression can see the quantities.
    namespace: dict[str, Any] = {"__builtins__": _SAFE_BUILTINS, "ms": _LazyEngine(), "math": math}
    namespace.update(question.given)
    results = []
    for check in question.checks:
        try:
            computed = eval(check.expr, namespace)  # noqa: S307
        except Exception as exc:  # the message must name the question and the check
            raise CheckError(
                f"{question.id}: check {check.name!r} failed to evaluate `{check.expr}`: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(computed, bool) or (hasattr(computed, "dtype") and computed.dtype == bool):
            computed = bool(computed)
        elif isinstance(computed, (int, float)) or hasattr(computed, "__float__"):
            computed = float(computed)
            if not math.isfinite(computed):
                raise CheckError(f"{question.id}: check {check.name!r} evaluated to {computed}")
        else:
            raise CheckError(
                f"{question.id}: check {check.name!r} must evaluate to a number or a bool, "
                f"got {type(computed).__name__} from `{check.expr}`"
            )
        namespace[check.name] = computed
        results.append(CheckResult(check, computed))
    return {k: v for k, v in namespace.items() if k not in ("__builtins__", "ms", "math")}, results


class _VerdictFormatter(string.Formatter):
    """``{fits:fits|does not fit}`` prints the words for the recomputed truth value."""

    def format_field(self, value: Any, format_spec: str) -> str:
        branches = verdict_branches(format_spec)
        if branches is not None and isinstance(value, bool):
            return branches[0] if value else branches[1]
        return super().format_field(value, format_spec)


_FORMATTER = _VerdictFormatter()


def placeholders(text: str) -> set[str]:
    """Names referenced by ``{name}`` / ``{name:fmt}`` placeholders in ``text``."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def render(text: str, quantities: dict[str, Any]) -> str:
    """Fill placeholders from recomputed quantities; literal braces are written ``{{``/``}}``."""
    return _FORMATTER.vformat(text, (), quantities)

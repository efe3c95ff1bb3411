"""Base class for every result: frozen dataclass + ``to_dict()`` + ``explain()``."""
from __future__ import annotations

import dataclasses
import math


def _plain(value):
    if dataclasses.is_dataclass(value) and hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "name") and hasattr(value, "source"):
        return value.name
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class Result:
    """Mixin for result dataclasses. Subclasses implement ``_explain_lines``."""

    def to_dict(self) -> dict:
        out = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if not f.name.startswith("_")}
        for name in getattr(self, "_derived", ()):
            out[name] = _plain(getattr(self, name))
        return out

    def explain(self) -> str:
        return "\n".join(self._explain_lines())

    def _explain_lines(self) -> list[str]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __str__(self) -> str:
        return self.explain()


def dominant(terms: dict[str, float]) -> str:
    """Name of the largest term."""
    return max(terms, key=lambda k: terms[k])

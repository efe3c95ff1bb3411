"""Declarative lab controls.

A lab declares its controls once as ``{name: Slider(...) | Steps(...) | Choice(...) | Switch(...)}``
and turns the declaration into a ``mo.ui.dictionary`` with :func:`controls`. Because the
declaration is data, a test (or the benchmark) can build the same widgets with other starting
values, ``controls(spec, batch=64)``, and hand them to ``app.run(defs=...)``; the bounds the
learner sees in the browser are the bounds the test is held to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

import marimo as mo


@dataclass(frozen=True)
class Slider:
    label: str
    start: float
    stop: float
    step: float
    value: float

    def check(self, name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"control {name!r} expects a number in [{self.start}, {self.stop}], got {value!r}")
        if not self.start <= value <= self.stop:
            raise ValueError(f"control {name!r} is bounded to [{self.start}, {self.stop}] by its slider; "
                             f"{value!r} is outside — pick a value inside the range")
        return value

    def build(self, value: Any) -> mo.ui.slider:
        return mo.ui.slider(self.start, self.stop, step=self.step, value=self.check("value", value),
                            label=self.label, show_value=True, full_width=True)

    @property
    def allowed(self) -> tuple[float, float]:
        return (self.start, self.stop)


@dataclass(frozen=True)
class Steps:
    """A slider over an explicit list of values (powers of two, message sizes, …)."""

    label: str
    values: Sequence[float]
    value: float

    def check(self, name: str, value: Any) -> float:
        if value not in self.values:
            raise ValueError(f"control {name!r} only takes the slider's steps {list(self.values)}; "
                             f"{value!r} is not one of them")
        return value

    def build(self, value: Any) -> mo.ui.slider:
        return mo.ui.slider(steps=list(self.values), value=self.check("value", value), label=self.label,
                            show_value=True, full_width=True)

    @property
    def allowed(self) -> tuple[float, ...]:
        return tuple(self.values)


@dataclass(frozen=True)
class Choice:
    label: str
    options: Sequence[str]
    value: str

    def check(self, name: str, value: Any) -> str:
        if value not in self.options:
            raise ValueError(f"control {name!r} is a dropdown with options {list(self.options)}; "
                             f"{value!r} is not one of them")
        return value

    def build(self, value: Any) -> mo.ui.dropdown:
        return mo.ui.dropdown(list(self.options), value=self.check("value", value), label=self.label)

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(self.options)


@dataclass(frozen=True)
class Switch:
    label: str
    value: bool = False

    def check(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"control {name!r} is a switch; pass True or False, got {value!r}")
        return value

    def build(self, value: Any) -> mo.ui.switch:
        return mo.ui.switch(value=self.check("value", value), label=self.label)

    @property
    def allowed(self) -> tuple[bool, bool]:
        return (False, True)


Control = Union[Slider, Steps, Choice, Switch]


def controls(spec: Mapping[str, Control], **overrides: Any) -> mo.ui.dictionary:
    """Build the lab's widgets from ``spec``; ``overrides`` replace starting values (bounds enforced)."""
    unknown = sorted(set(overrides) - set(spec))
    if unknown:
        raise ValueError(f"no control named {', '.join(map(repr, unknown))}; this lab's controls are "
                         f"{', '.join(spec)}")
    widgets = {}
    for name, control in spec.items():
        value = overrides.get(name, control.value)
        control.check(name, value)
        widgets[name] = control.build(value)
    return mo.ui.dictionary(widgets)


def panel(widgets: mo.ui.dictionary, title: str = "Controls") -> mo.Html:
    """Lay the controls out in a bordered two-column grid."""
    items = [widgets[name] for name in widgets.elements]
    columns = [mo.vstack(items[0::2], gap=0.6), mo.vstack(items[1::2], gap=0.6)]
    body = mo.vstack([mo.md(f"**{title}**"), mo.hstack(columns, widths="equal", gap=2, align="start")])
    return body.style({"border": "1px solid #d9dee8", "border-radius": "8px", "padding": "0.8rem 1rem",
                       "background": "#f8fafc"})

"""Predict, then reveal: capture the learner's guess before any control, compare it with the engine after.

A lab declares its prediction as data, like its controls::

    prediction_spec = lk.Pick("How many requests fit?", ["about 8", "about 60", "about 500", "about 5,000"])
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)

and, below its outputs, ``lk.reveal(prediction_spec, prediction, answer, engine_says)``, which stays
closed until the learner has committed to a guess and then reads "you said X, the engine says Y".
Because the spec is data, tests rebuild the widget with a guess: ``prediction_spec.build("about 60")``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

import marimo as mo


@dataclass(frozen=True)
class Pick:
    """A multiple-choice prediction."""

    question: str
    options: Sequence[str]

    def __post_init__(self):
        if len(self.options) < 2 or len(set(self.options)) != len(self.options):
            raise ValueError(f"a Pick needs two or more distinct options; got {list(self.options)}")

    def build(self, value: str | None = None) -> mo.ui.radio:
        if value is not None and value not in self.options:
            raise ValueError(f"prediction {value!r} is not one of the options {list(self.options)}")
        return mo.ui.radio(list(self.options), value=value, label="Your prediction:")

    def guess(self, widget: Any) -> str | None:
        return widget.value or None


@dataclass(frozen=True)
class Estimate:
    """A numeric prediction typed into a box (``unit`` names what the number counts)."""

    question: str
    unit: str

    def build(self, value: float | None = None) -> mo.ui.text:
        text = "" if value is None else f"{value:g}"
        return mo.ui.text(value=text, placeholder="type a number", label=f"Your prediction ({self.unit}):")

    def guess(self, widget: Any) -> float | None:
        text = str(widget.value or "").replace(",", "").replace("_", "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None


PredictionSpec = Union[Pick, Estimate]


def predict(spec: PredictionSpec, widget: Any) -> mo.Html:
    """The predict-first prompt, with the widget that records the guess, shown above the controls."""
    return mo.callout(mo.vstack([
        mo.md(f"**Predict first.** {spec.question}"),
        widget,
        mo.md("*Commit to a guess before touching the controls; the lab compares it with the engine "
              "at the end.*"),
    ]), kind="info")


def closest(options: Mapping[str, float], value: float) -> str:
    """The option whose number is nearest to ``value`` on a log scale (for order-of-magnitude choices)."""
    if value <= 0 or any(v <= 0 for v in options.values()):
        return min(options, key=lambda k: abs(options[k] - value))
    return min(options, key=lambda k: abs(math.log(options[k] / value)))


def _said(spec: PredictionSpec, guess: Any) -> str:
    return f"{guess:,.4g} {spec.unit}" if isinstance(spec, Estimate) else str(guess)


def reveal(spec: PredictionSpec, widget: Any, answer: Any, engine_says: str, why: str = "") -> mo.Html:
    """Compare the captured guess with the engine: "You said X; the engine says Y".

    ``answer`` is the correct option of a :class:`Pick`, or the engine's number for an
    :class:`Estimate`; ``engine_says`` is the engine's result in words with its numbers.
    """
    guess = spec.guess(widget)
    if guess is None:
        return mo.callout(mo.md("**Your prediction.** Pick or type your guess in the box at the top of the "
                                "lab to see how it compares with the engine."), kind="neutral")
    if isinstance(spec, Pick):
        if answer not in spec.options:
            raise ValueError(f"answer {answer!r} is not one of the options {list(spec.options)}")
        right = guess == answer
        verdict = "Right." if right else f"Not quite: the closest option is **{answer}**."
    else:
        ratio = guess / answer if answer else math.inf
        right = answer != 0 and 0.5 <= ratio <= 2
        if right:
            verdict = "Within a factor of two."
        elif ratio > 0:
            verdict = (f"Off by {ratio:.3g}× (too high)." if ratio > 1 else f"Off by {1 / ratio:.3g}× (too low).")
        else:
            verdict = "The sign or zero is off."
    text = f"**You said {_said(spec, guess)}; the engine says {engine_says}.** {verdict}"
    if why:
        text += f"\n\n{why}"
    return mo.callout(mo.md(text), kind="success" if right else "warn")

"""Altair charts in one house style.

Altair only builds a Vega-Lite spec in Python and the browser draws it, so a control change costs
a few milliseconds here (a Matplotlib PNG of the same chart costs over 100 ms on two cores).
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import altair as alt

WIDTH, HEIGHT = 520, 280
PALETTE = ["#1f5aa6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30343f"]
LIMIT_COLOR = "#b3261e"
CURRENT_COLOR = "#111111"


def _finite(value: float) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _scale(log: bool) -> alt.Scale:
    return alt.Scale(type="log") if log else alt.Scale(zero=False)


def _style(chart: alt.TopLevelMixin, title: str) -> alt.TopLevelMixin:
    return (chart.properties(width=WIDTH, height=HEIGHT, title=title)
            .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#e8ebf0")
            .configure_legend(orient="bottom", labelFontSize=11, title=None)
            .configure_view(strokeWidth=0))


def _rules(hlines: Iterable[tuple[float, str]], vlines: Iterable[tuple[float, str]]) -> list[alt.Chart]:
    layers = []
    h = [{"y": y, "label": label} for y, label in hlines if _finite(y)]
    v = [{"x": x, "label": label} for x, label in vlines if _finite(x)]
    if h:
        base = alt.Chart(alt.Data(values=h))
        layers += [base.mark_rule(color=LIMIT_COLOR, strokeDash=[6, 4]).encode(y="y:Q"),
                   base.mark_text(color=LIMIT_COLOR, align="left", dx=4, dy=-7, fontSize=11)
                   .encode(y="y:Q", text="label:N", x=alt.value(4))]
    if v:
        base = alt.Chart(alt.Data(values=v))
        layers += [base.mark_rule(color=LIMIT_COLOR, strokeDash=[6, 4]).encode(x="x:Q"),
                   base.mark_text(color=LIMIT_COLOR, align="left", dx=4, fontSize=11)
                   .encode(x="x:Q", text="label:N", y=alt.value(10))]
    return layers


def line_chart(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, x_title: str, y_title: str,
               title: str = "", log_x: bool = False, log_y: bool = False,
               current: tuple[float, float, str] | None = None,
               hlines: Iterable[tuple[float, str]] = (), vlines: Iterable[tuple[float, str]] = ()) -> alt.TopLevelMixin:
    """Lines named by ``series``; ``current`` marks the point the controls select."""
    rows = [{"x": float(x), "y": float(y), "series": name}
            for name, (xs, ys) in series.items() for x, y in zip(xs, ys)
            if _finite(x) and _finite(y) and (not log_x or x > 0) and (not log_y or y > 0)]
    x_enc = alt.X("x:Q", title=x_title, scale=_scale(log_x))
    y_enc = alt.Y("y:Q", title=y_title, scale=_scale(log_y))
    layers = [alt.Chart(alt.Data(values=rows)).mark_line(strokeWidth=2.2).encode(
        x=x_enc, y=y_enc, color=alt.Color("series:N", scale=alt.Scale(range=PALETTE)),
        tooltip=["series:N", "x:Q", "y:Q"])]
    layers += _rules(hlines, vlines)
    if current and _finite(current[0]) and _finite(current[1]):
        point = alt.Chart(alt.Data(values=[{"x": current[0], "y": current[1], "label": current[2]}]))
        layers += [point.mark_point(size=140, filled=True, color=CURRENT_COLOR).encode(x="x:Q", y="y:Q"),
                   point.mark_text(align="left", dx=9, dy=-9, fontSize=11, fontWeight="bold")
                   .encode(x="x:Q", y="y:Q", text="label:N")]
    return _style(alt.layer(*layers), title)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, y_title: str, title: str = "",
              highlight: str | None = None, log_y: bool = False,
              hlines: Iterable[tuple[float, str]] = ()) -> alt.TopLevelMixin:
    rows = [{"label": str(l), "value": float(v), "current": str(l) == highlight}
            for l, v in zip(labels, values) if _finite(v) and (not log_y or v > 0)]
    bars = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("label:N", title=None, sort=None),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Scale()),
        color=alt.condition("datum.current", alt.value(PALETTE[1]), alt.value(PALETTE[0])),
        tooltip=["label:N", "value:Q"])
    return _style(alt.layer(bars, *_rules(hlines, ())), title)


def stacked_bar_chart(categories: Sequence[str], parts: Mapping[str, Sequence[float]], *, y_title: str,
                      title: str = "", hlines: Iterable[tuple[float, str]] = ()) -> alt.TopLevelMixin:
    """One bar per category, stacked by ``parts`` (e.g. weights / grads / optimizer / activations)."""
    order = {name: i for i, name in enumerate(parts)}
    rows = [{"category": str(c), "part": name, "value": float(v), "order": order[name]}
            for name, values in parts.items() for c, v in zip(categories, values) if _finite(v)]
    bars = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("category:N", title=None, sort=None),
        y=alt.Y("value:Q", title=y_title, stack="zero"),
        color=alt.Color("part:N", scale=alt.Scale(domain=list(parts), range=PALETTE)),
        order="order:Q", tooltip=["category:N", "part:N", "value:Q"])
    return _style(alt.layer(bars, *_rules(hlines, ())), title)


def roofline_chart(peak_flops: float, bandwidth_bytes_per_s: float,
                   points: Sequence[tuple[float, float, str]], *, title: str = "",
                   intensity_range: tuple[float, float] = (0.1, 1e4)) -> alt.TopLevelMixin:
    """The roofline min(peak, I * bandwidth) on log-log axes with the ridge and the given operating points."""
    low, high = intensity_range
    ridge = peak_flops / bandwidth_bytes_per_s
    xs = sorted({low, high, ridge} | {low * (high / low) ** (i / 60) for i in range(61)})
    roof = [min(peak_flops, x * bandwidth_bytes_per_s) / 1e12 for x in xs]
    chart = line_chart({"attainable TFLOP/s": (xs, roof)}, x_title="Arithmetic intensity (FLOP/byte)",
                       y_title="TFLOP/s", log_x=True, log_y=True,
                       vlines=[(ridge, f"ridge {ridge:.0f} FLOP/B")], title=title)
    marks = [{"x": x, "y": y / 1e12, "label": label} for x, y, label in points if _finite(x) and _finite(y) and x > 0 and y > 0]
    if not marks:
        return chart
    base = alt.Chart(alt.Data(values=marks))
    layered = alt.layer(*chart.layer,
                        base.mark_point(size=140, filled=True, color=CURRENT_COLOR).encode(x="x:Q", y="y:Q"),
                        base.mark_text(align="left", dx=9, dy=-9, fontSize=11, fontWeight="bold")
                        .encode(x="x:Q", y="y:Q", text="label:N"))
    return _style(layered, title)

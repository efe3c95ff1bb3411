"""Charts in one house style, as Vega-Lite specifications the browser draws.

The helpers build plain Vega-Lite dictionaries and hand them to marimo through the ``_mime_``
protocol, so a control change costs well under a millisecond per chart in Python (constructing the
same charts through Altair's object model costs tens of milliseconds, a Matplotlib PNG over 100 ms
on two cores).
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable, Mapping, Sequence

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
MIMETYPE = "application/vnd.vegalite.v6+json"
WIDTH, HEIGHT = 520, 280
PALETTE = ["#1f5aa6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30343f"]
LIMIT_COLOR = "#b3261e"
CURRENT_COLOR = "#111111"


class Chart:
    """A Vega-Lite spec marimo renders as an interactive chart."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self.spec

    def _mime_(self) -> tuple[str, str]:
        return MIMETYPE, json.dumps(self.spec)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _scale(log: bool, domain: tuple[float, float] | None = None) -> dict[str, Any]:
    scale: dict[str, Any] = {"type": "log"} if log else {"zero": False}
    if domain is not None:
        # the axis spans exactly the data: Vega's "nice" rounding would stretch a log axis by up to 10x
        scale.update(domain=list(domain), nice=False)
    return scale


def _extent(values: Iterable[float]) -> tuple[float, float] | None:
    values = list(values)
    if not values:
        return None
    low, high = min(values), max(values)
    return (low, high) if low < high else None


def _inside(value: float, extent: tuple[float, float] | None) -> bool:
    return extent is None or extent[0] <= value <= extent[1]


def _top(layers: list[dict[str, Any]], title: str) -> Chart:
    return Chart({
        "$schema": VEGA_LITE_SCHEMA, "width": WIDTH, "height": HEIGHT, "title": title, "layer": layers,
        "config": {"axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e8ebf0"},
                   "legend": {"orient": "bottom", "labelFontSize": 11, "title": None},
                   "view": {"strokeWidth": 0}},
    })


def _rules(hlines: Iterable[tuple[float, str]], vlines: Iterable[tuple[float, str]]) -> list[dict[str, Any]]:
    layers = []
    h = [{"y": float(y), "label": label} for y, label in hlines if _finite(y)]
    v = [{"x": float(x), "label": label} for x, label in vlines if _finite(x)]
    if h:
        layers += [
            {"data": {"values": h}, "mark": {"type": "rule", "color": LIMIT_COLOR, "strokeDash": [6, 4]},
             "encoding": {"y": {"field": "y", "type": "quantitative"}}},
            {"data": {"values": h}, "mark": {"type": "text", "color": LIMIT_COLOR, "align": "left", "dx": 4, "dy": -7,
                                             "fontSize": 11},
             "encoding": {"y": {"field": "y", "type": "quantitative"}, "x": {"value": 4},
                          "text": {"field": "label", "type": "nominal"}}},
        ]
    if v:
        layers += [
            {"data": {"values": v}, "mark": {"type": "rule", "color": LIMIT_COLOR, "strokeDash": [6, 4]},
             "encoding": {"x": {"field": "x", "type": "quantitative"}}},
            {"data": {"values": v}, "mark": {"type": "text", "color": LIMIT_COLOR, "align": "left", "dx": 4, "fontSize": 11},
             "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"value": 10},
                          "text": {"field": "label", "type": "nominal"}}},
        ]
    return layers


def _point(x: float, y: float, label: str) -> list[dict[str, Any]]:
    data = {"values": [{"x": float(x), "y": float(y), "label": label}]}
    enc = {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}}
    return [{"data": data, "mark": {"type": "point", "size": 140, "filled": True, "color": CURRENT_COLOR}, "encoding": enc},
            {"data": data, "mark": {"type": "text", "align": "left", "dx": 9, "dy": -9, "fontSize": 11, "fontWeight": "bold"},
             "encoding": {**enc, "text": {"field": "label", "type": "nominal"}}}]


def line_chart(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, x_title: str, y_title: str,
               title: str = "", log_x: bool = False, log_y: bool = False,
               current: tuple[float, float, str] | None = None,
               hlines: Iterable[tuple[float, str]] = (), vlines: Iterable[tuple[float, str]] = ()) -> Chart:
    """Lines named by ``series``; ``current`` marks the point the controls select."""
    rows = [{"x": float(x), "y": float(y), "series": name}
            for name, (xs, ys) in series.items() for x, y in zip(xs, ys)
            if _finite(x) and _finite(y) and (not log_x or x > 0) and (not log_y or y > 0)]
    if current and not (_finite(current[0]) and _finite(current[1]) and (not log_x or current[0] > 0)
                        and (not log_y or current[1] > 0)):
        current = None
    x_extent = _extent([r["x"] for r in rows] + ([current[0]] if current else []))
    y_extent = _extent([r["y"] for r in rows] + ([current[1]] if current else []))
    # reference lines are drawn only where they fall inside the data, so they never stretch an axis
    hlines = [(y, label) for y, label in hlines if _finite(y) and _inside(y, y_extent)]
    vlines = [(x, label) for x, label in vlines if _finite(x) and _inside(x, x_extent)]
    layers = [{
        # markers only where points are few enough to read as samples, not on dense curves
        "data": {"values": rows}, "mark": {"type": "line", "strokeWidth": 2.2,
                                           "point": {"size": 18} if len(rows) <= 24 * max(1, len(series)) else False},
        "encoding": {"x": {"field": "x", "type": "quantitative", "title": x_title, "scale": _scale(log_x, x_extent)},
                     "y": {"field": "y", "type": "quantitative", "title": y_title, "scale": _scale(log_y, y_extent)},
                     "color": {"field": "series", "type": "nominal", "scale": {"range": PALETTE}},
                     "tooltip": [{"field": "series", "type": "nominal"}, {"field": "x", "type": "quantitative"},
                                 {"field": "y", "type": "quantitative"}]},
    }]
    layers += _rules(hlines, vlines)
    if current:
        layers += _point(*current)
    return _top(layers, title)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, y_title: str, title: str = "",
              highlight: str | None = None, log_y: bool = False,
              hlines: Iterable[tuple[float, str]] = ()) -> Chart:
    rows = [{"label": str(l), "value": float(v), "current": str(l) == highlight}
            for l, v in zip(labels, values) if _finite(v) and (not log_y or v > 0)]
    bars = {"data": {"values": rows}, "mark": "bar",
            "encoding": {"x": {"field": "label", "type": "nominal", "title": None, "sort": None},
                         "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": _scale(log_y) if log_y else {}},
                         "color": {"condition": {"test": "datum.current", "value": PALETTE[1]}, "value": PALETTE[0]},
                         "tooltip": [{"field": "label", "type": "nominal"}, {"field": "value", "type": "quantitative"}]}}
    return _top([bars, *_rules(hlines, ())], title)


def stacked_bar_chart(categories: Sequence[str], parts: Mapping[str, Sequence[float]], *, y_title: str,
                      title: str = "", hlines: Iterable[tuple[float, str]] = ()) -> Chart:
    """One bar per category, stacked by ``parts`` (e.g. weights / grads / optimizer / activations)."""
    order = {name: i for i, name in enumerate(parts)}
    rows = [{"category": str(c), "part": name, "value": float(v), "order": order[name]}
            for name, values in parts.items() for c, v in zip(categories, values) if _finite(v)]
    bars = {"data": {"values": rows}, "mark": "bar",
            "encoding": {"x": {"field": "category", "type": "nominal", "title": None, "sort": None},
                         "y": {"field": "value", "type": "quantitative", "title": y_title, "stack": "zero"},
                         "color": {"field": "part", "type": "nominal", "scale": {"domain": list(parts), "range": PALETTE}},
                         "order": {"field": "order", "type": "quantitative"},
                         "tooltip": [{"field": "category", "type": "nominal"}, {"field": "part", "type": "nominal"},
                                     {"field": "value", "type": "quantitative"}]}}
    return _top([bars, *_rules(hlines, ())], title)


def roofline_chart(peak_flops: float, bandwidth_bytes_per_s: float,
                   points: Sequence[tuple[float, float, str]], *, title: str = "", unit: str = "FLOP/s") -> Chart:
    """The roofline min(peak, I × bandwidth) on log-log axes with the ridge and the given operating points.

    The intensity axis spans the points and the ridge (a factor of two either side); ``unit`` is
    "FLOP/s" for floating point and "OP/s" for integer precisions (see :func:`labkit.fmt.ops_unit`)."""
    ridge = peak_flops / bandwidth_bytes_per_s
    shown = [(x, y, label) for x, y, label in points if _finite(x) and _finite(y) and x > 0 and y > 0]
    low = min([ridge] + [x for x, _, _ in shown]) / 2
    high = max([ridge] + [x for x, _, _ in shown]) * 2
    xs = sorted({low, high, ridge} | {low * (high / low) ** (i / 60) for i in range(61)})
    roof = [min(peak_flops, x * bandwidth_bytes_per_s) / 1e12 for x in xs]
    per_byte = unit.removesuffix("/s")
    chart = line_chart({f"attainable T{unit}": (xs, roof)}, x_title=f"Arithmetic intensity ({per_byte}/byte)",
                       y_title=f"T{unit}", log_x=True, log_y=True,
                       vlines=[(ridge, f"ridge {ridge:.0f} {per_byte}/B")], title=title)
    for x, y, label in shown:
        chart.spec["layer"] += _point(x, y / 1e12, label)
    return chart

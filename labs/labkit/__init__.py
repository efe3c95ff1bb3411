"""labkit: the look and the helpers every MLSysBook lab imports.

A lab is a marimo notebook; labkit gives it a header that links back to its chapter, a predict-first
prompt, declarative controls that tests can re-create with other values, guarded engine calls that
turn an ``mlsysim`` error into a callout, Altair charts with one house style, Markdown tables, the
"limit hit" explanation and hidden-answer reflections.
"""
from labkit.catalog import LabInfo, lab_info, load_catalog, CATALOG_PATH
from labkit.controls import Choice, Slider, Steps, Switch, controls, panel
from labkit.engine import engine_call, attempt, Outcome, supported_dtype
from labkit.views import header, limit, reflections, table, formula_box, adjusted
from labkit.predictions import Pick, Estimate, predict, reveal, closest
from labkit.charts import Chart, line_chart, bar_chart, stacked_bar_chart, roofline_chart
from labkit.fmt import fmt_bytes, fmt_time, fmt_rate, fmt_count, fmt_pct, ops_unit

__all__ = [
    "LabInfo", "lab_info", "load_catalog", "CATALOG_PATH",
    "Choice", "Slider", "Steps", "Switch", "controls", "panel",
    "engine_call", "attempt", "Outcome", "supported_dtype",
    "header", "limit", "reflections", "table", "formula_box", "adjusted",
    "Pick", "Estimate", "predict", "reveal", "closest",
    "Chart", "line_chart", "bar_chart", "stacked_bar_chart", "roofline_chart",
    "fmt_bytes", "fmt_time", "fmt_rate", "fmt_count", "fmt_pct", "ops_unit",
]

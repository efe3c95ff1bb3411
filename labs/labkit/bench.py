"""Benchmark: time from a control change to updated, rendered outputs, for every lab.

For each control of each lab the benchmark moves the widget one step, re-executes what the marimo
kernel would re-execute (the cells downstream of ``controls``; every other cell keeps its warm
definitions, as in a live session, so per-kernel caches stay warm) and renders each output to the
HTML the browser receives. It also times a reference notebook (one slider, one Markdown line)
the same way in the same run, and prints each lab's latency as a ratio to it and to the 100 ms
target. Run: ``make bench-labs`` or ``python -m labkit.bench [--only lab,lab] [--repeat N]``.
"""
from __future__ import annotations

import statistics
import time
from typing import Any

import click
import marimo as mo
from marimo._ast.app import InternalApp  # the dataflow graph: which cells a control change re-runs

from labkit.controls import Choice, Slider, Steps, Switch, controls
from labkit.harness import default_run, lab_ids, load_app, render

TARGET_S = 0.100


def _reference_app() -> mo.App:
    app = mo.App()

    @app.cell
    def _():
        import marimo as mo_
        from labkit.controls import Slider as Slider_, controls as controls_of

        control_spec = {"x": Slider_("x", 0, 10, 1, 5)}
        return control_spec, controls_of, mo_

    @app.cell
    def _(control_spec, controls_of):
        controls_ = controls_of(control_spec)
        return (controls_,)

    @app.cell
    def _(controls_, mo_):
        doubled = controls_.value["x"] * 2
        mo_.md(f"twice x is {doubled}")
        return (doubled,)

    return app


def _moved(control, current: Any) -> Any:
    """The value one step away from ``current`` (what a single slider drag or click produces)."""
    if isinstance(control, Switch):
        return not current
    if isinstance(control, (Steps, Choice)):
        options = list(control.allowed)
        index = options.index(current)
        return options[index + 1] if index + 1 < len(options) else options[index - 1]
    if isinstance(control, Slider):
        return current + control.step if current + control.step <= control.stop else current - control.step
    raise TypeError(f"unknown control type {type(control).__name__}")


def _static_defs(app: mo.App, warm_defs: dict[str, Any], controls_name: str) -> dict[str, Any]:
    """Definitions of every cell the kernel would NOT re-run when ``controls_name`` changes."""
    graph = InternalApp(app).graph
    (controls_cell,) = graph.get_defining_cells(controls_name)
    rerun = graph.descendants(controls_cell) | {controls_cell}
    keep = {}
    for cell_id, cell in graph.cells.items():
        # the setup cell runs once per process; marimo refuses overrides of its names
        if cell_id not in rerun and cell_id != "setup":
            keep.update({name: warm_defs[name] for name in cell.defs if name in warm_defs})
    return keep


def time_change(app: mo.App, static: dict[str, Any], controls_name: str, widgets) -> float:
    start = time.perf_counter()
    outputs, _ = app.run(defs={**static, controls_name: widgets})
    render(outputs)
    return time.perf_counter() - start


def bench_lab(lab_id: str, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """(first move, repeated move) seconds per control. The first move to a new value may miss the
    lab's per-kernel caches (a queue simulation, a training-time sweep); repeats hit them."""
    app = load_app(lab_id)
    _, warm = default_run(lab_id)
    spec = warm["control_spec"]
    static = _static_defs(app, warm, "controls")
    first, repeated = {}, {}
    for name, control in spec.items():
        widgets = controls(spec, **{name: _moved(control, control.value)})
        first[name] = time_change(app, static, "controls", widgets)
        repeated[name] = statistics.median(time_change(app, static, "controls", widgets) for _ in range(repeat))
    return first, repeated


@click.command()
@click.option("--only", default="", help="Comma-separated lab ids (default: every lab).")
@click.option("--repeat", default=3, show_default=True, help="Timed repetitions per control change.")
def main(only: str, repeat: int) -> None:
    wanted = [x.strip() for x in only.split(",") if x.strip()] or lab_ids()
    reference = _reference_app()
    _, ref_defs = reference.run()
    ref_static = _static_defs(reference, dict(ref_defs), "controls_")
    ref_widgets = controls({"x": Slider("x", 0, 10, 1, 5)}, x=6)
    time_change(reference, ref_static, "controls_", ref_widgets)
    ref_s = statistics.median(time_change(reference, ref_static, "controls_", ref_widgets) for _ in range(max(5, repeat)))

    click.echo(f"control change -> rendered outputs; reference notebook (one slider, one line): {ref_s * 1e3:.1f} ms")
    click.echo("median over the lab's controls of the repeated move (median of "
               f"{repeat}); 'first' = first move to a new value, which may miss the lab's caches")
    click.echo(f"{'lab':<22} {'median':>8} {'× ref':>6} {'× target':>8} {'slowest control':>24} {'first: median':>14} {'worst':>24}")
    over, over_first = [], []
    for lab_id in wanted:
        first, repeated = bench_lab(lab_id, repeat)
        median = statistics.median(repeated.values())
        worst = max(repeated, key=repeated.get)
        first_median = statistics.median(first.values())
        first_worst = max(first, key=first.get)
        click.echo(f"{lab_id:<22} {median * 1e3:6.1f}ms {median / ref_s:5.1f}× {median / TARGET_S:7.2f}× "
                   f"{worst + f' {repeated[worst] * 1e3:.0f}ms':>24} {first_median * 1e3:12.1f}ms "
                   f"{first_worst + f' {first[first_worst] * 1e3:.0f}ms':>24}")
        if median > TARGET_S:
            over.append(lab_id)
        if first[first_worst] > TARGET_S:
            over_first.append(f"{lab_id} ({first_worst})")
    click.echo(f"target {TARGET_S * 1e3:.0f} ms per change: {len(wanted) - len(over)}/{len(wanted)} labs within it"
               + (f"; over: {', '.join(over)}" if over else ""))
    if over_first:
        click.echo(f"first moves over the target (cache misses): {', '.join(over_first)}")


if __name__ == "__main__":
    main()

"""Every lab: runs headless, is `marimo check` clean, has the required anatomy, survives its extremes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

import pytest

import labkit as lk
from labkit.harness import (LABS_DIR, default_run, error_callouts, lab_ids, lab_path, output_text, run_lab,
                            vega_lite_errors)


def test_every_lab_file_is_in_the_catalog_and_back():
    files = {p.stem for p in LABS_DIR.glob("*.py")}
    assert files == set(lab_ids()), "labs/*.py and labs/labs.yml disagree"


def test_labs_pass_marimo_check():
    done = subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", *map(str, sorted(LABS_DIR.glob("*.py")))],
                          capture_output=True, text=True, cwd=LABS_DIR)
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stdout + done.stderr


_RUN_ALL_AS_SCRIPTS = r"""
import json, runpy, sys, traceback
results = {}
for path in sys.argv[1:]:
    try:
        runpy.run_path(path, run_name="__main__")
        results[path] = ""
    except BaseException:
        results[path] = traceback.format_exc()
print("RESULTS" + json.dumps(results))
"""


@lru_cache(maxsize=1)
def _script_results() -> dict[str, str]:
    """Run every lab file as ``__main__`` in one fresh interpreter (imports are paid once)."""
    paths = [str(lab_path(lab)) for lab in lab_ids()]
    env = dict(os.environ, PYTHONPATH=str(LABS_DIR))
    done = subprocess.run([sys.executable, "-c", _RUN_ALL_AS_SCRIPTS, *paths], capture_output=True, text=True,
                          env=env, cwd=LABS_DIR, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    marker = done.stdout.rindex("RESULTS")
    return json.loads(done.stdout[marker + len("RESULTS"):])


def test_lab_runs_headless_as_a_script(lab_id):
    error = _script_results()[str(lab_path(lab_id))]
    assert error == "", error


def test_lab_has_the_required_anatomy(lab_id):
    outputs, defs = default_run(lab_id)
    text = output_text(outputs)
    info = lk.lab_info(lab_id)
    assert info.title in text and info.chapter_href in text, "header must link back to the chapter"
    assert "Predict first" in text
    assert len(defs["control_spec"]) >= 3, "a lab needs at least three controls"
    charts = [o for o in outputs if isinstance(o, lk.Chart)]
    assert charts, "a lab needs a chart"
    for chart in charts:
        assert vega_lite_errors(chart.to_dict()) == []
    assert "<table" in text, "a lab needs a table"
    assert "Limit hit" in text or "Within limits" in text, "a lab must explain which resource binds"
    assert text.count("Show answer") >= 2, "a lab needs two reflection questions with hidden answers"
    # the predict-first prompt comes before the controls
    assert text.index("Predict first") < text.index("Controls")


def test_defaults_need_no_engine_rejection(lab_id):
    outputs, _ = default_run(lab_id)
    assert error_callouts(outputs) == []


def test_every_control_extreme_runs_without_a_traceback(lab_id):
    """Each control at its lowest and highest widget value (others at default): no exception escapes.

    Combinations the engine rejects must show up as an error callout, never as an exception. Across
    the defaults and these extremes the lab must also reach its limit at least once."""
    outputs, defaults = default_run(lab_id)
    limit_hit = "Limit hit" in output_text(outputs)
    for name, control in defaults["control_spec"].items():
        allowed = control.allowed
        for value in {allowed[0], allowed[-1]}:
            outputs, defs = run_lab(lab_id, **{name: value})
            assert defs["controls"].value[name] == value
            assert outputs, f"{lab_id}: no output with {name}={value}"
            limit_hit = limit_hit or "Limit hit" in output_text(outputs)
    assert limit_hit, f"{lab_id}: no control setting reaches the limit the lab is about"


def _outside(control):
    """A value the widget cannot take: beyond a slider's range, off a step list, not an option."""
    if isinstance(control, lk.Slider):
        return control.stop + control.step
    if isinstance(control, lk.Steps):
        return max(control.values) * 2
    if isinstance(control, lk.Choice):
        return "not-an-option"
    return "yes"


def test_widgets_refuse_values_outside_their_range(lab_id):
    _, defaults = default_run(lab_id)
    for name, control in defaults["control_spec"].items():
        with pytest.raises(ValueError, match=name):
            lk.controls(defaults["control_spec"], **{name: _outside(control)})

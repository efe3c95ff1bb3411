"""Every lab: runs headless, is `marimo check` clean, has the required anatomy, survives its extremes."""
from __future__ import annotations

import os
import subprocess
import sys

import altair as alt
import pytest

import labkit as lk
from labkit.harness import LABS_DIR, default_run, error_callouts, lab_ids, lab_path, output_text, run_lab


def test_every_lab_file_is_in_the_catalog_and_back():
    files = {p.stem for p in LABS_DIR.glob("*.py")}
    assert files == set(lab_ids()), "labs/*.py and labs/labs.yml disagree"


def test_labs_pass_marimo_check():
    done = subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", *map(str, sorted(LABS_DIR.glob("*.py")))],
                          capture_output=True, text=True, cwd=LABS_DIR)
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stdout + done.stderr


def test_lab_runs_headless_as_a_script(lab_id):
    env = dict(os.environ, PYTHONPATH=str(LABS_DIR))
    done = subprocess.run([sys.executable, str(lab_path(lab_id))], capture_output=True, text=True, env=env,
                          cwd=LABS_DIR, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def test_lab_has_the_required_anatomy(lab_id):
    outputs, defs = default_run(lab_id)
    text = output_text(outputs)
    info = lk.lab_info(lab_id)
    assert info.title in text and info.chapter_href in text, "header must link back to the chapter"
    assert "Predict first" in text
    assert len(defs["control_spec"]) >= 3, "a lab needs at least three controls"
    assert any(isinstance(o, alt.TopLevelMixin) for o in outputs), "a lab needs a chart"
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

    Combinations the engine rejects must show up as an error callout, never as an exception."""
    _, defaults = default_run(lab_id)
    for name, control in defaults["control_spec"].items():
        allowed = control.allowed
        for value in {allowed[0], allowed[-1]}:
            outputs, defs = run_lab(lab_id, **{name: value})
            assert defs["controls"].value[name] == value
            assert outputs, f"{lab_id}: no output with {name}={value}"

"""Shared fixtures: load a lab's marimo app and run it with chosen control values."""
from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

import pytest

LABS_DIR = Path(__file__).resolve().parent.parent
if str(LABS_DIR) not in sys.path:
    sys.path.insert(0, str(LABS_DIR))

import labkit as lk  # noqa: E402


def lab_ids() -> list[str]:
    return sorted(lk.load_catalog())


def lab_path(lab_id: str) -> Path:
    return LABS_DIR / f"{lab_id}.py"


@lru_cache(maxsize=None)
def load_app(lab_id: str):
    """Import labs/<lab_id>.py as a module and return its marimo ``app``."""
    spec = importlib.util.spec_from_file_location(f"lab_{lab_id}", lab_path(lab_id))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@lru_cache(maxsize=None)
def default_run(lab_id: str):
    outputs, defs = load_app(lab_id).run()
    return tuple(outputs), dict(defs)


def run_lab(lab_id: str, **control_values):
    """Run the lab with its controls built at ``control_values`` (the widgets enforce their bounds)."""
    _, defaults = default_run(lab_id)
    widgets = lk.controls(defaults["control_spec"], **control_values)
    outputs, defs = load_app(lab_id).run(defs={"controls": widgets})
    return tuple(outputs), dict(defs)


def output_text(outputs) -> str:
    """All rendered HTML of a run, for asserting what the learner sees."""
    import marimo as mo

    return "\n".join(mo.as_html(o).text for o in outputs if o is not None)


def error_callouts(outputs) -> list[str]:
    """HTML of the 'danger' callouts (engine rejections) in a run."""
    import marimo as mo

    found = []
    for output in outputs:
        if output is None:
            continue
        html = mo.as_html(output).text
        if "danger" in html and "rejected this configuration" in html:
            found.append(html)
    return found


@pytest.fixture(params=lab_ids())
def lab_id(request) -> str:
    return request.param

"""Run a lab programmatically: the tests and the benchmark drive labs through this module.

A lab's controls cell is ``controls = lk.controls(control_spec)``. ``run_lab`` rebuilds those widgets
at other starting values with the same bounds and passes them to marimo's ``app.run(defs=...)``,
which re-executes every cell that depends on them — exactly what a slider move does in the browser.
"""
from __future__ import annotations

import importlib.util
import json
import re
from html import unescape
from functools import lru_cache
from pathlib import Path
from typing import Any

import marimo as mo

from labkit.catalog import load_catalog
from labkit.controls import controls

LABS_DIR = Path(__file__).resolve().parent.parent


def lab_ids() -> list[str]:
    return sorted(load_catalog())


def lab_path(lab_id: str) -> Path:
    return LABS_DIR / f"{lab_id}.py"


@lru_cache(maxsize=None)
def load_app(lab_id: str) -> mo.App:
    """Import labs/<lab_id>.py as a module and return its marimo ``app``."""
    path = lab_path(lab_id)
    if not path.exists():
        raise FileNotFoundError(f"no lab file {path}; lab ids are the keys of labs/labs.yml")
    spec = importlib.util.spec_from_file_location(f"lab_{lab_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@lru_cache(maxsize=None)
def default_run(lab_id: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    outputs, defs = load_app(lab_id).run()
    return tuple(outputs), dict(defs)


_NO_GUESS = object()


def run_lab(lab_id: str, guess: Any = _NO_GUESS, **control_values: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Run the lab with its controls set to ``control_values`` (bounds enforced as in the browser)
    and, when ``guess`` is given, with that answer typed or picked in its prediction widget."""
    _, defaults = default_run(lab_id)
    overrides: dict[str, Any] = {"controls": controls(defaults["control_spec"], **control_values)}
    if guess is not _NO_GUESS:
        spec = defaults["prediction_spec"]
        overrides.update(prediction_spec=spec, prediction=spec.build(guess))
    outputs, defs = load_app(lab_id).run(defs=overrides)
    return tuple(outputs), dict(defs)


def render(outputs) -> list[str]:
    """HTML of each output, as the browser would receive it."""
    return [mo.as_html(o).text for o in outputs if o is not None]


def output_text(outputs) -> str:
    return "\n".join(render(outputs))


def error_callouts(outputs) -> list[str]:
    """HTML of the engine-rejection callouts in a run."""
    return [html for html in render(outputs) if "rejected this configuration" in html]


_DATA_HTML = re.compile(r"data-html='([^']*)'")
_TAG = re.compile(r"<[^>]+>")


def error_messages(outputs) -> list[str]:
    """Plain text of each engine-rejection callout (what the learner reads)."""
    messages = []
    for html in error_callouts(outputs):
        for encoded in _DATA_HTML.findall(html):
            inner = json.loads(unescape(encoded))
            messages.append(unescape(_TAG.sub("", inner)))
    return messages


@lru_cache(maxsize=1)
def _vega_lite_validator():
    """JSON-schema validator for Vega-Lite v6 (the schema ships inside the altair wheel)."""
    import altair
    import jsonschema

    schema = json.loads((Path(altair.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json")
                        .read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def vega_lite_errors(spec: dict) -> list[str]:
    """Schema violations of a chart spec (empty when the browser can draw it)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in _vega_lite_validator().iter_errors(spec)]

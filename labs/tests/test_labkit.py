"""Unit tests of the shared lab helpers."""
from __future__ import annotations

import math
from pathlib import Path

import marimo as mo
import pytest
import yaml

import labkit as lk
from labkit import siteindex
from labkit.harness import vega_lite_errors
from mlsysim import ValidationError

REPO = Path(__file__).resolve().parents[2]


def _chapters(volume: str) -> set[str]:
    config = yaml.safe_load((REPO / "book" / volume / "_quarto.yml").read_text())

    def walk(items):
        for item in items:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                yield from walk(item.get("chapters", []))

    return {Path(p).parent.name for p in walk(config["book"]["chapters"]) if "/" in p}


def test_catalog_has_at_least_twenty_labs_across_both_volumes():
    catalog = lk.load_catalog()
    assert len(catalog) >= 20
    assert {info.volume for info in catalog.values()} == {"vol1", "vol2"}


def test_every_lab_points_at_a_chapter_listed_in_its_volume():
    for info in lk.load_catalog().values():
        assert info.chapter in _chapters(info.volume), f"{info.lab_id}: no chapter {info.chapter} in {info.volume}"


def test_chapter_links_are_relative_site_paths():
    info = lk.lab_info("roofline")
    assert info.chapter_href == "../vol1/hw_acceleration/hw_acceleration.html"
    assert info.lab_href_from_chapter == "../../labs/roofline.html"


def test_malformed_catalog_names_the_lab_and_field(tmp_path):
    bad = tmp_path / "labs.yml"
    bad.write_text("labs:\n  x:\n    title: T\n    volume: vol1\n")
    with pytest.raises(ValueError, match=r"lab 'x' lacks chapter"):
        lk.load_catalog(bad)


def test_unknown_lab_lists_known_ones():
    with pytest.raises(KeyError, match="roofline"):
        lk.lab_info("rooflin")


SPEC = {
    "batch": lk.Steps("Batch", [1, 2, 4, 8], 2),
    "rate": lk.Slider("Rate", 0, 10, 1, 5),
    "dtype": lk.Choice("Precision", ["bf16", "fp8"], "bf16"),
    "on": lk.Switch("On", False),
}


def test_controls_take_overrides_inside_their_bounds():
    widgets = lk.controls(SPEC, batch=8, rate=0, dtype="fp8", on=True)
    assert widgets.value == {"batch": 8, "rate": 0, "dtype": "fp8", "on": True}
    assert lk.controls(SPEC).value == {"batch": 2, "rate": 5, "dtype": "bf16", "on": False}


@pytest.mark.parametrize("name, value, message", [
    ("batch", 3, "only takes the slider's steps"),
    ("rate", 11, r"bounded to \[0, 10\]"),
    ("rate", -1, r"bounded to \[0, 10\]"),
    ("dtype", "int4", "dropdown with options"),
    ("on", 1, "is a switch"),
])
def test_out_of_range_control_values_are_refused_with_the_range(name, value, message):
    with pytest.raises(ValueError, match=message):
        lk.controls(SPEC, **{name: value})


def test_unknown_control_names_the_valid_ones():
    with pytest.raises(ValueError, match="batch, rate, dtype, on"):
        lk.controls(SPEC, bacth=4)


def _rejects(x):
    raise ValidationError("tp", "tp=3 must divide heads=64")


def test_attempt_turns_engine_errors_into_outcomes():
    outcome = lk.attempt(_rejects, 1)
    assert not outcome.ok and "tp=3 must divide heads=64" in str(outcome.error)
    html = mo.as_html(outcome.view("tensor parallel")).text
    assert "tp=3 must divide heads=64" in html and "danger" in html
    assert lk.attempt(lambda x: x * 2, 21).value == 42


def test_attempt_lets_programming_errors_propagate():
    with pytest.raises(ZeroDivisionError):
        lk.attempt(lambda: 1 / 0)


def test_engine_call_stops_the_cell_with_the_message():
    with pytest.raises(mo.MarimoStopError):
        lk.engine_call(_rejects, 1)


def test_line_chart_drops_non_finite_points_and_validates():
    chart = lk.line_chart({"a": ([1, 2, 3], [1.0, math.nan, 3.0])}, x_title="x", y_title="y", log_y=True,
                          current=(2, 2, "now"), hlines=[(2.5, "cap")])
    spec = chart.to_dict()
    assert vega_lite_errors(spec) == []
    values = spec["layer"][0]["data"]["values"]
    assert [row["y"] for row in values] == [1.0, 3.0]


def test_roofline_chart_bends_at_the_ridge():
    chart = lk.roofline_chart(100e12, 1e12, [(10.0, 10e12, "op")])
    values = chart.to_dict()["layer"][0]["data"]["values"]
    below = [v for v in values if v["x"] < 100]
    above = [v for v in values if v["x"] > 100]
    assert all(math.isclose(v["y"], v["x"] * 1.0) for v in below)
    assert all(math.isclose(v["y"], 100.0) for v in above)


def test_stacked_and_bar_charts_are_valid_vega_lite():
    assert vega_lite_errors(lk.stacked_bar_chart(["a", "b"], {"w": [1, 2], "g": [3, 4]}, y_title="GB",
                                                 hlines=[(5, "cap")]).to_dict()) == []
    assert vega_lite_errors(lk.bar_chart(["a", "b"], [1, 2], y_title="x", highlight="b", log_y=True).to_dict()) == []


def test_schema_check_catches_a_broken_spec():
    assert vega_lite_errors({"mark": "no-such-mark"}) != []


def test_charts_render_as_vega_lite_in_marimo():
    html = mo.as_html(lk.bar_chart(["a"], [1.0], y_title="y")).text
    assert "vegalite" in html


def test_table_escapes_pipes_and_bolds_the_highlight():
    html = mo.as_html(lk.table([{"a": "x|y"}, {"a": "z"}], highlight=1)).text
    assert "x|y" in html and "<strong>z</strong>" in html


def test_reflections_need_two_questions():
    with pytest.raises(ValueError, match="at least two"):
        lk.reflections([("q", "a")])
    html = mo.as_html(lk.reflections([("q1", "a1"), ("q2", "a2")])).text
    assert html.count("Show answer") == 2


def test_committed_labs_index_matches_the_catalog():
    committed = (REPO / "labs" / "site" / "index.qmd").read_text(encoding="utf-8")
    assert committed == siteindex.render_index(), "labs/site/index.qmd is stale: run `make labs-index`"
    for info in lk.load_catalog().values():
        assert f"]({info.lab_id}.html)" in committed and info.chapter_href in committed


def test_section_lists_existing_pages_with_index_first():
    section = yaml.safe_load((REPO / "labs" / "site" / "_section.yml").read_text())
    assert section["pages"][0] == "index.qmd"
    for page in section["pages"]:
        assert (REPO / "labs" / "site" / page).exists()


def test_every_lab_a_chapter_declares_exists():
    """Chapters link to labs with `lab: <id>` in their front matter; each id must be a lab here."""
    catalog = lk.load_catalog()
    for chapter in sorted(REPO.glob("book/vol*/*/*.qmd")):
        text = chapter.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        front = yaml.safe_load(text.split("---", 2)[1]) or {}
        if "lab" in front:
            assert front["lab"] in catalog, f"{chapter.relative_to(REPO)} declares lab {front['lab']!r}, not in labs.yml"
            info = catalog[front["lab"]]
            assert (info.volume, info.chapter) == (chapter.parts[-3], chapter.parts[-2]), (
                f"{chapter.relative_to(REPO)} declares lab {front['lab']!r}, which labs.yml files under "
                f"{info.volume}/{info.chapter}")


def test_lab_page_frames_the_app_with_a_loader_a_fallback_and_the_chapter_link():
    from labkit import wasm

    info = lk.lab_info("roofline")
    page = wasm.lab_page(info)
    assert page.startswith("---\ntitle: \"Roofline Explorer\"")
    assert f"({info.chapter_href})" in page
    assert 'src="roofline.app.html"' in page and 'class="lab-loading"' in page
    assert "marimo run labs/roofline.py" in page and "WebAssembly" in page


def _wheel(tmp_path, name, requires, files=("pkg/__init__.py",)):
    import zipfile

    path = tmp_path / f"{name.replace('-', '_')}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for file in files:
            archive.writestr(file, "")
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
        archive.writestr(f"{name.replace('-', '_')}-1.0.dist-info/METADATA", meta)
    return path


def test_lockfile_keeps_only_dependencies_pyodide_needs(tmp_path):
    import json

    from labkit import wasm

    info = {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.0"}
    wheels = [_wheel(tmp_path, "alpha", ["beta", "uvicorn; sys_platform != 'emscripten'", "old; python_version < '3.12'"]),
              _wheel(tmp_path, "beta", [], files=("beta.py",)),
              _wheel(tmp_path, "mlsysbook-labs", ["alpha", "numpy", "scikit-learn"], files=("labkit/__init__.py",))]
    lock = wasm.write_lockfile(wheels, info, tmp_path / "lock.json", file_prefix="../packages/")
    assert json.loads((tmp_path / "lock.json").read_text()) == lock
    assert lock["packages"]["alpha"]["depends"] == ["beta"]
    assert lock["packages"]["beta"]["imports"] == ["beta"]
    assert lock["packages"]["mlsysbook-labs"] == {**lock["packages"]["mlsysbook-labs"], "depends": ["alpha"],
                                                  "imports": ["labkit"]}
    assert lock["packages"]["alpha"]["file_name"] == "../packages/alpha-1.0-py3-none-any.whl"
    with pytest.raises(wasm.WasmBuildError, match="needs gamma"):
        wasm.write_lockfile([_wheel(tmp_path, "alpha", ["gamma"])], info, tmp_path / "x.json", file_prefix="")

def test_marimo_worker_is_pointed_at_labkits_controller(tmp_path):
    """The worker's site-root controller import becomes a relative one to labkit's controller beside it;
    a marimo whose worker no longer has that import fails the build with the reason, not silently."""
    from labkit import wasm

    worker = tmp_path / "worker-AbC123.js"
    worker.write_text("async function el(e){try{return await import(`/wasm/controller.js?version=${e}`)}catch{}}")
    wasm.install_controller(tmp_path)
    assert worker.read_text() == "async function el(e){try{return await import(`./labkit-controller.mjs?version=${e}`)}catch{}}"
    assert (tmp_path / wasm.CONTROLLER_ASSET).read_text() == wasm.CONTROLLER.read_text()
    worker.write_text("async function el(e){return new Controller}")
    with pytest.raises(wasm.WasmBuildError, match="no longer imports /wasm/controller.js"):
        wasm.install_controller(tmp_path)


def test_controller_keys_its_bytecode_cache_by_the_lockfile_and_bench_clears_the_same_cache():
    """Bytecode compiled for one build must never be used with another build's wheels, and the benchmark's
    'repeat visit without bytecode' must clear the cache the controller reads."""
    from labkit import wasm
    from labkit.browser import BYTECODE_CACHE

    source = wasm.CONTROLLER.read_text()
    assert f'const CACHE_NAME = "{BYTECODE_CACHE}";' in source
    assert "sha256(config.pyodideVersion + lockText)" in source
    assert "PycInvalidationMode.UNCHECKED_HASH" in source


def test_shipped_digits_table_matches_a_fresh_training_run():
    """The quantization lab reads a precomputed table (it must run without NumPy in the browser);
    retraining the classifier here must reproduce it."""
    import json

    from labkit.digits import accuracy_table
    from labkit.digits_table import TABLE_PATH, digits_quantization

    assert json.loads(TABLE_PATH.read_text()) == json.loads(json.dumps(accuracy_table()))
    table = digits_quantization()
    assert table.accuracy_by_bits[2] < table.accuracy_by_bits[8] <= table.float_accuracy + 0.01


def test_lab_code_imports_no_numpy():
    """Labs and the labkit modules they import run in Pyodide, which has no NumPy wheel from a registry."""
    import ast

    root = Path(__file__).resolve().parents[1]
    offline_only = {"digits.py", "harness.py", "bench.py", "export.py", "wasm.py"}
    files = sorted(root.glob("*.py")) + [p for p in (root / "labkit").glob("*.py") if p.name not in offline_only]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"numpy", "sklearn", "pandas"}, f"{path.name} imports {name}"
                assert name not in {"labkit.digits"}, f"{path.name} imports the NumPy trainer {name}"

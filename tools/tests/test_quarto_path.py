"""With `quarto` on PATH the volumes are rendered by `quarto render`; the rest by the embedded renderer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAKE_QUARTO = """#!/usr/bin/env python3
# Records its arguments and writes a minimal book where --output-dir says, as `quarto render` would.
import os, pathlib, sys
args = sys.argv[1:]
log = pathlib.Path(__file__).with_name("calls.log")
log.write_text(log.read_text() + " ".join(args) + "\\n" if log.exists() else " ".join(args) + "\\n")
pathlib.Path(__file__).with_name("python.log").write_text(os.environ.get("QUARTO_PYTHON", ""))
# Like Quarto, it first writes a page and its _files/ next to the source, then moves them on success.
source = pathlib.Path(args[1]) / "alpha"
(source / "alpha.html").write_text("<html></html>")
(source / "alpha_files" / "libs").mkdir(parents=True, exist_ok=True)
code = int(pathlib.Path(__file__).with_name("exit_code").read_text()) if pathlib.Path(__file__).with_name("exit_code").exists() else 0
if code:
    sys.exit(code)
out = pathlib.Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
(source / "alpha.html").unlink()
unresolved = "<p><strong>?@fig-nowhere</strong></p>" if pathlib.Path(__file__).with_name("unresolved").exists() else ""
(out / "index.html").write_text(f"<html><body><h1 id='quarto'>rendered by quarto</h1>{unresolved}</body></html>")
(out / "search.json").write_text('[{"objectID": "index.html", "href": "index.html#quarto", "title": "Fixture Volume", '
                                 '"section": "rendered by quarto", "text": "a page quarto indexed", "crumbs": []}]')
"""


def _fake_quarto(folder: Path) -> dict:
    folder.mkdir()
    script = folder / "quarto"
    script.write_text(FAKE_QUARTO)
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def _build(root: Path, env: dict, cache: Path, *extra: str):
    return subprocess.run([sys.executable, "-m", "mlsysbook.cli", "build", "--root", str(root), "--no-link-check",
                           "--cache", str(cache), *extra], capture_output=True, text=True, env=env)


def test_volumes_go_through_quarto_render(project, tmp_path, shared_cache):
    env = _fake_quarto(tmp_path / "bin")
    result = _build(project, env, shared_cache)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "bin/calls.log").read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].startswith(f"render {project / 'book/vol1'} --output-dir ")
    assert "rendered by quarto" in (project / "_site/vol1/index.html").read_text()
    assert (project / "_site/labs/demo.html").is_file()  # sections still use the embedded renderer
    assert 'href="vol1/index.html"' in (project / "_site/index.html").read_text()
    docs = json.loads((project / "_site/search.json").read_text())
    assert {"url": "vol1/index.html#quarto", "heading": "rendered by quarto", "partkey": "vol1"}.items() <= \
        next(d for d in docs if d["partkey"] == "vol1").items()  # Quarto's index joins the site search
    assert not (project / "book/vol1/alpha/alpha_files").exists()  # nothing rendered is left by the sources
    # cells run in this build's Python (which has mlsysim) unless QUARTO_PYTHON says otherwise
    assert (tmp_path / "bin/python.log").read_text() == (env.get("QUARTO_PYTHON") or sys.executable)


def test_embedded_renderer_can_be_forced(project, tmp_path, shared_cache):
    env = _fake_quarto(tmp_path / "bin")
    result = _build(project, env, shared_cache, "--renderer", "embedded")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "bin/calls.log").exists()
    assert "Alpha Chapter" in (project / "_site/vol1/alpha/alpha.html").read_text()


def test_quarto_failure_keeps_previous_site(project, tmp_path, shared_cache):
    env = _fake_quarto(tmp_path / "bin")
    (tmp_path / "bin/exit_code").write_text("1")
    before = (project / "_site/vol1/index.html").read_text()
    result = _build(project, env, shared_cache)
    assert result.returncode == 1 and "quarto render failed" in result.stderr
    assert (project / "_site/vol1/index.html").read_text() == before
    leftovers = [p for p in (project / "book").rglob("*") if p.suffix == ".html" or p.name.endswith("_files")]
    assert leftovers == []  # a failed render leaves no pages or _files/ in the source tree


def test_renderer_quarto_without_quarto_is_a_clear_error(project, shared_cache):
    env = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                                  if not (Path(p) / "quarto").exists())}
    result = _build(project, env, shared_cache, "--renderer", "quarto")
    assert result.returncode == 1 and "`quarto` is not on PATH" in result.stderr


def test_reference_quarto_left_unresolved_fails_the_build(project, tmp_path, shared_cache):
    env = _fake_quarto(tmp_path / "bin")
    (tmp_path / "bin/unresolved").write_text("")
    result = _build(project, env, shared_cache)
    assert result.returncode == 1
    assert "book/vol1/index.qmd: unresolved cross-reference @fig-nowhere (line 1 of the page Quarto rendered)" \
        in result.stderr, result.stderr


def test_frozen_results_are_dropped_when_the_engine_changed(project, tmp_path, shared_cache):
    env = _fake_quarto(tmp_path / "bin")
    freeze = project / "book/vol1/_freeze"
    (freeze / "alpha").mkdir(parents=True)
    (freeze / "alpha/results.json").write_text("{}")
    (freeze / ".mlsysbook-engine").write_text("fingerprint of an older mlsysim\n")
    assert _build(project, env, shared_cache).returncode == 0
    assert not (freeze / "alpha/results.json").exists()  # made with another engine: executed again
    (freeze / "alpha").mkdir(parents=True)
    (freeze / "alpha/results.json").write_text("{}")
    (freeze / ".mlsysbook-engine").write_text(_current_stamp(project))
    assert _build(project, env, shared_cache).returncode == 0
    assert (freeze / "alpha/results.json").exists()  # same engine: Quarto's freeze is kept


def _current_stamp(project: Path) -> str:
    from mlsysbook.site.render import _tree_fingerprint
    return _tree_fingerprint(project / "mlsysim" / "src") + "\n"

"""With `quarto` on PATH the volumes are rendered by `quarto render`; the rest by the embedded renderer."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAKE_QUARTO = """#!/usr/bin/env python3
# Records its arguments and writes a minimal book where --output-dir says, as `quarto render` would.
import pathlib, sys
args = sys.argv[1:]
log = pathlib.Path(__file__).with_name("calls.log")
log.write_text(log.read_text() + " ".join(args) + "\\n" if log.exists() else " ".join(args) + "\\n")
out = pathlib.Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "index.html").write_text("<html><body><h1 id='quarto'>rendered by quarto</h1></body></html>")
sys.exit(int(pathlib.Path(__file__).with_name("exit_code").read_text()) if pathlib.Path(__file__).with_name("exit_code").exists() else 0)
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


def test_renderer_quarto_without_quarto_is_a_clear_error(project, shared_cache):
    env = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                                  if not (Path(p) / "quarto").exists())}
    result = _build(project, env, shared_cache, "--renderer", "quarto")
    assert result.returncode == 1 and "`quarto` is not on PATH" in result.stderr

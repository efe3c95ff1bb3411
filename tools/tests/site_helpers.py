"""Helpers for the site tests (imported by conftest and the test modules)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "minibook"
ARTIFACTS = REPO / "build" / "test-artifacts"


def make_project(target: Path) -> Path:
    """A writable copy of the fixture project wired to the repo's real filters and _common.yml."""
    shutil.copytree(FIXTURE, target)
    (target / "book" / "_filters").symlink_to(REPO / "book" / "_filters")
    shutil.copy2(REPO / "book" / "_common.yml", target / "book" / "_common.yml")
    return target


def run_build(root: Path, *args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    """`mlsysbook build` with the embedded renderer (what these tests check), even where quarto is on PATH."""
    renderer = [] if "--renderer" in args else ["--renderer", "embedded"]
    command = [sys.executable, "-m", "mlsysbook.cli", "build", "--root", str(root), "--jobs", "2", *renderer, *args]
    if cache is not None:
        command += ["--cache", str(cache)]
    return subprocess.run(command, capture_output=True, text=True, cwd=root)

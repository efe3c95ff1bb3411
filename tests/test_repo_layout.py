"""The repository has the shape the course promises (issue #2): folders, distributions, entry points."""
from __future__ import annotations

import os
import re
import subprocess
import tomllib

import pytest
import yaml
from repo_paths import REPO

TOP_LEVEL_DIRS = ["book", "tinytorch", "mlsysim", "labs", "kits", "interviews", "instructors", "tools", "tests"]
TOP_LEVEL_FILES = ["pyproject.toml", "Makefile", "README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "LICENSE",
                   "LICENSE-CONTENT.md"]


@pytest.mark.parametrize("name", TOP_LEVEL_DIRS)
def test_top_level_folder_exists(name):
    assert (REPO / name).is_dir()


@pytest.mark.parametrize("name", TOP_LEVEL_FILES)
def test_top_level_file_exists(name):
    assert (REPO / name).is_file() and (REPO / name).stat().st_size > 0


@pytest.mark.parametrize("component", ["mlsysim", "tinytorch"])
def test_engine_and_framework_are_separate_distributions(component):
    meta = tomllib.loads((REPO / component / "pyproject.toml").read_text())
    assert meta["project"]["name"] != "mlsysbook-tools"
    assert "build-system" in meta


def test_root_distribution_is_the_tooling_with_dev_dependencies():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["mlsysbook"] == "mlsysbook.cli:main"
    deps = " ".join(meta["project"]["dependencies"])
    for needed in ("click", "pypandoc-binary", "nbclient", "nbformat", "rich", "PyYAML"):
        assert needed in deps
    assert any(d.startswith("pytest") for d in meta["project"]["optional-dependencies"]["dev"])


def test_ci_entry_point_runs_make_test():
    ci = REPO / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    assert re.search(r"^make test$", ci.read_text(), re.M)


def test_build_outputs_are_ignored():
    ignored = (REPO / ".gitignore").read_text().split()
    for path in ("_site/", "build/", ".cache/", ".venv/", "_freeze/", ".quarto/"):
        assert path in ignored


def test_readme_quick_start_is_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "make serve" in readme and "make test" in readme and "http://127.0.0.1:8000" in readme


@pytest.mark.parametrize("target", ["help", "serve", "test", "book", "labs", "check", "bench", "clean", "site"])
def test_make_targets_exist(target):
    result = subprocess.run(["make", "-n", "-C", str(REPO), target], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "No rule to make target" not in result.stderr


def test_every_component_fragment_registers_targets():
    for fragment in sorted(REPO.glob("*/component.mk")) + sorted(REPO.glob("*/*/component.mk")):
        text = fragment.read_text()
        assert re.search(r"^(TEST|SLOW_TEST|BENCH|SITE)_TARGETS\s*\+=", text, re.M), fragment


VOL1_PARTS = {"Foundations": 4, "Build": 4, "Optimize": 4, "Deploy": 4}
VOL2_PARTS = {"The Fleet": 4, "Distributed ML": 4, "Deployment at Scale": 4, "Responsible Fleet": 5}


@pytest.mark.parametrize("volume, parts, subtitle", [("vol1", VOL1_PARTS, "Build, Optimize, Deploy"),
                                                     ("vol2", VOL2_PARTS, "Scale, Distribute, Govern")])
def test_volume_tables_of_contents(volume, parts, subtitle):
    book = yaml.safe_load((REPO / "book" / volume / "_quarto.yml").read_text())["book"]
    assert book["subtitle"] == subtitle
    found = {entry["part"]: len(entry["chapters"]) for entry in book["chapters"] if isinstance(entry, dict)}
    assert found == parts
    assert book["appendices"] == ["glossary.qmd", "references.qmd"]
    assert "../_common.yml" in yaml.safe_load((REPO / "book" / volume / "_quarto.yml").read_text())["metadata-files"]

"""Shared fixtures: a small fixture project (a volume of two chapters and a labs section) built with
the real Lua filters and the real shared config of the book, so the tests exercise what ships."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from site_helpers import make_project, run_build  # noqa: E402

@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One execution cache for the whole session, so each fixture chapter's cells run once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def built_fixture(tmp_path_factory, shared_cache) -> Path:
    """The fixture project, built once per session; tests read it and must not modify it."""
    root = make_project(tmp_path_factory.mktemp("built") / "project")
    result = run_build(root, cache=shared_cache)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(tmp_path, built_fixture) -> Path:
    """A fresh, writable fixture project that already holds a good _site from a previous build."""
    root = make_project(tmp_path / "project")
    shutil.copytree(built_fixture / "_site", root / "_site")
    return root


@pytest.fixture(scope="module")
def served(built_fixture):
    """The built fixture site on 127.0.0.1; yields its base URL."""
    from mlsysbook.site.headless import serve
    with serve(built_fixture / "_site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module; open pages with mlsysbook.site.headless.tab."""
    from mlsysbook.site.headless import launch
    with launch() as b:
        yield b

"""Repo-level integration tests: the fresh-clone shape and the real site, built once per session."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from repo_paths import REPO  # noqa: E402


_build_failure: list[str] = []


@pytest.fixture(scope="session")
def real_site() -> Path:
    """The whole site built from the checkout into build/test-site/_site with the shared .cache/, so a
    second run only re-renders what changed. A failing build fails here with its file:line messages."""
    if _build_failure:  # a failed session fixture is retried for every test; fail them all on one build
        pytest.fail(_build_failure[0], pytrace=False)
    out = REPO / "build" / "test-site" / "_site"
    result = subprocess.run([sys.executable, "-m", "mlsysbook.cli", "build", "--root", str(REPO), "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO)
    if result.returncode != 0:
        _build_failure.append(f"building the real site failed:\n{result.stderr[-6000:]}")
        pytest.fail(_build_failure[0], pytrace=False)
    return out


@pytest.fixture(scope="module")
def served(real_site):
    """The real site on 127.0.0.1; yields its base URL."""
    from mlsysbook.site.headless import serve
    with serve(real_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module; open pages with mlsysbook.site.headless.tab."""
    from mlsysbook.site.headless import launch
    with launch() as b:
        yield b


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: real-site checks that take minutes, kept out of `make test-site` "
                                       "(run by `make test-figures-slow`, part of `make test-slow`)")

"""Shared fixtures: slide assets and a crimson build of every deck, made once per test session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlsysbook.slides import assets, build

REPO_ROOT = build.REPO_ROOT


def require_tools():
    missing = [t for t in ("latexmk", "pdflatex", "pdftoppm", "pdftotext", "rsvg-convert") if shutil.which(t) is None]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run `make test-instructors`, which installs them "
                           "with tools/ensure-apt.sh")


# The session builds into the same folders as `make site-instructors` so that, in `make test`, decks the
# site build already compiled from identical inputs (fingerprinted) are checked rather than compiled twice.
BUILD_ASSETS = REPO_ROOT / "build" / "instructors" / "assets"
BUILD_DECKS = REPO_ROOT / "build" / "instructors" / "slides"


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    require_tools()
    return assets.generate(BUILD_ASSETS, REPO_ROOT)


@pytest.fixture(scope="session")
def crimson_build(assets_dir):
    out = BUILD_DECKS
    results = build.build_decks(build.discover_decks(), ["crimson"], out, assets_dir, jobs=2)
    return out, {r.deck.name: r for r in results}

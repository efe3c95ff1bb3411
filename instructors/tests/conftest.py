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


@pytest.fixture(scope="session")
def assets_dir(tmp_path_factory) -> Path:
    require_tools()
    return assets.generate(tmp_path_factory.mktemp("assets"), REPO_ROOT)


@pytest.fixture(scope="session")
def crimson_build(tmp_path_factory, assets_dir):
    out = tmp_path_factory.mktemp("decks")
    results = build.build_decks(build.discover_decks(), ["crimson"], out, assets_dir, jobs=2)
    return out, {r.deck.name: r for r in results}

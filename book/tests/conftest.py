"""Make the toy-book helpers importable (pytest runs with --import-mode=importlib) and provide the fixture."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from toybook import ToyBook  # noqa: E402


@pytest.fixture
def toy_book(tmp_path) -> ToyBook:
    return ToyBook(tmp_path / "book")

"""Make labkit importable and parametrize tests over every lab in labs/labs.yml."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

LABS_DIR = Path(__file__).resolve().parent.parent
if str(LABS_DIR) not in sys.path:
    sys.path.insert(0, str(LABS_DIR))

from labkit.harness import lab_ids  # noqa: E402


@pytest.fixture(params=lab_ids())
def lab_id(request) -> str:
    return request.param

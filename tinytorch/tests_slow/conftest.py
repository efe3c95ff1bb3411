import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[1]


@pytest.fixture
def load_milestone():
    sys.path.insert(0, str(COURSE / "src"))
    from tito.milestones import find_milestone

    return find_milestone

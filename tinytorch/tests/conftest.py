from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course_root() -> Path:
    return COURSE


@pytest.fixture
def load_milestone():
    from tito.milestones import find_milestone

    return find_milestone

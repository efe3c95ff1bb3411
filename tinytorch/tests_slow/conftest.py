import pytest


@pytest.fixture
def load_milestone():
    from tito.milestones import find_milestone

    return find_milestone

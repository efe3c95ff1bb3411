import numpy as np
import pytest

from kits_host.native import core as load_core


@pytest.fixture(scope="session")
def core():
    return load_core()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

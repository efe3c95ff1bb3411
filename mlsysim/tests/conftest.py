import pytest

import mlsysim as ms


@pytest.fixture(scope="session")
def h100():
    return ms.hardware("H100-SXM")

"""Module 14 tests: counts, FLOPs, profiler bookkeeping, timing and memory helpers."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor, randn
from tinytorch.profiling.profiler import Profiler, count_parameters, estimate_flops, measure_peak_memory, parameter_bytes, time_function


def test_counts_and_flops_of_an_mlp():
    model = Sequential(Linear(10, 20), ReLU(), Linear(20, 5))
    assert count_parameters(model) == 10 * 20 + 20 + 20 * 5 + 5
    assert parameter_bytes(model) == 4 * count_parameters(model)
    flops = estimate_flops(model, randn(8, 10))
    assert flops == 2 * 8 * 20 * 10 + 8 * 20 + 2 * 8 * 5 * 20


def test_profiler_restores_hook_and_summarises():
    original = Tensor.__dict__["_from_op"]
    x = randn(4, 4)
    with Profiler() as profiler:
        y = (x @ x).exp() + x
    assert Tensor.__dict__["_from_op"] is original
    ops = {row["op"]: row for row in profiler.summary()}
    assert set(ops) == {"matmul", "exp", "add"} and ops["matmul"]["flops"] == 2 * 4 * 4 * 4
    assert "matmul" in profiler.table()
    assert y.shape == (4, 4)


def test_profiler_restores_hook_after_an_exception():
    original = Tensor.__dict__["_from_op"]
    with pytest.raises(RuntimeError):
        with Profiler():
            raise RuntimeError("boom")
    assert Tensor.__dict__["_from_op"] is original


def test_timing_and_peak_memory():
    stats = time_function(lambda: np.ones(1000).sum(), repeats=5)
    assert 0 < stats["min_s"] <= stats["median_s"] <= stats["p90_s"]
    peak = measure_peak_memory(lambda: np.ones(1_000_000, dtype=np.float64))
    assert 8_000_000 <= peak < 9_000_000
    with pytest.raises(ValueError, match="repeats"):
        time_function(lambda: None, repeats=0)

# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 14: Profiling
#
# Optimisation without measurement is guessing. Before the next modules make models smaller and
# faster, this one builds the instruments: parameter and memory counts, a FLOP counter, a tracing
# profiler that attributes time to each recorded operation, and peak-memory measurement. Because every
# TinyTorch operation passes through `Tensor._from_op`, one hook there sees the whole model: operation
# name, input shapes, output size, and when it finished.
#
# **Systems lens.** Profiles answer three different questions that are easy to conflate: *how much
# work* (FLOPs, fixed by the model), *how much data* (bytes of weights and activations, fixed by model
# and batch), and *how long* (time, which depends on the machine and on whether each operation is
# compute- or memory-bound). Dividing FLOPs by time gives the achieved FLOP rate; comparing it with the
# machine's peak tells you which operations are worth optimising.

# %%
#| default_exp profiling.profiler
#| requires: 01 03 05 09
#| public: Profiler, count_parameters, parameter_bytes, estimate_flops, measure_peak_memory, time_function

# %%
#| export
import time
import tracemalloc
from collections import defaultdict

import numpy as np

from tinytorch.core.tensor import Tensor


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_bytes(model) -> int:
    return sum(p.nbytes for p in model.parameters())


def op_flops(op: str, parents, out_shape, attrs) -> int:
    """FLOPs of one recorded operation (multiply-add = 2 FLOPs)."""
    ### BEGIN SOLUTION
    ### HINT: matmul/linear: 2·(output elements)·(inner dimension); conv2d: 2·(output elements)·C·kh·kw; others: output elements
    out_size = int(np.prod(out_shape)) if out_shape else 1
    if op in ("matmul", "linear"):
        inner = parents[0].shape[-1]
        return 2 * out_size * inner
    if op == "conv2d":
        weight = parents[1].shape
        return 2 * out_size * weight[1] * weight[2] * weight[3]
    if op in ("reshape", "permute", "getitem", "cat", "stack"):
        return 0
    return out_size
    ### END SOLUTION

# %% [markdown]
# ## A tracing profiler
#
# `Profiler` temporarily replaces `Tensor._from_op` with a wrapper that records each call. NumPy does
# the arithmetic *before* `_from_op` is called, so the time since the previous recorded operation is
# charged to this one: simple, and accurate for code that is a sequence of tensor operations.
# Recording works whether or not gradients are on, because the hook sits in front of the
# "should I record a recipe" decision.

# %%
#| export
class Profiler:
    """Context manager: per-operation counts, FLOPs, output bytes and time of everything run inside it."""

    def __init__(self):
        self.events = []

    def __enter__(self):
        self._original = Tensor.__dict__["_from_op"]
        original_function = self._original.__func__
        profiler = self
        profiler._last = time.perf_counter()

        def traced(cls, data, parents, op, **attrs):
            now = time.perf_counter()
            profiler.events.append({"op": op, "seconds": now - profiler._last,
                                    "flops": op_flops(op, parents, np.shape(data), attrs), "bytes": int(np.asarray(data).nbytes)})
            out = original_function(cls, data, parents, op, **attrs)
            profiler._last = time.perf_counter()
            return out

        Tensor._from_op = classmethod(traced)
        return self

    def __exit__(self, *exc_info):
        Tensor._from_op = self._original
        return False

    def summary(self) -> list:
        totals = defaultdict(lambda: {"calls": 0, "seconds": 0.0, "flops": 0, "bytes": 0})
        for event in self.events:
            row = totals[event["op"]]
            row["calls"] += 1
            for key in ("seconds", "flops", "bytes"):
                row[key] += event[key]
        rows = [{"op": op, **row} for op, row in totals.items()]
        return sorted(rows, key=lambda r: r["seconds"], reverse=True)

    @property
    def total_flops(self) -> int:
        return sum(e["flops"] for e in self.events)

    def table(self) -> str:
        lines = [f"{'op':14s} {'calls':>6s} {'ms':>9s} {'MFLOP':>9s} {'GFLOP/s':>8s} {'KiB out':>9s}"]
        for r in self.summary():
            rate = r["flops"] / r["seconds"] / 1e9 if r["seconds"] > 0 else 0.0
            lines.append(f"{r['op']:14s} {r['calls']:6d} {r['seconds'] * 1e3:9.3f} {r['flops'] / 1e6:9.3f} {rate:8.2f} {r['bytes'] / 1024:9.1f}")
        return "\n".join(lines)


def estimate_flops(model, *inputs) -> int:
    """FLOPs of one forward pass, counted by tracing it."""
    with Profiler() as profiler:
        model(*inputs)
    return profiler.total_flops

# %% [markdown]
# ## Time and peak memory
#
# Timing uses warm-up runs (the first call pays for allocation and caches) and reports the median,
# which is robust to an occasional slow run. Peak memory comes from `tracemalloc`, which sees NumPy's
# array allocations.

# %%
#| export
def time_function(fn, repeats: int = 10, warmup: int = 2) -> dict:
    if repeats <= 0:
        raise ValueError(f"time_function: repeats must be positive, got {repeats}")
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples = np.array(samples)
    return {"median_s": float(np.median(samples)), "min_s": float(samples.min()), "p90_s": float(np.percentile(samples, 90))}


def measure_peak_memory(fn) -> int:
    """Peak bytes allocated (above the starting point) while fn runs."""
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    if not already:
        tracemalloc.stop()
    return max(0, peak - baseline)

# %% [markdown]
# ## Systems analysis: profile a training step
#
# We trace one forward and backward pass of a small CNN and print the per-operation table. Expect the
# convolutions and linear layers to hold most FLOPs, and elementwise operations to show much lower
# GFLOP/s: they are memory-bound.

# %%
def profile_cnn_step() -> Profiler:
    from tinytorch.core.activations import relu
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import cross_entropy
    from tinytorch.core.spatial import Conv2d, max_pool2d

    conv, fc = Conv2d(1, 16, 3, padding=1), Linear(16 * 4 * 4, 10)
    x = Tensor(np.random.default_rng(0).standard_normal((64, 1, 8, 8)).astype(np.float32))
    with Profiler() as profiler:
        loss = cross_entropy(fc(max_pool2d(relu(conv(x)), 2).flatten(1)), np.zeros(64, dtype=np.int64))
    loss.backward()
    return profiler


if __name__ == "__main__":
    print(profile_cnn_step().table())

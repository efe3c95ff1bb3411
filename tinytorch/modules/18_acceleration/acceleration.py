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
# # Module 18: Acceleration
#
# The same arithmetic can run at wildly different speeds. This module walks down the ladder that
# every performance engineer climbs: from interpreted loops, to vectorised array code (the loop moves
# into compiled code), to *blocked* (tiled) matrix multiplication that keeps working sets in cache, to
# *operator fusion*, which computes several elementwise operations in one pass instead of writing and
# re-reading an intermediate array for each. im2col (module 09) is the fourth rung: reshape a
# convolution into the one operation (GEMM) that is fastest everywhere.
#
# **Systems lens.** The roofline model: attainable FLOP/s = min(peak FLOP/s, arithmetic intensity ×
# memory bandwidth). Vectorisation raises the ceiling you can reach from Python; blocking raises the
# arithmetic intensity of each cache level's traffic (a `b×b` tile is reused `b` times once loaded);
# fusion raises the intensity of memory-bound elementwise chains by removing round trips to memory.

# %%
#| default_exp optimization.acceleration
#| requires: 01 02 03 05
#| public: naive_matmul, blocked_matmul, fused_bias_gelu, FusedLinearGELU
#| public nn.functional: fused_bias_gelu

# %%
#| export
import math

import numpy as np

from tinytorch.core.autograd import register_gradient
from tinytorch.core.layers import Linear, Module
from tinytorch.core.tensor import ShapeError, Tensor

_GELU_C = math.sqrt(2.0 / math.pi)


def naive_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Triple loop in Python: the baseline every other version is measured against."""
    n, k = a.shape
    k2, m = b.shape
    if k != k2:
        raise ShapeError(f"naive_matmul: shapes {a.shape} and {b.shape} are not aligned")
    out = np.zeros((n, m), dtype=np.result_type(a, b))
    for i in range(n):
        for j in range(m):
            total = 0.0
            for p in range(k):
                total += a[i, p] * b[p, j]
            out[i, j] = total
    return out


def blocked_matmul(a: np.ndarray, b: np.ndarray, block: int = 64) -> np.ndarray:
    """Tiled product: each (block×block) tile of A and B is loaded once per output tile it touches."""
    n, k = a.shape
    k2, m = b.shape
    if k != k2:
        raise ShapeError(f"blocked_matmul: shapes {a.shape} and {b.shape} are not aligned")
    if block <= 0:
        raise ValueError(f"blocked_matmul: block must be positive, got {block}")
    out = np.zeros((n, m), dtype=np.result_type(a, b))
    ### BEGIN SOLUTION
    ### HINT: three nested loops over tile indices (i0, j0, p0); accumulate a[i0:i1, p0:p1] @ b[p0:p1, j0:j1] into out[i0:i1, j0:j1]
    for i0 in range(0, n, block):
        for j0 in range(0, m, block):
            tile = out[i0:i0 + block, j0:j0 + block]
            for p0 in range(0, k, block):
                tile += a[i0:i0 + block, p0:p0 + block] @ b[p0:p0 + block, j0:j0 + block]
    ### END SOLUTION
    return out

# %% [markdown]
# ## Operator fusion
#
# `gelu(x @ W.T + b, approximate="tanh")` (the transformer's GELU) written as separate operations materialises the pre-activation, then GELU's
# temporaries, each a full pass over memory, and records three steps for autograd. `fused_bias_gelu`
# adds the bias and applies GELU in one recorded step that keeps only what the backward pass needs
# (the pre-activation and the tanh). NumPy still creates temporaries inside, so the gain here is fewer
# recorded steps and stored arrays; a compiled kernel would also avoid the temporaries.

# %%
#| export
def fused_bias_gelu(x: Tensor, bias: Tensor) -> Tensor:
    """gelu(x + bias, approximate="tanh") recorded as one step."""
    ### BEGIN SOLUTION
    pre = x.data + bias.data
    t = np.tanh(_GELU_C * (pre + 0.044715 * pre * pre * pre))
    out = 0.5 * pre * (1.0 + t)
    return Tensor._from_op(out.astype(x.dtype, copy=False), (x, bias), "bias_gelu", pre=pre, tanh=t)
    ### END SOLUTION


@register_gradient("bias_gelu", "module 18 (acceleration): fused_bias_gelu", needs=("pre", "tanh"))
def _bias_gelu_grad(g, out, parents, attrs):
    pre, t = attrs["pre"], attrs["tanh"]
    local = 0.5 * (1 + t) + 0.5 * pre * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * pre * pre)
    grad = g * local
    return grad, grad.reshape(-1, grad.shape[-1]).sum(axis=0)


class FusedLinearGELU(Module):
    """Linear followed by GELU, with the bias add fused into the activation."""

    def __init__(self, linear: Linear):
        super().__init__()
        if linear.bias is None:
            raise ValueError("FusedLinearGELU needs a Linear with a bias")
        self.weight, self.bias = linear.weight, linear.bias

    def forward(self, x: Tensor) -> Tensor:
        from tinytorch.core.layers import linear

        return fused_bias_gelu(linear(x, self.weight), self.bias)

# %% [markdown]
# ## Systems analysis: climbing the ladder
#
# One matrix size, four implementations: Python loops, the blocked version with several tile sizes,
# and NumPy's BLAS call. Then fused versus unfused bias+GELU on a large activation.

# %%
def acceleration_ladder(n: int = 48, big: int = 384) -> dict:
    import time

    from tinytorch.core.activations import gelu

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(np.float32), rng.standard_normal((n, n)).astype(np.float32)
    start = time.perf_counter()
    naive_matmul(a, b)
    naive = time.perf_counter() - start
    A, B = rng.standard_normal((big, big)).astype(np.float32), rng.standard_normal((big, big)).astype(np.float32)
    timings = {"python_loops_gflops": 2 * n**3 / naive / 1e9}
    for block in (16, 64, 128):
        start = time.perf_counter()
        blocked_matmul(A, B, block)
        timings[f"blocked_{block}_gflops"] = 2 * big**3 / (time.perf_counter() - start) / 1e9
    start = time.perf_counter()
    A @ B
    timings["blas_gflops"] = 2 * big**3 / (time.perf_counter() - start) / 1e9
    x, bias = Tensor(rng.standard_normal((256, 1024)).astype(np.float32)), Tensor(rng.standard_normal(1024).astype(np.float32))
    start = time.perf_counter()
    gelu(x + bias, approximate="tanh")
    timings["unfused_bias_gelu_ms"] = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    fused_bias_gelu(x, bias)
    timings["fused_bias_gelu_ms"] = (time.perf_counter() - start) * 1e3
    return timings


if __name__ == "__main__":
    for name, value in acceleration_ladder().items():
        print(f"{name:24s} {value:10.3f}")

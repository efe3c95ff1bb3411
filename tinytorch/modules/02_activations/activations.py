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
# # Module 02: Activations
#
# A stack of linear layers is still one linear map: `W2 (W1 x) = (W2 W1) x`. Nonlinear activation
# functions between the layers are what let a network carve curved decision boundaries. This module
# implements the five that the rest of the course uses: ReLU (convolutional nets), sigmoid and tanh
# (gates and the perceptron milestone), GELU (transformers) and softmax (turning scores into a
# probability distribution), plus `log_softmax`, its numerically safe logarithm.
#
# **Systems lens.** Activations are elementwise: `O(n)` work on `n` elements, so they are bound by
# memory traffic, not arithmetic. Their real cost is memory during training: each one stores an
# output (or input) of the same size as the layer for the backward pass. ReLU can get away with one
# bit per element (the sign), which is why memory-lean frameworks fuse it into the preceding layer.
# Transcendental functions (`exp`, `tanh`) cost 10–20× a multiply on a CPU, which you will measure
# below.

# %%
#| default_exp core.activations
#| requires: 01
#| public nn: ReLU, Sigmoid, Tanh, GELU, Softmax
#| public nn.functional: relu, sigmoid, tanh, gelu, softmax, log_softmax

# %% [markdown]
# ## Functions that record a single step
#
# Each function is a *primitive*: one NumPy computation recorded as one step (`"relu"`, `"softmax"`,
# ...). We could write softmax from `exp`, `sum` and `/`, and autograd would differentiate it, but
# a primitive stores one array instead of four and its gradient has a compact closed form
# (module 05). Softmax subtracts the row maximum before exponentiating: `exp(1000)` overflows float32,
# while `exp(x - max x)` never exceeds 1 and gives the same ratios.

# %%
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor

_GELU_C = math.sqrt(2.0 / math.pi)


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(x) -> Tensor:
    """max(0, x), elementwise."""
    x = _tensor(x)
    ### BEGIN SOLUTION
    return Tensor._from_op(np.maximum(x.data, 0), (x,), "relu")
    ### END SOLUTION


def sigmoid(x) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _tensor(x)
    ### BEGIN SOLUTION
    ### HINT: for negative x use exp(x) / (1 + exp(x)) so that exp never sees a large positive argument
    z = np.exp(-np.abs(x.data))
    data = np.where(x.data >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.data.dtype, copy=False)
    return Tensor._from_op(data, (x,), "sigmoid")
    ### END SOLUTION


def tanh(x) -> Tensor:
    x = _tensor(x)
    return Tensor._from_op(np.tanh(x.data), (x,), "tanh")


def gelu(x) -> Tensor:
    """Gaussian error linear unit, tanh approximation (as in GPT-2)."""
    x = _tensor(x)
    ### BEGIN SOLUTION
    ### HINT: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); keep the tanh in the recipe for the backward pass
    d = x.data
    t = np.tanh(_GELU_C * (d + 0.044715 * d * d * d))  # d*d*d: NumPy's float32 pow is ~30x slower
    data = 0.5 * d * (1.0 + t)
    return Tensor._from_op(data.astype(d.dtype, copy=False), (x,), "gelu", tanh=t)
    ### END SOLUTION


def softmax(x, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum for stability."""
    x = _tensor(x)
    ### BEGIN SOLUTION
    ### HINT: subtract x.max(axis, keepdims=True) before np.exp, then divide by the sum along axis
    shifted = np.exp(x.data - x.data.max(axis=axis, keepdims=True))
    data = shifted / shifted.sum(axis=axis, keepdims=True)
    return Tensor._from_op(data, (x,), "softmax", axis=axis)
    ### END SOLUTION


def log_softmax(x, axis: int = -1) -> Tensor:
    """log(softmax(x)) computed as x - logsumexp(x), which stays finite when softmax underflows."""
    x = _tensor(x)
    ### BEGIN SOLUTION
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    data = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return Tensor._from_op(data, (x,), "log_softmax", axis=axis)
    ### END SOLUTION

# %% [markdown]
# ## Layer objects
#
# PyTorch offers every activation twice: as a function (`torch.nn.functional.relu`) and as an object
# (`torch.nn.ReLU()`) that can sit in a `Sequential`. The objects hold no parameters, so they are
# thin wrappers; module 03's `Sequential` accepts them next to real layers.

# %%
#| export
class _Activation:
    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    def forward(self, x):
        return relu(x)


class Sigmoid(_Activation):
    def forward(self, x):
        return sigmoid(x)


class Tanh(_Activation):
    def forward(self, x):
        return tanh(x)


class GELU(_Activation):
    def forward(self, x):
        return gelu(x)


class Softmax(_Activation):
    def __init__(self, dim: int = -1):
        self.dim = dim

    def forward(self, x):
        return softmax(x, axis=self.dim)

# %% [markdown]
# ## Systems analysis: the price of a nonlinearity
#
# We time each activation on one million float32 values and report nanoseconds per element next to
# a plain multiply. ReLU should cost about as much as the multiply (both are a single pass over
# memory); tanh, GELU and sigmoid pay for transcendental functions and, for GELU, several temporary
# arrays, each of which is another full pass over memory.

# %%
def time_activations(n: int = 1_000_000, repeats: int = 3) -> dict:
    import time

    from tinytorch.core.tensor import randn

    x = randn(n)
    candidates = {"multiply": lambda: x * 2.0, "relu": lambda: relu(x), "sigmoid": lambda: sigmoid(x),
                  "tanh": lambda: tanh(x), "gelu": lambda: gelu(x), "softmax": lambda: softmax(x)}
    timings = {}
    for name, fn in candidates.items():
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        timings[name] = (time.perf_counter() - start) / repeats / n * 1e9
    return timings


if __name__ == "__main__":
    for name, ns in time_activations().items():
        print(f"{name:9s} {ns:6.2f} ns/element")

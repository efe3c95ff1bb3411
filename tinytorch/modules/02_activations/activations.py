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
# probability distribution), plus `log_softmax`, its numerically safe logarithm. Signatures and defaults
# follow `torch.nn.functional`: `gelu(x)` is the exact erf form, `gelu(x, approximate="tanh")` GPT-2's
# approximation, and softmax takes `dim=` (or NumPy's `axis=`).
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
from numpy.polynomial import chebyshev

from tinytorch.core.tensor import Tensor, _reduce_args

_GELU_C = math.sqrt(2.0 / math.pi)

# NumPy has no vectorised erf, so we build one the way math libraries do: a polynomial fitted once. For
# z = |x| <= 6, erfc(z)·exp(z²) is smooth in t = 2/(2+z); a degree-18 Chebyshev interpolant of it (from
# Python's scalar math.erfc at 19 points, at import) gives erf to an absolute error below 1e-14, which is
# all GELU needs. Beyond 6, erf is ±1 to double precision.
_ERF_LIMIT = 6.0
_ERF_T_MIN = 2.0 / (2.0 + _ERF_LIMIT)


def _scaled_erfc_samples(u: np.ndarray) -> np.ndarray:
    z = 2.0 / (_ERF_T_MIN + (u + 1.0) / 2.0 * (1.0 - _ERF_T_MIN)) - 2.0
    return np.array([math.erfc(v) * math.exp(v * v) for v in z])


_ERF_COEFFICIENTS = chebyshev.chebinterpolate(_scaled_erfc_samples, 18)


def _erf(x: np.ndarray) -> np.ndarray:
    """Vectorised error function in float64 (absolute error below 1e-14)."""
    z = np.minimum(np.abs(x.astype(np.float64, copy=False)), _ERF_LIMIT)
    u = (2.0 / (2.0 + z) - _ERF_T_MIN) * (2.0 / (1.0 - _ERF_T_MIN)) - 1.0
    return np.copysign(1.0 - chebyshev.chebval(u, _ERF_COEFFICIENTS) * np.exp(-z * z), x)


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


def gelu(x, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x·Φ(x): exact (erf) by default, or approximate="tanh" as in GPT-2.

    Records "gelu" with approximate= and what the backward pass needs: Φ(x) as cdf= (exact) or the tanh as tanh=.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' (exact erf form) or 'tanh', got {approximate!r}")
    x = _tensor(x)
    d = x.data
    if approximate == "none":
        ### BEGIN SOLUTION
        ### HINT: Φ(x) = 0.5·(1 + erf(x/√2)) with the _erf helper above; record approximate="none" and cdf=Φ(x)
        cdf = 0.5 * (1.0 + _erf(d * (1.0 / math.sqrt(2.0))))
        data = d * cdf
        return Tensor._from_op(data.astype(d.dtype, copy=False), (x,), "gelu", approximate="none", cdf=cdf)
        ### END SOLUTION
    ### BEGIN SOLUTION
    ### HINT: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); record approximate="tanh" and the tanh (tanh=) for backward
    t = np.tanh(_GELU_C * (d + 0.044715 * d * d * d))  # d*d*d: NumPy's float32 pow is ~30x slower
    data = 0.5 * d * (1.0 + t)
    return Tensor._from_op(data.astype(d.dtype, copy=False), (x,), "gelu", approximate="tanh", tanh=t)
    ### END SOLUTION


def softmax(x, axis: int = -1, *, dim=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis` (or PyTorch's `dim=`), shifted by the maximum for stability."""
    axis = _reduce_args("softmax", None if dim is not None else axis, False, dim)[0]
    x = _tensor(x)
    ### BEGIN SOLUTION
    ### HINT: subtract x.max(axis, keepdims=True) before np.exp, then divide by the sum along axis
    shifted = np.exp(x.data - x.data.max(axis=axis, keepdims=True))
    data = shifted / shifted.sum(axis=axis, keepdims=True)
    return Tensor._from_op(data, (x,), "softmax", axis=axis)
    ### END SOLUTION


def log_softmax(x, axis: int = -1, *, dim=None) -> Tensor:
    """log(softmax(x)) computed as x - logsumexp(x), which stays finite when softmax underflows."""
    axis = _reduce_args("log_softmax", None if dim is not None else axis, False, dim)[0]
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
    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):  # refused here rather than at the first forward pass
            raise ValueError(f"GELU: approximate must be 'none' (exact erf form) or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return gelu(x, self.approximate)

    def __repr__(self) -> str:
        return f"GELU(approximate={self.approximate!r})"


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

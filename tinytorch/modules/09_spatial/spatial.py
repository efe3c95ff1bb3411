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
# # Module 09: Spatial operations (convolution and pooling)
#
# An MLP treats an image as an unordered bag of pixels. A convolution slides one small filter over
# every position, so a feature detector learned in one corner works everywhere (translation
# equivariance) with a fraction of the parameters. Pooling then summarises neighbourhoods, making the
# representation tolerant to small shifts. These two ideas carried LeNet [LeCun et al., "Gradient-Based
# Learning Applied to Document Recognition", Proc. IEEE 1998, doi:10.1109/5.726791] and every CNN since.
#
# **Systems lens.** A `Conv2d(C, O, k)` on an `H×W` output costs `2·C·O·k²·H·W` FLOPs per image but
# has only `C·O·k²` weights: a tiny model with a large compute bill, the opposite of a `Linear` layer.
# We compute it with *im2col*: copy every `C×k×k` patch into a row of a matrix, then do one GEMM.
# The copy inflates memory by `k²` (9× for 3×3 filters), a classic trade of memory for speed,
# because GEMM is the most optimised routine on every processor.

# %%
#| default_exp core.spatial
#| requires: 01 03 05
#| public nn: Conv2d, MaxPool2d, AvgPool2d, Flatten, BatchNorm1d, BatchNorm2d
#| public nn.functional: conv2d, max_pool2d, avg_pool2d, batch_norm

# %% [markdown]
# ## im2col without Python loops
#
# `numpy.lib.stride_tricks.sliding_window_view` returns a *view* of shape `(N, C, H', W', k, k)`
# whose windows overlap in memory; no data is copied until we reshape it into the patch matrix.
# Strided convolutions simply keep every `s`-th window.

# %%
#| export
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinytorch.core.autograd import register_gradient
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import ShapeError, Tensor, get_rng


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def im2col(x: np.ndarray, kernel, stride, padding) -> tuple:
    """Patch matrix of shape (N·H'·W', C·kh·kw) and the output size (H', W')."""
    kh, kw = kernel
    (sh, sw), (ph, pw) = stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ### BEGIN SOLUTION
    ### HINT: sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw] then move C next to the kernel axes
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    n, c, ho, wo = windows.shape[:4]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
    return cols, (ho, wo)
    ### END SOLUTION


def col2im(cols: np.ndarray, x_shape, kernel, stride, padding, out_hw) -> np.ndarray:
    """Adjoint of im2col: add each patch's gradient back to the pixels it came from."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = kernel, stride, padding, out_hw
    patches = cols.reshape(n, ho, wo, c, kh, kw)
    grad = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            grad[:, :, a:a + sh * ho:sh, b:b + sw * wo:sw] += patches[:, :, :, :, a, b].transpose(0, 3, 1, 2)
    return grad[:, :, ph:ph + h, pw:pw + w]


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0) -> Tensor:
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ShapeError(
            f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw) with matching C, got {x.shape} and {weight.shape}"
        )
    kernel, stride, padding = weight.shape[2:], _pair(stride), _pair(padding)
    if x.shape[2] + 2 * padding[0] < kernel[0] or x.shape[3] + 2 * padding[1] < kernel[1]:
        raise ShapeError(f"conv2d: kernel {kernel} is larger than the padded input {x.shape[2:]}")
    cols, (ho, wo) = im2col(x.data, kernel, stride, padding)
    ### BEGIN SOLUTION
    out = cols @ weight.data.reshape(weight.shape[0], -1).T
    if bias is not None:
        out += bias.data
    out = out.reshape(x.shape[0], ho, wo, weight.shape[0]).transpose(0, 3, 1, 2)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._from_op(np.ascontiguousarray(out), parents, "conv2d", cols=cols, stride=stride, padding=padding, out_hw=(ho, wo))
    ### END SOLUTION


@register_gradient("conv2d", "module 09 (spatial): conv2d", needs=("cols", "stride", "padding", "out_hw"))
def _conv2d_grad(g, out, parents, attrs):
    x, weight = parents[0], parents[1]
    ### BEGIN SOLUTION
    ### HINT: flatten g to (N·H'·W', O); dW = g2ᵀ @ cols, dcols = g2 @ W2, then col2im for dx
    o = weight.shape[0]
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
    w2 = weight.data.reshape(o, -1)
    grads = [
        col2im(g2 @ w2, x.shape, weight.shape[2:], attrs["stride"], attrs["padding"], attrs["out_hw"]) if x.requires_grad else None,
        (g2.T @ attrs["cols"]).reshape(weight.shape),
    ]
    if len(parents) == 3:
        grads.append(g2.sum(axis=0))
    return tuple(grads)
    ### END SOLUTION

# %% [markdown]
# ## Pooling
#
# Max pooling keeps the largest value of each window; its gradient flows only to that winner, so we
# remember the arg-max index of each window. Average pooling spreads the gradient evenly.

# %%
#| export
def _windows(x: np.ndarray, kernel, stride):
    kh, kw = kernel
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride[0], ::stride[1]]
    return windows.reshape(*windows.shape[:4], kh * kw)


def max_pool2d(x: Tensor, kernel_size=2, stride=None) -> Tensor:
    kernel = _pair(kernel_size)
    stride = _pair(stride) if stride is not None else kernel
    if x.ndim != 4:
        raise ShapeError(f"max_pool2d: expected input (N, C, H, W), got {x.shape}")
    windows = _windows(x.data, kernel, stride)
    winner = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]
    return Tensor._from_op(out, (x,), "max_pool2d", winner=winner, kernel=kernel, stride=stride)


@register_gradient("max_pool2d", "module 09 (spatial): max_pool2d", needs=("winner", "kernel", "stride"))
def _max_pool2d_grad(g, out, parents, attrs):
    x = parents[0]
    (kh, kw), (sh, sw), winner = attrs["kernel"], attrs["stride"], attrs["winner"]
    ho, wo = g.shape[2:]
    grad = np.zeros(x.shape, dtype=g.dtype)
    for a in range(kh):
        for b in range(kw):
            grad[:, :, a:a + sh * ho:sh, b:b + sw * wo:sw] += g * (winner == a * kw + b)
    return (grad,)


def avg_pool2d(x: Tensor, kernel_size=2, stride=None) -> Tensor:
    kernel = _pair(kernel_size)
    stride = _pair(stride) if stride is not None else kernel
    out = _windows(x.data, kernel, stride).mean(axis=-1)
    return Tensor._from_op(out, (x,), "avg_pool2d", kernel=kernel, stride=stride)


@register_gradient("avg_pool2d", "module 09 (spatial): avg_pool2d", needs=("kernel", "stride"))
def _avg_pool2d_grad(g, out, parents, attrs):
    x = parents[0]
    (kh, kw), (sh, sw) = attrs["kernel"], attrs["stride"]
    ho, wo = g.shape[2:]
    grad = np.zeros(x.shape, dtype=g.dtype)
    for a in range(kh):
        for b in range(kw):
            grad[:, :, a:a + sh * ho:sh, b:b + sw * wo:sw] += g / (kh * kw)
    return (grad,)

# %% [markdown]
# ## Layers
#
# `Conv2d` initialises like PyTorch, uniformly within `±1/√(C·k²)`, the fan-in of one output.

# %%
#| export
class Conv2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True):
        super().__init__()
        kh, kw = _pair(kernel_size)
        self.in_channels, self.out_channels, self.stride, self.padding = in_channels, out_channels, stride, padding
        bound = 1.0 / np.sqrt(in_channels * kh * kw)
        rng = get_rng()
        self.weight = Parameter(rng.uniform(-bound, bound, (out_channels, in_channels, kh, kw)).astype(np.float32))
        self.bias = Parameter(rng.uniform(-bound, bound, out_channels).astype(np.float32)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def __repr__(self) -> str:
        return f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.weight.shape[2:]}, stride={self.stride}, padding={self.padding})"


class MaxPool2d(Module):
    def __init__(self, kernel_size=2, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride)


class AvgPool2d(Module):
    def __init__(self, kernel_size=2, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride)


class Flatten(Module):
    def __init__(self, start_dim: int = 1):
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim)

# %% [markdown]
# ## Batch normalisation
#
# Batch normalisation [Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training by
# Reducing Internal Covariate Shift", ICML 2015, arXiv:1502.03167] standardises each channel with the
# mean and variance of the current batch (over `N`, and `H×W` for images), then applies a learned scale
# `γ` and shift `β`. Because a prediction must not depend on which other examples share its batch, the
# layer also keeps *running* averages, `r ← (1-m)·r + m·batch statistic` with momentum `m = 0.1`, and
# uses those in `eval()` mode. Like PyTorch, normalisation divides by `n` (the batch's own spread) while
# the running variance is updated with the unbiased `n-1` estimate. Written with module 01's `mean` and
# `var`, the layer needs no gradient rule of its own.
#
# **Systems lens.** The running statistics are *buffers*, not parameters: saved in `state_dict` but
# never touched by the optimizer. Forgetting `model.eval()` at test time is one of the most common bugs
# in deep learning: the model then normalises with the test batch's statistics, and a batch of one
# image has zero variance.

# %%
#| export
def batch_norm(x: Tensor, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) of x; in training, update running_mean/running_var in place."""
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected (N, C, ...) input, got shape {x.shape}")
    channels = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    ### BEGIN SOLUTION
    ### HINT: training: mean and var(correction=0) over `axes` (keepdims), update the running arrays in place (the variance with n/(n-1)); eval: use the running ones
    if training:
        count = x.data.size // channels
        if count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel, got input shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, correction=0)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean.data.reshape(channels)
            running_var *= 1 - momentum
            running_var += momentum * var.data.reshape(channels) * (count / (count - 1))
        normalised = (x - mean) / (var + eps).sqrt()
    else:
        mean = Tensor(np.asarray(running_mean, dtype=x.dtype).reshape(shape))
        inv_std = Tensor((1.0 / np.sqrt(np.asarray(running_var, dtype=x.dtype) + eps)).reshape(shape))
        normalised = (x - mean) * inv_std
    if weight is not None:
        normalised = normalised * weight.reshape(shape)
    if bias is not None:
        normalised = normalised + bias.reshape(shape)
    return normalised
    ### END SOLUTION


class _BatchNorm(Module):
    expected_dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=np.float32))
        self.register_buffer("running_var", np.ones(num_features, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            wanted = " or ".join(f"{d}-D" for d in self.expected_dims)
            raise ShapeError(f"{name}({self.num_features}): expected {wanted} input with {self.num_features} channels "
                             f"on axis 1, got shape {x.shape}")
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                          self.momentum, self.eps)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_features}, eps={self.eps}, momentum={self.momentum})"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""
    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C."""
    expected_dims = (4,)

# %% [markdown]
# ## Systems analysis: im2col versus direct loops, and its memory price
#
# We run one convolution both ways: a direct loop over the `k×k` kernel offsets (each a small matmul
# over channels) and the im2col GEMM, and report the im2col buffer size next to the input size.

# %%
def conv_tradeoff(n: int = 16, c: int = 16, hw: int = 16, o: int = 32, k: int = 3) -> dict:
    import time

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = rng.standard_normal((o, c, k, k)).astype(np.float32)
    start = time.perf_counter()
    cols, (ho, wo) = im2col(x, (k, k), (1, 1), (0, 0))
    fast = (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
    im2col_s = time.perf_counter() - start
    start = time.perf_counter()
    direct = np.zeros((n, o, ho, wo), dtype=np.float32)
    for a in range(k):
        for b in range(k):
            direct += np.einsum("nchw,oc->nohw", x[:, :, a:a + ho, b:b + wo], w[:, :, a, b])
    direct_s = time.perf_counter() - start
    assert np.allclose(fast, direct, atol=1e-3)
    return {"im2col_ms": im2col_s * 1e3, "direct_ms": direct_s * 1e3, "input_bytes": x.nbytes, "im2col_bytes": cols.nbytes,
            "gflop": 2 * n * o * c * k * k * ho * wo / 1e9}


if __name__ == "__main__":
    row = conv_tradeoff()
    print(f"im2col {row['im2col_ms']:.2f} ms, direct {row['direct_ms']:.2f} ms for {row['gflop']:.3f} GFLOP; "
          f"patch matrix {row['im2col_bytes'] / row['input_bytes']:.1f}x the input bytes")

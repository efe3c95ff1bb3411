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
# # Module 15: Quantization
#
# Trained weights rarely need 32 bits. Quantization maps each float `x` to an 8-bit integer
# `q = round(x / s)` clipped to `[-127, 127]`, with a scale `s` chosen so the largest magnitude just
# fits; `q·s` recovers `x` with an error of at most `s/2`. One scale per output channel (per row of a
# weight matrix) follows each row's own range and loses far less than one scale for the whole tensor.
# Activations change with every input, so their scale is *calibrated*: run representative data
# through the model, record the ranges, and fix the scale (a percentile instead of the maximum ignores
# rare outliers that would waste most of the 256 levels) [Jacob et al., "Quantization and Training of
# Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018, arXiv:1712.05877].
#
# **Systems lens.** INT8 weights take 4× less memory than float32, and decode-time inference is
# memory-bound (every weight is read once per token), so on hardware with INT8 arithmetic the speed-up
# approaches the bytes saved. NumPy has no fast INT8 matrix multiply, so here the integers are
# widened just before the product: we measure the memory saving and the accuracy cost honestly, and
# leave integer kernels to hardware.

# %%
#| default_exp optimization.quantization
#| requires: 01 03 05 14
#| public: quantize_tensor, dequantize, QuantizedLinear, quantize_model, calibrate_scale, model_bytes

# %%
#| export
import numpy as np

from tinytorch.core.layers import Linear, Module
from tinytorch.core.tensor import Tensor

QMAX = 127


def quantize_tensor(x: np.ndarray, axis: int | None = None) -> tuple:
    """Symmetric INT8 quantization; per-tensor (axis=None) or one scale per index of `axis`."""
    x = np.asarray(x, dtype=np.float32)
    ### BEGIN SOLUTION
    ### HINT: scale = max|x| / 127 (over all axes except `axis`), guard zero scales, q = clip(round(x / scale))
    if axis is None:
        peak = np.abs(x).max(initial=0.0)
    else:
        reduce = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
        peak = np.abs(x).max(axis=reduce, keepdims=True, initial=0.0)
    scale = np.where(peak > 0, peak / QMAX, 1.0).astype(np.float32)
    q = np.clip(np.round(x / scale), -QMAX, QMAX).astype(np.int8)
    return q, scale
    ### END SOLUTION


def dequantize(q: np.ndarray, scale) -> np.ndarray:
    return q.astype(np.float32) * scale


def calibrate_scale(samples, percentile: float = 99.99) -> float:
    """Activation scale from calibration data: a high percentile of |x| mapped to 127."""
    values = np.concatenate([np.abs(np.asarray(s.data if isinstance(s, Tensor) else s)).reshape(-1) for s in samples])
    if values.size == 0:
        raise ValueError("calibrate_scale: no calibration samples given")
    return float(max(np.percentile(values, percentile), 1e-8) / QMAX)

# %% [markdown]
# ## A quantized linear layer
#
# `QuantizedLinear` keeps INT8 weights and one float scale per output row. Because the scale is per
# output channel it factors out of the dot product: `x·(q_j s_j) = (x·q_j) s_j`, so we multiply by the
# integer matrix and scale the output columns afterwards. With `activation_scale` set (from
# calibration), inputs are also rounded to 8-bit levels to simulate a full INT8 pipeline (W8A8);
# without it, only weights are quantized (W8A32), the common choice for language-model decoding.

# %%
#| export
class QuantizedLinear(Module):
    def __init__(self, linear: Linear, activation_scale: float | None = None):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.weight_q, scale = quantize_tensor(linear.weight.data, axis=0)
        self.weight_scale = scale.reshape(-1)
        self.bias = None if linear.bias is None else linear.bias.data.copy()
        self.activation_scale = activation_scale

    def forward(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else np.asarray(x, dtype=np.float32)
        ### BEGIN SOLUTION
        if self.activation_scale is not None:
            data = np.clip(np.round(data / self.activation_scale), -QMAX, QMAX) * self.activation_scale
        flat = data.reshape(-1, self.in_features).astype(np.float32, copy=False)
        out = (flat @ self.weight_q.T.astype(np.float32)) * self.weight_scale
        if self.bias is not None:
            out += self.bias
        return Tensor(out.reshape(*data.shape[:-1], self.out_features))
        ### END SOLUTION

    def nbytes(self) -> int:
        return self.weight_q.nbytes + self.weight_scale.nbytes + (0 if self.bias is None else self.bias.nbytes)

    def __repr__(self) -> str:
        mode = "W8A8" if self.activation_scale is not None else "W8A32"
        return f"QuantizedLinear({self.in_features}, {self.out_features}, {mode})"

# %% [markdown]
# ## Quantizing a model in place
#
# `quantize_model` walks the module tree and swaps every `Linear` for a `QuantizedLinear`. Quantized
# layers are for inference only: they hold no `Parameter`s, so an optimizer will not see them.

# %%
#| export
def _swap_linears(module: Module, make) -> int:
    swapped = 0
    for name, value in list(vars(module).items()):
        if isinstance(value, Linear):
            setattr(module, name, make(value))
            swapped += 1
        elif isinstance(value, Module):
            swapped += _swap_linears(value, make)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Linear):
                    value[index] = make(item)
                    swapped += 1
                elif isinstance(item, Module):
                    swapped += _swap_linears(item, make)
    return swapped


def quantize_model(model: Module, activation_scales: dict | None = None) -> int:
    """Replace every Linear by a QuantizedLinear; returns how many were replaced."""
    activation_scales = activation_scales or {}
    return _swap_linears(model, lambda layer: QuantizedLinear(layer, activation_scales.get(id(layer))))


def model_bytes(model: Module) -> int:
    """Bytes of weights: float parameters plus quantized layers' integer weights and scales."""
    total = sum(p.nbytes for p in model.parameters())
    return total + sum(m.nbytes() for m in model.modules() if isinstance(m, QuantizedLinear))

# %% [markdown]
# ## Systems analysis: error and memory
#
# For a weight matrix with one outlier row we compare per-tensor and per-channel quantization error,
# then quantize an MLP and compare bytes.

# %%
def quantization_report(seed: int = 0) -> dict:
    from tinytorch.core.layers import Sequential

    rng = np.random.default_rng(seed)
    w = rng.standard_normal((64, 64)).astype(np.float32)
    w[0] *= 50.0
    errors = {}
    for name, axis in (("per_tensor", None), ("per_channel", 0)):
        q, s = quantize_tensor(w, axis)
        errors[name] = float(np.abs(dequantize(q, s) - w)[1:].mean())
    model = Sequential(Linear(64, 256), Linear(256, 10))
    before = model_bytes(model)
    quantize_model(model)
    return {"mean_abs_error": errors, "bytes_fp32": before, "bytes_int8": model_bytes(model)}


if __name__ == "__main__":
    report = quantization_report()
    print("mean |error| on ordinary rows:", {k: f"{v:.5f}" for k, v in report["mean_abs_error"].items()})
    print(f"MLP weights: {report['bytes_fp32']} B float32 -> {report['bytes_int8']} B int8 ({report['bytes_fp32'] / report['bytes_int8']:.2f}x smaller)")

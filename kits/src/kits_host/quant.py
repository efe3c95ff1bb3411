"""NumPy reference of the INT8 arithmetic in kits/core/src/kits_nn.c.

Every function mirrors its C counterpart operation by operation (int64 arithmetic,
the same rounding), so tests can demand bit-exact equality. The semantics are those
of TFLite's int8 kernels as implemented by CMSIS-NN: asymmetric int8 activations,
symmetric per-channel int8 weights, int32 bias, Q31 multiplier plus shift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """Q31 multiplier and shift with real_multiplier ~= multiplier * 2**(shift - 31).

    Same contract as TFLite's QuantizeMultiplier (rounding half away from zero).
    """
    if real_multiplier < 0:
        raise ValueError(f"multiplier must be >= 0, got {real_multiplier}")
    if real_multiplier == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real_multiplier)
    q = int(math.floor(fraction * (1 << 31) + 0.5))
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        raise ValueError(f"multiplier {real_multiplier} too large to represent (shift {shift} > 30)")
    return q, shift


def saturating_rounding_doubling_high_mul(a, b):
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    product = a * b
    nudge = np.where(product >= 0, 1 << 30, 1 - (1 << 30))
    total = product + nudge
    # C integer division truncates toward zero; NumPy's // floors, so correct negatives.
    quotient = np.where(total >= 0, total >> 31, -((-total) >> 31))
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, INT32_MAX, quotient).astype(np.int64)


def rounding_divide_by_pot(x, exponent):
    x = np.asarray(x, dtype=np.int64)
    exponent = np.asarray(exponent, dtype=np.int64)
    safe_exp = np.maximum(exponent, 0)
    mask = (np.int64(1) << safe_exp) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    result = (x >> safe_exp) + (remainder > threshold)
    return np.where(exponent <= 0, x, result).astype(np.int64)


def requantize(acc, multiplier, shift):
    acc = np.asarray(acc, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    shifted = np.clip(acc * (np.int64(1) << left), INT32_MIN, INT32_MAX)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)


@dataclass(frozen=True)
class Window:
    """Spatial geometry of a conv/pool layer, as kits_window_t in C."""

    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    kernel_h: int
    kernel_w: int
    stride_h: int = 1
    stride_w: int = 1
    pad_top: int = 0
    pad_left: int = 0

    @classmethod
    def for_input(cls, in_h, in_w, in_c, out_c, kernel_h, kernel_w, stride_h=1, stride_w=1,
                  padding="valid") -> "Window":
        """Output size and padding the way TFLite computes them for SAME/VALID."""
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
        if padding == "valid":
            out_h = (in_h - kernel_h) // stride_h + 1
            out_w = (in_w - kernel_w) // stride_w + 1
            pad_top = pad_left = 0
        else:
            out_h = -(-in_h // stride_h)
            out_w = -(-in_w // stride_w)
            pad_top = max((out_h - 1) * stride_h + kernel_h - in_h, 0) // 2
            pad_left = max((out_w - 1) * stride_w + kernel_w - in_w, 0) // 2
        if out_h < 1 or out_w < 1:
            raise ValueError(f"kernel {kernel_h}x{kernel_w} does not fit input {in_h}x{in_w}")
        return cls(in_h, in_w, in_c, out_h, out_w, out_c, kernel_h, kernel_w, stride_h, stride_w,
                   pad_top, pad_left)


def _patches(x: np.ndarray, w: Window, fill: float | int = 0) -> tuple[np.ndarray, np.ndarray]:
    """im2col: [out_h, out_w, kh, kw, c] patches plus a validity mask of the same
    leading shape (False where the window hangs over the padding)."""
    x = x.reshape(w.in_h, w.in_w, w.in_c)
    oy = np.arange(w.out_h)[:, None] * w.stride_h - w.pad_top
    ox = np.arange(w.out_w)[:, None] * w.stride_w - w.pad_left
    iy = oy + np.arange(w.kernel_h)[None, :]  # [out_h, kh]
    ix = ox + np.arange(w.kernel_w)[None, :]  # [out_w, kw]
    valid_y = (iy >= 0) & (iy < w.in_h)
    valid_x = (ix >= 0) & (ix < w.in_w)
    cy = np.clip(iy, 0, w.in_h - 1)
    cx = np.clip(ix, 0, w.in_w - 1)
    patches = x[cy[:, None, :, None], cx[None, :, None, :]]  # [oh, ow, kh, kw, c]
    valid = valid_y[:, None, :, None] & valid_x[None, :, None, :]
    patches = np.where(valid[..., None], patches, fill)
    return patches, valid


def _finish(acc, multiplier, shift, output_offset, act_min, act_max):
    out = requantize(acc, multiplier, shift) + output_offset
    return np.clip(out, act_min, act_max).astype(np.int8)


def fully_connected_s8(x, weights, bias, multiplier, shift, input_offset, output_offset,
                       act_min=-128, act_max=127):
    x = np.asarray(x, dtype=np.int64).reshape(-1)
    acc = (np.asarray(weights, dtype=np.int64) @ (x + input_offset))
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    # The C accumulator is int32; a model whose sums overflow it is rejected by the exporter.
    return _finish(acc, multiplier, shift, output_offset, act_min, act_max)


def conv2d_s8(x, w: Window, weights, bias, multiplier, shift, input_offset, output_offset,
              act_min=-128, act_max=127):
    patches, valid = _patches(np.asarray(x, dtype=np.int64), w)
    # Padded taps contribute nothing (C skips them), so zero them after adding the offset.
    shifted = np.where(valid[..., None], patches + input_offset, 0)
    flat = shifted.reshape(w.out_h * w.out_w, -1)
    acc = flat @ np.asarray(weights, dtype=np.int64).reshape(w.out_c, -1).T
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    out = _finish(acc, multiplier, shift, output_offset, act_min, act_max)
    return out.reshape(w.out_h, w.out_w, w.out_c)


def depthwise_conv2d_s8(x, w: Window, depth_multiplier, weights, bias, multiplier, shift,
                        input_offset, output_offset, act_min=-128, act_max=127):
    if w.out_c != w.in_c * depth_multiplier:
        raise ValueError(f"out_c {w.out_c} != in_c {w.in_c} * depth_multiplier {depth_multiplier}")
    patches, valid = _patches(np.asarray(x, dtype=np.int64), w)
    shifted = np.where(valid[..., None], patches + input_offset, 0)
    shifted = np.repeat(shifted, depth_multiplier, axis=-1)  # channel ic*m + k reads input ic
    kernel = np.asarray(weights, dtype=np.int64).reshape(w.kernel_h, w.kernel_w, w.out_c)
    acc = (shifted * kernel[None, None]).sum(axis=(2, 3))
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    return _finish(acc, multiplier, shift, output_offset, act_min, act_max)


def max_pool_s8(x, w: Window, act_min=-128, act_max=127):
    patches, valid = _patches(np.asarray(x, dtype=np.int64), w, fill=INT32_MIN)
    out = patches.max(axis=(2, 3))
    return np.clip(out, act_min, act_max).astype(np.int8)


def avg_pool_s8(x, w: Window, act_min=-128, act_max=127):
    patches, valid = _patches(np.asarray(x, dtype=np.int64), w)
    total = patches.sum(axis=(2, 3))
    count = valid.sum(axis=(2, 3))[..., None].astype(np.int64)
    half = count // 2
    numerator = np.where(total > 0, total + half, total - half)
    # C division truncates toward zero.
    quotient = np.sign(numerator) * (np.abs(numerator) // np.maximum(count, 1))
    out = np.where(count > 0, quotient, 0)
    return np.clip(out, act_min, act_max).astype(np.int8)


def softmax_exp_lut(input_scale: float) -> np.ndarray:
    """exp(-d * input_scale) in Q16 for d = 0..255 (the table the C kernel indexes)."""
    d = np.arange(256, dtype=np.float64)
    return np.floor(np.exp(-d * input_scale) * 65536.0 + 0.5).astype(np.uint32)


def softmax_s8(x, exp_lut):
    x = np.asarray(x, dtype=np.int64).reshape(-1)
    lut = np.asarray(exp_lut, dtype=np.int64)
    e = lut[x.max() - x]
    total = int(e.sum())
    p = (e * 256 + total // 2) // total
    return np.clip(p - 128, -128, 127).astype(np.int8)

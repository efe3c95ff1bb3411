"""Vectorized evaluation over NumPy arrays of configurations (closed-form models only).

Every function broadcasts its array arguments against each other and returns a dict of arrays with
the same field names as the scalar result. Results agree with the scalar functions (tested).
"""
from __future__ import annotations

import numpy as np

from .catalog import hardware, model as get_model
from .errors import ValidationError
from .memory import OPTIMIZERS, _optimizer_bytes_per_param, activation_bytes_per_layer
from .units import DTYPE_BYTES, dtype_name


def _array(name: str, value, minimum: float = 0.0, strict: bool = True) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(arr) | ((arr <= minimum) if strict else (arr < minimum))
    if bad.any():
        first = arr[bad].flat[0]
        raise ValidationError(name, f"every element must be {'>' if strict else '>='} {minimum:g}; found {first!r}")
    return arr


def roofline(flop, bytes_moved, peak_flops=None, memory_bw_bytes_per_s=None, hw=None, dtype: str = "bf16") -> dict:
    """Roofline over arrays. Give ``hw`` (one device) or arrays of ``peak_flops`` and ``memory_bw_bytes_per_s``."""
    if hw is not None:
        device = hardware(hw)
        peak_flops = device.peak_flops(dtype)
        memory_bw_bytes_per_s = device.memory_bw_bytes_per_s
    if peak_flops is None or memory_bw_bytes_per_s is None:
        raise ValidationError("hw", "pass hw=... or both peak_flops and memory_bw_bytes_per_s")
    flop, moved = _array("flop", flop), _array("bytes_moved", bytes_moved)
    peak, bw = _array("peak_flops", peak_flops), _array("memory_bw_bytes_per_s", memory_bw_bytes_per_s)
    compute_s, memory_s = flop / peak, moved / bw
    intensity = flop / moved
    return {"arithmetic_intensity": intensity, "ridge_point": peak / bw, "attainable_flops": np.minimum(peak, bw * intensity),
            "compute_time_s": compute_s, "memory_time_s": memory_s, "time_s": np.maximum(compute_s, memory_s),
            "compute_bound": compute_s >= memory_s}


def training_memory(model, batch, seq_len, dp=1, tp=1, pp=1, zero_stage=0, recompute=False, sp=False,
                    optimizer: str = "adam", precision: str = "bf16", flash_attention: bool = True) -> dict:
    """Per-device training memory for arrays of configurations (transformers).

    ``recompute`` is a boolean array (full recomputation); ``zero_stage`` an integer array in 0..3.
    """
    m = get_model(model)
    if m.kind != "transformer":
        raise ValidationError("model", f"sweep.training_memory covers transformers; {m.name} is a {m.kind}")
    if optimizer not in OPTIMIZERS:
        raise ValidationError("optimizer", f"must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    precision = dtype_name(precision, "precision")
    batch, seq = _array("batch", batch), _array("seq_len", seq_len)
    dp, tp, pp = _array("dp", dp), _array("tp", tp), _array("pp", pp)
    zero = np.asarray(zero_stage)
    if ((zero < 0) | (zero > 3)).any():
        raise ValidationError("zero_stage", "every element must be 0, 1, 2 or 3")
    recompute = np.asarray(recompute, dtype=bool)
    sp = np.asarray(sp, dtype=bool)
    if (np.mod(m.heads, tp) != 0).any() or (np.mod(m.layers, pp) != 0).any():
        raise ValidationError("tp", f"every tp must divide heads={m.heads} and every pp must divide layers={m.layers}")
    w_b, g_b, o_b = _optimizer_bytes_per_param(optimizer, precision)
    per_rank = m.params / (tp * pp)
    weights = per_rank * w_b / np.where(zero >= 3, dp, 1)
    grads = per_rank * g_b / np.where(zero >= 2, dp, 1)
    opt = per_rank * o_b / np.where(zero >= 1, dp, 1)
    act_dtype = "bf16" if precision == "fp8" else precision
    full_sp = activation_bytes_per_layer(m, batch, seq, act_dtype, tp, True, flash_attention)
    full_nosp = activation_bytes_per_layer(m, batch, seq, act_dtype, tp, False, flash_attention)
    full = np.where(sp, full_sp, full_nosp)
    layer_input = batch * seq * m.hidden * DTYPE_BYTES[act_dtype] / np.where(sp, tp, 1)
    acts = np.where(recompute, m.layers * layer_input + full, m.layers * full) + 4.0 * batch * seq * m.vocab / tp
    total = weights + grads + opt + acts
    return {"weights_bytes": weights, "grads_bytes": grads, "optimizer_bytes": opt, "activations_bytes": acts,
            "total_bytes": total}

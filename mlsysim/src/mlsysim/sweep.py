"""Vectorized evaluation over NumPy arrays of configurations (closed-form models only).

Every function broadcasts its array arguments against each other and returns a dict of arrays with
the same field names as the scalar result. Results agree with the scalar functions (tested).

This is the only module that needs NumPy; ``import mlsysim`` loads it on first use of ``mlsysim.sweep``
so every scalar function runs where NumPy does not exist (a browser lab under Pyodide).
"""
from __future__ import annotations

try:
    import numpy as np
except ImportError as missing:  # pragma: no cover - exercised by tests/test_no_numpy.py in a subprocess
    from .errors import MissingDependencyError
    raise MissingDependencyError(
        "numpy", "mlsysim.sweep evaluates arrays of configurations and needs NumPy: "
        "`pip install numpy` (or `pip install mlsysim[sweep]`). Every scalar function (roofline, memory, "
        "collective, train_step, serve, ...) works without it.") from missing

from .catalog import hardware, model as get_model
from .errors import ValidationError, choice
from .memory import OPTIMIZERS, _optimizer_bytes_per_param, activation_bytes_per_layer
from .units import DTYPE_BYTES, dtype_name


def _array(name: str, value, minimum: float = 0.0, strict: bool = True) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(arr) | ((arr <= minimum) if strict else (arr < minimum))
    if bad.any():
        first = arr[bad].flat[0]
        raise ValidationError(name, f"every element must be {'>' if strict else '>='} {minimum:g}; found {first!r}")
    return arr


#: NumPy chains run about three times faster on cache-sized blocks than on million-element arrays.
_CHUNK = 32768


def _chunked(impl, arrays: dict, fixed: dict) -> dict:
    """Evaluate ``impl`` block by block over the broadcast ``arrays`` and stitch the results."""
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    size = int(np.prod(shape)) if shape else 1
    if size <= _CHUNK:
        return impl(**arrays, **fixed)
    # scalars stay scalars (no million-element copies); only real arrays are split into blocks
    scalars = {k: a.reshape(()) for k, a in arrays.items() if a.size == 1}
    flat = {k: np.broadcast_to(a, shape).reshape(-1) for k, a in arrays.items() if a.size != 1}
    starts = range(0, size, _CHUNK)
    parts = [impl(**{k: a[i:i + _CHUNK] for k, a in flat.items()}, **scalars, **fixed) for i in starts]
    out = {}
    for key in parts[0]:
        pieces = [np.broadcast_to(p[key], (min(_CHUNK, size - i),)) for p, i in zip(parts, starts)]
        out[key] = np.concatenate(pieces).reshape(shape)
    return out


def roofline(flop, bytes_moved, peak_flops=None, memory_bw_bytes_per_s=None, hw=None, dtype: str = "bf16") -> dict:
    """Roofline over arrays. Give ``hw`` (one device) or arrays of ``peak_flops`` and ``memory_bw_bytes_per_s``."""
    if hw is not None:
        device = hardware(hw)
        peak_flops = device.peak_flops(dtype)
        memory_bw_bytes_per_s = device.memory_bw_bytes_per_s
    if peak_flops is None or memory_bw_bytes_per_s is None:
        raise ValidationError("hw", "pass hw=... or both peak_flops and memory_bw_bytes_per_s")
    return _chunked(_roofline, {"flop": flop, "bytes_moved": bytes_moved, "peak_flops": peak_flops,
                                "memory_bw_bytes_per_s": memory_bw_bytes_per_s}, {})


def _roofline(flop, bytes_moved, peak_flops, memory_bw_bytes_per_s) -> dict:
    flop, moved = _array("flop", flop), _array("bytes_moved", bytes_moved)
    peak, bw = _array("peak_flops", peak_flops), _array("memory_bw_bytes_per_s", memory_bw_bytes_per_s)
    compute_s, memory_s = flop / peak, moved / bw
    intensity = flop / moved
    return {"arithmetic_intensity": intensity, "ridge_point": peak / bw, "attainable_flops": np.minimum(peak, bw * intensity),
            "compute_time_s": compute_s, "memory_time_s": memory_s, "time_s": np.maximum(compute_s, memory_s),
            "compute_bound": compute_s >= memory_s}


def training_memory(model, batch, seq_len, dp=1, tp=1, pp=1, zero_stage=0, recompute=False, sp=False,
                    optimizer: str = "adam", precision: str = "bf16", flash_attention: bool = True,
                    virtual_stages=1, n_micro_batches=None) -> dict:
    """Per-device training memory for arrays of configurations (transformers).

    ``recompute`` is a boolean array (full recomputation); ``zero_stage`` an integer array in 0..3;
    ``virtual_stages`` and ``n_micro_batches`` set the micro-batches in flight as in the scalar function.
    """
    n_micro = np.inf if n_micro_batches is None else n_micro_batches
    return _chunked(_training_memory, {"batch": batch, "seq_len": seq_len, "dp": dp, "tp": tp, "pp": pp,
                                       "zero_stage": zero_stage, "recompute": recompute, "sp": sp,
                                       "virtual_stages": virtual_stages, "n_micro_batches": n_micro},
                    {"model": model, "optimizer": optimizer, "precision": precision, "flash_attention": flash_attention})


def _training_memory(model, batch, seq_len, dp, tp, pp, zero_stage, recompute, sp, virtual_stages, n_micro_batches,
                     optimizer, precision, flash_attention) -> dict:
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
    if m.max_seq_len and (seq > m.max_seq_len).any():
        raise ValidationError("seq_len", f"every seq_len must be <= {m.name}'s context of {m.max_seq_len} tokens")
    v = np.asarray(virtual_stages, dtype=np.float64)
    in_flight = np.where((pp > 1) & (v > 1), 1.0 + (pp - 1) / (pp * v), 1.0)
    in_flight = in_flight * np.where((pp > 1) & (n_micro_batches < pp), n_micro_batches / pp, 1.0)
    acts = (np.where(recompute, m.layers * layer_input + full, m.layers * full) * in_flight
            + 4.0 * batch * seq * m.vocab / tp)
    total = weights + grads + opt + acts
    return {"weights_bytes": weights, "grads_bytes": grads, "optimizer_bytes": opt, "activations_bytes": acts,
            "total_bytes": total}


def _flat_time(op: str, size, n, link):
    """Array version of mlsysim.collectives on one tier with algorithm 'auto', launch included."""
    from .collective_bandwidth import NVLS, RING, achieved_bus_bandwidth, supports_nvls

    n = np.asarray(n, dtype=np.float64)
    ring_bw = achieved_bus_bandwidth(link.bandwidth_bytes_per_s, link.peak_efficiency, size, "ring")
    if op == "all_reduce":
        steps, factor = 2 * (n - 1), 2 * (n - 1) / n
    elif op == "send_recv":
        steps, factor = np.ones_like(n), np.ones_like(n)
    else:
        steps, factor = n - 1, (n - 1) / n
    ring = RING.launch_s + steps * link.latency_s + factor * size / ring_bw
    if supports_nvls(link.name, op, 3):
        nvls_bw = achieved_bus_bandwidth(link.bandwidth_bytes_per_s, link.peak_efficiency, size, "nvls",
                                         np.maximum(n, 2.0))
        nvls = NVLS.launch_s + 2 * link.latency_s + factor * size / nvls_bw
        ring = np.where(n > 2, nvls, ring)
    return np.where(n > 1, ring, 0.0)


def _group_time(op: str, size, n, per_node, intra, inter):
    """Array version of mlsysim.collective on a cluster with ``per_node`` group members per node."""
    from .collective_bandwidth import RING

    nodes = n / per_node
    inside = _flat_time(op, size, n, intra)
    # a hierarchical collective is one kernel: one launch, not one per phase
    if op == "all_reduce":
        across = (_flat_time("reduce_scatter", size, per_node, intra) + _flat_time("all_reduce", size / per_node, nodes, inter)
                  + _flat_time("all_gather", size, per_node, intra))
        launches = ((per_node > 1).astype(float) * 2 + (nodes > 1)) - 1
    else:
        across = _flat_time(op, size / per_node, nodes, inter) + _flat_time(op, size, per_node, intra)
        launches = ((per_node > 1).astype(float) + (nodes > 1)) - 1
    across = across - launches * RING.launch_s
    return np.where(n <= per_node, inside, across)


def train_step(model, cluster, n_devices: int, global_batch, seq_len, tp=1, pp=1, micro_batch=1, zero_stage=0,
               recompute=False, sp=False, virtual_stages=1, precision: str = "bf16", optimizer: str = "adam",
               flash_attention: bool = True, attention_kernel: str = "default") -> dict:
    """Step time, tokens/s and MFU for arrays of layouts of a transformer on ``cluster`` (dp = n / (tp x pp)).

    Covers data, tensor (within a node), pipeline and sequence parallelism with ZeRO 0-3 and full
    recomputation; the same equations as :func:`mlsysim.train_step` (tested to agree).
    """
    return _chunked(_train_step, {"global_batch": global_batch, "seq_len": seq_len, "tp": tp, "pp": pp,
                                  "micro_batch": micro_batch, "zero_stage": zero_stage, "recompute": recompute, "sp": sp,
                                  "virtual_stages": virtual_stages},
                    {"model": model, "cluster": cluster, "n_devices": n_devices, "precision": precision,
                     "optimizer": optimizer, "flash_attention": flash_attention, "attention_kernel": attention_kernel})


def _train_step(model, cluster, n_devices, global_batch, seq_len, tp, pp, micro_batch, zero_stage, recompute, sp,
                virtual_stages, precision, optimizer, flash_attention, attention_kernel) -> dict:
    from . import assumptions
    from .catalog import Cluster
    from .training import _attention_rate, _gemm_time, _system, gemm_shape_factor, layer_forward_time, sustained_gemm_rate

    m = get_model(model)
    if m.kind != "transformer":
        raise ValidationError("model", f"sweep.train_step covers transformers; {m.name} is a {m.kind}")
    system = cluster if isinstance(cluster, Cluster) else _system(cluster, int(n_devices))
    hw = system.accelerator
    gpn = system.gpus_per_node
    precision = dtype_name(precision, "precision")
    gb, seq = _array("global_batch", global_batch), _array("seq_len", seq_len)
    tp, pp, mb = _array("tp", tp), _array("pp", pp), _array("micro_batch", micro_batch)
    v = _array("virtual_stages", virtual_stages)
    tp, pp, mb, v, gb, seq = np.broadcast_arrays(tp, pp, mb, v, gb, seq)
    zero = np.broadcast_to(np.asarray(zero_stage), tp.shape)
    rf = np.broadcast_to(np.asarray(recompute, dtype=bool), tp.shape).astype(np.float64)
    sp = np.broadcast_to(np.asarray(sp, dtype=bool), tp.shape)
    n = float(n_devices)
    dp = n / (tp * pp)
    problems = {"tp": (np.mod(m.heads, tp) != 0) | (tp > gpn), "pp": np.mod(m.layers, pp) != 0,
                "n_devices": np.mod(dp, 1) != 0, "global_batch": np.mod(gb, dp * mb) != 0,
                "virtual_stages": np.mod(m.layers / pp, v) != 0}
    for field, bad in problems.items():
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValidationError(field, f"a configuration with tp={tp.flat[i]:g}, pp={pp.flat[i]:g} is invalid: tp must divide "
                                  f"heads={m.heads} and be <= {gpn} per node, pp must divide layers={m.layers}, tp x pp must "
                                  "divide n_devices, dp x micro_batch must divide global_batch, virtual_stages must divide layers/pp")
    peak_nominal = hw.peak_flops(precision)
    peak = sustained_gemm_rate(hw, precision)
    bw = hw.memory_bw_bytes_per_s * assumptions.MEMORY_EFFICIENCY[hw.category]
    act_dtype = "bf16" if precision == "fp8" else precision
    b = DTYPE_BYTES[act_dtype]
    tokens = mb * seq
    layers_per_stage = m.layers / pp
    attention_peak, fp8_linear = _attention_rate(hw, precision, peak)
    attention_kernel = choice("attention_kernel", attention_kernel, tuple(assumptions.ATTENTION_KERNEL_EFFICIENCY))
    fwd = layer_forward_time(m, tokens, seq, tp, sp, act_dtype, peak, bw, flash_attention, attention_peak, fp8_linear,
                             xp=np, attention_efficiency=assumptions.ATTENTION_KERNEL_EFFICIENCY[attention_kernel])
    logits = 3.0 * _gemm_time(2.0 * tokens * m.vocab * m.hidden / tp, m.vocab * m.hidden * b / tp,
                              peak * gemm_shape_factor(tokens, m.vocab / tp, m.hidden, np, precision), bw, np)
    compute_mb = layers_per_stage * fwd * (3.0 + rf) + logits
    intra, inter = system.node.intra_link, system.scale_out_link
    act_bytes = tokens * m.hidden * b
    tp_comm = layers_per_stage * (4 + 2 * rf) * _flat_time("all_reduce", act_bytes, tp, intra)
    pp_link_time = np.where(tp * dp >= gpn, _flat_time("send_recv", act_bytes / np.where(sp, tp, 1), 2 * np.ones_like(tp), inter),
                            _flat_time("send_recv", act_bytes / np.where(sp, tp, 1), 2 * np.ones_like(tp), intra))
    pp_comm = np.where(pp > 1, 2 * v * pp_link_time, 0.0)
    mb_time = compute_mb + tp_comm + pp_comm
    n_micro = gb / (dp * mb)
    bubble = (pp - 1) / v * mb_time
    pipeline = n_micro * mb_time + bubble
    grad_bytes = m.params / (tp * pp) * b
    per_node = np.gcd(dp.astype(np.int64), np.maximum(1, gpn // tp.astype(np.int64))).astype(np.float64)
    dp_comm = np.where(dp > 1, _group_time("all_reduce", grad_bytes, dp, per_node, intra, inter), 0.0)
    dp_exposed = np.maximum(0.0, dp_comm - layers_per_stage * fwd * 2.0)
    gather = _group_time("all_gather", grad_bytes, dp, per_node, intra, inter)
    zero3 = (zero >= 3) & (dp > 1)
    pipeline = pipeline + np.where(zero3, n_micro * np.maximum(0.0, 2 * gather - compute_mb), 0.0)
    mem = training_memory(m, mb, seq, dp=dp, tp=tp, pp=pp, zero_stage=zero, recompute=rf.astype(bool), sp=sp,
                          optimizer=optimizer, precision=precision, flash_attention=flash_attention,
                          virtual_stages=v, n_micro_batches=n_micro)
    optimizer_s = 2.0 * (mem["optimizer_bytes"] + mem["weights_bytes"] + mem["grads_bytes"]) / bw
    step = pipeline + dp_exposed + optimizer_s
    model_flop = 3.0 * (2.0 * m.matmul_params + 4.0 * m.layers * seq * m.q_dim) * gb * seq
    return {"step_time_s": step, "tokens_per_s": gb * seq / step, "mfu": model_flop / (step * n * peak_nominal),
            "compute_s": n_micro * compute_mb, "bubble_s": bubble, "dp": dp, "memory_bytes": mem["total_bytes"],
            "fits": mem["total_bytes"] <= hw.memory_bytes}

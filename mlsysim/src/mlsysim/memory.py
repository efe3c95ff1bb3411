"""Memory footprints: weights, gradients, optimizer states, activations and the KV cache.

Activation sizes follow the per-layer accounting of Korthikanti et al., "Reducing Activation
Recomputation in Large Transformer Models" (arXiv:2205.05198), generalised to grouped-query attention
and gated (SwiGLU) feed-forward layers.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalog import Model, hardware, model as get_model
from .errors import ValidationError, choice, divides, positive_int
from .results import Result, dominant
from .units import DTYPE_BYTES, dtype_name, fmt_bytes

OPTIMIZERS = ("adam", "adamw", "sgd", "sgd-momentum")


@dataclass(frozen=True)
class Fit(Result):
    required_bytes: float
    capacity_bytes: float
    fits: bool
    margin_bytes: float
    margin_fraction: float
    hardware: str

    def __bool__(self) -> bool:
        return self.fits

    def _explain_lines(self) -> list[str]:
        verdict = "fits" if self.fits else "does NOT fit"
        return [f"{verdict} on {self.hardware}: needs {fmt_bytes(self.required_bytes)} of {fmt_bytes(self.capacity_bytes)}",
                f"margin = capacity - required = {fmt_bytes(self.capacity_bytes)} - {fmt_bytes(self.required_bytes)} "
                f"= {fmt_bytes(self.margin_bytes)} ({self.margin_fraction:+.1%} of capacity)"]


def fit(required_bytes: float, hw, devices: int = 1) -> Fit:
    device = hardware(hw)
    capacity = device.memory_bytes * devices
    margin = capacity - required_bytes
    return Fit(required_bytes=required_bytes, capacity_bytes=capacity, fits=margin >= 0, margin_bytes=margin,
               margin_fraction=margin / capacity, hardware=device.name if devices == 1 else f"{devices}x {device.name}")


@dataclass(frozen=True)
class MemoryBreakdown(Result):
    """Bytes held by ONE device (after sharding) and what they are for."""

    model: str
    weights_bytes: float
    grads_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    kv_cache_bytes: float
    total_bytes: float
    n_devices: int
    notes: str

    def fits(self, hw) -> Fit:
        """Does one device of ``hw`` hold this per-device footprint?"""
        return fit(self.total_bytes, hw)

    def _explain_lines(self) -> list[str]:
        terms = {"weights": self.weights_bytes, "gradients": self.grads_bytes, "optimizer states": self.optimizer_bytes,
                 "activations": self.activations_bytes, "KV cache": self.kv_cache_bytes}
        lines = [f"{self.model}: {fmt_bytes(self.total_bytes)} per device; largest term: {dominant(terms)}"]
        lines.append("total = " + " + ".join(f"{k} {fmt_bytes(v)}" for k, v in terms.items() if v) + f" = {fmt_bytes(self.total_bytes)}")
        if self.notes:
            lines.append(self.notes)
        return lines


def _optimizer_bytes_per_param(optimizer: str, precision: str, grad_accum_fp32: bool = False) -> tuple[float, float, float]:
    """(weights, grads, optimizer) bytes per parameter before sharding.

    Mixed precision (bf16/fp16) keeps an fp32 master copy in the optimizer state (ZeRO paper,
    Rajbhandari et al. 2020, arXiv:1910.02054: 2 + 2 + 12 = 16 bytes per parameter with Adam).
    ``grad_accum_fp32`` accumulates gradients in an fp32 buffer instead, as Megatron-LM's mixed
    precision does (its "main_grad"), which makes it 2 + 4 + 12 = 18 bytes per parameter.
    """
    low = DTYPE_BYTES[precision]
    mixed = precision in ("bf16", "fp16", "fp8")
    master = 4.0 if mixed else 0.0
    weight_bytes = low if precision != "fp8" else 2.0  # fp8 training keeps bf16 weights for non-GEMM ops
    grad_bytes = low if precision != "fp8" else 2.0
    if grad_accum_fp32:
        grad_bytes = 4.0
    moments = {"adam": 8.0, "adamw": 8.0, "sgd-momentum": 4.0, "sgd": 0.0}[optimizer]
    return weight_bytes, grad_bytes, master + moments


def activation_bytes_per_layer(m: Model, micro_batch: int, seq_len: int, dtype: str = "bf16", tp: int = 1,
                               sp: bool = False, flash_attention: bool = True) -> float:
    """Bytes of activations one transformer layer keeps for its backward pass."""
    b = DTYPE_BYTES[dtype]
    s, h, f = seq_len, m.hidden, m.ffn_hidden
    tokens = micro_batch * s
    # tensors inside the tensor-parallel regions are split across tp ranks
    attn_split = b * (2 * m.q_dim + 2 * m.kv_dim)  # Q, K, V and the attention output (out-projection input)
    mlp_split = b * m.active_experts * (m.ffn_matrices - 1) * f + b * m.active_experts * f
    # layer-norm inputs, block inputs and dropout masks: replicated unless sequence parallelism
    replicated = b * h + h + b * h + h + 2 * b * h
    scores = 0.0 if flash_attention else (2 * b + 1) * m.heads * s  # softmax output + dropout mask per token
    per_token = (attn_split + mlp_split + scores) / tp + (replicated / tp if sp else replicated)
    return tokens * per_token


def check_context(m: Model, seq_len: int) -> None:
    """A transformer cannot be run on sequences longer than its context window (position embeddings
    or the RoPE range it was trained for); say so instead of extrapolating silently."""
    if m.kind == "transformer" and m.max_seq_len and seq_len > m.max_seq_len:
        raise ValidationError("seq_len", f"seq_len={seq_len} exceeds {m.name}'s context of {m.max_seq_len} tokens; "
                              f"use seq_len <= {m.max_seq_len} or a model with a longer context "
                              f"(ms.transformer(..., max_seq_len=...) or model.replace(max_seq_len=...))")


def interleaved_activation_factor(pp: int, virtual_stages: int, n_micro_batches: int | None = None) -> float:
    """Activations the first pipeline stage holds, relative to one micro-batch through all layers.

    Plain 1F1B: the first stage keeps ``pp`` micro-batches in flight through its layers / pp layers,
    i.e. the activations of all layers for one micro-batch (factor 1). The interleaved schedule with
    ``virtual_stages`` = m chunks per device starts more micro-batches before the first backward, which
    Korthikanti et al. (arXiv:2205.05198, Section 4.2.3) count as a factor 1 + (p - 1) / (p m).
    With fewer micro-batches than stages, only those are in flight.
    """
    if pp == 1:
        return 1.0
    factor = 1.0 + (pp - 1) / (pp * virtual_stages) if virtual_stages > 1 else 1.0
    if n_micro_batches is not None and n_micro_batches < pp:
        factor *= n_micro_batches / pp
    return factor


def training_memory(model, batch: int, seq_len: int, optimizer: str = "adam", precision: str = "bf16",
                    zero_stage: int = 0, dp: int = 1, tp: int = 1, pp: int = 1, recompute: bool = False,
                    sp: bool = False, flash_attention: bool = True, virtual_stages: int = 1,
                    grad_accum_fp32: bool = False, n_micro_batches: int | None = None) -> MemoryBreakdown:
    """Per-device memory for training. ``batch`` is the micro-batch one pipeline/data replica runs at once.

    ``zero_stage``: 1 shards optimizer states, 2 also gradients, 3 (= FSDP) also weights across ``dp``.
    ``recompute``: False, True/"full" (keep only each layer's input) or "selective" (recompute attention).
    With ``pp`` stages and a 1F1B schedule the first stage holds ``pp`` micro-batches in flight, so its
    activation footprint is (layers / pp) x pp micro-batches = all layers for one micro-batch; the
    interleaved schedule (``virtual_stages`` > 1) holds more (:func:`interleaved_activation_factor`).
    ``grad_accum_fp32`` selects Megatron-style 18 bytes/parameter (fp32 gradients) instead of the ZeRO
    paper's 16; ``explain()`` states which accounting was used.
    """
    m = get_model(model)
    batch = positive_int("batch", batch)
    seq_len = positive_int("seq_len", seq_len)
    optimizer = choice("optimizer", optimizer, OPTIMIZERS)
    precision = dtype_name(precision, "precision")
    if precision in ("int8", "int4", "tf32", "fp64"):
        raise ValidationError("precision", f"training precision must be one of fp32, bf16, fp16, fp8; got {precision!r}")
    zero_stage = choice("zero_stage", str(zero_stage), ("0", "1", "2", "3"))
    zero_stage = int(zero_stage)
    dp, tp, pp = positive_int("dp", dp), positive_int("tp", tp), positive_int("pp", pp)
    virtual_stages = positive_int("virtual_stages", virtual_stages)
    recompute_mode = {False: "none", True: "full", "none": "none", "full": "full", "selective": "selective"}.get(recompute)
    if recompute_mode is None:
        raise ValidationError("recompute", f"must be False, True, 'full' or 'selective'; got {recompute!r}")
    if m.kind == "transformer":
        divides("tp", tp, "heads", m.heads)
        divides("pp", pp, "layers", m.layers)
        check_context(m, seq_len)
    elif tp > 1 or pp > 1:
        raise ValidationError("tp", f"tensor/pipeline parallelism is modeled for transformers only; {m.name} is a {m.kind}")

    w_b, g_b, o_b = _optimizer_bytes_per_param(optimizer, precision, bool(grad_accum_fp32))
    params_per_device = m.params / (tp * pp)
    weights = params_per_device * w_b / (dp if zero_stage >= 3 else 1)
    grads = params_per_device * g_b / (dp if zero_stage >= 2 else 1)
    opt = params_per_device * o_b / (dp if zero_stage >= 1 else 1)

    act_dtype = "bf16" if precision == "fp8" else precision
    if m.kind == "transformer":
        full = activation_bytes_per_layer(m, batch, seq_len, act_dtype, tp, sp, flash_attention)
        layer_input = batch * seq_len * m.hidden * DTYPE_BYTES[act_dtype] / (tp if sp else 1)
        if recompute_mode == "full":
            # stored layer inputs for all layers, plus one layer's full activations while recomputing it
            acts = m.layers * layer_input + full
        elif recompute_mode == "selective":
            no_scores = activation_bytes_per_layer(m, batch, seq_len, act_dtype, tp, sp, True)
            acts = m.layers * no_scores
        else:
            acts = m.layers * full
        in_flight = interleaved_activation_factor(pp, virtual_stages, n_micro_batches)
        acts *= in_flight
        # logits in fp32 for the loss on the last stage
        acts += 4.0 * batch * seq_len * m.vocab / tp
        accounting = ("Megatron mixed precision with fp32 gradient accumulation" if grad_accum_fp32 else
                      "ZeRO-paper mixed precision, gradients in the training dtype") if precision != "fp32" else "fp32"
        note = (f"activations: {m.layers} layers x micro-batch {batch} x seq {seq_len}, recompute={recompute_mode}, "
                f"{'flash' if flash_attention else 'materialised'} attention"
                + (f", x {in_flight:.3g} for micro-batches in flight (pp={pp}, {virtual_stages} virtual stages)"
                   if in_flight != 1.0 else "")
                + f"; optimizer {optimizer} in {precision}: {w_b + g_b + o_b:g} B/param = {w_b:g} weights + {g_b:g} "
                f"gradients + {o_b:g} optimizer ({accounting}) before ZeRO-{zero_stage} sharding over dp={dp}, tp={tp}, pp={pp}")
    elif m.kind == "cnn":
        acts = batch * sum(l.output_elements for l in m.cnn_layers) * DTYPE_BYTES[act_dtype]
        note = f"activations: every layer output of micro-batch {batch} is kept for the backward pass"
    else:
        acts = batch * (len(m.table_rows) * m.embedding_dim + sum(m.bottom_mlp) + sum(m.top_mlp)) * DTYPE_BYTES[act_dtype]
        note = "DLRM: embedding rows are updated sparsely; optimizer states counted for all rows (upper bound)"
    total = weights + grads + opt + acts
    return MemoryBreakdown(model=m.name, weights_bytes=weights, grads_bytes=grads, optimizer_bytes=opt,
                           activations_bytes=acts, kv_cache_bytes=0.0, total_bytes=total, n_devices=dp * tp * pp,
                           notes=note)


def kv_cache_bytes(model, batch: int, seq_len: int, dtype: str = "bf16") -> float:
    """KV cache for ``batch`` sequences of ``seq_len`` tokens: 2 x layers x kv_heads x head_dim x bytes per token."""
    m = get_model(model)
    return positive_int("batch", batch) * positive_int("seq_len", seq_len) * m.kv_bytes_per_token(dtype)


def inference_memory(model, batch: int, seq_len: int, dtype: str = "bf16", n_devices: int = 1,
                     kv_dtype: str | None = None) -> MemoryBreakdown:
    """Per-device memory to serve ``batch`` sequences of ``seq_len`` tokens, sharded over ``n_devices``."""
    m = get_model(model)
    batch, seq_len = positive_int("batch", batch), positive_int("seq_len", seq_len)
    n_devices = positive_int("n_devices", n_devices)
    if m.kind == "transformer":
        # n_devices shards the model tensor-parallel: every device must hold whole attention heads
        divides("n_devices", n_devices, "heads", m.heads)
        check_context(m, seq_len)
    dtype = dtype_name(dtype)
    kv_dtype = dtype_name(kv_dtype or ("bf16" if dtype in ("int4",) else dtype), "kv_dtype")
    weights = m.weight_bytes(dtype) / n_devices
    if m.kind == "transformer" and not m.encoder:
        # tensor parallelism shards KV heads; beyond kv_heads devices each head is replicated
        kv = kv_cache_bytes(m, batch, seq_len, kv_dtype) / min(n_devices, m.kv_heads)
        # transient activations of the widest layer during prefill
        acts = batch * seq_len * (m.hidden + m.ffn_hidden * m.ffn_matrices) * DTYPE_BYTES[kv_dtype] / n_devices
        note = f"KV cache = 2 x {m.layers} layers x {m.kv_heads} kv_heads x {m.head_dim} head_dim x {DTYPE_BYTES[kv_dtype]:g} B x {batch} x {seq_len} tokens"
    elif m.kind == "transformer":
        kv = 0.0
        acts = batch * seq_len * (m.hidden + m.ffn_hidden) * DTYPE_BYTES[kv_dtype] / n_devices
        note = "encoder: no KV cache"
    elif m.kind == "cnn":
        kv = 0.0
        acts = batch * m.peak_activation_elements * DTYPE_BYTES[dtype]
        note = "activations: peak live set (a layer's input + output + any held skip tensor)"
    else:
        kv = 0.0
        acts = batch * (len(m.table_rows) + 1) * m.embedding_dim * DTYPE_BYTES[dtype]
        note = "DLRM: embedding tables dominate"
    total = weights + kv + acts
    return MemoryBreakdown(model=m.name, weights_bytes=weights, grads_bytes=0.0, optimizer_bytes=0.0,
                           activations_bytes=acts, kv_cache_bytes=kv, total_bytes=total, n_devices=n_devices, notes=note)

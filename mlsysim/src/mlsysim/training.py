"""Training step time for data, tensor, pipeline, sequence and expert parallelism and their combinations.

One step = n_micro micro-batches through a pipeline of ``pp`` stages (1F1B schedule, optionally
interleaved with ``virtual_stages`` chunks per device), each stage sharded ``tp`` ways, replicated ``dp``
ways, plus the exposed part of the data-parallel gradient reduction and the optimizer update.

Per layer and micro-batch the compute is a roofline per GEMM (weights + activations through memory vs
FLOPs at the sustained tensor-core rate) plus memory-bound elementwise work; tensor-parallel
collectives (Megatron-style, two per layer forward and two backward) are counted as exposed.
Device placement follows Megatron's order: tp innermost, then dp (with ep carved out of dp), then pp.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from . import assumptions
from .catalog import Cluster, Hardware, Model, cluster as make_cluster, hardware, model as get_model, node as get_node
from .catalog import is_hardware_name, is_node_name, single_device_cluster
from .collectives import collective
from .errors import DoesNotFitError, UnknownNameError, ValidationError, choice, divides, positive, positive_int
from .memory import MemoryBreakdown, check_context, interleaved_activation_factor, training_memory
from .results import Result, dominant
from .units import DTYPE_BYTES, SECONDS_PER_DAY, SECONDS_PER_HOUR, dtype_name, fmt_bytes, fmt_count, fmt_rate, fmt_time


@dataclass(frozen=True)
class TrainStep(Result):
    model: str
    system: str
    n_devices: int
    dp: int
    tp: int
    pp: int
    ep: int
    cp: int
    sp: bool
    micro_batch: int
    n_micro_batches: int
    global_batch: int
    seq_len: int
    precision: str
    step_time_s: float
    compute_s: float
    exposed_comm_s: float
    bubble_s: float
    optimizer_s: float
    tp_comm_s: float
    dp_comm_s: float
    dp_comm_exposed_s: float
    pp_comm_s: float
    ep_comm_s: float
    cp_comm_s: float
    tokens_per_s: float
    model_flop_per_step: float
    hardware_flop_per_step: float
    mfu: float
    hfu: float
    memory: MemoryBreakdown
    fits: bool
    peak_flops: float

    @property
    def samples_per_s(self) -> float:
        return self.global_batch / self.step_time_s

    @property
    def achieved_flops_per_device(self) -> float:
        """Hardware FLOP/s per device (counting recomputation), as Megatron-LM reports it."""
        return self.hardware_flop_per_step / self.step_time_s / self.n_devices

    _derived = ("samples_per_s", "achieved_flops_per_device")

    def _explain_lines(self) -> list[str]:
        terms = {"compute": self.compute_s, "exposed communication": self.exposed_comm_s,
                 "pipeline bubble": self.bubble_s, "optimizer update": self.optimizer_s}
        lines = [f"{self.model} on {self.system}: step {fmt_time(self.step_time_s)}, "
                 f"{fmt_count(self.tokens_per_s, 'tokens/s')}, MFU {self.mfu:.1%}; dominant term: {dominant(terms)}",
                 f"layout: dp={self.dp} x tp={self.tp} x pp={self.pp} x cp={self.cp} (ep={self.ep}, sp={self.sp}) = "
                 f"{self.n_devices} devices; "
                 f"{self.n_micro_batches} micro-batches of {self.micro_batch} x {self.seq_len} tokens per replica",
                 "step = compute + exposed comm + bubble + optimizer = " + " + ".join(fmt_time(v) for v in terms.values())
                 + f" = {fmt_time(self.step_time_s)}",
                 f"exposed comm = tensor-parallel {fmt_time(self.tp_comm_s)} + pipeline p2p {fmt_time(self.pp_comm_s)} + "
                 f"expert all-to-all {fmt_time(self.ep_comm_s)} + context all-gather {fmt_time(self.cp_comm_s)} + data-parallel {fmt_time(self.dp_comm_exposed_s)} "
                 f"(of {fmt_time(self.dp_comm_s)}, rest hidden behind the last backward pass)",
                 f"MFU = model FLOP per step / (step x devices x peak) = {fmt_count(self.model_flop_per_step, 'FLOP')} / "
                 f"({fmt_time(self.step_time_s)} x {self.n_devices} x {fmt_rate(self.peak_flops)}) = {self.mfu:.1%}",
                 f"memory per device {fmt_bytes(self.memory.total_bytes)}: {'fits' if self.fits else 'DOES NOT FIT'}"]
        return lines


def _system(cluster_or_hw, n_devices: int) -> Cluster:
    if isinstance(cluster_or_hw, Cluster):
        return cluster_or_hw
    if isinstance(cluster_or_hw, Hardware):
        return single_device_cluster(cluster_or_hw, n_devices)
    if is_node_name(cluster_or_hw):
        n = get_node(cluster_or_hw)
        return make_cluster(n, nodes=max(1, math.ceil(n_devices / n.count)))
    if is_hardware_name(cluster_or_hw):
        return single_device_cluster(hardware(cluster_or_hw), n_devices)
    from .catalog import list_hardware, list_nodes
    raise UnknownNameError("hardware or node", cluster_or_hw, list_hardware() + list_nodes())


class ScalarMath:
    """The three array operations the shared equations need, on plain floats.

    ``layer_forward_time`` and ``_gemm_time`` take ``xp=`` so one body of equations serves both the
    scalar API (this class, no NumPy needed) and ``mlsysim.sweep`` (which passes the ``numpy`` module).
    """

    maximum = staticmethod(max)
    minimum = staticmethod(min)

    @staticmethod
    def where(condition, if_true, if_false):
        return if_true if condition else if_false


SCALAR_MATH = ScalarMath()


def _gemm_time(flop, bytes_moved, peak, bw, xp=SCALAR_MATH):
    """Roofline time of one GEMM on floats, or on arrays when ``xp`` is NumPy (mlsysim.sweep)."""
    return xp.maximum(flop / peak, bytes_moved / bw)


def gemm_shape_factor(m, n, k, xp=SCALAR_MATH, dtype: str | None = None):
    """Share of the large-GEMM rate an (m x k) @ (k x n) GEMM sustains in ``dtype`` (see
    assumptions.GEMM_HALF_DIMENSION and GEMM_HALF_DIMENSION_FP8)."""
    half = assumptions.GEMM_HALF_DIMENSION_FP8 if dtype == "fp8" else assumptions.GEMM_HALF_DIMENSION
    ref = assumptions.GEMM_REFERENCE_DIMENSION
    smallest = xp.minimum(xp.minimum(m, n), k)
    return xp.minimum(smallest / (smallest + half) * (ref + half) / ref, 1.0)


def layer_forward_time(m: Model, tokens: int, seq_len: int, tp: int, sp: bool, dtype: str,
                       peak: float, bw: float, flash_attention: bool = True, attention_peak: float | None = None,
                       fp8_linear: bool = False, xp=SCALAR_MATH, weight_dtype: str | None = None,
                       attention_efficiency: float | None = None, fused_elementwise: bool = False,
                       gemm_dtype: str | None = None) -> float:
    """Forward time of one transformer layer for ``tokens`` tokens on one tensor-parallel rank.

    ``dtype`` is the activation type; ``peak`` the sustained GEMM rate. With ``fp8_linear`` (FP8
    training as in Transformer Engine) only the linear layers run at the FP8 ``peak``: attention runs
    at ``attention_peak`` (the 16-bit rate) and every linear input is quantised first. ``xp`` is
    ``numpy`` when ``tokens``, ``seq_len``, ``tp`` or ``sp`` are arrays (mlsysim.sweep).
    ``weight_dtype`` is the weights' storage type when it differs from the activations' (quantized
    serving); ``attention_efficiency`` replaces assumptions.FLASH_ATTENTION_EFFICIENCY (serving prefill).
    ``fused_elementwise``: norms, residual adds, activation, rotary and quantization run inside the GEMM
    and attention kernels (inference engines such as TensorRT-LLM fuse them), so they add no memory pass.
    ``gemm_dtype``: the type the linear layers compute in, for their shape factor (FP8 GEMMs need wider
    shapes to fill the machine); ``fp8`` when ``fp8_linear`` and not given.
    """
    gemm_dtype = gemm_dtype or ("fp8" if fp8_linear else dtype)
    attention_peak = peak if attention_peak is None else attention_peak
    b = DTYPE_BYTES[dtype]
    wb = DTYPE_BYTES[weight_dtype or dtype]
    h = m.hidden
    gemms = [  # (output features, input features, how many experts' copies each token uses)
        ((m.q_dim + 2 * m.kv_dim) / tp, h, 1),
        (h, m.q_dim / tp, 1),
        ((m.ffn_matrices - 1) * m.ffn_hidden / tp, h, m.active_experts),
        (h, m.ffn_hidden / tp, m.active_experts),
    ]
    t = 0.0
    for out_f, in_f, copies in gemms:
        flop = 2.0 * tokens * out_f * in_f * copies
        touched = copies if m.experts == 1 else xp.minimum(m.experts, m.experts * (1 - (1 - m.active_experts / m.experts) ** tokens))
        weight_bytes = out_f * in_f * wb * touched
        # each expert sees tokens x active / experts rows; a dense layer sees every token
        rows = tokens if m.experts == 1 else tokens * m.active_experts / m.experts
        shape = gemm_shape_factor(rows, out_f, in_f, xp, gemm_dtype)
        t += _gemm_time(flop, weight_bytes + tokens * copies * (out_f + in_f) * b, peak * shape, bw, xp)
    # attention scores and weighted sum; a fused (flash) kernel skips the masked upper triangle of a
    # causal decoder, so it does half the work the FLOP count (PaLM/Megatron convention) charges
    attn_flop = 4.0 * tokens * seq_len * m.q_dim / tp
    t += attn_flop * attention_time_per_flop(m, flash_attention, attention_peak, attention_efficiency)
    # elementwise: 2 norms (read+write), 2 residual adds (2 reads + 1 write), activation, rotary
    elementwise = tokens * b * (4 * h + 6 * h) / xp.where(sp, tp, 1) + tokens * b * (
        m.active_experts * m.ffn_hidden * m.ffn_matrices + 2 * (m.q_dim + m.kv_dim)) / tp
    if fp8_linear:
        # quantise each linear layer's input: read 16-bit, write 8-bit
        elementwise += tokens * 3.0 * (2 * h / xp.where(sp, tp, 1) + m.q_dim / tp + m.active_experts * m.ffn_hidden / tp)
    if fused_elementwise:
        elementwise = 0.0
    if not flash_attention:
        # materialised scores: write QK^T, fused scale-mask-softmax read+write, dropout read+write+mask,
        # read by the attention-times-V GEMM -> about 13 bytes per score at 16-bit
        elementwise += tokens * seq_len * (m.heads / tp) * (6.5 * b)
    t += elementwise / bw
    return t


def attention_time_per_flop(m: Model, flash_attention: bool, attention_peak: float,
                            efficiency: float | None = None) -> float:
    """Seconds per counted attention FLOP: a fused (flash) kernel skips the masked half of a causal
    decoder but runs at ``efficiency`` (default assumptions.FLASH_ATTENTION_EFFICIENCY) of the GEMM rate;
    materialised attention runs two batched GEMMs at the GEMM rate (its softmax traffic is counted as
    elementwise work)."""
    if not flash_attention:
        return 1.0 / attention_peak
    causal_skip = 1.0 if m.encoder else 0.5
    efficiency = assumptions.FLASH_ATTENTION_EFFICIENCY if efficiency is None else efficiency
    return causal_skip / (attention_peak * efficiency)


def sustained_gemm_rate(hw: Hardware, precision: str) -> float:
    """FLOP/s a large training GEMM sustains in ``precision`` (see mlsysim.assumptions)."""
    derate = assumptions.FP8_MATMUL_DERATE if precision == "fp8" else 1.0
    return hw.peak_flops(precision) * _gemm_fraction(hw) * derate


def _gemm_fraction(hw: Hardware) -> float:
    """A measured sustained fraction from the catalog (edge parts), else the category default."""
    return hw.sustained_fraction or assumptions.MATMUL_EFFICIENCY[hw.category]


def _attention_rate(hw: Hardware, precision: str, peak: float) -> tuple[float, bool]:
    """(sustained attention FLOP/s, whether linear layers run in FP8): FP8 recipes keep attention in 16 bit."""
    if precision != "fp8":
        return peak, False
    sixteen = "bf16" if hw.supports("bf16") else "fp16"
    return hw.peak_flops(sixteen) * _gemm_fraction(hw), True


def train_step(model, cluster_or_hw, n_devices: int, global_batch: int, seq_len: int, dp: int | None = None,
               tp: int = 1, pp: int = 1, sp: bool = False, ep: int = 1, cp: int = 1, micro_batch: int = 1, zero_stage: int = 0,
               precision: str = "bf16", recompute=False, virtual_stages: int = 1, optimizer: str = "adam",
               flash_attention: bool = True, allow_uneven_pipeline: bool = False, check_memory: bool = True,
               grad_accum_fp32: bool = False, attention_kernel: str = "default",
               fsdp_backward_prefetch: str = "pre") -> TrainStep:
    """Time one optimizer step of a transformer on ``n_devices`` devices of a cluster, node or device type.

    ``global_batch`` sequences of ``seq_len`` tokens per step; ``micro_batch`` sequences per forward pass.
    ``cp`` (context parallelism) splits every sequence over ``cp`` devices; each layer all-gathers the
    keys and values of the whole sequence (and reduce-scatters their gradients), as Llama 3 did.
    ``allow_uneven_pipeline`` lets ``pp`` not divide the layer count (the slowest stage then holds
    ceil(layers / pp) layers, as Llama 3 405B training did with 126 layers on 16 stages).
    ``grad_accum_fp32`` counts Megatron-style fp32 gradient buffers (18 instead of 16 bytes/parameter).
    ``attention_kernel``: ``default`` (flash attention at the rate fitted on 2023 PyTorch FSDP runs) or
    ``fused`` (Transformer Engine's fused attention, as NeMo/Megatron-Bridge run it, at the measured
    FlashAttention-2 rate); see assumptions.ATTENTION_KERNEL_EFFICIENCY.
    ``fsdp_backward_prefetch`` (``zero_stage=3`` only): ``pre`` (the next layer's parameters are gathered
    while the current layer's gradients are computed, so the gathers hide behind compute) or ``post``
    (PyTorch FSDP's BACKWARD_POST, Composer's default: every backward all-gather is exposed); see
    assumptions.FSDP_BACKWARD_PREFETCH.
    """
    m = get_model(model)
    attention_kernel = choice("attention_kernel", attention_kernel, tuple(assumptions.ATTENTION_KERNEL_EFFICIENCY))
    attention_efficiency = assumptions.ATTENTION_KERNEL_EFFICIENCY[attention_kernel]
    fsdp_backward_prefetch = choice("fsdp_backward_prefetch", fsdp_backward_prefetch, assumptions.FSDP_BACKWARD_PREFETCH)
    if m.kind != "transformer":
        raise ValidationError("model", f"train_step models transformers; {m.name} is a {m.kind} (use training_memory/roofline)")
    n_devices = positive_int("n_devices", n_devices)
    system = _system(cluster_or_hw, n_devices)
    if n_devices > system.n_devices:
        raise ValidationError("n_devices", f"{n_devices} exceeds the {system.n_devices} devices of {system.name}")
    hw = system.accelerator
    tp, pp, ep, cp = positive_int("tp", tp), positive_int("pp", pp), positive_int("ep", ep), positive_int("cp", cp)
    micro_batch = positive_int("micro_batch", micro_batch)
    global_batch = positive_int("global_batch", global_batch)
    seq_len = positive_int("seq_len", seq_len)
    virtual_stages = positive_int("virtual_stages", virtual_stages)
    precision = dtype_name(precision, "precision")
    if dp is None:
        if n_devices % (tp * pp * cp):
            raise ValidationError("n_devices", f"must be a multiple of tp x pp x cp = {tp * pp * cp}; got {n_devices}")
        dp = n_devices // (tp * pp * cp)
    dp = positive_int("dp", dp)
    if dp * tp * pp * cp != n_devices:
        raise ValidationError("dp", f"dp x tp x pp x cp = {dp}x{tp}x{pp}x{cp} = {dp * tp * pp * cp} must equal "
                              f"n_devices={n_devices}")
    check_context(m, seq_len)
    divides("cp", cp, "seq_len", seq_len)
    divides("tp", tp, "heads", m.heads)
    if not (m.kv_heads % tp == 0 or tp % m.kv_heads == 0):
        raise ValidationError("tp", f"tp={tp} must divide kv_heads={m.kv_heads} or be a multiple of it")
    if not allow_uneven_pipeline:
        if m.layers % pp:
            valid = [d for d in range(1, m.layers + 1) if m.layers % d == 0]
            raise ValidationError("pp", f"pp={pp} must divide layers={m.layers}; valid values: {', '.join(map(str, valid))} "
                                  "(or pass allow_uneven_pipeline=True)")
    elif pp > m.layers:
        raise ValidationError("pp", f"pp={pp} exceeds layers={m.layers}")
    layers_per_stage = math.ceil(m.layers / pp)
    if virtual_stages > 1 and layers_per_stage % virtual_stages:
        raise ValidationError("virtual_stages", f"must divide the {layers_per_stage} layers per stage; got {virtual_stages}")
    if ep > 1:
        if m.experts == 1:
            raise ValidationError("ep", f"{m.name} is dense (1 expert); ep must be 1")
        divides("ep", ep, "experts", m.experts)
        divides("ep", ep, "dp", dp)
    if sp and tp == 1:
        raise ValidationError("sp", "sequence parallelism splits the tensor-parallel group; it needs tp > 1")
    if global_batch % (dp * micro_batch):
        raise ValidationError("global_batch", f"must be a multiple of dp x micro_batch = {dp * micro_batch}; got {global_batch}")
    n_micro = global_batch // (dp * micro_batch)
    peak_nominal = hw.peak_flops(precision)
    peak = sustained_gemm_rate(hw, precision)
    bw = hw.memory_bw_bytes_per_s * assumptions.MEMORY_EFFICIENCY[hw.category]
    act_dtype = "bf16" if precision == "fp8" else precision
    b = DTYPE_BYTES[act_dtype]
    tokens = micro_batch * seq_len // cp
    recompute_mode = {False: "none", True: "full", "none": "none", "full": "full", "selective": "selective"}.get(recompute)
    if recompute_mode is None:
        raise ValidationError("recompute", f"must be False, True, 'full' or 'selective'; got {recompute!r}")

    # ---- compute per micro-batch on the slowest stage --------------------------------------------
    attention_peak, fp8_linear = _attention_rate(hw, precision, peak)
    fwd_layer = float(layer_forward_time(m, tokens, seq_len, tp, sp, act_dtype, peak, bw, flash_attention,
                                         attention_peak, fp8_linear, attention_efficiency=attention_efficiency))
    # recomputation repeats the whole forward (full) or only the attention core (selective)
    attn_time = 4.0 * tokens * seq_len * m.q_dim / tp * attention_time_per_flop(m, flash_attention, attention_peak,
                                                                                attention_efficiency)
    recompute_time = {"none": 0.0, "full": fwd_layer, "selective": attn_time}[recompute_mode]
    per_layer = 3.0 * fwd_layer + recompute_time
    attn_flop_share = 4.0 * m.layers * seq_len * m.q_dim / m.flops_per_token(seq_len)
    recompute_flop_share = {"none": 0.0, "full": 1.0, "selective": attn_flop_share}[recompute_mode]
    logits = 3.0 * float(_gemm_time(2.0 * tokens * m.vocab * m.hidden / tp, m.vocab * m.hidden * b / tp,
                                    peak * gemm_shape_factor(tokens, m.vocab / tp, m.hidden, dtype=precision), bw))
    compute_mb = layers_per_stage * per_layer + logits

    # ---- tensor-parallel collectives (exposed) ----------------------------------------------------
    layout_gpn = system.gpus_per_node
    tp_link = system if tp > layout_gpn else system.node.intra_link
    act_bytes = tokens * m.hidden * b
    tp_comm_mb = 0.0
    if tp > 1:
        per_collective = collective("all_reduce", act_bytes, tp, tp_link).time_s
        collectives_per_layer = 4 + (2 if recompute_mode == "full" else 0)
        tp_comm_mb = layers_per_stage * collectives_per_layer * per_collective

    # ---- expert all-to-all (dispatch + combine, forward and backward) ------------------------------
    ep_per_node = math.gcd(ep, max(1, layout_gpn // tp)) if tp <= layout_gpn else 1
    ep_comm_mb = 0.0
    if ep > 1:
        a2a = collective("all_to_all", act_bytes * m.active_experts, ep, system, gpus_per_node=ep_per_node)
        ep_comm_mb = layers_per_stage * 4 * a2a.time_s

    # ---- pipeline point-to-point between stages ----------------------------------------------------
    pp_comm_mb = 0.0
    if pp > 1:
        pp_link = system.scale_out_link if tp * dp >= layout_gpn else system.node.intra_link
        send = act_bytes / (tp if sp else 1)
        pp_comm_mb = 2 * virtual_stages * collective("send_recv", send, 2, pp_link).time_s

    # ---- context parallelism: all-gather K and V of the whole sequence, reduce-scatter their grads --
    cp_comm_mb = 0.0
    if cp > 1:
        kv_bytes = micro_batch * seq_len * 2 * m.kv_dim / min(tp, m.kv_heads) * b
        cp_per_node = math.gcd(cp, max(1, layout_gpn // tp)) if tp <= layout_gpn else 1
        gathers = 2 + (1 if recompute_mode == "full" else 0)
        cp_comm_mb = layers_per_stage * gathers * collective("all_gather", kv_bytes, cp, system,
                                                             gpus_per_node=cp_per_node).time_s

    mb_time = compute_mb + tp_comm_mb + ep_comm_mb + pp_comm_mb + cp_comm_mb
    bubble = (pp - 1) / virtual_stages * mb_time
    pipeline_time = n_micro * mb_time + bubble

    # ---- data-parallel gradient reduction, overlapped with the last backward ---------------------
    params_per_rank = m.params / (tp * pp)
    if m.experts > 1 and ep > 1:
        expert_share = m.layers * m.experts * m.expert_params / (tp * pp)
        params_per_rank = params_per_rank - expert_share + expert_share / ep
    grad_bytes = params_per_rank * DTYPE_BYTES[act_dtype]
    # gradients are reduced over every replica of a parameter shard: the dp x cp group
    replicas = dp * cp
    dp_per_node = math.gcd(replicas, max(1, layout_gpn // tp)) if tp <= layout_gpn else 1
    dp_comm = 0.0
    if replicas > 1:
        # ZeRO-1/2 reduce-scatter gradients and all-gather parameters: the same bytes as one all-reduce
        dp_comm = collective("all_reduce", grad_bytes, replicas, system, gpus_per_node=dp_per_node).time_s
    last_backward = layers_per_stage * fwd_layer * 2.0
    dp_exposed = max(0.0, dp_comm - last_backward)
    if replicas > 1 and zero_stage >= 3:
        # parameters are all-gathered for the forward and again for the backward of every micro-batch,
        # prefetched behind that micro-batch's compute
        gather = collective("all_gather", grad_bytes, replicas, system, gpus_per_node=dp_per_node).time_s
        if fsdp_backward_prefetch == "pre":
            exposed_gather = max(0.0, 2 * gather - compute_mb)
        else:
            # PyTorch FSDP's BACKWARD_POST: a layer's backward all-gather is issued only after the previous
            # layer's gradients are computed, so the backward waits for every all-gather; the reduce-scatter
            # overlaps the next layer's gradients, on the same NCCL stream (assumptions.FSDP_BACKWARD_PREFETCH)
            forward_mb = layers_per_stage * fwd_layer
            scatter = collective("reduce_scatter", grad_bytes, replicas, system, gpus_per_node=dp_per_node).time_s
            exposed_gather = (max(0.0, gather - forward_mb) + gather
                              + max(0.0, scatter - (compute_mb - forward_mb)))
        pipeline_time += n_micro * exposed_gather
        dp_comm += n_micro * 2 * gather

    # ---- optimizer update: streams states, master weights and gradients through memory -------------
    # with cp each device holds 1/cp of every sequence's activations and shards ZeRO states over dp x cp
    mem = training_memory(m, micro_batch, seq_len // cp, optimizer=optimizer, precision=precision, zero_stage=zero_stage,
                          dp=replicas, tp=tp, pp=pp, recompute=recompute_mode, sp=sp, flash_attention=flash_attention,
                          virtual_stages=virtual_stages, grad_accum_fp32=grad_accum_fp32,
                          n_micro_batches=n_micro) if not allow_uneven_pipeline else \
        _uneven_memory(m, micro_batch, seq_len // cp, optimizer, precision, zero_stage, replicas, tp, pp, recompute_mode, sp,
                       flash_attention, virtual_stages, grad_accum_fp32, n_micro)
    optimizer_s = 2.0 * (mem.optimizer_bytes + mem.weights_bytes + mem.grads_bytes) / bw

    step = pipeline_time + dp_exposed + optimizer_s
    compute_total = n_micro * compute_mb
    exposed = n_micro * (tp_comm_mb + ep_comm_mb + pp_comm_mb + cp_comm_mb) + dp_exposed + (pipeline_time - n_micro * mb_time - bubble)
    tokens_step = global_batch * seq_len
    model_flop = 3.0 * m.flops_per_token(seq_len) * tokens_step
    hw_flop = model_flop + recompute_flop_share * model_flop / 3.0
    fits = mem.total_bytes <= hw.memory_bytes
    if check_memory and not fits:
        raise DoesNotFitError("memory", f"{m.name} needs {fmt_bytes(mem.total_bytes)} per device with dp={dp}, tp={tp}, "
                              f"pp={pp}, micro_batch={micro_batch}, zero_stage={zero_stage}, recompute={recompute_mode}; "
                              f"{hw.name} has {fmt_bytes(hw.memory_bytes)}. Raise tp/pp or zero_stage, enable recompute, "
                              "lower micro_batch, or pass check_memory=False for a what-if")
    return TrainStep(model=m.name, system=system.name, n_devices=n_devices, dp=dp, tp=tp, pp=pp, ep=ep, cp=cp, sp=bool(sp),
                     micro_batch=micro_batch, n_micro_batches=n_micro, global_batch=global_batch, seq_len=seq_len,
                     precision=precision, step_time_s=step, compute_s=compute_total, exposed_comm_s=exposed,
                     bubble_s=bubble, optimizer_s=optimizer_s, tp_comm_s=n_micro * tp_comm_mb, dp_comm_s=dp_comm,
                     dp_comm_exposed_s=dp_exposed, pp_comm_s=n_micro * pp_comm_mb, ep_comm_s=n_micro * ep_comm_mb, cp_comm_s=n_micro * cp_comm_mb,
                     tokens_per_s=tokens_step / step, model_flop_per_step=model_flop, hardware_flop_per_step=hw_flop,
                     mfu=model_flop / (step * n_devices * peak_nominal), hfu=hw_flop / (step * n_devices * peak_nominal),
                     memory=mem, fits=fits, peak_flops=peak_nominal)


def _uneven_memory(m, micro_batch, seq_len, optimizer, precision, zero_stage, dp, tp, pp, recompute, sp, flash,
                   virtual_stages=1, grad_accum_fp32=False, n_micro=None):
    """Memory of the fullest stage when ``pp`` does not divide the layers: scale a one-stage footprint."""
    full = training_memory(m, micro_batch, seq_len, optimizer=optimizer, precision=precision, zero_stage=zero_stage,
                           dp=dp, tp=tp, pp=1, recompute=recompute, sp=sp, flash_attention=flash,
                           grad_accum_fp32=grad_accum_fp32)
    in_flight = interleaved_activation_factor(pp, virtual_stages, n_micro)
    full = dataclasses.replace(full, activations_bytes=full.activations_bytes * in_flight)
    share = math.ceil(m.layers / pp) / m.layers
    return MemoryBreakdown(model=full.model, weights_bytes=full.weights_bytes * share, grads_bytes=full.grads_bytes * share,
                           optimizer_bytes=full.optimizer_bytes * share, activations_bytes=full.activations_bytes,
                           kv_cache_bytes=0.0,
                           total_bytes=(full.weights_bytes + full.grads_bytes + full.optimizer_bytes) * share + full.activations_bytes,
                           n_devices=dp * tp * pp, notes=full.notes + f"; fullest of {pp} uneven stages holds {math.ceil(m.layers / pp)} layers")


@dataclass(frozen=True)
class TrainRun(Result):
    model: str
    tokens: float
    steps: float
    step: TrainStep
    seconds: float
    days: float
    gpu_hours: float
    cost_usd: float | None
    energy_j: float
    usd_per_device_hour: float | None

    def _explain_lines(self) -> list[str]:
        cost = f"{fmt_count(self.cost_usd, 'USD')}" if self.cost_usd is not None else "unknown (no price)"
        return [f"{self.model}: {fmt_count(self.tokens, 'tokens')} in {self.days:.3g} days on {self.step.n_devices} devices "
                f"({self.gpu_hours:,.0f} device-hours, cost {cost})",
                f"time = tokens / throughput = {fmt_count(self.tokens)} / {fmt_count(self.step.tokens_per_s, 'tokens/s')} "
                f"= {fmt_time(self.seconds)}",
                f"energy = devices x power x {assumptions.TRAINING_POWER_FRACTION:g} x time x PUE = "
                f"{self.energy_j / 3.6e6:,.0f} kWh"] + self.step._explain_lines()[:1]


def time_to_train(model, tokens: float, cluster_or_hw="DGX-H100", n_devices: int = 1024, global_batch: int = 1024,
                  seq_len: int = 4096, usd_per_device_hour: float | None = None, pue: float = assumptions.DEFAULT_PUE,
                  **parallelism) -> TrainRun:
    """Wall-clock, device-hours, cost and energy to train on ``tokens`` tokens (keyword args go to train_step)."""
    from .energy import cloud_price, energy

    tokens = positive("tokens", tokens)
    step = train_step(model, cluster_or_hw, n_devices, global_batch, seq_len, **parallelism)
    hw = _system(cluster_or_hw, n_devices).accelerator
    steps = tokens / (global_batch * seq_len)
    seconds = steps * step.step_time_s
    if usd_per_device_hour is None:
        try:
            usd_per_device_hour = cloud_price(hw)
        except ValidationError:
            usd_per_device_hour = None
    device_hours = seconds / SECONDS_PER_HOUR * n_devices
    power = (hw.tdp_w or 0.0) * assumptions.TRAINING_POWER_FRACTION * n_devices
    return TrainRun(model=step.model, tokens=tokens, steps=steps, step=step, seconds=seconds, days=seconds / SECONDS_PER_DAY,
                    gpu_hours=device_hours, cost_usd=None if usd_per_device_hour is None else device_hours * usd_per_device_hour,
                    energy_j=energy(power, seconds, pue), usd_per_device_hour=usd_per_device_hour)


def chinchilla_tokens(params: float) -> float:
    """Compute-optimal training tokens for a model of ``params`` parameters (~20 tokens per parameter,
    Hoffmann et al. 2022, arXiv:2203.15556)."""
    if isinstance(params, (Model, str)):
        params = get_model(params).params
    return assumptions.CHINCHILLA_TOKENS_PER_PARAM * positive("params", params)


def training_flop(model, tokens: float, seq_len: int | None = None, attention: bool = True) -> float:
    """Total training FLOPs: 3 x forward FLOPs per token x tokens (~6 N D for large models).

    ``attention=False`` drops the 4 x layers x seq x d_attn score/weighted-sum term and gives the
    bare 6 N D that Brown et al. (GPT-3, Table D.1: 3.14e23 FLOP) and Kaplan et al. tabulate.
    """
    m = get_model(model)
    seq_len = seq_len or m.max_seq_len
    per_token = m.flops_per_token(seq_len)
    if not attention:
        per_token -= 4.0 * m.layers * positive_int("seq_len", seq_len) * m.q_dim
    return 3.0 * per_token * positive("tokens", tokens)


@dataclass(frozen=True)
class ScalingPoint(Result):
    compute_flop: float
    params: float
    tokens: float
    tokens_per_param: float

    def _explain_lines(self) -> list[str]:
        return [f"compute-optimal for {self.compute_flop:.3g} FLOP: {fmt_count(self.params)} parameters on "
                f"{fmt_count(self.tokens)} tokens ({self.tokens_per_param:g} tokens per parameter)",
                f"C = 6 N D with D = {self.tokens_per_param:g} N  =>  N = sqrt(C / (6 x {self.tokens_per_param:g})) = "
                f"sqrt({self.compute_flop:.3g} / {6 * self.tokens_per_param:g}) = {self.params:.3g}"]


def chinchilla_optimal(compute_flop: float) -> ScalingPoint:
    """Parameters and tokens that spend ``compute_flop`` training FLOPs compute-optimally
    (C = 6ND, D = 20N; Hoffmann et al. 2022, arXiv:2203.15556)."""
    compute = positive("compute_flop", compute_flop)
    ratio = assumptions.CHINCHILLA_TOKENS_PER_PARAM
    params = math.sqrt(compute / (6.0 * ratio))
    return ScalingPoint(compute_flop=compute, params=params, tokens=ratio * params, tokens_per_param=ratio)

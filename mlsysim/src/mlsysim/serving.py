"""LLM serving: prefill (TTFT), decode (TPOT), throughput, KV-cache-limited concurrency, quantization.

Decode reads every active weight and the whole KV cache once per generated token, so at small batch
it is memory-bandwidth-bound; its linear layers and its attention are separate kernels, each its own
roofline, and the step is their sum. Prefill is the forward pass of training on the prompt
(mlsysim.training.layer_forward_time): per layer, each GEMM is its own roofline at the training GEMM
rate with its shape factor (a short prompt is a skinny GEMM) and flash attention runs at its forward
rate (assumptions.PREFILL_ATTENTION_EFFICIENCY); norms, residual adds, activation and quantization are
fused into those kernels, as inference engines do, so they add no memory pass; then the last token's
logits. Both phases pay a fixed host cost per GPU kernel (assumptions.KERNEL_LAUNCH_S), counted in
series with the GPU work (an upper bound when the host runs ahead of the GPU): prefill for every kernel
of every layer, decode once per step when it is replayed as a CUDA graph (``cuda_graphs=True``, what
vLLM and TensorRT-LLM do) or per kernel when it is launched eagerly.
``n_devices`` shards the model tensor-parallel; each layer then pays two all-reduces (in prefill and in
every decode step) at the bus bandwidth NCCL reaches for that message size (mlsysim.collective_bandwidth).
A decode step of any number of sequences is timed by one model, DecodeStep: ``Serving.tpot_s`` is it at
``batch`` and ``Serving.decode_step_s(n)`` at n, which is what the queue simulation (mlsysim.queueing)
steps with as its active set grows and shrinks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import assumptions
from .catalog import Hardware, Link, Model, hardware, model as get_model, single_device_cluster
from .collectives import collective
from .errors import DoesNotFitError, ValidationError, positive_int
from .results import Result
from .training import _gemm_time, gemm_shape_factor, layer_forward_time, sustained_gemm_rate
from .units import DTYPE_BYTES, dtype_name, fmt_bytes, fmt_count, fmt_rate, fmt_time


@dataclass(frozen=True)
class Serving(Result):
    model: str
    hardware: str
    n_devices: int
    batch: int
    prompt_len: int
    output_len: int
    dtype: str
    kv_dtype: str
    compute_dtype: str
    ttft_s: float
    tpot_s: float
    latency_s: float
    tokens_per_s: float
    decode_tokens_per_s: float
    prefill_bound: str
    decode_bound: str
    weights_bytes: float
    kv_cache_bytes: float
    max_concurrency: int
    memory_bytes: float
    decode_bytes_per_step: float
    decode_flop_per_step: float
    tp_comm_per_token_s: float
    effective_bw_bytes_per_s: float
    effective_peak_flops: float
    prefill_per_token_s: float = field(repr=False, default=0.0)
    prefill_layers_s: float = 0.0
    prefill_comm_s: float = 0.0
    prefill_launch_s: float = 0.0
    decode_launch_s: float = 0.0
    kernels_per_layer: int = 0
    cuda_graphs: bool = True
    # the decode-step model tpot_s came from, kept to time steps of other sizes (decode_step_s)
    _decode_step: "DecodeStep | None" = field(repr=False, compare=False, default=None)

    def decode_step_s(self, n_sequences: int) -> float:
        """Time of one decode step of ``n_sequences`` sequences at this configuration's mean context
        (prompt_len + output_len // 2), computed exactly as ``tpot_s`` is at ``batch``: the linear layers'
        roofline (memory-bound on the weights at small n, compute-bound at large n), attention over
        n sequences' KV cache, tensor-parallel all-reduces for n tokens, and the step's kernel launches."""
        if self._decode_step is None:
            raise ValidationError("serving", "this Serving was not made by mlsysim.serve(...), so it carries no "
                                  "decode-step model; call serve() for the configuration")
        return self._decode_step.time_s(positive_int("n_sequences", n_sequences))

    @property
    def continuous_tokens_per_s(self) -> float:
        """Steady-state output tokens/s with continuous batching at this concurrency: every decode
        step also prefills the prompts of the batch/output_len requests that replace finished ones."""
        step = self.tpot_s + self.prefill_per_token_s * self.batch * self.prompt_len / self.output_len
        return self.batch / step

    _derived = ("continuous_tokens_per_s",)

    def _explain_lines(self) -> list[str]:
        return [
            f"{self.model} on {self.n_devices}x {self.hardware} ({self.dtype} weights, {self.kv_dtype} KV), batch {self.batch}: "
            f"TTFT {fmt_time(self.ttft_s)} ({self.prefill_bound}-bound), TPOT {fmt_time(self.tpot_s)} ({self.decode_bound}-bound)",
            f"TTFT = layers (per-GEMM rooflines at the training GEMM rate and shape factor, flash attention) + logits "
            f"{fmt_time(self.prefill_layers_s)} + all-reduces {fmt_time(self.prefill_comm_s)} + kernel launches "
            f"{fmt_time(self.prefill_launch_s)} ({self.kernels_per_layer} kernels per layer)",
            f"decode step reads weights {fmt_bytes(self.weights_bytes)} + KV {fmt_bytes(self.kv_cache_bytes)} "
            f"= {fmt_bytes(self.decode_bytes_per_step)} and does {fmt_count(self.decode_flop_per_step, 'FLOP')}",
            f"TPOT = linear layers max(weight bytes / bandwidth, flop / compute) + attention max(KV bytes / "
            f"bandwidth, flop / compute) + all-reduces; in total {fmt_bytes(self.decode_bytes_per_step)} at "
            f"{fmt_rate(self.effective_bw_bytes_per_s, 'B/s')} and {fmt_count(self.decode_flop_per_step, 'FLOP')} at "
            f"{fmt_rate(self.effective_peak_flops)}, all-reduces {fmt_time(self.tp_comm_per_token_s)}: "
            f"{fmt_time(self.tpot_s)} (sustained = {self.n_devices} devices x peak x decode efficiency), of which "
            f"{fmt_time(self.decode_launch_s)} kernel launches ("
            + ("one CUDA graph per step)" if self.cuda_graphs else "every kernel launched eagerly)"),
            f"throughput = batch x output / (TTFT + (output-1) x TPOT) = {self.batch} x {self.output_len} / "
            f"{fmt_time(self.latency_s)} = {fmt_count(self.tokens_per_s, 'tokens/s')}",
            f"max concurrency (KV-cache limited) = (memory x (1 - reserve) - weights) / KV per sequence = {self.max_concurrency}",
            f"continuous batching at this concurrency: batch / (TPOT + prefill share per step) = "
            f"{fmt_count(self.continuous_tokens_per_s, 'tokens/s')}",
        ]


def _compute_dtype(hw: Hardware, dtype: str) -> str:
    if hw.supports(dtype):
        return dtype
    for fallback in ("fp8", "bf16", "fp16", "fp32"):
        if DTYPE_BYTES[fallback] >= DTYPE_BYTES[dtype] and hw.supports(fallback):
            return fallback
    raise ValidationError("dtype", f"{hw.name} supports none of {dtype}, bf16, fp16, fp32")


#: GPU kernels one decoder layer launches in a fused inference engine: two norms (each with the residual
#: add and the next GEMM's input quantization fused in), four GEMMs (fused QKV, output projection, fused
#: up/gate, down), the attention kernel (rotary embedding and KV-cache write fused in) and the activation.
#: Tensor-parallel all-reduces are not counted here: mlsysim.collectives charges each its own launch.
KERNELS_PER_LAYER = 2 + 4 + 1 + 1


@dataclass(frozen=True)
class DecodeStep:
    """One decode step (every active sequence generates one token) as a function of the number of
    sequences b, at a fixed context length per sequence.

    The linear layers and attention are separate kernels run one after the other, so each is its own
    roofline and the step is their sum: linear = max(weight bytes / bandwidth, 2 b matmul_params / peak)
    (MoE: the weights of the experts b tokens touch), attention = max(b context KV bytes / bandwidth,
    attention FLOPs / peak), plus the tensor-parallel all-reduces of b tokens and the step's launches.
    The linear term is flat in b while it is memory-bound and grows with b once compute-bound, so the
    step is not a straight line in b. Times are memoized per b: the queue simulation asks for the same
    few sizes many times over.
    """
    model: Model
    weight_dtype: str
    context: int
    kv_bytes_per_token: float
    bandwidth: float
    peak: float
    launch_s: float
    n_devices: int
    activation_bytes: int
    link: Link
    _times: dict = field(default_factory=dict, repr=False, compare=False)
    _all_reduces: dict = field(default_factory=dict, repr=False, compare=False)

    def weight_bytes(self, b: int) -> float:
        m, weights = self.model, self.model.weight_bytes(self.weight_dtype)
        if m.experts == 1:
            return weights
        dense = weights - m.layers * m.experts * m.expert_params * DTYPE_BYTES[self.weight_dtype]
        touched = m.experts * (1 - (1 - m.active_experts / m.experts) ** b)
        return dense + m.layers * touched * m.expert_params * DTYPE_BYTES[self.weight_dtype]

    def all_reduce_s(self, tokens: int) -> float:
        """Both tensor-parallel all-reduces of every layer for ``tokens`` tokens of activations."""
        if self.n_devices == 1:
            return 0.0
        time = self._all_reduces.get(tokens)
        if time is None:
            time = self._all_reduces[tokens] = 2 * self.model.layers * collective(
                "all_reduce", tokens * self.model.hidden * self.activation_bytes, self.n_devices, self.link).time_s
        return time

    def parts(self, b: int) -> tuple[float, float, float, float]:
        """(step time, bytes read, FLOPs, bytes/bandwidth - FLOPs/peak) for b sequences."""
        m = self.model
        weight_bytes, kv_bytes = self.weight_bytes(b), b * self.context * self.kv_bytes_per_token
        linear_flop = 2.0 * b * m.matmul_params
        attention_flop = b * m.flops_per_token(self.context) - linear_flop
        linear = max(weight_bytes / self.bandwidth, linear_flop / self.peak)
        attention = max(kv_bytes / self.bandwidth, attention_flop / self.peak)
        step_bytes, step_flop = weight_bytes + kv_bytes, linear_flop + attention_flop
        return (linear + attention + self.all_reduce_s(b) + self.launch_s, step_bytes, step_flop,
                step_bytes / self.bandwidth - step_flop / self.peak)

    def time_s(self, b: int) -> float:
        time = self._times.get(b)
        if time is None:
            time = self._times[b] = self.parts(b)[0]
        return time


def serve(model, hw, batch: int, prompt_len: int, output_len: int, dtype: str = "bf16", n_devices: int = 1,
          kv_dtype: str | None = None, link=None, cuda_graphs: bool = True,
          context_attention_dtype: str | None = None, fused_mlp: bool = True) -> Serving:
    """Latency and throughput of generating ``output_len`` tokens for ``batch`` prompts of ``prompt_len``.

    ``dtype`` is the weight format (int4/int8/fp8 quantization); computation runs in it when the device
    supports it, else in the next wider supported type (weight-only quantization). ``cuda_graphs``:
    decode steps are replayed as one CUDA graph (one launch per step) instead of one launch per kernel;
    prefill always launches kernel by kernel. Raises DoesNotFitError when the weights and this batch's KV
    cache exceed the devices' memory.
    ``context_attention_dtype``: the type prefill attention computes in;
    by default the KV-cache type where the device computes in it (TensorRT-LLM's FP8 context FMHA, which
    trtllm-bench enables for FP8 checkpoints), else the 16-bit activation type. ``fused_mlp=False``: the
    gate and up projections of a gated MLP run as two GEMMs instead of one (TensorRT-LLM built without
    ``--use_fused_mlp``), one more kernel launch per layer.
    """
    m: Model = get_model(model)
    device = hardware(hw)
    if m.kind != "transformer" or m.encoder:
        raise ValidationError("model", f"serve models autoregressive decoders; {m.name} is not one")
    batch = positive_int("batch", batch)
    prompt_len = positive_int("prompt_len", prompt_len)
    output_len = positive_int("output_len", output_len)
    n = positive_int("n_devices", n_devices)
    if m.heads % n:
        raise ValidationError("n_devices", f"tensor parallelism over {n} devices must divide heads={m.heads}")
    dtype = dtype_name(dtype)
    kv_dtype = dtype_name(kv_dtype or ("bf16" if dtype in ("int4", "int8") else dtype), "kv_dtype")
    compute = _compute_dtype(device, dtype)
    if prompt_len + output_len > m.max_seq_len:
        raise ValidationError("prompt_len", f"prompt_len + output_len = {prompt_len + output_len} exceeds "
                              f"{m.name}'s context of {m.max_seq_len} tokens")
    # decode runs small, oddly shaped kernels; prefill runs large GEMMs and sustains more of the peak
    peak = n * device.peak_flops(compute) * assumptions.SERVING_MATMUL_EFFICIENCY[device.category]
    bw = n * device.memory_bw_bytes_per_s * assumptions.SERVING_MEMORY_EFFICIENCY[device.category]
    weights = m.weight_bytes(dtype)
    # with more devices than KV heads each KV head is replicated on n / kv_heads devices
    kv_token = m.kv_bytes_per_token(kv_dtype) * n / min(n, m.kv_heads)
    capacity = n * device.memory_bytes
    need = weights + batch * (prompt_len + output_len) * kv_token
    if need > capacity:
        raise DoesNotFitError("memory", f"{m.name} in {dtype} needs {fmt_bytes(weights)} of weights + "
                              f"{fmt_bytes(need - weights)} of KV cache = {fmt_bytes(need)}, but {n}x {device.name} "
                              f"hold {fmt_bytes(capacity)}; add devices (n_devices), quantize (dtype='int8'/'fp8'/'int4') "
                              "or lower batch/context")
    # activations between kernels (and in the tensor-parallel all-reduces) stay 16-bit when weights and GEMM
    # inputs are quantized; FP8/INT8 applies to the GEMM inputs and the KV cache only
    quantized = compute in ("fp8", "int8")
    act_dtype = "bf16" if quantized and device.supports("bf16") else ("fp16" if quantized else compute)
    act_b = DTYPE_BYTES[act_dtype]
    link_obj = link if link is not None else single_device_cluster(device, n).node.intra_link

    # ---- prefill: the forward pass of training over the whole prompt, one tensor-parallel rank
    gemm_rate = sustained_gemm_rate(device, compute)
    # attention reads the KV cache in its own type: FP8 context attention (TensorRT-LLM's FP8 FMHA) with an
    # FP8 cache, else the 16-bit rate
    if context_attention_dtype is not None:
        attention_dtype = dtype_name(context_attention_dtype, "context_attention_dtype")
        if not device.supports(attention_dtype):
            raise ValidationError("context_attention_dtype", f"{device.name} does not compute in {attention_dtype}")
    else:
        attention_dtype = next(t for t in ((kv_dtype if kv_dtype == compute else None), act_dtype, compute)
                               if t is not None and device.supports(t))
    attention_rate = sustained_gemm_rate(device, attention_dtype)
    rank_bw = device.memory_bw_bytes_per_s * assumptions.SERVING_MEMORY_EFFICIENCY[device.category]
    prompt_tokens = batch * prompt_len
    layer = layer_forward_time(m, prompt_tokens, prompt_len, n, False, act_dtype, gemm_rate, rank_bw,
                               attention_peak=attention_rate, fp8_linear=quantized, weight_dtype=dtype,
                               attention_efficiency=assumptions.PREFILL_ATTENTION_EFFICIENCY,
                               fused_elementwise=True, gemm_dtype=compute)
    # only the last position of each prompt needs logits
    head_out = m.vocab / n
    logits = _gemm_time(2.0 * batch * head_out * m.hidden, head_out * m.hidden * DTYPE_BYTES[dtype],
                        gemm_rate * gemm_shape_factor(batch, head_out, m.hidden, dtype=compute), rank_bw)
    prefill_layers = m.layers * layer + logits
    # an unfused gated MLP runs its gate and up projections as two GEMMs
    kernels = KERNELS_PER_LAYER + (1 if not fused_mlp and m.ffn_matrices == 3 else 0)
    launch = assumptions.KERNEL_LAUNCH_S
    prefill_launch = (m.layers * kernels + 1) * launch
    # ---- decode at the mean context length
    step_model = DecodeStep(model=m, weight_dtype=dtype, context=prompt_len + output_len // 2,
                            kv_bytes_per_token=kv_token, bandwidth=bw, peak=peak,
                            launch_s=launch if cuda_graphs else (m.layers * kernels + 1) * launch,
                            n_devices=n, activation_bytes=act_b, link=link_obj)
    prefill_comm = step_model.all_reduce_s(prompt_tokens)
    ttft = prefill_layers + prefill_comm + prefill_launch
    # which resource binds: the same layers with unlimited bandwidth against the weight and KV-cache stream
    compute_only = m.layers * layer_forward_time(
        m, prompt_tokens, prompt_len, n, False, act_dtype, gemm_rate, math.inf, attention_peak=attention_rate,
        fp8_linear=quantized, weight_dtype=dtype, attention_efficiency=assumptions.PREFILL_ATTENTION_EFFICIENCY,
        fused_elementwise=True, gemm_dtype=compute)
    memory_only = (weights + prompt_tokens * kv_token) / n / rank_bw
    prefill_bound = "compute" if compute_only >= memory_only else "memory"

    tpot, decode_bytes, decode_flop, slack = step_model.parts(batch)
    decode_bound = "memory" if slack >= 0 else "compute"
    latency = ttft + (output_len - 1) * tpot
    usable = capacity * (1 - assumptions.SERVING_MEMORY_RESERVE) - weights
    max_conc = max(0, int(usable // (kv_token * (prompt_len + output_len))))
    return Serving(model=m.name, hardware=device.name, n_devices=n, batch=batch, prompt_len=prompt_len,
                   output_len=output_len, dtype=dtype, kv_dtype=kv_dtype, compute_dtype=compute, ttft_s=ttft, tpot_s=tpot,
                   latency_s=latency, tokens_per_s=batch * output_len / latency, decode_tokens_per_s=batch / tpot,
                   prefill_bound=prefill_bound, decode_bound=decode_bound, weights_bytes=step_model.weight_bytes(batch),
                   kv_cache_bytes=batch * step_model.context * kv_token, max_concurrency=max_conc, memory_bytes=need,
                   decode_bytes_per_step=decode_bytes, decode_flop_per_step=decode_flop,
                   tp_comm_per_token_s=step_model.all_reduce_s(batch), effective_bw_bytes_per_s=bw,
                   effective_peak_flops=peak,
                   prefill_per_token_s=ttft / (batch * prompt_len), prefill_layers_s=prefill_layers,
                   prefill_comm_s=prefill_comm, prefill_launch_s=prefill_launch, decode_launch_s=step_model.launch_s,
                   kernels_per_layer=kernels, cuda_graphs=bool(cuda_graphs), _decode_step=step_model)


def serve_max_throughput(model, hw, prompt_len: int, output_len: int, dtype: str = "bf16", n_devices: int = 1,
                         kv_dtype: str | None = None, max_batch: int | None = None, cuda_graphs: bool = True) -> Serving:
    """Serving at the largest concurrency the KV cache allows (offline, maximum-load scenario).

    Read ``continuous_tokens_per_s`` for the steady-state throughput of a continuously batched server.
    """
    probe = serve(model, hw, 1, prompt_len, output_len, dtype=dtype, n_devices=n_devices, kv_dtype=kv_dtype,
                  cuda_graphs=cuda_graphs)
    batch = probe.max_concurrency
    if max_batch is not None:
        batch = min(batch, positive_int("max_batch", max_batch))
    if batch < 1:
        raise DoesNotFitError("memory", f"no room for even one {prompt_len}+{output_len}-token sequence's KV cache "
                              f"next to the weights on {n_devices}x {probe.hardware}; add devices or quantize")
    return serve(model, hw, batch, prompt_len, output_len, dtype=dtype, n_devices=n_devices, kv_dtype=kv_dtype,
                 cuda_graphs=cuda_graphs)

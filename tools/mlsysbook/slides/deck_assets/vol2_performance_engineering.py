"""Volume II, Performance Engineering: the step-time ledger of one run and the ladder that raises its MFU.

The scenario is the chapter's (book/vol2/performance_engineering/performance_engineering.qmd): Llama 2 13B on
32 H100s (4 DGX H100), 256 x 4,096-token sequences per step, TP 2 x DP 16, ZeRO-1, selective recomputation.
Step times come from ms.train_step; the three effects the engine has no switch for (unfused elementwise
kernels, decomposed tensor-parallel all-reduces, host launch overhead) are computed from engine primitives
with the same formulas the chapter's own cell uses, so slide and chapter print the same values.
"""
from __future__ import annotations

import functools

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, MB, TB, _ink, _pct, _plt, _sig, figure, hw, mdl, number

MODEL = "Llama-2-13B"
N_GPU, GLOBAL_BATCH, SEQ, TP = 32, 256, 4096, 2
DP = N_GPU // TP
B16 = 2                     # bytes per BF16 element
# Kernel counts per layer forward, as the chapter counts them (tbl-pe-fusion and its launch section).
K_GEMM = 7                  # q, k, v, o, gate, up, down as separate GEMMs in an eager layer
K_ATTN = {True: 1, False: 5}   # flash kernel vs QK^T, scale+mask, softmax, dropout, AV
K_ELEM = {True: 4, False: 24}  # fused elementwise kernels vs eager ones
HOST_US = 10.0              # scenario: the chapter's assumed host time to dispatch one eager kernel
TP_CHUNKS = 4               # the chapter's decomposition of each TP all-reduce
SMALL = dict(n_gpu=256, gb=512, seq=512, tp=8)   # the chapter's strong-scaled, launch-bound configuration
TRAIN_TOKENS = 2.0e12       # Llama 2's pre-training tokens (Touvron et al. 2023), as in the chapter

H100 = hw("H100-SXM")
M = mdl(MODEL)
L, H = M.layers, M.hidden
PEAK16, PEAK8 = H100.peak_flops("bf16"), H100.peak_flops("fp8")
BW = H100.memory_bw_bytes_per_s
BW_EFF = BW * A.MEMORY_EFFICIENCY[H100.category]
RIDGE = PEAK16 / BW
TOKENS_STEP = GLOBAL_BATCH * SEQ


@functools.cache
def run(flash=True, fp8=False, n_gpu=N_GPU, gb=GLOBAL_BATCH, seq=SEQ, tp=TP):
    return ms.train_step(M, "DGX-H100", n_gpu, gb, seq, tp=tp, zero_stage=1, recompute="selective",
                         flash_attention=flash, precision="fp8" if fp8 else "bf16")


# Memory-bound traffic per token on one TP rank, in elements (the chapter's counts; see its tbl-pe-fusion).
def fused_elems(tp):
    return 10 * H + M.ffn_matrices * M.ffn_hidden / tp + 2 * (M.q_dim + M.kv_dim) / tp


def eager_elems(tp):
    return 20 * H + 5 * M.ffn_hidden / tp + 10 * (M.q_dim + M.kv_dim) / tp


def fp8_quant_bytes(tp):    # per token: read 16-bit, write 8-bit for every linear layer's input
    return 3.0 * (2 * H + M.q_dim / tp + M.ffn_hidden / tp)


def score_bytes(seq, tp):   # per token: materialised attention scores, ~13 B per score at 16 bit
    return seq * (M.heads / tp) * 6.5 * B16


@functools.cache
def ledger(flash=True, fused=True, dp_overlap=True, tp_chunks=1, fp8=False, graphs=False,
           n_gpu=N_GPU, gb=GLOBAL_BATCH, seq=SEQ, tp=TP):
    """The chapter's step-time ledger: the engine's step for (flash, fp8) plus its fusion, overlap and launch terms."""
    s = run(flash, fp8, n_gpu, gb, seq, tp)
    n = s.n_micro_batches
    per_token = (B16 * fused_elems(tp) + (fp8_quant_bytes(tp) if fp8 else 0.0)
                 + (0.0 if flash else score_bytes(seq, tp)))
    mem_engine = n * L * 3 * seq * per_token / BW_EFF
    extra = 0.0 if fused else n * L * 3 * seq * B16 * (eager_elems(tp) - fused_elems(tp)) / BW_EFF
    tensor = s.compute_s - mem_engine
    tp_exp = s.tp_comm_s / tp_chunks
    dp_exp = s.dp_comm_exposed_s if dp_overlap else s.dp_comm_s
    kernels_mb = 3 * (K_GEMM + K_ATTN[flash] + K_ELEM[fused] + (2 if tp > 1 else 0)) * L
    gpu_mb = (s.compute_s + extra + s.tp_comm_s) / n
    host_mb = (3 * L if graphs else kernels_mb) * HOST_US * 1e-6
    launch = n * max(0.0, host_mb - gpu_mb)
    step = tensor + mem_engine + extra + tp_exp + dp_exp + launch + s.optimizer_s
    return dict(s=s, step=step, tensor=tensor, mem=mem_engine + extra, tp=tp_exp, dp=dp_exp, launch=launch,
                opt=s.optimizer_s, mfu16=s.model_flop_per_step / (step * n_gpu * PEAK16), kernels_mb=kernels_mb,
                gpu_mb=gpu_mb, host_mb=host_mb, n=n)


RUNGS = (("Eager baseline", dict(flash=False, fused=False, dp_overlap=False)),
         ("+ FlashAttention", dict(flash=True, fused=False, dp_overlap=False)),
         ("+ compiler fusion", dict(fused=True, dp_overlap=False)),
         ("+ overlapped gradient all-reduce", dict(dp_overlap=True)),
         ("+ decomposed TP all-reduce", dict(tp_chunks=TP_CHUNKS)),
         ("+ FP8 linear layers", dict(tp_chunks=TP_CHUNKS, fp8=True)),
         ("+ CUDA graphs", dict(tp_chunks=TP_CHUNKS, fp8=True, graphs=True)))


def rung(i: int) -> dict:
    return ledger(**RUNGS[i][1])


def _s(x: float) -> str:
    return f"{x:.2f}"


def _ms(x: float) -> str:
    return _sig(x * 1e3)


# ------------------------------------------------------------ per-kernel rooflines (one layer, one micro-batch)
@functools.cache
def kernels():
    T = SEQ

    def gemm(name, n_out, k_in):
        return name, ms.matmul(H100, T, int(n_out), int(k_in))
    rows = [gemm("QKV projection", (M.q_dim + 2 * M.kv_dim) / TP, H),
            gemm("output projection", H, M.q_dim / TP),
            gemm("MLP gate + up", 2 * M.ffn_hidden / TP, H),
            gemm("MLP down", H, M.ffn_hidden / TP)]
    attn_bytes = 4 * T * (M.q_dim / TP) * B16
    rows.append(("FlashAttention (causal)", ms.roofline(H100, 4 * T * SEQ * M.q_dim / TP / 2, attn_bytes)))
    rows.append(("unfused attention scores", ms.roofline(H100, 4 * T * SEQ * M.q_dim / TP,
                                                         T * score_bytes(SEQ, TP) + attn_bytes)))
    rms = T * H
    rows.append(("RMSNorm", ms.roofline(H100, 4 * rms, 2 * rms * B16)))
    rows.append(("residual add", ms.roofline(H100, rms, 3 * rms * B16)))
    swi = T * M.ffn_hidden / TP
    rows.append(("SwiGLU", ms.roofline(H100, 5 * swi, 3 * swi * B16)))
    rope = T * (M.q_dim + M.kv_dim) / TP
    rows.append(("rotary embedding", ms.roofline(H100, 3 * rope, 2 * rope * B16)))
    return rows


def _kern(name: str):
    return dict(kernels())[name]


# ------------------------------------------------------------ FP8 by Amdahl (the chapter's split of tensor-core time)
def _attn_time_step() -> float:
    n = run().n_micro_batches
    attn_exec_flop = 4 * SEQ * SEQ * M.q_dim / TP * 0.5
    attn_rate = PEAK16 * A.MATMUL_EFFICIENCY["datacenter"] * A.FLASH_ATTENTION_EFFICIENCY
    return (3 + 1) * L * n * attn_exec_flop / attn_rate      # fwd + 2 bwd + selective recompute


def _linear_share() -> float:
    return (rung(4)["tensor"] - _attn_time_step()) / rung(4)["step"]


def _fp8_speed() -> float:
    return PEAK8 * A.FP8_MATMUL_DERATE / PEAK16


def _amdahl_step() -> float:
    return rung(4)["step"] * (1 - _linear_share() * (1 - 1 / _fp8_speed()))


# ------------------------------------------------------------ the gradient all-reduce (hierarchical, by hand)
IB, NVL = ms.interconnect("IB-NDR"), ms.interconnect("NVLink4")
GRAD_BYTES = M.params / TP * B16
DP_PER_NODE = ms.node("DGX-H100").count // TP
DP_NODES = DP // DP_PER_NODE


def _intra_s() -> float:
    return 2 * (DP_PER_NODE - 1) / DP_PER_NODE * GRAD_BYTES / NVL.bandwidth_bytes_per_s


def _inter_s() -> float:
    return 2 * (DP_NODES - 1) / DP_NODES * (GRAD_BYTES / DP_PER_NODE) / IB.bandwidth_bytes_per_s


def _last_bwd_s() -> float:   # backward of the last micro-batch, 2/3 of its forward-and-backward time
    return run().compute_s / run().n_micro_batches * 2 / 3


# ------------------------------------------------------------ the worth of the ladder over 2 T tokens
def _gpu_hours(step_s: float) -> float:
    return TRAIN_TOKENS / TOKENS_STEP * step_s * N_GPU / 3600


def _small(**kw) -> dict:
    return ledger(flash=True, **SMALL, **kw)


# ------------------------------------------------------------ numbers
number("v2pe-n-b")(lambda: f"{M.params / 1e9:.1f}")
number("v2pe-gpus")(lambda: str(N_GPU))
number("v2pe-nodes")(lambda: str(N_GPU // ms.node("DGX-H100").count))
number("v2pe-batch")(lambda: str(GLOBAL_BATCH))
number("v2pe-seq")(lambda: f"{SEQ:,}".replace(",", "{,}"))
number("v2pe-tp")(lambda: str(TP))
number("v2pe-dp")(lambda: str(DP))
number("v2pe-layers")(lambda: str(L))
number("v2pe-hidden")(lambda: f"{H:,}".replace(",", "{,}"))
number("v2pe-heads")(lambda: str(M.heads))
number("v2pe-qdim")(lambda: f"{M.q_dim:,}".replace(",", "{,}"))
number("v2pe-tokens-step-m")(lambda: f"{TOKENS_STEP / 1e6:.2f}")
number("v2pe-micro")(lambda: str(run().n_micro_batches))
number("v2pe-peak16")(lambda: _sig(PEAK16 / 1e12))
number("v2pe-peak8")(lambda: _sig(PEAK8 / 1e12))
number("v2pe-bw-tbs")(lambda: f"{BW / TB:.2f}")
number("v2pe-ridge")(lambda: f"{RIDGE:.0f}")
number("v2pe-gemm-eff")(lambda: f"{100 * A.MATMUL_EFFICIENCY['datacenter']:.0f}")
number("v2pe-mem-eff")(lambda: f"{100 * A.MEMORY_EFFICIENCY[H100.category]:.0f}")
number("v2pe-fa-eff")(lambda: f"{100 * A.FLASH_ATTENTION_EFFICIENCY:.0f}")
number("v2pe-fp8-rate")(lambda: f"{100 * A.MATMUL_EFFICIENCY['datacenter'] * A.FP8_MATMUL_DERATE:.1f}")
number("v2pe-l2-mb")(lambda: f"{H100.sram_bytes / MB:.0f}")

# The baseline ledger (tbl-pe-ledger) and the ladder (tbl-pe-ladder)
for _key in ("tensor", "mem", "tp", "dp", "launch", "opt", "step"):
    number(f"v2pe-base-{_key}")(lambda k=_key: f"{rung(0)[k]:.3f}")
    if _key != "step":  # the step is 100% of itself
        number(f"v2pe-base-{_key}-pct")(lambda k=_key: f"{100 * rung(0)[k] / rung(0)['step']:.0f}")
for _i in range(len(RUNGS)):
    number(f"v2pe-r{_i}-step")(lambda i=_i: _s(rung(i)["step"]))
    number(f"v2pe-r{_i}-mfu")(lambda i=_i: _pct(rung(i)["mfu16"]))
number("v2pe-ladder-speedup")(lambda: f"{rung(0)['step'] / rung(6)['step']:.2f}")
number("v2pe-engine-step")(lambda: _s(run().step_time_s))
number("v2pe-engine-mfu")(lambda: _pct(run().mfu))

# Napkin: MFU by hand from 6N + 12 L s d per token
number("v2pe-six-n-g")(lambda: f"{6 * M.params / 1e9:.1f}")
number("v2pe-attn-tok-g")(lambda: f"{12 * L * SEQ * M.q_dim / 1e9:.1f}")
_flop_step_hand = lambda: (6 * M.params + 12 * L * SEQ * M.q_dim) * TOKENS_STEP  # noqa: E731
number("v2pe-flop-step-hand-p")(lambda: f"{_flop_step_hand() / 1e15:,.0f}".replace(",", "{,}"))
number("v2pe-flop-step-eng-p")(lambda: f"{run().model_flop_per_step / 1e15:,.0f}".replace(",", "{,}"))
number("v2pe-mfu-hand")(lambda: _pct(_flop_step_hand() / (run().step_time_s * N_GPU * PEAK16)))
number("v2pe-base-mfu-hand")(lambda: _pct(_flop_step_hand() / (rung(0)["step"] * N_GPU * PEAK16)))
number("v2pe-tok-s-gpu")(lambda: _sig(run().tokens_per_s / N_GPU))

# Napkin: an RMSNorm against the QKV projection
number("v2pe-qkv-ai")(lambda: _sig(_kern("QKV projection").arithmetic_intensity))
number("v2pe-rms-ai")(lambda: f"{_kern('RMSNorm').arithmetic_intensity:.2f}")
number("v2pe-rms-mb")(lambda: f"{_kern('RMSNorm').bytes_moved / MB:.0f}")
number("v2pe-rms-hand-us")(lambda: f"{2 * SEQ * H * B16 / BW * 1e6:.0f}")
number("v2pe-rms-us")(lambda: f"{_kern('RMSNorm').time_s * 1e6:.0f}")
number("v2pe-rms-flop-share")(lambda: f"{100 * _kern('RMSNorm').flop / _kern('QKV projection').flop:.2f}")
number("v2pe-rms-time-share")(lambda: f"{100 * _kern('RMSNorm').time_s / _kern('QKV projection').time_s:.0f}")

# Napkin: materialised attention scores; fusion
_scores = lambda: SEQ * SEQ * (M.heads / TP)  # noqa: E731
number("v2pe-scores-m")(lambda: _sig(_scores() / 1e6))
number("v2pe-score-gb")(lambda: f"{_scores() * 6.5 * B16 / GB:.1f}")
number("v2pe-score-ms")(lambda: f"{_scores() * 6.5 * B16 / BW_EFF * 1e3:.2f}")
number("v2pe-score-step")(lambda: _s(_scores() * 6.5 * B16 / BW_EFF * 3 * L * run().n_micro_batches))
number("v2pe-nofa-step")(lambda: _s(run(flash=False).step_time_s))
number("v2pe-fa-gain")(lambda: _s(rung(0)["step"] - rung(1)["step"]))
number("v2pe-fused-mb")(lambda: _sig(SEQ * B16 * fused_elems(TP) / MB))
number("v2pe-eager-mb")(lambda: _sig(SEQ * B16 * eager_elems(TP) / MB))
number("v2pe-fusion-ratio")(lambda: f"{eager_elems(TP) / fused_elems(TP):.2f}")
number("v2pe-fusion-gain")(lambda: _s(rung(1)["step"] - rung(2)["step"]))
number("v2pe-fusion-gain-pct")(lambda: f"{100 * (rung(1)['step'] / rung(2)['step'] - 1):.1f}")

# Napkin: the gradient all-reduce and its overlap
number("v2pe-grad-gb")(lambda: f"{GRAD_BYTES / GB:.1f}")
number("v2pe-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2pe-flat-ms")(lambda: _ms(2 * (DP - 1) / DP * GRAD_BYTES / IB.bandwidth_bytes_per_s))
number("v2pe-dp-per-node")(lambda: str(DP_PER_NODE))
number("v2pe-dp-nodes")(lambda: str(DP_NODES))
number("v2pe-intra-ms")(lambda: _ms(_intra_s()))
number("v2pe-inter-ms")(lambda: _ms(_inter_s()))
number("v2pe-ar-hand-ms")(lambda: _ms(_intra_s() + _inter_s()))
number("v2pe-ar-eng-ms")(lambda: _ms(run().dp_comm_s))
number("v2pe-last-bwd-ms")(lambda: _ms(_last_bwd_s()))
number("v2pe-dp-exposed-ms")(lambda: f"{run().dp_comm_exposed_s * 1e3:.0f}")

# TP overlap by decomposition
number("v2pe-tp-comm-ms")(lambda: _ms(run().tp_comm_s))
number("v2pe-tp-share")(lambda: f"{100 * run().tp_comm_s / run().step_time_s:.1f}")
number("v2pe-tp-chunks")(lambda: str(TP_CHUNKS))
number("v2pe-tp-exposed-ms")(lambda: _ms(run().tp_comm_s / TP_CHUNKS))
number("v2pe-tp-per-step")(lambda: f"{4 * L * run().n_micro_batches:,}".replace(",", "{,}"))
number("v2pe-tp-ar-us")(lambda: f"{ms.collective('all_reduce', SEQ * H * B16, TP, NVL).time_s * 1e6:.0f}")
number("v2pe-tp-msg-mb")(lambda: f"{SEQ * H * B16 / MB:.0f}")

# Napkin: FP8 by Amdahl
number("v2pe-linear-share")(lambda: f"{100 * _linear_share():.0f}")
number("v2pe-attn-share")(lambda: f"{100 * _attn_time_step() / rung(4)['step']:.0f}")
number("v2pe-fp8-speed")(lambda: f"{_fp8_speed():.2f}")
number("v2pe-fp8-peak-ratio")(lambda: f"{PEAK8 / PEAK16:.0f}")
number("v2pe-amdahl-step")(lambda: _s(_amdahl_step()))
number("v2pe-amdahl-limit")(lambda: f"{1 / (1 - _linear_share() * (1 - 1 / _fp8_speed())):.2f}")
number("v2pe-quant-ms")(lambda: _ms(rung(5)["mem"] - rung(4)["mem"]))
number("v2pe-fp8-gain")(lambda: f"{100 * (rung(4)['step'] / rung(5)['step'] - 1):.0f}")
number("v2pe-fp8-mfu8")(lambda: _pct(rung(5)["s"].model_flop_per_step / (rung(5)["step"] * N_GPU * PEAK8)))

# Napkin: launch overhead on the strong-scaled configuration
number("v2pe-small-gpus")(lambda: str(SMALL["n_gpu"]))
number("v2pe-small-seq")(lambda: str(SMALL["seq"]))
number("v2pe-small-tp")(lambda: str(SMALL["tp"]))
number("v2pe-host-us")(lambda: f"{HOST_US:.0f}")
number("v2pe-eager-kfwd")(lambda: str(K_GEMM + K_ATTN[False] + K_ELEM[False] + 2))
number("v2pe-small-kernels")(lambda: f"{_small(fused=False)['kernels_mb']:,}".replace(",", "{,}"))
number("v2pe-small-fused-kernels")(lambda: f"{_small(fused=True)['kernels_mb']:,}".replace(",", "{,}"))
number("v2pe-small-host-ms")(lambda: f"{_small(fused=False)['host_mb'] * 1e3:.1f}")
number("v2pe-small-gpu-ms")(lambda: f"{_small(fused=False)['gpu_mb'] * 1e3:.1f}")
number("v2pe-small-mb")(lambda: str(_small(fused=False)["n"]))
number("v2pe-small-launch-ms")(lambda: _ms(_small(fused=False)["launch"]))
number("v2pe-small-step-eager")(lambda: _ms(_small(fused=False)["step"]))
number("v2pe-small-launch-share")(lambda: f"{100 * _small(fused=False)['launch'] / _small(fused=False)['step']:.0f}")
number("v2pe-small-mfu-eager")(lambda: _pct(_small(fused=False)["mfu16"]))
number("v2pe-small-mfu-fused")(lambda: _pct(_small(fused=True)["mfu16"]))
number("v2pe-small-mfu-graph")(lambda: _pct(_small(fused=True, graphs=True)["mfu16"]))
number("v2pe-big-host-ms")(lambda: f"{rung(0)['host_mb'] * 1e3:.1f}")
number("v2pe-big-gpu-ms")(lambda: _ms(rung(0)["gpu_mb"]))

# What the ladder is worth
number("v2pe-days-base")(lambda: _sig(TRAIN_TOKENS / TOKENS_STEP * rung(0)["step"] / 86400))
number("v2pe-days-final")(lambda: _sig(TRAIN_TOKENS / TOKENS_STEP * rung(6)["step"] / 86400))
number("v2pe-gh-base-k")(lambda: _sig(_gpu_hours(rung(0)["step"]) / 1e3))
number("v2pe-gh-final-k")(lambda: _sig(_gpu_hours(rung(6)["step"]) / 1e3))
number("v2pe-usd-saved-m")(lambda: f"{(_gpu_hours(rung(0)['step']) - _gpu_hours(rung(6)['step'])) * A.GPU_HOUR_PRICE_USD / 1e6:.1f}")
number("v2pe-price")(lambda: f"{A.GPU_HOUR_PRICE_USD:.2f}")
number("v2pe-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))

# Geometry of the before/after ledger bars: where each category ends, in seconds from the step's start.
LEDGER_ORDER = ("tensor", "mem", "tp", "dp", "launch", "opt")


def _cum(i: int, key: str) -> float:
    r = rung(i)
    return sum(r[k] for k in LEDGER_ORDER[:LEDGER_ORDER.index(key) + 1])


for _i in (0, 6):
    for _key in ("tensor", "mem", "tp", "opt"):  # the bars draw DP and launch inside the optimizer's end
        number(f"v2pe-r{_i}-cum-{_key}")(lambda i=_i, k=_key: f"{_cum(i, k):.3f}")
for _i in (6,):
    for _key in ("tensor", "mem"):
        number(f"v2pe-r{_i}-{_key}")(lambda i=_i, k=_key: _s(rung(i)[k]))


# ------------------------------------------------------------ figures
@figure("fig-v2pe-ladder")
def _fig_ladder():
    plt = _plt()
    cats = (("tensor", "tensor-core compute"), ("mem", "memory-bound kernels"), ("tp", "exposed TP all-reduce"),
            ("dp", "exposed gradient all-reduce"), ("launch", "exposed launch"), ("opt", "optimizer"))
    fig, ax = plt.subplots()
    rows = [ledger(**kw) for _, kw in RUNGS]
    left = [0.0] * len(rows)
    for key, label in cats:
        vals = [r[key] for r in rows]
        ax.barh(range(len(rows)), vals, left=left, label=label)
        left = [a + b for a, b in zip(left, vals)]
    for i, r in enumerate(rows):
        ax.text(r["step"] + 0.05, i, f"{_pct(r['mfu16'])}% MFU", va="center", fontsize=8, color=_ink())
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([name for name, _ in RUNGS], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds per step")
    ax.set_xlim(0, rows[0]["step"] * 1.25)
    ax.legend(fontsize=7, loc="lower right")
    return fig


@figure("fig-v2pe-roofline")
def _fig_roofline():
    plt = _plt()
    fig, ax = plt.subplots()
    xs = [10 ** (i / 20) for i in range(-30, 81)]
    ax.loglog(xs, [min(PEAK16, BW * x) / 1e12 for x in xs], color=_ink(), lw=1.5, label="H100 BF16 roofline")
    ax.axvline(RIDGE, ls=":", color=_ink(), lw=1)
    for i, (name, r) in enumerate(kernels()):
        ax.loglog([r.arithmetic_intensity], [r.attainable_flops / 1e12], "os^vDPXh*p"[i], ms=7,
                  color="C0" if r.bound == "compute" else "C1", label=f"{name} ({r.bound})")
    ax.text(RIDGE * 1.1, 1.5, f"ridge {RIDGE:.0f} FLOP/B", fontsize=8, color=_ink())
    ax.set_xlabel("arithmetic intensity (FLOP per byte)")
    ax.set_ylabel("attainable TFLOP/s")
    ax.legend(fontsize=6, loc="lower right", ncol=2)
    return fig

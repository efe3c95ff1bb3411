"""Volume II, Introduction: the budget of one frontier run, computed as the chapter computes it.

The scenario is the chapter's (book/vol2/introduction/introduction.qmd): Llama 3.1 405B on 15.6 T tokens on
16,384 H100s with Meta's published layout (TP 8, PP 16, DP 128, 2,048 x 8,192-token batches), the first memory
setting MLSys·im says fits in 80 GB, the Llama 3 failure log (419 unexpected interruptions in 54 days) and the
engine's shared assumptions. The same engine calls give the same values on the slide and in the book.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, TB, _ink, _plt, _sci, _sig, figure, hw, mdl, number

BIG = "Llama-3.1-405B"
TOKENS = 15.6e12                  # Llama 3.1 405B pre-training tokens (Dubey et al. 2024)
N_GPUS, GLOBAL_BATCH, SEQ = 16384, 2048, 8192
DP = 128
# Memory settings tried in the chapter's order; the first that fits in 80 GB is the modelled layout.
CANDIDATES = (dict(virtual_stages=2, zero_stage=2, recompute="selective"),
              dict(virtual_stages=1, zero_stage=2, recompute="selective"),
              dict(virtual_stages=1, zero_stage=3, recompute="selective"),
              dict(virtual_stages=2, zero_stage=3, recompute=True))
# Llama 3's 54-day snapshot: 419 unexpected interruptions on 16,384 GPUs (Dubey et al. 2024, Sec. 3.3.4).
SNAP_DAYS, SNAP_FAILURES = 54, 419
BIG_FLEET = 100_000
PUBLISHED_GPU_HOURS_M = 30.84     # Llama 3.1 model card: 405B pre-training H100-hours
# The check question's job (chapter exercise 2): 4,096 GPUs, per-slot MTBF 50,000 h, a 30-day run.
Q_GPUS, Q_MTBF_H, Q_DAYS = 4096, 50_000, 30
GPT3_TOKENS = 300e9


@functools.cache
def run405():
    for opts in CANDIDATES:
        try:
            return ms.time_to_train(mdl(BIG), TOKENS, "DGX-H100", n_devices=N_GPUS, global_batch=GLOBAL_BATCH,
                                    seq_len=SEQ, tp=8, pp=16, dp=DP, micro_batch=1, sp=True,
                                    allow_uneven_pipeline=True, **opts)
        except ms.DoesNotFitError:
            continue
    raise RuntimeError("no candidate layout of the 405B run fits in H100 memory")


def _peak() -> float:
    return hw("H100-SXM").peak_flops("bf16")


def flop_hand() -> float:
    return 6 * mdl(BIG).params * TOKENS


def flop_engine() -> float:
    return ms.training_flop(mdl(BIG), TOKENS, attention=False)


def flop_attn() -> float:
    return ms.training_flop(mdl(BIG), TOKENS, seq_len=SEQ)


def gpu_hours_hand() -> float:
    return flop_attn() / (_peak() * run405().step.mfu) / 3600


def power_it_mw() -> float:
    return N_GPUS * hw("H100-SXM").tdp_w * A.TRAINING_POWER_FRACTION / 1e6


def job_mtbf_h() -> float:
    return SNAP_DAYS * 24 / SNAP_FAILURES


def device_mtbf_h() -> float:
    return job_mtbf_h() * N_GPUS


@functools.cache
def state():
    mem = ms.training_memory(mdl(BIG), batch=1, seq_len=SEQ, optimizer="adam", precision="bf16")
    return mem.weights_bytes + mem.grads_bytes + mem.optimizer_bytes


def grad_bytes() -> float:
    return 2 * mdl(BIG).params


@functools.cache
def grad_allreduce():
    return ms.collective("all_reduce", grad_bytes(), DP, ms.interconnect("IB-NDR"))


def days_at_mfu(mfu: float) -> float:
    return flop_attn() / (N_GPUS * _peak() * mfu) / 86400


def _q_mtbf_h() -> float:
    return ms.job_mtbf(Q_GPUS, device_mtbf_s=Q_MTBF_H * 3600) / 3600


def _dgx():
    return ms.node("DGX-H100")


IB, NVL = ms.interconnect("IB-NDR"), ms.interconnect("NVLink4")

# ------------------------------------------------------------ the frontier run
number("v2i-params-b")(lambda: _sig(mdl(BIG).params / 1e9))
number("v2i-tokens-t")(lambda: _sig(TOKENS / 1e12))
number("v2i-gpus")(lambda: f"{N_GPUS:,}".replace(",", "{,}"))
number("v2i-flop-hand")(lambda: _sci(flop_hand(), 2))
number("v2i-flop-engine")(lambda: _sci(flop_engine(), 2))
number("v2i-flop-attn")(lambda: _sci(flop_attn(), 2))
number("v2i-embed-b")(lambda: _sig((flop_hand() - flop_engine()) / (6 * TOKENS) / 1e9, 2))
number("v2i-attn-pct")(lambda: _sig(100 * (flop_attn() / flop_engine() - 1), 2))
number("v2i-tpp")(lambda: _sig(A.CHINCHILLA_TOKENS_PER_PARAM))
number("v2i-big-tpp")(lambda: _sig(TOKENS / mdl(BIG).params, 2))
number("v2i-opt-params-b")(lambda: _sig(ms.chinchilla_optimal(flop_engine()).params / 1e9))
number("v2i-opt-tokens-t")(lambda: _sig(ms.chinchilla_optimal(flop_engine()).tokens / 1e12))
number("v2i-mfu-pct")(lambda: _sig(100 * run405().step.mfu, 2))
number("v2i-step-s")(lambda: _sig(run405().step.step_time_s))
number("v2i-batch-mtok")(lambda: _sig(GLOBAL_BATCH * SEQ / 1e6))
number("v2i-gpu-hours-hand-m")(lambda: _sig(gpu_hours_hand() / 1e6))
number("v2i-gpu-hours-m")(lambda: _sig(run405().gpu_hours / 1e6))
number("v2i-days-hand")(lambda: _sig(gpu_hours_hand() / N_GPUS / 24))
number("v2i-days")(lambda: _sig(run405().days))
number("v2i-pub-vs-pct")(lambda: f"{100 * (run405().gpu_hours / 1e6 / PUBLISHED_GPU_HOURS_M - 1):+.0f}")
number("v2i-one-node-years")(lambda: _sig(run405().gpu_hours / _dgx().count / 24 / 365.25))
number("v2i-h100-tflops")(lambda: _sig(_peak() / 1e12))
number("v2i-a100-gen-ratio")(lambda: _sig(_peak() / hw("A100-80GB").peak_flops("bf16"), 2))

# ------------------------------------------------------------ memory and communication
number("v2i-state-tb")(lambda: _sig(state() / TB, 2))
number("v2i-bytes-per-param")(lambda: _sig(state() / mdl(BIG).params, 2))
number("v2i-min-gpus")(lambda: _sig(math.ceil(state() / hw("H100-SXM").memory_bytes)))
number("v2i-h100-gb")(lambda: _sig(hw("H100-SXM").memory_bytes / GB))
number("v2i-grad-gb")(lambda: _sig(grad_bytes() / GB))
number("v2i-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2i-nvl-gbs")(lambda: _sig(NVL.bandwidth_bytes_per_s / GB))
number("v2i-hbm-tbs")(lambda: _sig(hw("H100-SXM").memory_bw_bytes_per_s / TB))
number("v2i-nvl-over-ib")(lambda: _sig(NVL.bandwidth_bytes_per_s / IB.bandwidth_bytes_per_s, 2))
number("v2i-hbm-over-nvl")(lambda: _sig(hw("H100-SXM").memory_bw_bytes_per_s / NVL.bandwidth_bytes_per_s, 2))
number("v2i-ar-hand-s")(lambda: _sig(2 * (DP - 1) / DP * grad_bytes() / IB.bandwidth_bytes_per_s, 2))
number("v2i-ar-s")(lambda: _sig(grad_allreduce().time_s, 2))
number("v2i-step-compute-s")(lambda: _sig(run405().step.compute_s, 2))
number("v2i-ar-vs-step")(lambda: _sig(grad_allreduce().time_s / run405().step.compute_s, 2))
number("v2i-days-mfu30")(lambda: _sig(days_at_mfu(0.30), 2))
number("v2i-days-mfu50")(lambda: _sig(days_at_mfu(0.50), 2))

# ------------------------------------------------------------ failures
number("v2i-job-mtbf-h")(lambda: _sig(job_mtbf_h(), 2))
number("v2i-device-mtbf-h")(lambda: _sig(device_mtbf_h()))
number("v2i-device-mtbf-y")(lambda: _sig(device_mtbf_h() / 24 / 365.25, 2))
number("v2i-big-fleet")(lambda: f"{BIG_FLEET:,}".replace(",", "{,}"))
number("v2i-big-mtbf-hand-min")(lambda: _sig(device_mtbf_h() / BIG_FLEET * 60, 2))
number("v2i-big-mtbf-min")(lambda: _sig(ms.job_mtbf(BIG_FLEET, device_mtbf_s=device_mtbf_h() * 3600) / 60, 2))
number("v2i-run-failures")(lambda: _sig(run405().days * 24 / job_mtbf_h()))

# ------------------------------------------------------------ power, energy, carbon, cost
number("v2i-h100-tdp")(lambda: _sig(hw("H100-SXM").tdp_w))
number("v2i-power-frac")(lambda: _sig(A.TRAINING_POWER_FRACTION))
number("v2i-pue")(lambda: _sig(A.DEFAULT_PUE))
number("v2i-power-it-mw")(lambda: _sig(power_it_mw()))
number("v2i-power-fac-mw")(lambda: _sig(power_it_mw() * A.DEFAULT_PUE))
number("v2i-node-kw")(lambda: _sig(_dgx().power_w / 1e3))
number("v2i-power-node-mw")(lambda: _sig(N_GPUS / _dgx().count * _dgx().power_w * A.DEFAULT_PUE / 1e6, 2))
number("v2i-provision-factor")(lambda: _sig(_dgx().power_w / _dgx().count * A.DEFAULT_PUE / hw("H100-SXM").tdp_w, 2))
number("v2i-energy-hand-gwh")(lambda: _sig(power_it_mw() * A.DEFAULT_PUE * run405().days * 24 / 1e3))
number("v2i-energy-gwh")(lambda: _sig(run405().energy_j / 3.6e12))
number("v2i-grid-us")(lambda: _sig(ms.grid_intensity("us")))
number("v2i-co2-t")(lambda: _sig(ms.carbon(run405().energy_j, "us") / 1e6))
number("v2i-co2-fr-t")(lambda: _sig(ms.carbon(run405().energy_j, "france") / 1e6))
number("v2i-grid-ratio")(lambda: _sig(ms.grid_intensity("us") / ms.grid_intensity("france"), 2))
number("v2i-price-usd")(lambda: f"{ms.cloud_price(hw('H100-SXM')):.2f}")
number("v2i-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
number("v2i-cost-hand-musd")(lambda: _sig(gpu_hours_hand() * ms.cloud_price(hw("H100-SXM")) / 1e6))
number("v2i-cost-musd")(lambda: _sig(run405().cost_usd / 1e6))

# ------------------------------------------------------------ the check question
number("v2i-q-gpt3-flop")(lambda: _sci(6 * mdl("GPT-3-175B").params * GPT3_TOKENS))
number("v2i-q-gpt3-engine")(lambda: _sci(ms.training_flop(mdl("GPT-3-175B"), GPT3_TOKENS, attention=False)))
number("v2i-q-mtbf-h")(lambda: _sig(_q_mtbf_h()))
number("v2i-q-failures")(lambda: _sig(Q_DAYS * 24 / _q_mtbf_h(), 2))


# ------------------------------------------------------------ figures
@figure("fig-v2i-frontier")
def _fig_frontier():
    plt = _plt()
    tpp = A.CHINCHILLA_TOKENS_PER_PARAM
    runs = [("GPT-3-175B", GPT3_TOKENS), ("Llama-3-8B", 15e12), ("Llama-3-70B", 15e12), (BIG, TOKENS)]
    fig, ax = plt.subplots()
    sizes = [1e9 * 10 ** (k / 10) for k in range(0, 31)]
    ax.loglog(sizes, [6 * n * tpp * n for n in sizes], "--", color=_ink(), label=f"compute-optimal (D = {tpp:g} N)")
    for name, toks in runs:
        m = mdl(name)
        c = ms.training_flop(m, toks, attention=False)
        ax.loglog(m.params, c, "o", ms=8)
        ax.annotate(f"{name}\n{toks / m.params:,.0f} tokens/param", (m.params, c), textcoords="offset points",
                    xytext=(6, -16), fontsize=8)
    ax.set_xlabel("parameters N")
    ax.set_ylabel("training compute C = 6ND (FLOP)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


@figure("fig-v2i-mtbf")
def _fig_mtbf():
    plt = _plt()
    fleet_sizes = [1024 * 2 ** k for k in range(0, 8)]
    fig, ax = plt.subplots()
    for factor, style in ((2.0, ":"), (1.0, "-"), (0.5, "--")):
        mtbf_s = device_mtbf_h() * 3600 * factor
        hours = [ms.job_mtbf(n, device_mtbf_s=mtbf_s) / 3600 for n in fleet_sizes]
        ax.loglog(fleet_sizes, hours, style, lw=2, label=f"per-GPU MTBF {mtbf_s / 3600 / 8766:.1f} years")
    ax.loglog([N_GPUS], [job_mtbf_h()], "o", ms=9, color=_ink(), label="Llama 3 405B, observed")
    ax.axhline(1.0, color=_ink(), lw=0.8)
    ax.set_xlabel("GPUs in one synchronous job")
    ax.set_ylabel("hours between interruptions")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2i-scaling")
def _fig_scaling():
    plt = _plt()
    counts = [256, 512, 1024, 2048, 4096, 8192, 16384]
    runs = [ms.time_to_train(mdl("Llama-3-70B"), 15e12, "DGX-H100", n_devices=n, global_batch=2048, seq_len=8192,
                             tp=8, pp=4, dp=n // 32, zero_stage=1, recompute="selective", sp=True) for n in counts]
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.loglog(counts, [r.days for r in runs], "o-", label="MLSys·im")
    ax1.loglog(counts, [runs[0].days * counts[0] / n for n in counts], "--", color=_ink(), label="ideal")
    ax1.set_xlabel("H100 GPUs")
    ax1.set_ylabel("days to train")
    ax1.legend(fontsize=8)
    ax2.semilogx(counts, [100 * r.step.mfu for r in runs], "s-", color="C1")
    ax2.set_xlabel("H100 GPUs")
    ax2.set_ylabel("MFU (%)")
    ax2.set_ylim(0, 70)
    return fig

"""Volume II, Fleet Orchestration: gangs, topology-aware placement, sharing, fairness, preemption, utilization.

Same scenarios and engine calls as book/vol2/fleet_orchestration/fleet_orchestration.qmd: Llama 3 70B on 512 H100s
(PP 4, ZeRO-1, selective recomputation, 512 x 4,096 tokens) swept over tensor-parallel widths, a 1,024-GPU gang
drained for 6 hours before a trillion-token run, preemption with 30-minute checkpoints and 10-minute restarts, one
Llama 3 8B serving replica under Poisson load (ms.simulate_queue), DRF by progressive filling, and the utilization
stack with 85% allocation and 90% activity (scenario inputs) over the engine's MFU.
"""
from __future__ import annotations

import functools

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _ink, _plt, _sig, figure, hw, mdl, number

PLACE_MODEL, PLACE_GPUS, PLACE_BATCH, PLACE_SEQ, PLACE_PP = "Llama-3-70B", 512, 512, 4096, 4
TP_WIDTHS = (1, 2, 4, 8, 16, 32)
ALLOC, BUSY = 0.85, 0.90
FLEET_GPUS = 10_000
YEAR_H = 365.25 * 24
GANG_GPUS, DRAIN_H, GANG_TOKENS = 1024, 6.0, 1.0e12
CKPT_MIN, RESTART_MIN = 30.0, 10.0
SVC_MODEL, SVC_PROMPT, SVC_OUT, SVC_CONC = "Llama-3-8B", 512, 256, 64
SVC_RATES = (1, 2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19, 20, 21, 22, 24)
LIT_RATE = 12
TTFT_SLO_S = 0.2
DRF_CAPACITY = {"gpu": 64, "cpu": 1024, "mem": 8192}
DRF_DEMAND = {"vision": {"gpu": 1, "cpu": 32, "mem": 128}, "llm": {"gpu": 8, "cpu": 16, "mem": 512}}
# The check question (chapter exercise): preempt a 4,096-GPU job that checkpoints every 20 minutes, 5-minute restart.
Q_GPUS, Q_CKPT_MIN, Q_RESTART_MIN = 4096, 20.0, 5.0


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


def _dgx():
    return ms.node("DGX-H100")


def _price() -> float:
    return A.GPU_HOUR_PRICE_USD


@functools.cache
def layout(tp: int):
    try:
        return ms.train_step(PLACE_MODEL, "DGX-H100", PLACE_GPUS, PLACE_BATCH, PLACE_SEQ, tp=tp, pp=PLACE_PP,
                             dp=PLACE_GPUS // (tp * PLACE_PP), zero_stage=1, recompute="selective")
    except ms.DoesNotFitError:
        return None


def best():
    return max((layout(tp) for tp in TP_WIDTHS if layout(tp) is not None), key=lambda s: s.mfu)


def best_tp() -> int:
    return max((tp for tp in TP_WIDTHS if layout(tp) is not None), key=lambda tp: layout(tp).mfu)


def ar_bytes() -> float:
    return PLACE_SEQ * mdl(PLACE_MODEL).hidden * 2


@functools.cache
def tp_ar(n: int):
    return ms.collective("all_reduce", ar_bytes(), n, "DGX-H100")


@functools.cache
def gang_run():
    return ms.time_to_train(PLACE_MODEL, GANG_TOKENS, "DGX-H100", n_devices=GANG_GPUS, global_batch=1024,
                            seq_len=PLACE_SEQ, tp=8, pp=4, zero_stage=1, recompute="selective")


def drain_gpu_h() -> float:
    return GANG_GPUS * DRAIN_H / 2


def preempt_gpu_h(gpus: int = GANG_GPUS, ckpt: float = CKPT_MIN, restart: float = RESTART_MIN) -> float:
    return gpus * (ckpt / 2 + restart) / 60


@functools.cache
def svc():
    return ms.serve(SVC_MODEL, "H100-SXM", batch=SVC_CONC, prompt_len=SVC_PROMPT, output_len=SVC_OUT)


def step_full() -> float:
    return svc().decode_step_s(SVC_CONC)


def per_request_s() -> float:
    return svc().prefill_per_token_s * SVC_PROMPT + (SVC_OUT - 1) * step_full() / SVC_CONC


@functools.cache
def svc_run(rate: float):
    return ms.simulate_queue(svc(), rate, n_requests=1500, max_concurrency=SVC_CONC, seed=1)


def capacity_sim() -> float:
    return svc_run(2 / per_request_s()).throughput_rps


def slo_rate() -> int:
    return max(r for r in SVC_RATES if svc_run(r).stable and svc_run(r).ttft_p99_s <= TTFT_SLO_S)


def _dominant(tasks: int, who: str) -> float:
    return max(tasks * DRF_DEMAND[who][r] / DRF_CAPACITY[r] for r in DRF_CAPACITY)


def _used(alloc: dict, r: str) -> int:
    return sum(alloc[u] * DRF_DEMAND[u][r] for u in alloc)


def _fits(alloc: dict, who: str) -> bool:
    return all(_used(alloc, r) + DRF_DEMAND[who][r] <= DRF_CAPACITY[r] for r in DRF_CAPACITY)


@functools.cache
def drf() -> dict:
    """Progressive filling (Ghodsi et al. 2011): the team with the smallest dominant share gets the next task."""
    alloc = {u: 0 for u in DRF_DEMAND}
    active = set(DRF_DEMAND)
    while active:
        who = min(sorted(active), key=lambda u: _dominant(alloc[u], u))
        if _fits(alloc, who):
            alloc[who] += 1
        else:
            active.discard(who)
    return alloc


@functools.cache
def gpu_split() -> dict:
    """Each team may hold an equal share of the GPUs, whatever else its tasks need."""
    alloc = {u: 0 for u in DRF_DEMAND}
    for u in sorted(DRF_DEMAND):
        while (alloc[u] + 1) * DRF_DEMAND[u]["gpu"] <= DRF_CAPACITY["gpu"] / len(DRF_DEMAND) and _fits(alloc, u):
            alloc[u] += 1
    return alloc


def useful() -> float:
    return ALLOC * BUSY * best().mfu


# placement
number("v2fo-tp8-mfu")(lambda: _sig(100 * layout(8).mfu, 2))
number("v2fo-tp16-mfu")(lambda: _sig(100 * layout(16).mfu, 2))
number("v2fo-tp8-step")(lambda: f"{layout(8).step_time_s:.2f}")
number("v2fo-tp16-step")(lambda: f"{layout(16).step_time_s:.2f}")
number("v2fo-tp8-tpcomm")(lambda: f"{layout(8).tp_comm_s:.2f}")
number("v2fo-tp16-tpcomm")(lambda: f"{layout(16).tp_comm_s:.2f}")
number("v2fo-tp16-slowdown")(lambda: f"{layout(16).step_time_s / layout(8).step_time_s:.2f}")
number("v2fo-best-tp")(lambda: str(best_tp()))
number("v2fo-best-mfu")(lambda: _sig(100 * best().mfu, 2))
number("v2fo-m70-hidden")(lambda: _count(mdl(PLACE_MODEL).hidden))
number("v2fo-ar-mb")(lambda: _sig(ar_bytes() / 1e6))
number("v2fo-hand-in-ms")(lambda: f"{2 * 7 / 8 * ar_bytes() / _dgx().intra_link.bandwidth_bytes_per_s * 1e3:.2f}")
number("v2fo-hand-x2-ms")(lambda: f"{2 * 15 / 16 * ar_bytes() / _dgx().inter_link.bandwidth_bytes_per_s * 1e3:.2f}")
number("v2fo-ar-in-ms")(lambda: f"{tp_ar(8).time_s * 1e3:.2f}")
number("v2fo-ar-x2-ms")(lambda: f"{tp_ar(16).time_s * 1e3:.2f}")
number("v2fo-ar-ratio")(lambda: f"{tp_ar(16).time_s / tp_ar(8).time_s:.1f}")
number("v2fo-nvl-gbs")(lambda: _sig(_dgx().intra_link.bandwidth_bytes_per_s / 1e9))
number("v2fo-ib-gbs")(lambda: _sig(_dgx().inter_link.bandwidth_bytes_per_s / 1e9))
number("v2fo-nvl-over-ib")(lambda: _sig(_dgx().intra_link.bandwidth_bytes_per_s / _dgx().inter_link.bandwidth_bytes_per_s, 2))

# gang draining and preemption
number("v2fo-price")(lambda: f"{_price():.2f}")
number("v2fo-price-asof")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
number("v2fo-drain-gpu-h")(lambda: _count(drain_gpu_h()))
number("v2fo-drain-usd")(lambda: _count(drain_gpu_h() * _price()))
number("v2fo-peak-tf")(lambda: _count(hw("H100-SXM").peak_flops("bf16") / 1e12))
number("v2fo-gang-mfu")(lambda: _sig(100 * gang_run().step.mfu, 2))
number("v2fo-gang-hand-days")(lambda: f"{6 * mdl(PLACE_MODEL).params * GANG_TOKENS / (GANG_GPUS * hw('H100-SXM').peak_flops('bf16') * gang_run().step.mfu) / 86400:.0f}")
number("v2fo-gang-days")(lambda: f"{gang_run().days:.0f}")
number("v2fo-gang-gpu-h")(lambda: _count(gang_run().gpu_hours))
number("v2fo-gang-attn-pct")(lambda: f"{100 * (gang_run().step.model_flop_per_step / (6 * mdl(PLACE_MODEL).params * 1024 * PLACE_SEQ) - 1):.0f}")
number("v2fo-drain-frac")(lambda: f"{100 * drain_gpu_h() / gang_run().gpu_hours:.2f}")
number("v2fo-preempt-gpu-h")(lambda: _count(preempt_gpu_h()))
number("v2fo-preempt-usd")(lambda: _count(preempt_gpu_h() * _price()))
number("v2fo-preempt-min")(lambda: f"{CKPT_MIN / 2 + RESTART_MIN:g}")

# serving replica
number("v2fo-step-full-ms")(lambda: f"{step_full() * 1e3:.2f}")
number("v2fo-prefill-ms")(lambda: f"{svc().prefill_per_token_s * SVC_PROMPT * 1e3:.1f}")
number("v2fo-per-req-ms")(lambda: f"{per_request_s() * 1e3:.1f}")
number("v2fo-cap-hand")(lambda: f"{1 / per_request_s():.1f}")
number("v2fo-cap-sim")(lambda: f"{capacity_sim():.1f}")
number("v2fo-lit-mean")(lambda: f"{svc_run(LIT_RATE).mean_s:.2f}")
number("v2fo-lit-l")(lambda: f"{LIT_RATE * svc_run(LIT_RATE).mean_s:.1f}")
number("v2fo-lit-batch")(lambda: f"{svc_run(LIT_RATE).mean_batch:.1f}")
number("v2fo-slo-rate")(lambda: str(slo_rate()))
number("v2fo-slo-load")(lambda: f"{100 * slo_rate() / capacity_sim():.0f}")
number("v2fo-slo-headroom")(lambda: f"{100 * (1 - slo_rate() / capacity_sim()):.0f}")

# DRF
number("v2fo-drf-vision")(lambda: str(drf()["vision"]))
number("v2fo-drf-llm")(lambda: str(drf()["llm"]))
number("v2fo-split-vision")(lambda: str(gpu_split()["vision"]))
number("v2fo-split-llm")(lambda: str(gpu_split()["llm"]))
number("v2fo-drf-gpus")(lambda: str(_used(drf(), "gpu")))
number("v2fo-split-gpus")(lambda: str(_used(gpu_split(), "gpu")))
number("v2fo-drf-vision-dom")(lambda: f"{100 * _dominant(drf()['vision'], 'vision'):.3g}")
number("v2fo-drf-llm-dom")(lambda: f"{100 * _dominant(drf()['llm'], 'llm'):.3g}")
number("v2fo-split-vision-dom")(lambda: f"{100 * _dominant(gpu_split()['vision'], 'vision'):.3g}")
number("v2fo-split-llm-dom")(lambda: f"{100 * _dominant(gpu_split()['llm'], 'llm'):.3g}")

# the utilization stack
number("v2fo-best-step")(lambda: f"{best().step_time_s:.2f}")
number("v2fo-best-flop-pf")(lambda: _count(best().model_flop_per_step / 1e15))
number("v2fo-mfu-hand")(lambda: f"{100 * best().model_flop_per_step / (best().step_time_s * PLACE_GPUS * hw('H100-SXM').peak_flops('bf16')):.1f}")
number("v2fo-best-mfu-1")(lambda: f"{100 * best().mfu:.1f}")
number("v2fo-hfu")(lambda: _sig(100 * best().hfu, 2))
number("v2fo-useful")(lambda: f"{100 * useful():.0f}")
number("v2fo-fleet-cost-m")(lambda: _count(FLEET_GPUS * YEAR_H * _price() / 1e6))
number("v2fo-useful-cost")(lambda: f"{_price() / useful():.2f}")
number("v2fo-waste-m")(lambda: _count(FLEET_GPUS * YEAR_H * _price() / 1e6 * (1 - ALLOC * BUSY)))

# the check question
number("v2fo-q-gpu-h")(lambda: _count(preempt_gpu_h(Q_GPUS, Q_CKPT_MIN, Q_RESTART_MIN)))
number("v2fo-q-usd")(lambda: _count(preempt_gpu_h(Q_GPUS, Q_CKPT_MIN, Q_RESTART_MIN) * _price()))
number("v2fo-q-warned-gpu-h")(lambda: _count(Q_GPUS * Q_RESTART_MIN / 60))


# ------------------------------------------------------------ figures
@figure("fig-v2fo-placement")
def _fig_placement():
    plt = _plt()
    rows = [(tp, layout(tp)) for tp in TP_WIDTHS if layout(tp) is not None]
    fig, ax = plt.subplots()
    bars = ax.bar([str(tp) for tp, _ in rows], [100 * s.mfu for _, s in rows],
                  color=["C0" if tp <= 8 else "C1" for tp, _ in rows])
    for bar, (tp, _) in zip(bars, rows):
        if tp > 8:
            bar.set_hatch("//")
    ax.set_xlabel("tensor-parallel width (hatched: groups span several nodes)")
    ax.set_ylabel("modelled MFU (%)")
    ax2 = ax.twinx()
    ax2.plot([str(tp) for tp, _ in rows], [s.step_time_s for _, s in rows], "o-", color=_ink())
    ax2.set_ylabel("step time (s)")
    ax2.grid(False)
    return fig


@figure("fig-v2fo-serving")
def _fig_serving():
    plt = _plt()
    cap = capacity_sim()
    stable = [r for r in SVC_RATES if svc_run(r).stable]
    fig, ax = plt.subplots()
    ax.plot([r / cap for r in stable], [svc_run(r).ttft_p99_s * 1e3 for r in stable], "o-", label="TTFT p99")
    ax.plot([r / cap for r in stable], [svc_run(r).ttft_p50_s * 1e3 for r in stable], "s--", label="TTFT p50")
    ax.axhline(TTFT_SLO_S * 1e3, color=_ink(), ls=":", label="objective (200 ms)")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (fraction of simulated capacity)")
    ax.set_ylabel("time to first token (ms)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2fo-stack")
def _fig_stack():
    plt = _plt()
    labels = ["peak", "allocated", "active", "MFU (useful)"]
    values = [100, 100 * ALLOC, 100 * ALLOC * BUSY, 100 * useful()]
    fig, ax = plt.subplots()
    ax.bar(labels, values, color=["C1", "C0", "C0", "C3"])
    for k, v in enumerate(values):
        ax.annotate(f"{v:.0f}%", (k, v), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=9)
    ax.axhline(100 * ALLOC * BUSY * A.DEFAULT_MFU, color=_ink(), ls="--", lw=1,
               label=f"with the engine's default MFU ({100 * A.DEFAULT_MFU:.0f}%)")
    ax.set_ylabel("% of the fleet's peak FLOP-hours")
    ax.set_ylim(0, 110)
    ax.legend(fontsize=8)
    return fig

"""Volume II, Robust AI: silent corruption in one large training run, and the price of each defence.

The scenario is the chapter's (book/vol2/robust_ai/robust_ai.qmd): pre-training Llama 3.1 70B on 15 T tokens on
8,192 H100s (TP 8, PP 4, ZeRO-1, recomputation). The run comes from ms.time_to_train, the job-level SDC MTBF from
ms.job_mtbf and the checking interval from ms.young_interval; the detected-SDC rate is the Llama 3 log's
(Dubey et al. 2024: 6 of 419 interruptions in 54 days on 16,384 H100s). The detection budget, the BF16 bit flips,
the adversarial-training multiplier (ms.model_roofline for ResNet-50) and the smoothing and ensemble prices use
the chapter's formulas, so slide and chapter print the same values.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim.numerics import bf16_bit_flips, bf16_round
from mlsysim import assumptions as A

from ..assets import _ink, _plt, _sig, figure, hw, mdl, number

HOUR, DAY = 3600.0, 86400.0
PRICE = A.GPU_HOUR_PRICE_USD
LLM = mdl("Llama-3.1-70B")
N_GPU, TOKENS, TP, PP = 8192, 15e12, 8, 4
# The Llama 3 log: silent-data-corruption interruptions (a detected floor), GPUs, days.
LLAMA_SDC, LLAMA_GPUS, LLAMA_DAYS = 6, 16384, 54
RATE = LLAMA_SDC / (LLAMA_GPUS * LLAMA_DAYS * 24)      # per GPU-hour
PREVALENCE = 1e-3          # Meta (Dixit et al. 2022): on the order of one defective device per thousand
CKPT_H, RESTART_MIN, SLOW_H = 1.0, 20, 24.0            # scenario: hourly checkpoints, restart, daily evaluation
COVERAGE = 0.9             # scenario: share of corruptions a sampled recomputation catches
BATCH_IMG, IMAGES, EPOCHS_IMG, PGD_K = 256, 1.281e6, 90, 7
SMOOTH_N = 100_000         # noisy samples per certified prediction (Cohen et al. 2019)
ENS_M = 5                  # ensemble members for uncertainty under shift


@functools.cache
def run():
    return ms.time_to_train(LLM, TOKENS, "DGX-H100", n_devices=N_GPU, global_batch=2048, seq_len=8192,
                            tp=TP, pp=PP, zero_stage=1, recompute=True)


def step_s() -> float:
    return run().step.step_time_s


def sdc_job_mtbf_h(n: int, rate: float) -> float:
    return ms.job_mtbf(n, device_failure_rate_per_s=rate / HOUR) / HOUR


def events(rate: float = RATE, n: int = N_GPU) -> float:
    return run().seconds / HOUR / sdc_job_mtbf_h(n, rate)


def waste_gpu_hours(latency_h: float) -> float:
    """GPU-hours one corruption costs: half a checkpoint interval, the detection latency, and the restart."""
    return N_GPU * (CKPT_H / 2 + latency_h + RESTART_MIN / 60)


def _m_caught_s() -> float:
    return sdc_job_mtbf_h(N_GPU, RATE) * HOUR / COVERAGE


def check_interval_s() -> float:
    return ms.young_interval(step_s(), _m_caught_s())


def detection_budget(interval_s: float) -> tuple[float, float, float]:
    """Expected GPU-hours over the run: checker overhead, rework of caught and of missed corruptions."""
    ev = N_GPU * run().seconds / HOUR * RATE
    overhead = run().gpu_hours * step_s() / interval_s
    caught = ev * COVERAGE * N_GPU * (CKPT_H / 2 + interval_s / 2 / HOUR + RESTART_MIN / 60)
    missed = ev * (1 - COVERAGE) * waste_gpu_hours(SLOW_H)
    return overhead, caught, missed


def _none_budget() -> float:
    return events() * waste_gpu_hours(SLOW_H)


# ------------------------------------------------------------ BF16 bit flips of one typical weight
WEIGHT = 0.0234


def flips() -> list[tuple[int, float, float]]:
    return [(f.bit, f.value, f.relative_change) for f in bf16_bit_flips(WEIGHT)]


# ------------------------------------------------------------ checkers, from the engine's hardware and step
H100 = hw("H100-SXM")
SHARD_BYTES = LLM.params / (TP * PP) * 2


def _checksum_s() -> float:
    return SHARD_BYTES / H100.memory_bw_bytes_per_s


# ------------------------------------------------------------ adversarial training and certification (ResNet-50)
@functools.cache
def _rf(phase: str):
    return ms.model_roofline(mdl("ResNet-50"), "H100-SXM", phase=phase, batch=BATCH_IMG)


def _attack_step_s() -> float:       # one forward and one input-gradient backward pass
    return 2 * _rf("inference").time_s


STD_STEPS = IMAGES * EPOCHS_IMG / BATCH_IMG


def adv_gpu_hours(k: int) -> float:
    return STD_STEPS * (_rf("training").time_s + k * _attack_step_s()) / HOUR


def _per_image_s() -> float:
    return _rf("inference").time_s / BATCH_IMG


@functools.cache
def _srv():
    return ms.serve(mdl("Llama-3.1-8B"), "H100-SXM", batch=32, prompt_len=500, output_len=200)


def _usd_per_m_tok() -> float:
    return 1e6 / _srv().tokens_per_s / HOUR * PRICE


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "{,}")


# ------------------------------------------------------------ numbers
number("v2ra-gpus")(lambda: _n(N_GPU))
number("v2ra-tp")(lambda: str(TP))
number("v2ra-pp")(lambda: str(PP))
number("v2ra-days")(lambda: f"{run().seconds / DAY:.0f}")
number("v2ra-gh-m")(lambda: f"{run().gpu_hours / 1e6:.1f}")
number("v2ra-step")(lambda: f"{step_s():.1f}")
number("v2ra-cost-m")(lambda: f"{run().gpu_hours * PRICE / 1e6:.0f}")
number("v2ra-price")(lambda: f"{PRICE:.2f}")
number("v2ra-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))

# How many silent corruptions the run meets
number("v2ra-rate")(lambda: f"{RATE * 1e7:.2f}")
number("v2ra-gpu-mtbf-y")(lambda: _n(1 / RATE / (24 * 365)))
number("v2ra-events-hand")(lambda: f"{N_GPU * run().seconds / DAY * 24 * RATE:.1f}")
number("v2ra-job-mtbf-h")(lambda: f"{sdc_job_mtbf_h(N_GPU, RATE):.0f}")
number("v2ra-job-mtbf-d")(lambda: f"{sdc_job_mtbf_h(N_GPU, RATE) / 24:.1f}")
number("v2ra-events")(lambda: f"{events():.1f}")
number("v2ra-p-none")(lambda: f"{100 * math.exp(-events()):.1f}")
number("v2ra-events-10")(lambda: f"{10 * events():.0f}")
number("v2ra-events-100")(lambda: f"{100 * events():.0f}")
number("v2ra-defective")(lambda: f"{N_GPU * PREVALENCE:.1f}")
number("v2ra-p-clean")(lambda: f"{100 * (1 - PREVALENCE) ** N_GPU:.3f}")

# What one corruption costs
number("v2ra-ckpt-h")(lambda: f"{CKPT_H:.0f}")
number("v2ra-restart-min")(lambda: str(RESTART_MIN))
number("v2ra-slow-h")(lambda: f"{SLOW_H:.0f}")
number("v2ra-waste-fast")(lambda: _n(waste_gpu_hours(step_s() / HOUR)))
number("v2ra-waste-fast-usd")(lambda: _n(waste_gpu_hours(step_s() / HOUR) * PRICE))
number("v2ra-waste-slow")(lambda: _n(waste_gpu_hours(SLOW_H)))
number("v2ra-waste-slow-usd")(lambda: _n(waste_gpu_hours(SLOW_H) * PRICE))
number("v2ra-waste-ratio")(lambda: f"{waste_gpu_hours(SLOW_H) / waste_gpu_hours(step_s() / HOUR):.0f}")
number("v2ra-corrupt-steps")(lambda: _n(SLOW_H * HOUR / step_s()))
number("v2ra-none-budget")(lambda: _n(_none_budget()))
number("v2ra-none-usd")(lambda: _n(_none_budget() * PRICE))

# Checkers
number("v2ra-shard-gb")(lambda: f"{SHARD_BYTES / 1e9:.1f}")
number("v2ra-hbm-tbs")(lambda: f"{H100.memory_bw_bytes_per_s / 1e12:.2f}")
number("v2ra-checksum-ms")(lambda: f"{1e3 * _checksum_s():.1f}")
number("v2ra-checksum-pct")(lambda: f"{100 * _checksum_s() / step_s():.3f}")
number("v2ra-hidden")(lambda: _n(LLM.hidden))
number("v2ra-abft-pct")(lambda: f"{100 * 2 / LLM.hidden:.3f}")
number("v2ra-dmr-m")(lambda: f"{run().gpu_hours * PRICE / 1e6:.0f}")

# How often to recompute a step (Young's balance)
number("v2ra-coverage")(lambda: f"{100 * COVERAGE:.0f}")
number("v2ra-missed-pct")(lambda: f"{100 * (1 - COVERAGE):.0f}")
number("v2ra-m-caught-h")(lambda: f"{_m_caught_s() / HOUR:.0f}")
number("v2ra-interval-hand-h")(lambda: f"{math.sqrt(2 * step_s() * _m_caught_s()) / HOUR:.1f}")
number("v2ra-interval-h")(lambda: f"{check_interval_s() / HOUR:.1f}")
number("v2ra-interval-steps")(lambda: _n(check_interval_s() / step_s()))
number("v2ra-check-pct")(lambda: f"{100 * step_s() / check_interval_s():.2f}")
number("v2ra-ov")(lambda: _n(detection_budget(check_interval_s())[0]))
number("v2ra-caught")(lambda: _n(detection_budget(check_interval_s())[1]))
number("v2ra-missed")(lambda: _n(detection_budget(check_interval_s())[2]))
number("v2ra-total-usd")(lambda: _n(sum(detection_budget(check_interval_s())) * PRICE))

# Bit flips
number("v2ra-weight")(lambda: f"{bf16_round(WEIGHT):.4f}")
number("v2ra-top-exp")(lambda: "${}\\times10^{{{}}}$".format(*f"{flips()[14][1]:.2e}".split("e")).replace("{+", "{"))

# Adversarial training and certification, ResNet-50 on one H100
number("v2ra-img-batch")(lambda: str(BATCH_IMG))
number("v2ra-train-ms")(lambda: f"{1e3 * _rf('training').time_s:.1f}")
number("v2ra-attack-ms")(lambda: f"{1e3 * _attack_step_s():.1f}")
number("v2ra-std-steps")(lambda: _n(STD_STEPS))
number("v2ra-std-gh")(lambda: f"{adv_gpu_hours(0):.1f}")
number("v2ra-pgd-k")(lambda: str(PGD_K))
number("v2ra-pgd-mult-hand")(lambda: f"{1 + PGD_K * _attack_step_s() / _rf('training').time_s:.1f}")
number("v2ra-pgd-gh")(lambda: f"{adv_gpu_hours(PGD_K):.1f}")
number("v2ra-pgd-mult")(lambda: f"{adv_gpu_hours(PGD_K) / adv_gpu_hours(0):.1f}")
number("v2ra-fgsm-mult")(lambda: f"{adv_gpu_hours(1) / adv_gpu_hours(0):.1f}")
number("v2ra-pgd-scenario-m")(lambda: _n((adv_gpu_hours(PGD_K) / adv_gpu_hours(0) - 1) * run().gpu_hours * PRICE / 1e6))
number("v2ra-smooth-n")(lambda: _n(SMOOTH_N))
number("v2ra-img-us")(lambda: f"{1e6 * _per_image_s():.1f}")
number("v2ra-cert-s")(lambda: f"{SMOOTH_N * _per_image_s():.1f}")
number("v2ra-cert-gh-m")(lambda: _n(1e6 * SMOOTH_N * _per_image_s() / HOUR))
number("v2ra-plain-gh-m")(lambda: f"{1e6 * _per_image_s() / HOUR:.2f}")

# The price of an ensemble under shift
number("v2ra-tok-s")(lambda: _n(_srv().tokens_per_s))
number("v2ra-usd-mtok")(lambda: f"{_usd_per_m_tok():.2f}")
number("v2ra-ens-m")(lambda: str(ENS_M))
number("v2ra-ens-usd-mtok")(lambda: f"{ENS_M * _usd_per_m_tok():.2f}")
number("v2ra-slow-10pct-gh-m")(lambda: f"{0.1 * run().gpu_hours / 1e6:.1f}")


# ------------------------------------------------------------ figures
@figure("fig-v2ra-sdc-events")
def _fig_sdc_events():
    plt = _plt()
    fig, ax = plt.subplots()
    sizes = [256 * 2 ** i for i in range(10)]
    for mult, label in ((1, "Llama 3 detected rate"), (10, "x 10 (undetected)"), (100, "x 100")):
        ax.loglog(sizes, [events(mult * RATE, n) for n in sizes], "-o", ms=3, label=label)
    ax.plot([N_GPU], [events()], "*", ms=14, color=_ink(), label=f"the 70B scenario ({N_GPU:,} GPUs)")
    ax.axhline(1, ls=":", color=_ink(), lw=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("GPUs in the job (run length of the 70B scenario)")
    ax.set_ylabel("expected silent corruptions per run")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ra-check-interval")
def _fig_check_interval():
    plt = _plt()
    fig, ax = plt.subplots()
    grid_h = [0.1 * 1.4 ** i for i in range(24)]
    ov, ca, mi = zip(*[detection_budget(h * HOUR) for h in grid_h])
    ax.loglog(grid_h, ov, label="checks (overhead)")
    ax.loglog(grid_h, ca, label="rework, caught corruptions")
    ax.loglog(grid_h, mi, ls=":", label="rework, missed 10% (found a day later)")
    ax.loglog(grid_h, [a + b + c for a, b, c in zip(ov, ca, mi)], color=_ink(), lw=2, label="total")
    best = check_interval_s() / HOUR
    ax.plot([best], [sum(detection_budget(check_interval_s()))], "*", ms=14, color=_ink())
    ax.set_xlabel("hours between sampled recomputations of a step")
    ax.set_ylabel("expected GPU-hours over the run")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ra-bitflip")
def _fig_bitflip():
    plt = _plt()
    fig, ax = plt.subplots()
    rows = flips()
    colours = ["C1"] * 7 + ["C3"] * 8 + ["C0"]
    ax.bar([b for b, _, _ in rows], [max(r, 1e-6) if math.isfinite(r) else 1e40 for _, _, r in rows], color=colours)
    ax.set_yscale("log")
    ax.axhline(1, ls=":", color=_ink(), lw=1)
    ax.set_xticks(range(16))
    ax.set_xlabel("bit flipped (0-6 mantissa, 7-14 exponent, 15 sign)")
    ax.set_ylabel("relative change of the weight")
    ax.text(0.02, 0.92, f"BF16 weight {bf16_round(WEIGHT):.4f}", transform=ax.transAxes, fontsize=8,
            color=_ink())
    return fig


# The check-your-understanding question: the same run if the true rate is ten times the detected one.
number("v2ra-interval-10-h")(lambda: f"{ms.young_interval(step_s(), _m_caught_s() / 10) / HOUR:.2f}")
number("v2ra-none-10-usd-m")(lambda: f"{10 * _none_budget() * PRICE / 1e6:.0f}")

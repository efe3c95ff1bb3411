"""Volume II, Operations at Scale: the alert arithmetic, retraining compute, error budgets, experiments and on-call of
a 2,000-model fleet.

The scenario is the chapter's (book/vol2/ops_at_scale/ops_at_scale.qmd): 2,000 models, 40 monitored signals each,
hourly checks at a 0.1% false-positive rate, one real incident per model-year; three classes of model retrained on
schedules; a Llama-3-8B endpoint with a 500 ms p99 TTFT objective and 99.9% availability. These are the chapter's
stated assumptions; every derived quantity uses the same engine calls and formulas as the chapter's cell
(ms.job_mtbf, ms.time_to_train, ms.serve, ms.simulate_queue).
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _comma, _ink, _plt, figure, hw, mdl, number

HOUR, DAY = 3600.0, 86400.0
N_MODELS, SIGNALS, CHECKS_PER_DAY, ALPHA, MODEL_MTBI_DAYS = 2000, 40, 24, 1e-3, 365
PAGE_SIGNALS, PERSIST = 3, 2
# name, model, count, retrains per year, tokens per retrain, devices, batch, seq, parallelism (the chapter's table)
FLEET_CLASSES = (
    ("Encoder classifiers", "BERT-base", N_MODELS - 80 - 10, 52, 2e8, 8, 256, 512, {"zero_stage": 1}),
    ("Fine-tuned 8B LLMs", "Llama-3-8B", 80, 12, 1e9, 8, 64, 4096, {"zero_stage": 1}),
    ("Fine-tuned 70B LLMs", "Llama-3-70B", 10, 4, 2e9, 64, 64, 4096, {"zero_stage": 3, "tp": 8, "dp": 8}),
)
LLM, PROMPT, OUTPUT, SERVE_BATCH = "Llama-3-8B", 512, 256, 64
TTFT_SLO_S = 0.5
PEAK_RPS, AVG_RPS = 400.0, 200.0
SLO_AVAIL, WINDOW_DAYS = 0.999, 30
CANARY_FRAC, DETECT_MIN = 0.01, 30
BASE_ERR = 0.001
CTR, LIFT, CUPED, WEEKLY_USERS, LAYERS = 0.05, 0.01, 0.5, 20e6, 10
EXP_PER_YEAR = 10000
SHIFT_H, SRE_CAP = 12, 2           # incidents a rotation absorbs per 12-hour shift (Beyer et al. 2016, ch. 11)

H100 = hw("H100-SXM")
PEAK = H100.peak_flops("bf16")
PRICE = A.GPU_HOUR_PRICE_USD


# ------------------------------------------------------------ the alert arithmetic
TESTS_PER_DAY = N_MODELS * SIGNALS * CHECKS_PER_DAY
FALSE_PER_DAY = TESTS_PER_DAY * ALPHA


def fleet_mtbi_s(n: int = N_MODELS) -> float:
    return ms.job_mtbf(n, device_mtbf_s=MODEL_MTBI_DAYS * DAY)


def true_per_day() -> float:
    return DAY / fleet_mtbi_s()


def false_fixed(n: int = N_MODELS) -> float:
    return n * PAGE_SIGNALS * CHECKS_PER_DAY * ALPHA ** PERSIST


# ------------------------------------------------------------ retraining compute
@functools.cache
def retrain() -> dict:
    out = {}
    for label, name, count, per_year, tokens, nd, gb, seq, par in FLEET_CLASSES:
        run = ms.time_to_train(name, tokens, "DGX-H100", n_devices=nd, global_batch=gb, seq_len=seq, **par)
        params = mdl(name).params
        out[label] = dict(count=count, per_year=per_year, tokens=tokens, run=run, params=params,
                          hand=6 * params * tokens / (PEAK * A.DEFAULT_MFU) / HOUR,
                          year=count * per_year * run.gpu_hours)
    return out


def total_year() -> float:
    return sum(r["year"] for r in retrain().values())


def share(label: str) -> float:
    return 100 * retrain()[label]["year"] / total_year()


# ------------------------------------------------------------ the endpoint, its capacity and its error budget
@functools.cache
def endpoint():
    return ms.serve(LLM, "H100-SXM", batch=SERVE_BATCH, prompt_len=PROMPT, output_len=OUTPUT)


@functools.cache
def queue() -> dict:
    return {r: ms.simulate_queue(endpoint(), r, n_requests=2000, seed=1) for r in (2.0 * k for k in range(1, 26))}


def rate_slo() -> float:
    return max(r for r, q in queue().items() if q.stable and q.ttft_p99_s <= TTFT_SLO_S)


def replicas() -> int:
    return math.ceil(PEAK_RPS / rate_slo())


BUDGET_FRAC = 1 - SLO_AVAIL
MONTH_REQUESTS = AVG_RPS * WINDOW_DAYS * DAY
BUDGET_REQUESTS = BUDGET_FRAC * MONTH_REQUESTS
CANARY_BAD = CANARY_FRAC * AVG_RPS * DETECT_MIN * 60
FULL_BAD = AVG_RPS * DETECT_MIN * 60
BURN_1H = 0.02 * WINDOW_DAYS * 24 / 1
BURN_6H = 0.05 * WINDOW_DAYS * 24 / 6
MU0 = (1.96 + 0.84 * math.sqrt(2)) ** 2     # baseline errors to see a doubling, 80% power, one-sided 2.5%

# ------------------------------------------------------------ experiments
DELTA = CTR * LIFT
VAR = CTR * (1 - CTR)
N_ARM = 16 * VAR / DELTA ** 2

# ------------------------------------------------------------ on-call

def per_shift() -> float:
    return true_per_day() * SHIFT_H / 24


def rotations() -> int:
    return math.ceil(per_shift() / SRE_CAP)


MAX_MODELS = math.floor(SRE_CAP / SHIFT_H * 24 * MODEL_MTBI_DAYS)

# ------------------------------------------------------------ numbers
number("v2ops-models")(lambda: _comma(N_MODELS))
number("v2ops-signals")(lambda: str(SIGNALS))
number("v2ops-alpha")(lambda: f"{ALPHA:g}")
number("v2ops-mtbi-days")(lambda: str(MODEL_MTBI_DAYS))
number("v2ops-tests-day")(lambda: _comma(TESTS_PER_DAY))
number("v2ops-false-day")(lambda: _comma(FALSE_PER_DAY))
number("v2ops-hand-true-day")(lambda: f"{N_MODELS / MODEL_MTBI_DAYS:.1f}")
number("v2ops-fleet-mtbi-h")(lambda: f"{fleet_mtbi_s() / HOUR:.1f}")
number("v2ops-true-day")(lambda: f"{true_per_day():.1f}")
number("v2ops-precision-naive")(lambda: f"{100 * true_per_day() / (true_per_day() + FALSE_PER_DAY):.2f}")
number("v2ops-page-signals")(lambda: str(PAGE_SIGNALS))
number("v2ops-persist")(lambda: str(PERSIST))
number("v2ops-alpha-persist")(lambda: f"{ALPHA ** PERSIST:.6f}".rstrip("0"))
number("v2ops-false-fixed")(lambda: f"{false_fixed():.2f}")
number("v2ops-false-ratio")(lambda: _comma(FALSE_PER_DAY / false_fixed()))
number("v2ops-precision-fixed")(lambda: f"{100 * true_per_day() / (true_per_day() + false_fixed()):.0f}")
number("v2ops-false-per-model")(lambda: f"{SIGNALS * CHECKS_PER_DAY * ALPHA:.2f}")
number("v2ops-cross-models")(lambda: str(math.ceil(1 / (SIGNALS * CHECKS_PER_DAY * ALPHA))))

_R8 = "Fine-tuned 8B LLMs"
number("v2ops-r8-params-b")(lambda: f"{retrain()[_R8]['params'] / 1e9:.1f}")
number("v2ops-r8-tokens-b")(lambda: f"{retrain()[_R8]['tokens'] / 1e9:.0f}")
number("v2ops-r8-hand")(lambda: f"{retrain()[_R8]['hand']:.0f}")
number("v2ops-r8-eng")(lambda: f"{retrain()[_R8]['run'].gpu_hours:.0f}")
number("v2ops-mfu-pct")(lambda: f"{100 * A.DEFAULT_MFU:.0f}")
number("v2ops-peak-pf")(lambda: f"{PEAK / 1e15:.2f}")
number("v2ops-year-gpu-h")(lambda: _comma(total_year()))
number("v2ops-year-musd")(lambda: f"{total_year() * PRICE / 1e6:.1f}")
number("v2ops-busy-gpus")(lambda: _comma(total_year() / (365.25 * 24)))
number("v2ops-price")(lambda: f"{PRICE:.2f}")
number("v2ops-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
number("v2ops-bert-count")(lambda: _comma(retrain()["Encoder classifiers"]["count"]))
number("v2ops-bert-model-share")(lambda: f"{100 * retrain()['Encoder classifiers']['count'] / N_MODELS:.0f}")
number("v2ops-share-bert")(lambda: f"{share('Encoder classifiers'):.0f}")
number("v2ops-share-8b")(lambda: f"{share(_R8):.0f}")
number("v2ops-share-70b")(lambda: f"{share('Fine-tuned 70B LLMs'):.0f}")
number("v2ops-bert-daily")(lambda: _comma(retrain()["Encoder classifiers"]["count"] * 365 * retrain()["Encoder classifiers"]["run"].gpu_hours))
number("v2ops-bert-weekly")(lambda: _comma(retrain()["Encoder classifiers"]["year"]))

number("v2ops-ttft-slo-ms")(lambda: _comma(TTFT_SLO_S * 1000))
number("v2ops-rate-slo")(lambda: _comma(rate_slo()))
number("v2ops-ttft-ok-ms")(lambda: _comma(queue()[rate_slo()].ttft_p99_s * 1000))
number("v2ops-first-bad")(lambda: _comma(min(r for r in queue() if r > rate_slo())))
number("v2ops-capacity-rps")(lambda: f"{queue()[2.0].capacity_rps:.1f}")
number("v2ops-peak-rps")(lambda: _comma(PEAK_RPS))
number("v2ops-avg-rps")(lambda: _comma(AVG_RPS))
number("v2ops-replicas")(lambda: str(replicas()))
number("v2ops-slo-avail")(lambda: f"{100 * SLO_AVAIL:g}")
number("v2ops-month-requests-m")(lambda: f"{MONTH_REQUESTS / 1e6:.0f}")
number("v2ops-budget-requests")(lambda: _comma(BUDGET_REQUESTS))
number("v2ops-budget-minutes")(lambda: f"{BUDGET_FRAC * WINDOW_DAYS * 24 * 60:.1f}")
number("v2ops-canary-pct")(lambda: f"{100 * CANARY_FRAC:g}")
number("v2ops-detect-min")(lambda: str(DETECT_MIN))
number("v2ops-canary-bad")(lambda: _comma(CANARY_BAD))
number("v2ops-canary-share")(lambda: f"{100 * CANARY_BAD / BUDGET_REQUESTS:.1f}")
number("v2ops-full-share")(lambda: f"{100 * FULL_BAD / BUDGET_REQUESTS:.0f}")
number("v2ops-full-burn")(lambda: _comma(1 / BUDGET_FRAC))
number("v2ops-burn-1h")(lambda: f"{BURN_1H:.1f}")
number("v2ops-burn-6h")(lambda: f"{BURN_6H:.0f}")
number("v2ops-burn-1h-err")(lambda: f"{100 * BURN_1H * BUDGET_FRAC:.2f}")
number("v2ops-burn-6h-err")(lambda: f"{100 * BURN_6H * BUDGET_FRAC:.1f}")
number("v2ops-burn-1h-days")(lambda: f"{WINDOW_DAYS / BURN_1H:.1f}")
number("v2ops-burn-6h-days")(lambda: f"{WINDOW_DAYS / BURN_6H:.0f}")
number("v2ops-canary-errors-hour")(lambda: f"{CANARY_FRAC * AVG_RPS * HOUR * BASE_ERR:.1f}")
number("v2ops-mu0")(lambda: f"{MU0:.0f}")
number("v2ops-canary-hours")(lambda: f"{MU0 / (CANARY_FRAC * AVG_RPS * HOUR * BASE_ERR):.1f}")
number("v2ops-canary-per-hour")(lambda: _comma(CANARY_FRAC * AVG_RPS * HOUR))

number("v2ops-ctr-pct")(lambda: f"{100 * CTR:g}")
number("v2ops-lift-pct")(lambda: f"{100 * LIFT:g}")
number("v2ops-var")(lambda: f"{VAR:.4f}")
number("v2ops-delta")(lambda: f"{DELTA:g}")
number("v2ops-n-arm-m")(lambda: f"{N_ARM / 1e6:.2f}")
number("v2ops-n-arm-cuped-m")(lambda: f"{N_ARM * (1 - CUPED) / 1e6:.2f}")
number("v2ops-weekly-m")(lambda: f"{WEEKLY_USERS / 1e6:.0f}")
number("v2ops-per-layer")(lambda: f"{WEEKLY_USERS / (2 * N_ARM):.1f}")
number("v2ops-layers")(lambda: str(LAYERS))
number("v2ops-concurrent")(lambda: str(math.floor(WEEKLY_USERS / (2 * N_ARM)) * LAYERS))
number("v2ops-concurrent-cuped")(lambda: str(math.floor(WEEKLY_USERS / (2 * N_ARM * (1 - CUPED))) * LAYERS))
number("v2ops-exp-year")(lambda: _comma(EXP_PER_YEAR))
number("v2ops-false-wins")(lambda: _comma(EXP_PER_YEAR * 0.5 * 0.05))

number("v2ops-per-shift")(lambda: f"{per_shift():.1f}")
number("v2ops-rotations")(lambda: str(rotations()))
number("v2ops-models-per-rotation")(lambda: _comma(N_MODELS / rotations()))
number("v2ops-oncall-eng")(lambda: str(rotations() * 8))
number("v2ops-max-models")(lambda: _comma(MAX_MODELS))
number("v2ops-check-mtbi-h")(lambda: f"{fleet_mtbi_s(MAX_MODELS) / HOUR:.1f}")



# The check question: the same fleet grown to Q_MODELS models
Q_MODELS = 5000
number("v2ops-q-models")(lambda: _comma(Q_MODELS))
number("v2ops-q-false-day")(lambda: _comma(Q_MODELS * SIGNALS * CHECKS_PER_DAY * ALPHA))
number("v2ops-q-true-day")(lambda: f"{DAY / fleet_mtbi_s(Q_MODELS):.1f}")
number("v2ops-q-per-shift")(lambda: f"{DAY / fleet_mtbi_s(Q_MODELS) * SHIFT_H / 24:.1f}")
number("v2ops-q-rotations")(lambda: str(math.ceil(DAY / fleet_mtbi_s(Q_MODELS) * SHIFT_H / 24 / SRE_CAP)))
number("v2ops-q-false-fixed")(lambda: f"{false_fixed(Q_MODELS):.2f}")
number("v2ops-q-precision-fixed")(lambda: f"{100 * (DAY / fleet_mtbi_s(Q_MODELS)) / (DAY / fleet_mtbi_s(Q_MODELS) + false_fixed(Q_MODELS)):.0f}")
number("v2ops-q-precision-naive")(lambda: f"{100 * (DAY / fleet_mtbi_s(Q_MODELS)) / (DAY / fleet_mtbi_s(Q_MODELS) + Q_MODELS * SIGNALS * CHECKS_PER_DAY * ALPHA):.2f}")


# ------------------------------------------------------------ figures
@figure("fig-v2ops-pages")
def _fig_pages():
    plt = _plt()
    ns = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
    fig, ax = plt.subplots()
    ax.loglog(ns, [n * SIGNALS * CHECKS_PER_DAY * ALPHA for n in ns], "o-", color="C1",
              label=f"false alerts: {SIGNALS} signals, hourly, alpha {ALPHA:g}")
    ax.loglog(ns, [false_fixed(n) for n in ns], "s-", color="C0",
              label=f"false pages: {PAGE_SIGNALS} objectives, {PERSIST} consecutive breaches")
    ax.loglog(ns, [DAY / fleet_mtbi_s(n) for n in ns], "-", color=_ink(), lw=2, label="real incidents (ms.job_mtbf)")
    ax.axvline(N_MODELS, ls=":", color=_ink(), lw=0.8)
    ax.set_xlabel("models in the fleet")
    ax.set_ylabel("per day")
    ax.legend(fontsize=7, loc="upper left")
    return fig


@figure("fig-v2ops-retrain")
def _fig_retrain():
    plt = _plt()
    labels = list(retrain())
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.barh(range(3), [retrain()[k]["count"] for k in labels], color="C0")
    ax2.barh(range(3), [retrain()[k]["year"] / 1e3 for k in labels], color="C1")
    for ax in (ax1, ax2):
        ax.set_yticks(range(3))
        ax.invert_yaxis()
    ax1.set_yticklabels(labels, fontsize=8)
    ax2.set_yticklabels([])
    ax1.set_xlabel("models")
    ax2.set_xlabel("H100-hours per year (thousands)")
    return fig

"""Volume II, Responsible AI: the screener's audit, the impossibility results, and what evaluation costs a fleet.

The scenario is the chapter's (book/vol2/responsible_ai/responsible_ai.qmd): an application screener, a fine-tuned
Llama 3.1 8B reading a 1,024-token application and writing an 8-token decision, audited for a 3-point gap in its
false-negative rate across every intersection of four attributes; beside it a fleet of 30 language models whose
release evaluations are costed with MLSys·im's serving model. MLSys·im has no statistics module, so the standard
sample-size, interval and stopping-rule formulas are written here exactly as the chapter's setup cell writes them,
so that slide and chapter print the same values.
"""
from __future__ import annotations

import functools
import math
from statistics import NormalDist

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _ink, _pct, _plt, _sig, figure, number

Z = NormalDist()

# Scenario inputs of the chapter's running example.
FNR_REF, GAP, BASE_RATE = 0.10, 0.03, 0.25      # reference FNR, the gap to detect, share of qualified applicants
ALPHA, POWER = 0.05, 0.80
ATTRS = {"sex": 2, "age band": 3, "region": 4, "ethnicity": 5}
SMALLEST_SHARES = (0.45, 0.15, 0.10, 0.04)    # each attribute's smallest level as a share of applicants
MINUTES_PER_LABEL, REVIEWER_YEAR_H = 6, 1800
SCREENER, GPU, PROMPT, OUT = "Llama-3.1-8B", "H100-SXM", 1024, 8
PPV_EQ, P_A, P_B = 0.60, 0.30, 0.15            # Chouldechova example: equal PPV, two applicant pools' base rates
MU = {"A": 2.0, "B": 1.4}                      # binormal separations of qualified applicants' scores
T_GLOBAL, SMALL_POS = 0.8, 200
TARGET_RATE, CATEGORIES, MINUTES_PER_ATTACK = 0.001, 12, 10
APPS_PER_YEAR, SUBGROUP_SHARE = 2_000_000, 0.10
THRESHOLD_FLOP = 1e25                          # EU AI Act Art. 51(2)
FLEET = (("Llama-3.1-8B", 1, "bf16", 20), ("Llama-3.1-70B", 4, "bf16", 8), ("Llama-3.1-405B", 8, "fp8", 2))
JUDGE = ("Llama-3.1-70B", 4, "bf16")
RELEASES, CANDIDATES = 12, 10
FT_TOKENS = 2e9


def n_two_proportions(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Examples per group (of the class the rate is measured on) to detect p1 != p2, two-sided test."""
    za, zb = Z.inv_cdf(1 - alpha / 2), Z.inv_cdf(power)
    pbar = (p1 + p2) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num ** 2 / (p1 - p2) ** 2)


def wilson(k: int, n: int, alpha: float = ALPHA) -> tuple[float, float]:
    z = Z.inv_cdf(1 - alpha / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def half_width(p: float, n: int) -> float:
    return Z.inv_cdf(0.975) * math.sqrt(p * (1 - p) / n)


def forced_fpr(p: float, ppv: float, fnr: float) -> float:
    """Chouldechova's identity: the FPR a group with base rate p must have at this PPV and FNR."""
    return p / (1 - p) * (1 - ppv) / ppv * (1 - fnr)


def fnr_at(t: float, mu: float) -> float:
    return Z.cdf(t - mu)


def fpr_at(t: float) -> float:
    return 1 - Z.cdf(t)


def audit_row(n_attrs: int, gap: float = GAP) -> dict:
    """The audit over the first n_attrs attributes: each subgroup against the rest, Bonferroni-corrected."""
    k = math.prod(list(ATTRS.values())[:n_attrs])
    m = k if k > 2 else 1
    npos = n_two_proportions(FNR_REF, FNR_REF + gap, ALPHA / m)
    napps = math.ceil(npos / BASE_RATE)
    return dict(k=k, alpha=ALPHA / m, z=Z.inv_cdf(1 - ALPHA / (2 * m)), n_pos=npos, n_apps=napps, total=k * napps)


N_POS = n_two_proportions(FNR_REF, FNR_REF + GAP)
N_APPS = math.ceil(N_POS / BASE_RATE)
FULL = audit_row(len(ATTRS))


# ------------------------------------------------------------ serving costs (MLSys·im)
@functools.cache
def _server(model: str, pl: int, ol: int, dtype: str = "bf16", n_dev: int = 1):
    return ms.serve_max_throughput(model, GPU, pl, ol, dtype=dtype, n_devices=n_dev)


def gpu_h_per_request(model: str, n_dev: int, dtype: str, pl: int, ol: int) -> float:
    s = _server(model, pl, ol, dtype, n_dev)
    return n_dev / (s.continuous_tokens_per_s / ol) / 3600


def screener_req_per_s() -> float:
    return _server(SCREENER, PROMPT, OUT).continuous_tokens_per_s / OUT


def scoring_gpu_h(total_apps: int) -> float:
    return total_apps / screener_req_per_s() / 3600


SUITES = (("Capability regression", 60_000, 1024, 256),
          ("Safety and red-team regression", 25_000, 512, 256),
          ("Fairness slices", FULL["k"] * 500 * 3, 512, 128),
          ("Long context and tool use", 5_000, 8192, 512))


@functools.cache
def release_gpu_h(model: str, n_dev: int, dtype: str, with_judge: bool = True) -> dict:
    per_suite = {}
    for name, n, pl, ol in SUITES:
        h = n * gpu_h_per_request(model, n_dev, dtype, pl, ol)
        if with_judge:
            h += n * gpu_h_per_request(JUDGE[0], JUDGE[1], JUDGE[2], pl + ol, 64)
        per_suite[name] = h
    return per_suite


def fleet_year_gpu_h() -> float:
    return sum(sum(release_gpu_h(m, d, t).values()) * count * RELEASES * CANDIDATES for m, d, t, count in FLEET)


def _8b_release() -> float:
    return sum(release_gpu_h(*FLEET[0][:3]).values())


@functools.cache
def _finetune():
    return ms.time_to_train(SCREENER, FT_TOKENS, "DGX-H100", n_devices=8, global_batch=256, seq_len=4096,
                            zero_stage=3)


def _cap_hand_h() -> float:
    _, n, pl, ol = SUITES[0]
    s = _server(SCREENER, pl, ol)
    return n * (s.tpot_s * ol / s.batch + s.prefill_per_token_s * pl) / 3600


# ------------------------------------------------------------ red-teaming stopping rule
N_ZERO_FAIL = math.ceil(math.log(1 / ALPHA) / TARGET_RATE)


def _one_fail_lambda() -> float:
    lo, hi = 0.0, 20.0        # exp(-lam)(1 + lam) = alpha, decreasing in lam: bisection
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.exp(-mid) * (1 + mid) > ALPHA else (lo, mid)
    return hi


def _rt_hours() -> float:
    return CATEGORIES * N_ZERO_FAIL * MINUTES_PER_ATTACK / 60


# ------------------------------------------------------------ the EU compute presumption
def _train_flop(model: str, tokens: float) -> float:
    return ms.training_flop(model, tokens, attention=False)


PEAK = ms.hardware(GPU).peak_flops("bf16")


def _fmt(x: float, nd: int = 0) -> str:
    return f"{x:,.{nd}f}".replace(",", "{,}")


# ------------------------------------------------------------ numbers: the requirement and its sample size
number("v2rai-fnr-ref")(lambda: _pct(FNR_REF, 0))
number("v2rai-fnr-b")(lambda: _pct(FNR_REF + GAP, 0))
number("v2rai-gap")(lambda: _pct(GAP, 0))
number("v2rai-base")(lambda: _pct(BASE_RATE, 0))
number("v2rai-za")(lambda: f"{Z.inv_cdf(1 - ALPHA / 2):.2f}")
number("v2rai-zb")(lambda: f"{Z.inv_cdf(POWER):.2f}")
_PBAR = FNR_REF + GAP / 2
_TERM_A = Z.inv_cdf(1 - ALPHA / 2) * math.sqrt(2 * _PBAR * (1 - _PBAR))
_TERM_B = Z.inv_cdf(POWER) * math.sqrt(FNR_REF * (1 - FNR_REF) + (FNR_REF + GAP) * (1 - FNR_REF - GAP))
number("v2rai-pbar")(lambda: f"{_PBAR:.3f}")
number("v2rai-term-a")(lambda: f"{_TERM_A:.3f}")
number("v2rai-term-b")(lambda: f"{_TERM_B:.3f}")
number("v2rai-gap-sq")(lambda: f"{GAP ** 2:.4f}")
number("v2rai-n-hand")(lambda: _fmt((_TERM_A + _TERM_B) ** 2 / GAP ** 2))
number("v2rai-n-pos")(lambda: _fmt(N_POS))
number("v2rai-n-apps")(lambda: _fmt(N_APPS))
number("v2rai-two-total")(lambda: _fmt(2 * N_APPS))
number("v2rai-n-half-gap")(lambda: _fmt(n_two_proportions(FNR_REF, FNR_REF + GAP / 2)))

# Intersections
number("v2rai-k")(lambda: _fmt(FULL["k"]))
number("v2rai-z-full")(lambda: f"{FULL['z']:.2f}")
number("v2rai-alpha-full")(lambda: f"{FULL['alpha'] * 1e4:.1f}")
number("v2rai-n-pos-full")(lambda: _fmt(FULL["n_pos"]))
number("v2rai-n-apps-full")(lambda: _fmt(FULL["n_apps"]))
number("v2rai-total-full")(lambda: _fmt(FULL["total"]))
number("v2rai-total-full-m")(lambda: f"{FULL['total'] / 1e6:.1f}")
number("v2rai-blowup")(lambda: _fmt(FULL["total"] / (2 * N_APPS)))
for _j in (2, 3):
    number(f"v2rai-k{_j}")(lambda j=_j: _fmt(audit_row(j)["k"]))
    number(f"v2rai-total{_j}")(lambda j=_j: _fmt(audit_row(j)["total"]))
number("v2rai-smallest-share")(lambda: f"{100 * math.prod(SMALLEST_SHARES):.3f}")
number("v2rai-traffic-m")(lambda: f"{FULL['n_apps'] / math.prod(SMALLEST_SHARES) / 1e6:.0f}")
number("v2rai-label-h-two")(lambda: _fmt(2 * N_APPS * MINUTES_PER_LABEL / 60))
number("v2rai-label-years")(lambda: f"{FULL['total'] * MINUTES_PER_LABEL / 60 / REVIEWER_YEAR_H:.0f}")
number("v2rai-req-s")(lambda: _fmt(screener_req_per_s(), 1))
number("v2rai-req-s-hand")(lambda: _fmt(PEAK * A.SERVING_PREFILL_EFFICIENCY["datacenter"]
                                        / (2 * ms.model(SCREENER).params * PROMPT), 1))
number("v2rai-peak-tf")(lambda: f"{PEAK / 1e12:.0f}")
number("v2rai-prefill-eff")(lambda: f"{A.SERVING_PREFILL_EFFICIENCY['datacenter']:.2f}")
number("v2rai-params-8b")(lambda: f"{ms.model(SCREENER).params / 1e9:.2f}")
number("v2rai-score-gpu-h")(lambda: _fmt(scoring_gpu_h(FULL["total"]), 1))
number("v2rai-score-usd")(lambda: _fmt(scoring_gpu_h(FULL["total"]) * A.GPU_HOUR_PRICE_USD))
number("v2rai-price")(lambda: f"{A.GPU_HOUR_PRICE_USD:.2f}")
number("v2rai-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))

# Uncertainty
number("v2rai-half-small")(lambda: _pct(half_width(FNR_REF, SMALL_POS)))
number("v2rai-half-large")(lambda: _pct(half_width(FNR_REF, N_POS)))
number("v2rai-wilson-lo")(lambda: _pct(wilson(3, 40)[0]))
number("v2rai-wilson-hi")(lambda: _pct(wilson(3, 40)[1]))
# Interval geometry for the diagram: percentages as TikZ x-coordinates (1 unit = 2 points of FNR)
number("v2rai-x-wlo")(lambda: f"{100 * wilson(3, 40)[0] / 2:.3f}")
number("v2rai-x-whi")(lambda: f"{100 * wilson(3, 40)[1] / 2:.3f}")
number("v2rai-x-slo")(lambda: f"{100 * (FNR_REF - half_width(FNR_REF, SMALL_POS)) / 2:.3f}")
number("v2rai-x-shi")(lambda: f"{100 * (FNR_REF + half_width(FNR_REF, SMALL_POS)) / 2:.3f}")
number("v2rai-x-llo")(lambda: f"{100 * (FNR_REF - half_width(FNR_REF, N_POS)) / 2:.3f}")
number("v2rai-x-lhi")(lambda: f"{100 * (FNR_REF + half_width(FNR_REF, N_POS)) / 2:.3f}")

# Impossibility
_FPR_A, _FPR_B = forced_fpr(P_A, PPV_EQ, FNR_REF), forced_fpr(P_B, PPV_EQ, FNR_REF)
number("v2rai-ppv")(lambda: f"{PPV_EQ:.2f}")
number("v2rai-pa")(lambda: f"{P_A:.2f}")
number("v2rai-pb")(lambda: f"{P_B:.2f}")
number("v2rai-odds-a")(lambda: f"{P_A / (1 - P_A):.3f}")
number("v2rai-odds-b")(lambda: f"{P_B / (1 - P_B):.3f}")
number("v2rai-ppv-term")(lambda: f"{(1 - PPV_EQ) / PPV_EQ:.3f}")
number("v2rai-tpr")(lambda: f"{1 - FNR_REF:.2f}")
number("v2rai-fpr-a")(lambda: _pct(_FPR_A))
number("v2rai-fpr-b")(lambda: _pct(_FPR_B))
number("v2rai-fpr-ratio")(lambda: f"{_FPR_A / _FPR_B:.1f}")
number("v2rai-ppv-a-needed")(lambda: f"{1 / (1 + _FPR_B * (1 - P_A) / (P_A * (1 - FNR_REF))):.2f}")


def _km(weights: dict) -> tuple[float, float]:
    """Calibrated two-value score: mean score of the positives, and the base rate."""
    pos = sum(w * s for s, w in weights.items())
    return sum(w * s * s for s, w in weights.items()) / pos, pos


number("v2rai-km-a")(lambda: f"{_km({0.8: 0.5, 0.2: 0.5})[0]:.2f}")
number("v2rai-km-b")(lambda: f"{_km({0.8: 0.1, 0.2: 0.9})[0]:.2f}")
number("v2rai-kbase-a")(lambda: f"{_km({0.8: 0.5, 0.2: 0.5})[1]:.2f}")
number("v2rai-kbase-b")(lambda: f"{_km({0.8: 0.1, 0.2: 0.9})[1]:.2f}")

# Thresholds
_FNR_GB = fnr_at(T_GLOBAL, MU["B"])
_T_B_EQ = MU["B"] + Z.inv_cdf(fnr_at(T_GLOBAL, MU["A"]))
number("v2rai-t-global")(lambda: f"{T_GLOBAL:.1f}")
number("v2rai-mu-a")(lambda: f"{MU['A']:.1f}")
number("v2rai-mu-b")(lambda: f"{MU['B']:.1f}")
number("v2rai-fnr-ga")(lambda: _pct(fnr_at(T_GLOBAL, MU["A"])))
number("v2rai-fnr-gb")(lambda: _pct(_FNR_GB))
number("v2rai-fpr-g")(lambda: _pct(fpr_at(T_GLOBAL)))
number("v2rai-t-b-eq")(lambda: f"{_T_B_EQ:.2f}")
number("v2rai-fpr-b-eq")(lambda: _pct(fpr_at(_T_B_EQ)))
number("v2rai-half-b-small")(lambda: _pct(half_width(_FNR_GB, SMALL_POS)))
number("v2rai-half-b-large")(lambda: _pct(half_width(_FNR_GB, N_POS)))

# Impact
_UNDETECTABLE = half_width(FNR_REF, SMALL_POS) * math.sqrt(2)
number("v2rai-apps-year-m")(lambda: f"{APPS_PER_YEAR / 1e6:.0f}")
number("v2rai-subgroup-share")(lambda: _pct(SUBGROUP_SHARE, 0))
number("v2rai-extra-rejected")(lambda: _fmt(APPS_PER_YEAR * SUBGROUP_SHARE * BASE_RATE * GAP))
number("v2rai-hidden-gap")(lambda: _pct(_UNDETECTABLE))
number("v2rai-hidden-rejected")(lambda: _fmt(APPS_PER_YEAR * SUBGROUP_SHARE * BASE_RATE * _UNDETECTABLE))

# Evaluation at fleet scale
_s_cap = lambda: _server(SCREENER, SUITES[0][2], SUITES[0][3])  # noqa: E731
number("v2rai-cap-n")(lambda: _fmt(SUITES[0][1]))
number("v2rai-cap-tpot-ms")(lambda: f"{1e3 * _s_cap().tpot_s:.1f}")
number("v2rai-cap-batch")(lambda: _fmt(_s_cap().batch))
number("v2rai-cap-prefill-us")(lambda: f"{1e6 * _s_cap().prefill_per_token_s:.1f}")
number("v2rai-cap-hand-h")(lambda: _fmt(_cap_hand_h(), 1))
number("v2rai-cap-engine-h")(lambda: _fmt(SUITES[0][1] * gpu_h_per_request(SCREENER, 1, "bf16", 1024, 256), 1))
number("v2rai-8b-release")(lambda: _fmt(_8b_release()))
number("v2rai-judge-share")(lambda: f"{100 * (1 - sum(release_gpu_h(*FLEET[0][:3], False).values()) / _8b_release()):.0f}")
number("v2rai-ft-gpu-h")(lambda: _fmt(_finetune().gpu_hours))
number("v2rai-eval-vs-ft")(lambda: f"{_8b_release() / _finetune().gpu_hours:.1f}")
number("v2rai-fleet-models")(lambda: str(sum(c for *_, c in FLEET)))
number("v2rai-releases")(lambda: str(RELEASES))
number("v2rai-candidates")(lambda: str(CANDIDATES))
number("v2rai-fair-prompts")(lambda: _fmt(SUITES[2][1]))
number("v2rai-fleet-gpu-h")(lambda: _fmt(fleet_year_gpu_h()))
number("v2rai-fleet-usd-m")(lambda: f"{fleet_year_gpu_h() * A.GPU_HOUR_PRICE_USD / 1e6:.1f}")
number("v2rai-gpus-busy")(lambda: _fmt(fleet_year_gpu_h() / (365 * 24)))
number("v2rai-fair-share")(lambda: f"{100 * release_gpu_h(*FLEET[0][:3])['Fairness slices'] / _8b_release():.0f}")
number("v2rai-cards-year")(lambda: _fmt(sum(c for *_, c in FLEET) * RELEASES))

# Red-teaming
number("v2rai-n-zero-fail")(lambda: _fmt(N_ZERO_FAIL))
number("v2rai-ln-alpha")(lambda: f"{math.log(1 / ALPHA):.2f}")
number("v2rai-one-fail-lam")(lambda: f"{_one_fail_lambda():.2f}")
number("v2rai-one-fail-factor")(lambda: f"{_one_fail_lambda() / math.log(1 / ALPHA):.1f}")
number("v2rai-categories")(lambda: str(CATEGORIES))
number("v2rai-attack-min")(lambda: str(MINUTES_PER_ATTACK))
number("v2rai-rt-release")(lambda: _fmt(CATEGORIES * N_ZERO_FAIL))
number("v2rai-rt-hours")(lambda: _fmt(_rt_hours()))
number("v2rai-rt-years")(lambda: f"{_rt_hours() * RELEASES / REVIEWER_YEAR_H:.0f}")

# The EU compute presumption
_F405 = lambda: _train_flop("Llama-3.1-405B", 15.6e12)  # noqa: E731
number("v2rai-params-405")(lambda: f"{ms.model('Llama-3.1-405B').params / 1e9:.0f}")
number("v2rai-flop-405")(lambda: f"{_F405() / 1e25:.2f}")
number("v2rai-ratio-405")(lambda: f"{_F405() / THRESHOLD_FLOP:.1f}")
number("v2rai-ratio-70")(lambda: f"{100 * _train_flop('Llama-3-70B', 15e12) / THRESHOLD_FLOP:.0f}")
number("v2rai-tokens-70-cross")(lambda: f"{THRESHOLD_FLOP / (6 * ms.model('Llama-3-70B').params) / 1e12:.0f}")
number("v2rai-mfu")(lambda: f"{100 * A.DEFAULT_MFU:.0f}")
number("v2rai-h100-days")(lambda: _fmt(THRESHOLD_FLOP / (PEAK * A.DEFAULT_MFU) / 86400))
number("v2rai-threshold-usd-m")(lambda: f"{THRESHOLD_FLOP / (PEAK * A.DEFAULT_MFU) / 3600 * A.GPU_HOUR_PRICE_USD / 1e6:.0f}")
number("v2rai-days-16k")(lambda: f"{THRESHOLD_FLOP / (PEAK * A.DEFAULT_MFU) / 86400 / 16384:.0f}")
number("v2rai-ft-fraction")(lambda: _sig(THRESHOLD_FLOP / _train_flop(SCREENER, FT_TOKENS), 2))


# ------------------------------------------------------------ figures
@figure("fig-v2rai-subgroups")
def _fig_subgroups():
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    ks = [audit_row(j)["k"] for j in range(1, len(ATTRS) + 1)]
    for g, style in ((0.02, "-o"), (0.03, "-s"), (0.05, "-^")):
        ax1.plot(ks, [audit_row(j, g)["total"] for j in range(1, len(ATTRS) + 1)], style,
                 label=f"gap {100 * g:.0f} points")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("subgroups audited")
    ax1.set_ylabel("labelled applications")
    ax1.legend(fontsize=8)
    totals = [audit_row(j)["total"] for j in range(1, len(ATTRS) + 1)]
    ax2.plot(ks, [t * MINUTES_PER_LABEL / 60 for t in totals], "-o", label="reviewer-hours (labels)")
    ax2.plot(ks, [scoring_gpu_h(t) for t in totals], "-s", label="GPU-hours (scoring, MLSys·im)")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("subgroups audited")
    ax2.set_ylabel("hours")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


@figure("fig-v2rai-impossibility")
def _fig_impossibility():
    plt = _plt()
    fig, ax = plt.subplots()
    ps = [i / 100 for i in range(2, 61)]
    for ppv, style in ((0.5, "--"), (0.6, "-"), (0.75, ":")):
        ax.plot(ps, [100 * forced_fpr(p, ppv, FNR_REF) for p in ps], style, label=f"PPV = {ppv:.2f}")
    ax.plot([P_A, P_B], [100 * _FPR_A, 100 * _FPR_B], "o", color=_ink())
    for name, p, f in (("pool A", P_A, _FPR_A), ("pool B", P_B, _FPR_B)):
        ax.annotate(name, (p, 100 * f), textcoords="offset points", xytext=(6, -12), fontsize=8, color=_ink())
    ax.set_xlabel("base rate of the group (share of positives)")
    ax.set_ylabel("forced false-positive rate (%)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2rai-evalcost")
def _fig_evalcost():
    plt = _plt()
    fig, ax = plt.subplots()
    labels = [f"{m.split('-')[-1]} x{count}\n({n_dev} GPU{'s' if n_dev > 1 else ''}, {dtype.upper()})"
              for m, n_dev, dtype, count in FLEET]
    bottom = [0.0] * len(FLEET)
    for name, *_ in SUITES:
        vals = [release_gpu_h(m, d, t)[name] * count * RELEASES * CANDIDATES / 1e3 for m, d, t, count in FLEET]
        ax.bar(labels, vals, bottom=bottom, label=name)
        bottom = [a + b for a, b in zip(bottom, vals)]
    ax.set_ylabel("thousand GPU-hours per year")
    ax.legend(fontsize=8)
    return fig

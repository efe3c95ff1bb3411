"""Volume II, Sustainable AI: the lifecycle ledger of one model, and the levers ranked on it.

The scenario is the chapter's (book/vol2/sustainable_ai/sustainable_ai.qmd): Llama 3 70B pre-trained on 15 T tokens
on 2,048 H100s (TP 8, PP 8, ZeRO-1, selective recomputation), then served for a year to 50 million requests a day
on 8-GPU FP8 replicas. Energy comes from ms.time_to_train and ms.serve, carbon from ms.carbon and the grid catalog
(ms.grid_intensity); embodied carbon (BLOOM's per-GPU and per-server estimates, Luccioni et al. 2023), the daily
intensity profile, water and rebound are the chapter's stated assumptions and formulas, so slide and chapter print
the same values.
"""
from __future__ import annotations

import functools
import inspect
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _ink, _plt, figure, hw, number

KWH = 3.6e6
HOURS_PER_YEAR = 365.25 * 24
H100 = hw("H100-SXM")
DGX = ms.node("DGX-H100")
PF, PUE, PUE_AVG = A.AVERAGE_POWER_FRACTION_OF_TDP, A.DEFAULT_PUE, A.INDUSTRY_AVERAGE_PUE
KW_PER_GPU = H100.tdp_w * PF * PUE / 1e3           # kW at the meter per busy GPU
N_TRAIN = 2048
CARD_GPU_H, CARD_W, CARD_T = 6.4e6, 700, 1900       # Llama 3 model card, 70B: GPU-hours, W per GPU, tCO2eq
REP_GPUS, REQ_PER_DAY, OUT_TOKENS, PEAK_TO_MEAN = 8, 50e6, 300, 2.0
EMB_GPU_KG, EMB_SERVER_KG = 150, 2500               # BLOOM (Luccioni et al. 2023): per GPU, per server without GPUs
LIFE = inspect.signature(ms.tco).parameters["years"].default   # the engine's ownership lifetime, in years
LIFE_LONG = 6
SWING, SHORT_H, LONG_H, RUN_HOURS = 0.30, 3, 21 * 24, 18   # scenario: a solar-heavy grid, +/-30 % around its mean
GPT3_LITRES, GPT3_MWH = 700_000, 1287               # Li et al. 2023 on-site water; Patterson et al. 2021 energy
WUE_LOW, WUE_HIGH = 1.0, 9.0                        # L per kWh of IT energy: Google's fleet to an Arizona summer
EFF_GAIN, DEMAND_GROWTH, YEARS_RB = 2.0, 3.0, 4     # rebound scenario: per-token energy halves, demand triples


def grid(region: str) -> float:
    return ms.grid_intensity(region)


REGIONS = tuple(ms.list_regions())


@functools.cache
def train():
    return ms.time_to_train("Llama-3-70B", 15e12, ms.cluster("DGX-H100", nodes=N_TRAIN // DGX.count),
                            n_devices=N_TRAIN, global_batch=2048, seq_len=8192, tp=8, pp=8, zero_stage=1,
                            recompute="selective")


def train_kwh() -> float:
    return train().energy_j / KWH


def train_t(region: str) -> float:
    return ms.carbon(train().energy_j, region) / 1e6


@functools.cache
def replica():
    return ms.serve("Llama-3-70B", "H100-SXM", batch=64, prompt_len=1000, output_len=300, n_devices=REP_GPUS,
                    dtype="fp8")


def rep_kw() -> float:
    return REP_GPUS * H100.tdp_w * PF * PUE / 1e3


def mean_tps() -> float:
    return REQ_PER_DAY * OUT_TOKENS / 86400


def replicas() -> int:
    return math.ceil(mean_tps() * PEAK_TO_MEAN / replica().continuous_tokens_per_s)


def serve_gpus() -> int:
    return replicas() * REP_GPUS


def serve_kwh_year() -> float:
    return serve_gpus() * KW_PER_GPU * HOURS_PER_YEAR


def serve_t(region: str) -> float:
    return ms.carbon(serve_kwh_year() * KWH, region) / 1e6


# Embodied carbon per GPU slot, amortised over a service life, against operational carbon per GPU-hour.
EMB_PER_GPU_KG = EMB_GPU_KG + EMB_SERVER_KG / DGX.count


def emb_g_per_gpu_h(life: float = LIFE, scale: float = 1.0) -> float:
    return scale * EMB_PER_GPU_KG * 1e3 / (life * HOURS_PER_YEAR)


def op_g_per_gpu_h(region: str) -> float:
    return KW_PER_GPU * grid(region)


def emb_share(region: str) -> float:
    return emb_g_per_gpu_h() / (emb_g_per_gpu_h() + op_g_per_gpu_h(region))


# Time shifting on a daily cosine profile I(h) = mean (1 - s cos(2 pi (h - 13) / 24)), cleanest at 13:00.
def best_saving(hours: float, s: float = SWING) -> float:
    """Saving of the best start hour against the daily mean: s |sin(pi L / 24)| / (pi L / 24)."""
    x = math.pi * hours / 24
    return s * abs(math.sin(x)) / x


def _pause_factor() -> float:
    hourly = sorted(1 - SWING * math.cos(2 * math.pi * (h + 0.5 - 13) / 24) for h in range(24))
    return sum(hourly[:RUN_HOURS]) / RUN_HOURS


def _pause_net(region: str) -> float:
    """Net saving per useful GPU-hour when paused GPUs stay reserved and carry their embodied carbon."""
    op = op_g_per_gpu_h(region)
    return 1 - (op * _pause_factor() + emb_g_per_gpu_h() * 24 / RUN_HOURS) / (op + emb_g_per_gpu_h())


def lifecycle(train_region="us", serve_region="us", facility_x=1.0, serve_energy_x=1.0, life=LIFE) -> dict:
    emb = emb_g_per_gpu_h(life)
    return {"training (operational)": train_t(train_region) * facility_x,
            "a year of serving (operational)": serve_t(serve_region) * facility_x * serve_energy_x,
            "embodied (training share)": emb * train().gpu_hours / 1e6,
            "embodied (serving share, one year)": emb * serve_gpus() * HOURS_PER_YEAR / 1e6}


def _total(**kw) -> float:
    return sum(lifecycle(**kw).values())


def _replicas_auto() -> int:
    return math.ceil(mean_tps() / replica().continuous_tokens_per_s)


LEVERS = {"norway": dict(train_region="norway"), "usw": dict(serve_region="us-west"),
          "auto": "autoscale", "pue": dict(facility_x=PUE_AVG / PUE), "life": dict(life=LIFE_LONG)}


def lever_change(name: str) -> float:
    kw = LEVERS[name]
    if kw == "autoscale":
        kw = dict(serve_energy_x=_replicas_auto() / replicas())
    return _total(**kw) / _total() - 1


def j_per_tok(model: str, n: int, dtype: str) -> float:
    r = ms.serve(model, "H100-SXM", batch=64, prompt_len=1000, output_len=300, n_devices=n, dtype=dtype)
    return n * H100.tdp_w * PF * PUE / r.continuous_tokens_per_s


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "{,}")


# ------------------------------------------------------------ numbers
number("v2sa-gpus")(lambda: _n(N_TRAIN))
number("v2sa-mfu")(lambda: f"{100 * train().step.mfu:.0f}")
number("v2sa-days")(lambda: f"{train().days:.0f}")
number("v2sa-gpu-h-m")(lambda: f"{train().gpu_hours / 1e6:.2f}")
number("v2sa-card-ratio")(lambda: f"{train().gpu_hours / CARD_GPU_H:.2f}")
number("v2sa-tdp")(lambda: f"{H100.tdp_w:.0f}")
number("v2sa-pf")(lambda: f"{100 * PF:.0f}")
number("v2sa-pue")(lambda: f"{PUE:g}")
number("v2sa-pue-avg")(lambda: f"{PUE_AVG:g}")
number("v2sa-kw-gpu")(lambda: f"{KW_PER_GPU:.3f}")
number("v2sa-mwh-hand")(lambda: _n(train().gpu_hours * KW_PER_GPU / 1e3))
number("v2sa-mwh")(lambda: _n(train_kwh() / 1e3))
for _r in ("us", "norway", "india", "france", "world", "us-west"):
    number(f"v2sa-g-{_r}")(lambda r=_r: f"{grid(r):.0f}")
number("v2sa-t-us")(lambda: _n(train_t("us")))
number("v2sa-t-norway")(lambda: _n(train_t("norway")))
number("v2sa-t-india")(lambda: _n(train_t("india")))
number("v2sa-card-mwh")(lambda: _n(CARD_GPU_H * CARD_W / 1e6))
number("v2sa-card-g")(lambda: f"{CARD_T * 1e6 / (CARD_GPU_H * CARD_W / 1e3):.0f}")
number("v2sa-grid-ratio")(lambda: f"{grid('us') / grid('norway'):.0f}")
number("v2sa-grid-spread")(lambda: f"{max(grid(r) for r in REGIONS) / min(grid(r) for r in REGIONS):.0f}")

# A year of serving
number("v2sa-rep-tps")(lambda: _n(replica().continuous_tokens_per_s))
number("v2sa-rep-kw")(lambda: f"{rep_kw():.2f}")
number("v2sa-jpt")(lambda: f"{rep_kw() * 1e3 / replica().continuous_tokens_per_s:.2f}")
number("v2sa-req-m")(lambda: f"{REQ_PER_DAY / 1e6:.0f}")
number("v2sa-tok-day-b")(lambda: f"{REQ_PER_DAY * OUT_TOKENS / 1e9:.0f}")
number("v2sa-mean-tps")(lambda: _n(mean_tps()))
number("v2sa-replicas")(lambda: str(replicas()))
number("v2sa-serve-gpus")(lambda: _n(serve_gpus()))
number("v2sa-serve-mwh")(lambda: _n(serve_kwh_year() / 1e3))
number("v2sa-jpt-fleet")(lambda: f"{serve_kwh_year() * KWH / (REQ_PER_DAY * OUT_TOKENS * 365.25):.2f}")
number("v2sa-serve-t-us")(lambda: _n(serve_t("us")))
number("v2sa-months-match")(lambda: f"{train_kwh() / serve_kwh_year() * 12:.0f}")

# Embodied carbon
number("v2sa-emb-gpu-kg")(lambda: str(EMB_GPU_KG))
number("v2sa-emb-server-kg")(lambda: _n(EMB_SERVER_KG))
number("v2sa-gpus-per-node")(lambda: str(DGX.count))
number("v2sa-emb-per-gpu")(lambda: f"{EMB_PER_GPU_KG:.1f}")
number("v2sa-life")(lambda: f"{LIFE:g}")
number("v2sa-emb-gh")(lambda: f"{emb_g_per_gpu_h():.1f}")
for _r in ("us", "norway", "france"):
    number(f"v2sa-op-gh-{_r}")(lambda r=_r: f"{op_g_per_gpu_h(r):.0f}")
    number(f"v2sa-emb-share-{_r}")(lambda r=_r: f"{100 * emb_share(r):.0f}")

# Water
number("v2sa-gpt3-lkwh")(lambda: f"{GPT3_LITRES / (GPT3_MWH * 1e3):.2f}")
number("v2sa-it-mwh")(lambda: _n(train_kwh() / PUE / 1e3))
number("v2sa-water-gpt3")(lambda: f"{train_kwh() / PUE * GPT3_LITRES / (GPT3_MWH * 1e3) / 1e6:.1f}")
number("v2sa-water-low")(lambda: f"{train_kwh() / PUE * WUE_LOW / 1e6:.1f}")
number("v2sa-water-high")(lambda: f"{train_kwh() / PUE * WUE_HIGH / 1e6:.0f}")
number("v2sa-ml-req")(lambda: f"{serve_kwh_year() / PUE * WUE_LOW * 1e3 / (REQ_PER_DAY * 365.25):.2f}")

# Carbon-aware scheduling
number("v2sa-swing")(lambda: f"{100 * SWING:.0f}")
number("v2sa-sinc-arg")(lambda: f"{math.pi * SHORT_H / 24:.3f}")
number("v2sa-sin-short")(lambda: f"{math.sin(math.pi * SHORT_H / 24):.3f}")
number("v2sa-save-short")(lambda: f"{100 * best_saving(SHORT_H):.0f}")
number("v2sa-save-long")(lambda: f"{100 * best_saving(LONG_H):.1f}")
number("v2sa-save-train")(lambda: f"{100 * best_saving(train().seconds / 3600):.2f}")
number("v2sa-run-hours")(lambda: str(RUN_HOURS))
number("v2sa-pause-dark")(lambda: str(24 - RUN_HOURS))
number("v2sa-pause-pct")(lambda: f"{100 * (1 - _pause_factor()):.1f}")
number("v2sa-pause-stretch")(lambda: f"{24 / RUN_HOURS:.2f}")
number("v2sa-pause-net-us")(lambda: f"{100 * _pause_net('us'):.1f}")
number("v2sa-pause-net-no")(lambda: f"{-100 * _pause_net('norway'):.1f}")

# The ledger and the levers
number("v2sa-base-total")(lambda: _n(_total()))
number("v2sa-emb-base-share")(lambda: f"{100 * (lambda p: (p['embodied (training share)'] + p['embodied (serving share, one year)']) / sum(p.values()))(lifecycle()):.0f}")
number("v2sa-norway-total")(lambda: _n(_total(train_region="norway", serve_region="norway")))
number("v2sa-lev-norway")(lambda: f"{-100 * lever_change('norway'):.0f}")
number("v2sa-lev-usw")(lambda: f"{-100 * lever_change('usw'):.0f}")
number("v2sa-lev-auto")(lambda: f"{-100 * lever_change('auto'):.0f}")
number("v2sa-lev-pue")(lambda: f"{100 * lever_change('pue'):.0f}")
number("v2sa-lev-life")(lambda: f"{-100 * lever_change('life'):.1f}")
number("v2sa-replicas-auto")(lambda: str(_replicas_auto()))
number("v2sa-life-long")(lambda: str(LIFE_LONG))
number("v2sa-jpt-bf16")(lambda: f"{j_per_tok('Llama-3-70B', 8, 'bf16'):.2f}")
number("v2sa-jpt-fp8")(lambda: f"{j_per_tok('Llama-3-70B', 8, 'fp8'):.2f}")
number("v2sa-jpt-8b")(lambda: f"{j_per_tok('Llama-3-8B', 1, 'fp8'):.3f}")
number("v2sa-fp8-gain")(lambda: f"{100 * (1 - j_per_tok('Llama-3-70B', 8, 'fp8') / j_per_tok('Llama-3-70B', 8, 'bf16')):.0f}")
number("v2sa-small-ratio")(lambda: f"{j_per_tok('Llama-3-70B', 8, 'fp8') / j_per_tok('Llama-3-8B', 1, 'fp8'):.0f}")

# Rebound
number("v2sa-eff")(lambda: f"{EFF_GAIN:g}")
number("v2sa-demand")(lambda: f"{DEMAND_GROWTH:g}")
number("v2sa-years-rb")(lambda: str(YEARS_RB))
number("v2sa-rebound")(lambda: f"{(DEMAND_GROWTH / EFF_GAIN) ** YEARS_RB:.1f}")
number("v2sa-per-token-rb")(lambda: f"{EFF_GAIN ** YEARS_RB:g}")


# ------------------------------------------------------------ figures
@figure("fig-v2sa-ledger")
def _fig_ledger():
    plt = _plt()
    fig, ax = plt.subplots()
    shown = ("india", "us", "eu", "us-west", "france", "norway")
    parts = {r: lifecycle(train_region=r, serve_region=r) for r in shown}
    bottom = [0.0] * len(shown)
    for label in parts[shown[0]]:
        vals = [parts[r][label] / 1e3 for r in shown]
        ax.bar(shown, vals, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("thousand tCO$_2$e (training + one year of serving)")
    ax.set_xlabel("grid (MLSys·im catalog, yearly average)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2sa-shift")
def _fig_shift():
    plt = _plt()
    fig, ax = plt.subplots()
    hours = [0.25 * 1.05 ** k for k in range(200)]
    for s in (0.15, SWING, 0.5):
        ax.plot(hours, [100 * best_saving(h, s) for h in hours], label=f"daily swing $\\pm${100 * s:.0f}%")
    for h, name in ((SHORT_H, "3-hour fine-tune"), (train().seconds / 3600, "the 70B run")):
        ax.axvline(h, ls=":", color=_ink(), lw=1)
        ax.text(h * 1.1, 20, name, fontsize=7, color=_ink(), rotation=90, va="center")
    ax.set_xscale("log")
    ax.set_xlabel("job length (hours)")
    ax.set_ylabel("saved by the best start hour (%)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2sa-embodied")
def _fig_embodied():
    plt = _plt()
    fig, ax = plt.subplots()
    xs = [5 * i for i in range(1, 161)]
    for life, style in ((3, ":"), (LIFE, "-"), (6, "-.")):
        e = emb_g_per_gpu_h(life)
        ax.plot(xs, [100 * e / (e + KW_PER_GPU * g) for g in xs], ls=style, label=f"BLOOM estimate, {life:g}-year life")
    e4 = emb_g_per_gpu_h(scale=4)
    ax.plot(xs, [100 * e4 / (e4 + KW_PER_GPU * g) for g in xs], ls="--", label=f"4x the estimate, {LIFE:g} years")
    for r in REGIONS:
        ax.plot([grid(r)], [100 * emb_share(r)], "o", color=_ink(), ms=4)
        ax.annotate(r, (grid(r), 100 * emb_share(r)), textcoords="offset points", xytext=(4, 2), fontsize=6)
    ax.set_xlim(0, 820)
    ax.set_ylim(0, 100)
    ax.set_xlabel("grid intensity (gCO$_2$e/kWh)")
    ax.set_ylabel("embodied share of a busy H100-hour (%)")
    ax.legend(fontsize=7, loc="upper right")
    return fig

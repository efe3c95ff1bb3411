"""Volume I, Conclusion: the end-to-end design study, computed as the chapter computes it.

The scenario is the chapter's (book/vol1/conclusion/conclusion.qmd) and its capstone lab's (labs/design_study.py):
a documentation assistant on a fine-tuned Llama-3-8B (2 B tokens on one DGX-H100, ZeRO-3 with recomputation),
served at batch 32 on H100s in BF16 or INT4 for 5 million requests a day of 1,500 prompt and 250 answer tokens at
50% average utilisation, a DS-CNN wake-word detector on an nRF52840 and a CR2032 coin cell, and the training
state of Llama-3-70B as the bridge to Volume II. The same engine calls give the same values on the slide and in
the book.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, TB, _ink, _plt, _sig, figure, hw, mdl, number

MODEL, BIG, GPU, NODE = "Llama-3-8B", "Llama-3-70B", "H100-SXM", "DGX-H100"
FINETUNE_TOKENS = 2e9
REQUESTS_PER_DAY = 5e6
PROMPT_LEN, OUTPUT_LEN, BATCH = 1500, 250, 32
UTILIZATION = 0.5            # scenario: the chapter's average fleet utilisation (diurnal traffic plus headroom)
POWER_FRACTION = 0.6         # scenario: the chapter's footprint runs the serving fleet at 60% of board power
COIN_CELL_J = 0.225 * 3.0 * 3600   # CR2032: about 225 mAh at 3 V, as the chapter states
INFERENCES_PER_DAY = 86400   # the wake-word detector runs once a second
# The check question is the chapter's exercise 2: the same service at 20 million requests a day.
Q_REQUESTS_PER_DAY = 2e7
# Sensitivity frame: the utilisation range the chapter's uncertainty section calls "a factor of 1.5" either way.
UTIL_LOW, UTIL_HIGH = UTILIZATION / 1.5, min(0.9, UTILIZATION * 1.5)


@functools.cache
def finetune():
    return ms.time_to_train(mdl(MODEL), FINETUNE_TOKENS, NODE, n_devices=8, global_batch=64, seq_len=4096,
                            zero_stage=3, recompute=True)


@functools.cache
def serving(dtype: str):
    return ms.serve(mdl(MODEL), hw(GPU), batch=BATCH, prompt_len=PROMPT_LEN, output_len=OUTPUT_LEN, dtype=dtype)


def tokens_per_s_needed(requests_per_day: float = REQUESTS_PER_DAY) -> float:
    return requests_per_day * OUTPUT_LEN / 86400


def price() -> float:
    return ms.cloud_price(hw(GPU))


def fleet(dtype: str, requests_per_day: float = REQUESTS_PER_DAY, utilization: float = UTILIZATION) -> int:
    return math.ceil(tokens_per_s_needed(requests_per_day) / (serving(dtype).tokens_per_s * utilization))


def usd_year(dtype: str, requests_per_day: float = REQUESTS_PER_DAY, utilization: float = UTILIZATION) -> float:
    return fleet(dtype, requests_per_day, utilization) * price() * 24 * 365


@functools.cache
def energy_year_j() -> float:
    return ms.energy(fleet("int4") * hw(GPU).tdp_w * POWER_FRACTION, 365 * 86400)


@functools.cache
def kws():
    return ms.edge_fit(mdl("DS-CNN-KWS"), hw("nRF52840"), dtype="int8")


def kws_days() -> float:
    return COIN_CELL_J / (kws().energy_j * INFERENCES_PER_DAY)


@functools.cache
def mem70():
    return ms.training_memory(mdl(BIG), batch=1, seq_len=4096)


def weights_gb(dtype: str) -> float:
    return mdl(MODEL).weight_bytes(dtype) / GB


def _int(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


# ------------------------------------------------------------ the toolkit, on the chapter's machine
number("v1c-h100-ridge")(lambda: _sig(hw(GPU).peak_flops("bf16") / hw(GPU).memory_bw_bytes_per_s))
number("v1c-h100-tflops")(lambda: _sig(hw(GPU).peak_flops("bf16") / 1e12))
number("v1c-h100-tbs")(lambda: _sig(hw(GPU).memory_bw_bytes_per_s / TB, 2))
number("v1c-w8b-bf16-gb")(lambda: _sig(weights_gb("bf16")))
number("v1c-w8b-int4-gb")(lambda: _sig(weights_gb("int4")))
number("v1c-decode-floor-ms")(
    lambda: _sig(mdl(MODEL).weight_bytes("bf16") / hw(GPU).memory_bw_bytes_per_s * 1e3, 2))

# ------------------------------------------------------------ step 1: fine-tuning
number("v1c-ft-hours")(lambda: _sig(finetune().days * 24, 2))
number("v1c-ft-gpu-hours")(lambda: _sig(finetune().gpu_hours, 2))
number("v1c-ft-mfu-pct")(lambda: _sig(100 * finetune().step.mfu, 2))
number("v1c-ft-usd")(lambda: _int(finetune().cost_usd))
number("v1c-ft-flop")(lambda: _sig(ms.training_flop(mdl(MODEL), FINETUNE_TOKENS, attention=False) / 1e18, 2))

# ------------------------------------------------------------ step 2: serving fleet
number("v1c-req-m")(lambda: _sig(REQUESTS_PER_DAY / 1e6))
number("v1c-need-tps")(lambda: _int(tokens_per_s_needed()))
number("v1c-util-pct")(lambda: _sig(100 * UTILIZATION))
number("v1c-price-usd")(lambda: f"{price():.2f}")
number("v1c-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
for _d in ("bf16", "int4"):
    number(f"v1c-{_d}-tps")(lambda d=_d: _int(serving(d).tokens_per_s))
    number(f"v1c-{_d}-tpot-ms")(lambda d=_d: f"{serving(d).tpot_s * 1e3:.0f}")
    number(f"v1c-{_d}-ttft-ms")(lambda d=_d: _int(serving(d).ttft_s * 1e3))
    number(f"v1c-{_d}-gpus")(lambda d=_d: str(fleet(d)))
    number(f"v1c-{_d}-musd-year")(lambda d=_d: f"{usd_year(d) / 1e6:.2f}")
number("v1c-tps-ratio")(lambda: _sig(serving("int4").tokens_per_s / serving("bf16").tokens_per_s, 2))
number("v1c-serve-vs-train")(lambda: f"{usd_year('int4') / 365 / finetune().cost_usd:.1f}")
number("v1c-breakeven-h")(lambda: _sig(finetune().cost_usd / (usd_year("int4") / 365 / 24), 2))
number("v1c-int4-saving-kusd")(lambda: _int((usd_year("bf16") - usd_year("int4")) / 1e3))
number("v1c-year-vs-train")(lambda: _int(usd_year("int4") / finetune().cost_usd))

# ------------------------------------------------------------ step 3: the wake-word device
number("v1c-kws-ms")(lambda: f"{kws().latency_s * 1e3:.0f}")
number("v1c-kws-mj")(lambda: f"{kws().energy_j * 1e3:.2f}")
number("v1c-kws-fits")(lambda: "fits" if kws().fits else "does not fit")
number("v1c-coin-kj")(lambda: _sig(COIN_CELL_J / 1e3, 2))
number("v1c-kws-day-j")(lambda: _sig(kws().energy_j * INFERENCES_PER_DAY, 2))
number("v1c-kws-days")(lambda: f"{kws_days():.0f}")
number("v1c-kws-duty-pct")(lambda: _sig(100 * kws_days() / 365, 2))

# ------------------------------------------------------------ step 4: footprint
number("v1c-power-frac-pct")(lambda: _sig(100 * POWER_FRACTION))
number("v1c-pue")(lambda: _sig(A.DEFAULT_PUE))
number("v1c-energy-mwh")(lambda: _int(energy_year_j() / 3.6e9))
number("v1c-co2-us-t")(lambda: _int(ms.carbon(energy_year_j(), "us") / 1e6))
number("v1c-co2-fr-t")(lambda: _int(ms.carbon(energy_year_j(), "france") / 1e6))
number("v1c-grid-ratio")(lambda: _sig(ms.grid_intensity("us") / ms.grid_intensity("france"), 2))

# ------------------------------------------------------------ uncertainty
number("v1c-util-low-pct")(lambda: _sig(100 * UTIL_LOW, 2))
number("v1c-util-high-pct")(lambda: _sig(100 * UTIL_HIGH, 2))
number("v1c-gpus-util-low")(lambda: str(fleet("int4", utilization=UTIL_LOW)))
number("v1c-gpus-util-high")(lambda: str(fleet("int4", utilization=UTIL_HIGH)))

# ------------------------------------------------------------ beyond one machine
number("v1c-mem70-tb")(lambda: f"{mem70().total_bytes / 1e12:.1f}")
number("v1c-mem70-gpus")(lambda: str(math.ceil(mem70().total_bytes / hw(GPU).memory_bytes)))
number("v1c-h100-gb")(lambda: _sig(hw(GPU).memory_bytes / GB))
number("v1c-nvl-gbs")(lambda: _sig(ms.interconnect("NVLink4").bandwidth_bytes_per_s / GB))
number("v1c-ib-gbs")(lambda: _sig(ms.interconnect("IB-NDR").bandwidth_bytes_per_s / GB))
# Plain numbers (no thousands separator) that set the bandwidth ladder's bar lengths in TikZ.
number("v1c-hbm-gbs-plain")(lambda: f"{hw(GPU).memory_bw_bytes_per_s / GB:.0f}")
number("v1c-nvl-gbs-plain")(lambda: f"{ms.interconnect('NVLink4').bandwidth_bytes_per_s / GB:.0f}")
number("v1c-ib-gbs-plain")(lambda: f"{ms.interconnect('IB-NDR').bandwidth_bytes_per_s / GB:.0f}")
number("v1c-hbm-gbs")(lambda: _sig(hw(GPU).memory_bw_bytes_per_s / GB))
number("v1c-hbm-over-ib")(
    lambda: _sig(hw(GPU).memory_bw_bytes_per_s / ms.interconnect("IB-NDR").bandwidth_bytes_per_s, 2))

# ------------------------------------------------------------ the check question (exercise 2)
number("v1c-q-req-m")(lambda: _sig(Q_REQUESTS_PER_DAY / 1e6))
number("v1c-q-need-tps")(lambda: _int(tokens_per_s_needed(Q_REQUESTS_PER_DAY)))
number("v1c-q-bf16-gpus")(lambda: str(fleet("bf16", Q_REQUESTS_PER_DAY)))
number("v1c-q-int4-gpus")(lambda: str(fleet("int4", Q_REQUESTS_PER_DAY)))
number("v1c-q-int4-musd-year")(lambda: f"{usd_year('int4', Q_REQUESTS_PER_DAY) / 1e6:.2f}")


# ------------------------------------------------------------ figures
@figure("fig-v1c-lifetime")
def _fig_lifetime():
    """The chapter's cumulative-cost figure: one fine-tuning run plus retraining every 4 weeks against serving."""
    plt = _plt()
    days = list(range(0, 366))
    fig, ax = plt.subplots()
    ax.plot(days, [finetune().cost_usd * (1 + d // 28) / 1e3 for d in days],
            label="fine-tuning + retraining every 4 weeks")
    for dtype, style in (("bf16", "--"), ("int4", "-")):
        ax.plot(days, [usd_year(dtype) / 365 * d / 1e3 for d in days], style,
                label=f"serving, {dtype.upper()} weights")
    ax.set_xlabel("days since launch")
    ax.set_ylabel("cumulative cost (thousand USD)")
    ax.set_yscale("symlog", linthresh=10)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v1c-fleet-demand")
def _fig_fleet_demand():
    """Fleet GPUs against daily requests for both precisions, with the utilisation range as a band."""
    plt = _plt()
    demand = [1e5 * 10 ** (k / 8) for k in range(0, 25)]
    fig, ax = plt.subplots()
    for dtype, style in (("bf16", "--"), ("int4", "-")):
        line, = ax.loglog([r / 1e6 for r in demand], [fleet(dtype, r) for r in demand], style,
                          lw=2, label=f"{dtype.upper()}, {100 * UTILIZATION:.0f}% utilisation")
        ax.fill_between([r / 1e6 for r in demand], [fleet(dtype, r, UTIL_HIGH) for r in demand],
                        [fleet(dtype, r, UTIL_LOW) for r in demand], color=line.get_color(), alpha=0.2)
    ax.axvline(REQUESTS_PER_DAY / 1e6, color=_ink(), lw=0.8)
    ax.annotate("design study", (REQUESTS_PER_DAY / 1e6, 1.2), textcoords="offset points", xytext=(4, 0),
                fontsize=8)
    ax.set_xlabel("requests per day (millions)")
    ax.set_ylabel("H100s in the serving fleet")
    ax.legend(fontsize=8, loc="upper left")
    return fig

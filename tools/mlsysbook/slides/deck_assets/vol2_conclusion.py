"""Volume II, Conclusion: the capstone design study (a fleet that trains and serves a frontier model) and the limits ahead.

The scenario is the chapter's (book/vol2/conclusion/conclusion.qmd): the Llama 3.1 405B architecture on 15 T tokens
of 8,192-token sequences within 90 days on a 20 MW site, then 50 M requests a day at 50 ms per output token. The
candidate fleets, layout, checkpoint plan, energy and serving fleet are computed with the same MLSys·im calls and
scenario inputs as the chapter's setup cell, so slide and chapter print the same values.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _ink, _plt, _sci, _sig, figure, number

HOUR, DAY, YEAR_H = 3600.0, 86400.0, 8766.0
BIG = ms.model("Llama-3.1-405B")
TOKENS, DEADLINE_DAYS, SITE_MW = 15e12, 90, 20.0        # the brief (scenario)
SEQ, GLOBAL_BATCH = 8192, 2048                          # Llama 3's pre-training shape (Dubey et al. 2024)
SLOT_MTBF_S = 54 * DAY * 16384 / 419                    # the Llama 3 log: 419 interruptions, 54 days, 16,384 GPUs
RESTART_S = 600.0                                       # scenario: detect, reschedule, reload
STORAGE_BW = 2e12                                       # Meta's reported sustained checkpoint bandwidth
REQ_PER_DAY, PROMPT, OUTPUT, PEAK_TO_MEAN, TPOT_SLO = 50e6, 2000, 500, 2.0, 0.050
REPLICA_GPUS = 8
POWER_GROWTH, YEARS_AHEAD, DC_WORLD_TWH_2024 = 2.1, 6, 415   # Epoch AI 2024; IEA 2025
STOCK_TOKENS = 300e12                                   # Villalobos et al. 2024, central estimate
FLOP_2030 = 2e29                                        # Epoch AI's 2030 feasibility estimate
MEMORY_OPTIONS = (dict(virtual_stages=2, zero_stage=1, recompute="selective"),
                  dict(virtual_stages=1, zero_stage=2, recompute="selective"),
                  dict(virtual_stages=2, zero_stage=3, recompute=True))
CANDIDATES = (("H100-SXM", "DGX-H100", 16384, 8, 16), ("H200", "HGX-H200", 16384, 8, 8),
              ("MI300X", "MI300X-8", 16384, 8, 8), ("B200", "DGX-B200", 8192, 8, 8))

FLOP = ms.training_flop(BIG, TOKENS, seq_len=SEQ)
_CKPT_MEM = ms.training_memory(BIG, 1, 2048)
CKPT_BYTES = _CKPT_MEM.weights_bytes + _CKPT_MEM.optimizer_bytes
CKPT_S = CKPT_BYTES / STORAGE_BW


def _own_price(hw_name: str):
    try:
        return ms.tco(hw_name).usd_per_device_hour
    except ms.ValidationError:
        return None


@functools.cache
def plan(hw_name: str) -> dict:
    """The brief on one accelerator: first memory option that fits, failures, power, cost (the chapter's plan_run)."""
    _, node_name, n, tp, pp = next(c for c in CANDIDATES if c[0] == hw_name)
    for opts in MEMORY_OPTIONS:
        try:
            run = ms.time_to_train(BIG, TOKENS, node_name, n_devices=n, global_batch=GLOBAL_BATCH, seq_len=SEQ,
                                   usd_per_device_hour=1.0, tp=tp, pp=pp, dp=n // (tp * pp), micro_batch=1, sp=True,
                                   allow_uneven_pipeline=True, **opts)
            break
        except ms.DoesNotFitError:
            continue
    node = ms.node(node_name)
    mtbf = ms.job_mtbf(n, device_mtbf_s=SLOT_MTBF_S)
    ckpt = ms.checkpoint_interval(CKPT_S, mtbf, restart_s=RESTART_S)
    price = _own_price(hw_name)
    gpu_hours = run.gpu_hours / ckpt.goodput_fraction
    c = dict(hw=hw_name, node=node, n=n, tp=tp, pp=pp, dp=n // (tp * pp), opts=opts, run=run, mtbf=mtbf, plan=ckpt,
             wall_days=run.days / ckpt.goodput_fraction, gpu_hours=gpu_hours,
             facility_mw=n / node.count * node.power_w * A.DEFAULT_PUE / 1e6,
             energy_j=run.energy_j / ckpt.goodput_fraction, price=price,
             cost=None if price is None else gpu_hours * price)
    c["meets"] = c["wall_days"] <= DEADLINE_DAYS and c["facility_mw"] <= SITE_MW
    return c


def chosen() -> dict:
    return plan("B200")


B200 = ms.hardware("B200")
B200_PEAK = B200.peak_flops("bf16")


def _step():
    return chosen()["run"].step


# ------------------------------------------------------------ serving
@functools.cache
def _replica(batch: int):
    return ms.serve(BIG, "B200", batch=batch, prompt_len=PROMPT, output_len=OUTPUT, dtype="fp8",
                    n_devices=REPLICA_GPUS)


@functools.cache
def serving() -> dict:
    cap = ms.serve_max_throughput(BIG, "B200", prompt_len=PROMPT, output_len=OUTPUT, dtype="fp8",
                                  n_devices=REPLICA_GPUS)
    ok = [b for b in (2 ** k for k in range(12)) if b <= cap.max_concurrency and _replica(b).tpot_s <= TPOT_SLO]
    s = _replica(ok[-1])
    peak_tok_s = REQ_PER_DAY * OUTPUT / DAY * PEAK_TO_MEAN
    replicas = math.ceil(peak_tok_s / s.continuous_tokens_per_s)
    gpus = replicas * REPLICA_GPUS
    node = chosen()["node"]
    return dict(batch=ok[-1], s=s, peak_tok_s=peak_tok_s, replicas=replicas, gpus=gpus,
                mw=gpus / node.count * node.power_w * A.DEFAULT_PUE / 1e6, gpu_hours_y=gpus * YEAR_H)


# ------------------------------------------------------------ the walls: peak FLOP per byte at each level
GENERATIONS = (("A100-80GB", "DGX-A100", "A100"), ("H100-SXM", "DGX-H100", "H100"), ("B200", "DGX-B200", "B200"))


@functools.cache
def wall(hw_name: str) -> dict:
    node_name = next(n for h, n, _ in GENERATIONS if h == hw_name)
    hw, nd = ms.hardware(hw_name), ms.node(node_name)
    return dict(peak=hw.peak_flops("bf16"), hbm=hw.memory_bw_bytes_per_s,
                nvl=ms.interconnect(nd.intra_link).bandwidth_bytes_per_s,
                net=ms.interconnect(nd.inter_link).bandwidth_bytes_per_s)


def _fmt(x: float, nd: int = 0) -> str:
    return f"{x:,.{nd}f}".replace(",", "{,}")


# ------------------------------------------------------------ numbers: the brief and step 1
number("v2con-params-b")(lambda: _fmt(BIG.params / 1e9))
number("v2con-tokens-t")(lambda: f"{TOKENS / 1e12:.0f}")
number("v2con-deadline")(lambda: str(DEADLINE_DAYS))
number("v2con-site-mw")(lambda: f"{SITE_MW:.0f}")
number("v2con-flop")(lambda: _sci(FLOP))
number("v2con-flop-6nd")(lambda: _sci(6 * BIG.params * TOKENS))
number("v2con-attn-pct")(lambda: f"{100 * (FLOP / (6 * BIG.params * TOKENS) - 1):.0f}")
number("v2con-tpp")(lambda: f"{TOKENS / BIG.params:.0f}")
number("v2con-eu-ratio")(lambda: f"{FLOP / 1e25:.1f}")
for _hw, _short in (("H100-SXM", "h100"), ("H200", "h200"), ("MI300X", "mi300"), ("B200", "b200")):
    number(f"v2con-{_short}-n")(lambda h=_hw: _fmt(plan(h)["n"]))
    number(f"v2con-{_short}-layout")(lambda h=_hw: f"{plan(h)['tp']}$\\times${plan(h)['pp']}$\\times${plan(h)['dp']}")
    number(f"v2con-{_short}-mfu")(lambda h=_hw: f"{100 * plan(h)['run'].step.mfu:.1f}")
    number(f"v2con-{_short}-days")(lambda h=_hw: f"{plan(h)['wall_days']:.1f}")
    number(f"v2con-{_short}-mw")(lambda h=_hw: f"{plan(h)['facility_mw']:.1f}")
    number(f"v2con-{_short}-meets")(lambda h=_hw: "yes" if plan(h)["meets"] else "no")
number("v2con-mi300-cost-m")(lambda: _fmt(plan("MI300X")["cost"] / 1e6))
number("v2con-mi300-price")(lambda: f"{plan('MI300X')['price']:.2f}")
number("v2con-gpu-hours-m")(lambda: f"{chosen()['gpu_hours'] / 1e6:.1f}")
number("v2con-breakeven")(lambda: f"{plan('MI300X')['cost'] / chosen()['gpu_hours']:.2f}")
number("v2con-b200-pf")(lambda: f"{B200_PEAK / 1e15:.2f}")
number("v2con-days-hand")(lambda: f"{FLOP / (chosen()['n'] * B200_PEAK * _step().mfu) / DAY:.1f}")
number("v2con-days-ideal")(lambda: f"{chosen()['run'].days:.1f}")
number("v2con-margin")(lambda: f"{DEADLINE_DAYS - chosen()['wall_days']:.0f}")

# Step 2: layout, memory, bubble, ledger
number("v2con-shard")(lambda: str(chosen()["tp"] * chosen()["pp"]))
number("v2con-w-hand")(lambda: f"{2 * BIG.params / (chosen()['tp'] * chosen()['pp']) / 1e9:.1f}")
number("v2con-o-hand")(lambda: f"{12 * BIG.params / (chosen()['tp'] * chosen()['pp'] * chosen()['dp']) / 1e9:.2f}")
number("v2con-state-hand")(lambda: f"{(4 * BIG.params / (chosen()['tp'] * chosen()['pp']) + 12 * BIG.params / (chosen()['tp'] * chosen()['pp'] * chosen()['dp'])) / 1e9:.1f}")
number("v2con-act-gb")(lambda: f"{_step().memory.activations_bytes / 1e9:.0f}")
number("v2con-mem-gb")(lambda: f"{_step().memory.total_bytes / 1e9:.0f}")
number("v2con-b200-gb")(lambda: f"{B200.memory_bytes / 1e9:.0f}")
number("v2con-micro")(lambda: str(GLOBAL_BATCH // chosen()["dp"]))
number("v2con-virt")(lambda: str(chosen()["opts"]["virtual_stages"]))
number("v2con-bubble-hand")(lambda: f"{100 * (chosen()['pp'] - 1) / (GLOBAL_BATCH // chosen()['dp'] * chosen()['opts']['virtual_stages']):.1f}")
number("v2con-step-s")(lambda: f"{_step().step_time_s:.2f}")
number("v2con-compute-s")(lambda: f"{_step().compute_s:.2f}")
number("v2con-exposed-s")(lambda: f"{_step().exposed_comm_s:.2f}")
number("v2con-bubble-s")(lambda: f"{_step().bubble_s:.2f}")
number("v2con-mfu")(lambda: f"{100 * _step().mfu:.1f}")
# Ledger geometry: where each segment ends, in seconds from the step's start (TikZ x-coordinates)
number("v2con-cum-compute")(lambda: f"{_step().compute_s:.3f}")
number("v2con-cum-exposed")(lambda: f"{_step().compute_s + _step().exposed_comm_s:.3f}")
number("v2con-cum-bubble")(lambda: f"{_step().compute_s + _step().exposed_comm_s + _step().bubble_s:.3f}")
number("v2con-cum-step")(lambda: f"{_step().step_time_s:.3f}")

# Step 3: the gradient all-reduce
_IB = ms.interconnect("IB-NDR")
_GRAD = lambda: 2 * BIG.params / (chosen()["tp"] * chosen()["pp"])  # noqa: E731
number("v2con-grad-gb")(lambda: f"{_GRAD() / 1e9:.1f}")
number("v2con-dp")(lambda: str(chosen()["dp"]))
number("v2con-ib-gbs")(lambda: _fmt(_IB.bandwidth_bytes_per_s / 1e9))
number("v2con-ar-hand")(lambda: f"{2 * (chosen()['dp'] - 1) / chosen()['dp'] * _GRAD() / _IB.bandwidth_bytes_per_s:.2f}")
number("v2con-ar-eng")(lambda: f"{ms.collective('all_reduce', _GRAD(), chosen()['dp'], _IB).time_s:.2f}")
number("v2con-dp-exposed")(lambda: f"{_step().dp_comm_exposed_s:.2f}")

# Step 4: checkpoints and goodput
number("v2con-ckpt-tb")(lambda: f"{CKPT_BYTES / 1e12:.1f}")
number("v2con-ckpt-s")(lambda: f"{CKPT_S:.1f}")
number("v2con-slot-mtbf-y")(lambda: f"{SLOT_MTBF_S / (365.25 * DAY):.1f}")
number("v2con-mtbf-hand")(lambda: f"{SLOT_MTBF_S / chosen()['n'] / HOUR:.1f}")
number("v2con-mtbf-h")(lambda: f"{chosen()['mtbf'] / HOUR:.1f}")
number("v2con-young-min")(lambda: f"{math.sqrt(2 * CKPT_S * chosen()['mtbf']) / 60:.1f}")
number("v2con-interval-min")(lambda: f"{chosen()['plan'].interval_s / 60:.1f}")
number("v2con-interruptions")(lambda: f"{chosen()['wall_days'] * DAY / chosen()['mtbf']:.0f}")
number("v2con-restart-min")(lambda: f"{RESTART_S / 60:.0f}")


def _first_order() -> float:
    p, m = chosen()["plan"], chosen()["mtbf"]
    return CKPT_S / p.interval_s + (p.interval_s + CKPT_S) / (2 * m) + RESTART_S / m


number("v2con-first-order")(lambda: f"{100 * _first_order():.1f}")
number("v2con-lost")(lambda: f"{100 * chosen()['plan'].lost_fraction:.1f}")
number("v2con-goodput")(lambda: f"{100 * chosen()['plan'].goodput_fraction:.1f}")
number("v2con-million-gpu-min")(lambda: f"{SLOT_MTBF_S / 1e6 / 60:.0f}")

# Step 5: power, energy, carbon
_PF = A.AVERAGE_POWER_FRACTION_OF_TDP
_GPU_MW = lambda: chosen()["n"] * B200.tdp_w * _PF * A.DEFAULT_PUE / 1e6  # noqa: E731
number("v2con-nodes")(lambda: _fmt(chosen()["n"] // chosen()["node"].count))
number("v2con-node-kw")(lambda: f"{chosen()['node'].power_w / 1e3:.1f}")
number("v2con-pue")(lambda: f"{A.DEFAULT_PUE:g}")
number("v2con-gpu-mw")(lambda: f"{_GPU_MW():.1f}")
number("v2con-pf")(lambda: f"{_PF:g}")
number("v2con-energy-hand")(lambda: f"{_GPU_MW() * chosen()['wall_days'] * 24 / 1e3:.1f}")
number("v2con-energy-gwh")(lambda: f"{chosen()['energy_j'] / 3.6e12:.1f}")
number("v2con-grid-world")(lambda: _fmt(A.DEFAULT_GRID_INTENSITY_GCO2_PER_KWH))
number("v2con-grid-fr")(lambda: _fmt(ms.grid_intensity("france")))
number("v2con-co2-world")(lambda: _fmt(ms.carbon(chosen()["energy_j"], "world") / 1e6))
number("v2con-co2-fr")(lambda: _fmt(ms.carbon(chosen()["energy_j"], "france") / 1e6))
number("v2con-co2-ratio")(lambda: f"{ms.carbon(chosen()['energy_j'], 'world') / ms.carbon(chosen()['energy_j'], 'france'):.0f}")

# Step 6: serving
number("v2con-weights-fp8")(lambda: f"{serving()['s'].weights_bytes / 1e9:.0f}")
number("v2con-b200-tbs")(lambda: f"{B200.memory_bw_bytes_per_s / 1e12:.1f}")
number("v2con-decode-floor")(lambda: f"{serving()['s'].weights_bytes / (REPLICA_GPUS * B200.memory_bw_bytes_per_s) * 1e3:.1f}")
number("v2con-serve-batch")(lambda: str(serving()["batch"]))
number("v2con-tpot-ms")(lambda: f"{serving()['s'].tpot_s * 1e3:.0f}")
number("v2con-replica-tok")(lambda: _fmt(serving()["s"].continuous_tokens_per_s))
number("v2con-peak-tok")(lambda: _fmt(serving()["peak_tok_s"]))
number("v2con-replicas")(lambda: _fmt(serving()["replicas"]))
number("v2con-serve-gpus")(lambda: _fmt(serving()["gpus"]))
number("v2con-serve-mw")(lambda: f"{serving()['mw']:.1f}")
number("v2con-serve-gh-m")(lambda: f"{serving()['gpu_hours_y'] / 1e6:.1f}")
number("v2con-train-vs-serve")(lambda: f"{serving()['gpu_hours_y'] / chosen()['gpu_hours']:.2f}")

# Limits ahead: power, memory and interconnect, data
_WORLD_GW = DC_WORLD_TWH_2024 * 1e12 / YEAR_H / 1e9
number("v2con-facility-mw")(lambda: f"{chosen()['facility_mw']:.1f}")
number("v2con-world-gw")(lambda: f"{_WORLD_GW:.0f}")
number("v2con-share-now")(lambda: f"{100 * chosen()['facility_mw'] / (_WORLD_GW * 1e3):.2f}")
number("v2con-future-gw")(lambda: f"{chosen()['facility_mw'] * POWER_GROWTH ** YEARS_AHEAD / 1e3:.1f}")
number("v2con-ridge-a100")(lambda: f"{wall('A100-80GB')['peak'] / wall('A100-80GB')['hbm']:.0f}")
number("v2con-ridge-b200")(lambda: f"{wall('B200')['peak'] / wall('B200')['hbm']:.0f}")
number("v2con-net-fpb-a100")(lambda: _fmt(wall("A100-80GB")["peak"] / wall("A100-80GB")["net"]))
number("v2con-net-fpb-b200")(lambda: _fmt(wall("B200")["peak"] / wall("B200")["net"]))
number("v2con-peak-gain")(lambda: f"{wall('B200')['peak'] / wall('A100-80GB')['peak']:.1f}")
number("v2con-hbm-gain")(lambda: f"{wall('B200')['hbm'] / wall('A100-80GB')['hbm']:.1f}")
number("v2con-net-gain")(lambda: f"{wall('B200')['net'] / wall('A100-80GB')['net']:.1f}")
number("v2con-stock-t")(lambda: _fmt(STOCK_TOKENS / 1e12))
number("v2con-c-at-stock")(lambda: _sci(6 * STOCK_TOKENS ** 2 / A.CHINCHILLA_TOKENS_PER_PARAM))
number("v2con-c-stock-eng-t")(lambda: _fmt(ms.chinchilla_optimal(6 * STOCK_TOKENS ** 2 / A.CHINCHILLA_TOKENS_PER_PARAM).tokens / 1e12))
number("v2con-tpp-opt")(lambda: f"{A.CHINCHILLA_TOKENS_PER_PARAM:g}")
number("v2con-run-share")(lambda: f"{100 * TOKENS / STOCK_TOKENS:.0f}")
number("v2con-stock-vs-run")(lambda: _fmt(6 * STOCK_TOKENS ** 2 / A.CHINCHILLA_TOKENS_PER_PARAM / FLOP))
number("v2con-opt-2030-t")(lambda: _fmt(ms.chinchilla_optimal(FLOP_2030).tokens / 1e12))
number("v2con-opt-2030-x")(lambda: f"{ms.chinchilla_optimal(FLOP_2030).tokens / STOCK_TOKENS:.1f}")

# Sensitivity
number("v2con-mfu-to-miss")(lambda: f"{100 * FLOP / (chosen()['n'] * B200_PEAK * DEADLINE_DAYS * DAY * chosen()['plan'].goodput_fraction):.1f}")
number("v2con-days-mfu30")(lambda: f"{FLOP / (chosen()['n'] * B200_PEAK * 0.30) / DAY / chosen()['plan'].goodput_fraction:.0f}")
_FAIL2 = lambda: ms.checkpoint_interval(CKPT_S, chosen()["mtbf"] / 2, restart_s=RESTART_S)  # noqa: E731
_SLOW = lambda: ms.checkpoint_interval(CKPT_BYTES / (STORAGE_BW / 10), chosen()["mtbf"], restart_s=RESTART_S)  # noqa: E731
number("v2con-fail2-goodput")(lambda: f"{100 * _FAIL2().goodput_fraction:.1f}")
number("v2con-fail2-days")(lambda: f"{chosen()['run'].days / _FAIL2().goodput_fraction:.1f}")
number("v2con-slow-goodput")(lambda: f"{100 * _SLOW().goodput_fraction:.1f}")
number("v2con-replicas-2x")(lambda: _fmt(math.ceil(2 * serving()["peak_tok_s"] / serving()["s"].continuous_tokens_per_s)))
number("v2con-mi300-mw-ceil")(lambda: f"{math.ceil(plan('MI300X')['facility_mw']):.0f}")
# Open problem: a ring all-reduce of the whole BF16 gradient over a 300 Gb/s wide-area link
number("v2con-wan-s")(lambda: f"{2 * 2 * BIG.params / (300e9 / 8):.0f}")


# ------------------------------------------------------------ figures
@figure("fig-v2con-walls")
def _fig_walls():
    plt = _plt()
    fig, ax = plt.subplots()
    labels = ["HBM", "NVLink (scale-up)", "NIC (scale-out)"]
    width = 0.26
    for i, (key, _, short) in enumerate(GENERATIONS):
        w = wall(key)
        vals = [w["peak"] / w["hbm"], w["peak"] / w["nvl"], w["peak"] / w["net"]]
        xs = [j + (i - 1) * width for j in range(len(labels))]
        ax.bar(xs, vals, width, label=short)
        for x, v in zip(xs, vals):
            ax.text(x, v * 1.1, f"{v:,.0f}", ha="center", fontsize=7, color=_ink())
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("peak BF16 FLOP per byte moved")
    ax.set_ylim(10, 2e5)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2con-goodput")
def _fig_goodput():
    plt = _plt()
    fig, ax = plt.subplots()
    intervals = [30 * 1.25 ** k for k in range(26)]
    for r_min in (2, 10, 30):
        p = ms.checkpoint_interval(CKPT_S, chosen()["mtbf"], restart_s=r_min * 60)
        line, = ax.semilogx([t / 60 for t in intervals], [100 * p.lost_at(t) for t in intervals],
                            label=f"restart {r_min} min (best {p.interval_s / 60:.1f} min, {100 * p.lost_fraction:.1f}% lost)")
        ax.plot([p.interval_s / 60], [100 * p.lost_fraction], "o", color=line.get_color())
    ax.set_xlabel("checkpoint interval (minutes)")
    ax.set_ylabel("wall-clock time lost (%)")
    ax.set_ylim(0, 25)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2con-data")
def _fig_data():
    plt = _plt()
    fig, ax = plt.subplots()
    cs = [10 ** (23 + k / 4) for k in range(29)]
    ax.loglog(cs, [ms.chinchilla_optimal(c).tokens for c in cs], "-", label="compute-optimal tokens")
    # A filled band, not axhspan: on a log axis a Rectangle patch would read as a bar stacked on another.
    ax.fill_between(cs, 100e12, 1000e12, color="C2", alpha=0.25, label="public text stock, 90% interval")
    ax.axhline(STOCK_TOKENS, color="C2", lw=1.2, label=f"central estimate ({STOCK_TOKENS / 1e12:.0f} T)")
    ax.plot([FLOP], [TOKENS], "o", color="C0")
    ax.annotate("design study", (FLOP, TOKENS), textcoords="offset points", xytext=(8, -12), fontsize=8, color=_ink())
    ax.plot([FLOP_2030], [ms.chinchilla_optimal(FLOP_2030).tokens], "s", color="C1")
    ax.annotate("Epoch 2030 estimate", (FLOP_2030, ms.chinchilla_optimal(FLOP_2030).tokens),
                textcoords="offset points", xytext=(-110, -4), fontsize=8, color=_ink())
    ax.set_xlabel("training compute (FLOP)")
    ax.set_ylabel("training tokens")
    ax.legend(fontsize=8, loc="upper left")
    return fig

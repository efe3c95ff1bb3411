"""Volume II, Fault Tolerance: job MTBF from component rates, checkpoint intervals, goodput, stragglers.

Same scenarios and engine calls as book/vol2/fault_tolerance/fault_tolerance.qmd: per-slot failure rates of the
Llama 3 405B log grouped by component (419 unexpected interruptions in 54 days on 16,384 H100s), a 4,096-GPU job,
the 405B checkpoint at 14 bytes per parameter written at 2 TB/s, a 20-minute restart at 16,384 GPUs, Daly's
published example, in-memory checkpoints (5 s stall, 3-minute restart) at 131,072 GPUs, and p = 1e-4 stragglers.
"""
from __future__ import annotations

import math

import mlsysim as ms

from ..assets import _ink, _pct, _plt, _sig, figure, mdl, number

HOUR, DAY = 3600.0, 86400.0
SNAP_GPU_DAYS = 54 * 16384
LOG_GROUPS = {"gpu": 148 + 72 + 19 + 17 + 6, "network": 35 + 7 + 7, "software": 54 + 2,
              "host": 32 + 2 + 2 + 3 + 3 + 2 + 2, "sdc": 6}
UNEXPECTED = 419
assert sum(LOG_GROUPS.values()) == UNEXPECTED
N1, N2, N4, N5 = 4096, 16384, 131072, 16384
BYTES_PER_PARAM = 2 + 4 + 4 + 4
STORAGE_BW = 2e12                 # Llama 3's reported sustained storage throughput
RESTART_S = 20 * 60
DELTA_MEM, FAST_RESTART_S = 5.0, 3 * 60
DALY_M, DALY_D, DALY_R = 24 * HOUR, 5 * 60, 10 * 60
P_SLOW = 1e-4
# The check question (chapter exercise 2): a 90 s checkpoint and a 6-hour MTBF.
Q_DELTA, Q_M = 90.0, 6 * HOUR


def rate(group: str) -> float:
    return LOG_GROUPS[group] / (SNAP_GPU_DAYS * DAY)


def slot_rate() -> float:
    return UNEXPECTED / (SNAP_GPU_DAYS * DAY)


def slot_mtbf_s() -> float:
    return 1 / slot_rate()


def job_mtbf(n: int) -> float:
    return ms.job_mtbf(n, device_mtbf_s=slot_mtbf_s())


def per_day(group: str, n: int = N1) -> float:
    return rate(group) * n * DAY


def ckpt_bytes() -> float:
    return mdl("Llama-3.1-405B").params * BYTES_PER_PARAM


def delta_sync() -> float:
    return ckpt_bytes() / STORAGE_BW


def lost(n: int, delta: float, restart: float) -> float:
    return ms.checkpoint_interval(delta, job_mtbf(n), restart_s=restart).lost_fraction


def first_order() -> float:
    tau, m = ms.young_interval(delta_sync(), job_mtbf(N2)), job_mtbf(N2)
    return delta_sync() / tau + (tau + delta_sync()) / (2 * m) + RESTART_S / m


# job MTBF from component rates
number("v2ft-slot-mtbf-years")(lambda: f"{slot_mtbf_s() / (365.25 * DAY):.1f}")
for _g in LOG_GROUPS:
    number(f"v2ft-{_g}-per-day")(lambda g=_g: f"{per_day(g):.{3 if g == 'sdc' else 2}f}")
number("v2ft-total-per-day")(lambda: f"{sum(per_day(g) for g in LOG_GROUPS):.2f}")
number("v2ft-hand-mtbf1")(lambda: f"{24 / sum(per_day(g) for g in LOG_GROUPS):.1f}")
number("v2ft-eng-mtbf1")(lambda: f"{ms.job_mtbf(N1, device_failure_rate_per_s=slot_rate()) / HOUR:.1f}")
number("v2ft-gpu-share")(lambda: _sig(100 * LOG_GROUPS["gpu"] / UNEXPECTED, 2))

# checkpoint size and interval at 16,384 GPUs
number("v2ft-p405-b")(lambda: _sig(mdl("Llama-3.1-405B").params / 1e9))
number("v2ft-ckpt-tb")(lambda: f"{ckpt_bytes() / 1e12:.2f}")
number("v2ft-delta-sync")(lambda: f"{delta_sync():.1f}")
number("v2ft-m2-h")(lambda: f"{job_mtbf(N2) / HOUR:.1f}")
number("v2ft-young2-hand")(lambda: f"{math.sqrt(2 * delta_sync() * job_mtbf(N2)) / 60:.1f}")
number("v2ft-young2")(lambda: f"{ms.young_interval(delta_sync(), job_mtbf(N2)) / 60:.1f}")
number("v2ft-daly2")(lambda: f"{ms.daly_interval(delta_sync(), job_mtbf(N2)) / 60:.1f}")
number("v2ft-restart-min")(lambda: str(RESTART_S // 60))
number("v2ft-first-order")(lambda: _pct(first_order()))
number("v2ft-restart-share")(lambda: _sig(100 * (RESTART_S / job_mtbf(N2)) / first_order(), 2))
number("v2ft-plan2-lost")(lambda: _pct(lost(N2, delta_sync(), RESTART_S)))
number("v2ft-plan2-norestart")(lambda: _pct(ms.checkpoint_interval(delta_sync(), job_mtbf(N2)).lost_fraction))

# Daly's published example
number("v2ft-daly-young")(lambda: f"{math.sqrt(2 * DALY_D * DALY_M) / 60:.0f}")
number("v2ft-daly-eng")(lambda: f"{ms.daly_interval(DALY_D, DALY_M) / 60:.0f}")
number("v2ft-daly-lost")(lambda: _pct(ms.checkpoint_interval(DALY_D, DALY_M, restart_s=DALY_R).lost_fraction))
number("v2ft-daly-short")(lambda: f"{ms.daly_interval(DALY_D, 15 * 60) / 60:.1f}")
number("v2ft-daly-short-young")(lambda: f"{math.sqrt(2 * DALY_D * 15 * 60) / 60:.1f}")

# 131,072 GPUs
number("v2ft-m4-min")(lambda: f"{job_mtbf(N4) / 60:.0f}")
number("v2ft-hand4-slow")(lambda: _pct(RESTART_S / job_mtbf(N4), 0))
number("v2ft-lost4-slow")(lambda: _pct(lost(N4, delta_sync(), RESTART_S), 0))
number("v2ft-lost4-fast")(lambda: _pct(lost(N4, DELTA_MEM, FAST_RESTART_S), 0))
number("v2ft-young4-mem")(lambda: f"{ms.young_interval(DELTA_MEM, job_mtbf(N4)) / 60:.1f}")
for _n in (1024, 4096, 16384, 65536, 131072):
    number(f"v2ft-tbl-{_n}-mtbf")(lambda n=_n: (f"{job_mtbf(n) / HOUR:.1f}\\,h" if job_mtbf(n) >= HOUR
                                                else f"{job_mtbf(n) / 60:.0f}\\,min"))
    number(f"v2ft-tbl-{_n}-slow")(lambda n=_n: _pct(lost(n, delta_sync(), RESTART_S)))
    number(f"v2ft-tbl-{_n}-fast")(lambda n=_n: _pct(lost(n, DELTA_MEM, FAST_RESTART_S)))

# stragglers
number("v2ft-p-slow")(lambda: "10^{-4}")
number("v2ft-expected-slow")(lambda: f"{P_SLOW * N5:.1f}")
number("v2ft-p-step-slow")(lambda: _pct(1 - (1 - P_SLOW) ** N5, 0))

# the check question
number("v2ft-q-young-min")(lambda: f"{math.sqrt(2 * Q_DELTA * Q_M) / 60:.1f}")
number("v2ft-q-daly-min")(lambda: f"{ms.daly_interval(Q_DELTA, Q_M) / 60:.1f}")
number("v2ft-q-lost")(lambda: _pct(ms.checkpoint_interval(Q_DELTA, Q_M).lost_fraction))
number("v2ft-q-sqrt")(lambda: _pct(math.sqrt(2 * Q_DELTA / Q_M)))


# ------------------------------------------------------------ figures
@figure("fig-v2ft-interval")
def _fig_interval():
    plt = _plt()
    m = job_mtbf(N2)
    taus = [60 * x for x in (0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120)]
    fig, ax = plt.subplots()
    for k, delta in enumerate((delta_sync(), 60.0, 300.0)):
        colour = f"C{k}"
        ax.plot([t / 60 for t in taus], [100 * ms.checkpoint_lost_fraction(t, delta, m, restart_s=RESTART_S)
                                          for t in taus], "-", color=colour, label=f"checkpoint stall {delta:.0f} s")
        opt = ms.checkpoint_interval(delta, m, restart_s=RESTART_S)
        ax.plot([opt.interval_s / 60], [100 * opt.lost_fraction], "o", color=colour)
    ax.axhline(100 * RESTART_S / m, ls=":", color=_ink(), lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("checkpoint interval (minutes)")
    ax.set_ylabel("wall-clock time lost (%)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ft-goodput")
def _fig_goodput():
    plt = _plt()
    sizes = [512 * 2 ** k for k in range(0, 10)]
    cases = ((delta_sync(), RESTART_S, "storage checkpoints, 20 min restart"),
             (delta_sync(), FAST_RESTART_S, "storage checkpoints, 3 min restart"),
             (DELTA_MEM, FAST_RESTART_S, "in-memory checkpoints, 3 min restart"))
    fig, ax = plt.subplots()
    for delta, restart, label in cases:
        ax.plot(sizes, [100 * (1 - lost(n, delta, restart)) for n in sizes], "-o", ms=3, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("GPUs in one synchronous job")
    ax.set_ylabel("goodput (% of wall-clock time)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc="lower left")
    return fig

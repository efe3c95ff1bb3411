"""Failures and checkpointing for long jobs.

Young's first-order optimum (J. W. Young, "A first order approximation to the optimum checkpoint
interval", CACM 17(9), 1974, doi:10.1145/361147.361115) and Daly's higher-order one (J. T. Daly,
"A higher order estimate of the optimum checkpoint interval for restart dumps", Future Generation
Computer Systems 22(3), 2006, doi:10.1016/j.future.2004.11.016).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ValidationError, positive, positive_int
from .results import Result
from .units import fmt_time


def job_mtbf(n_devices: int, device_mtbf_s: float | None = None,
             device_failure_rate_per_s: float | None = None) -> float:
    """Mean time between interruptions of a job that stops when any of ``n_devices`` fails.

    Independent, exponentially distributed failures add their rates: M = 1 / (n x rate) = device MTBF / n.
    Give the per-device figure as exactly one of ``device_mtbf_s`` or ``device_failure_rate_per_s``.
    """
    n_devices = positive_int("n_devices", n_devices)
    if (device_mtbf_s is None) == (device_failure_rate_per_s is None):
        raise ValidationError("device_mtbf_s", "give exactly one of device_mtbf_s or device_failure_rate_per_s")
    if device_mtbf_s is None:
        device_mtbf_s = 1.0 / positive("device_failure_rate_per_s", device_failure_rate_per_s)
    return positive("device_mtbf_s", device_mtbf_s) / n_devices


def checkpoint_lost_fraction(interval_s: float, checkpoint_s: float, mtbf_s: float, restart_s: float = 0.0) -> float:
    """Fraction of wall-clock time lost to checkpoint writes, rework and restarts.

    Daly's complete model for Poisson failures (2006, eq. for T_w): a job needing T_s of work takes
    T_w = M e^(R/M) (e^((tau + delta)/M) - 1) T_s / tau, so the lost fraction is 1 - T_s / T_w. To first
    order in tau/M this is delta/tau + (tau + delta)/(2M) + R/M, whose minimum is Young's interval.
    """
    tau = positive("interval_s", interval_s)
    delta = positive("checkpoint_s", checkpoint_s, allow_zero=True)
    mtbf = positive("mtbf_s", mtbf_s)
    restart = positive("restart_s", restart_s, allow_zero=True)
    wall_per_work = mtbf * math.exp(restart / mtbf) * math.expm1((tau + delta) / mtbf) / tau
    return 1.0 - 1.0 / wall_per_work


def young_interval(checkpoint_s: float, mtbf_s: float) -> float:
    """Young's first-order optimum sqrt(2 delta M)."""
    return math.sqrt(2 * positive("checkpoint_s", checkpoint_s) * positive("mtbf_s", mtbf_s))


def daly_interval(checkpoint_s: float, mtbf_s: float) -> float:
    """Daly's higher-order optimum; equals M once a checkpoint takes at least 2M."""
    delta, mtbf = positive("checkpoint_s", checkpoint_s), positive("mtbf_s", mtbf_s)
    if delta >= 2 * mtbf:
        return mtbf
    ratio = delta / (2 * mtbf)
    return math.sqrt(2 * delta * mtbf) * (1 + math.sqrt(ratio) / 3 + ratio / 9) - delta


@dataclass(frozen=True)
class CheckpointPlan(Result):
    checkpoint_s: float
    mtbf_s: float
    restart_s: float
    young_interval_s: float
    daly_interval_s: float
    interval_s: float
    lost_fraction: float

    _derived = ("goodput_fraction",)

    @property
    def goodput_fraction(self) -> float:
        """Share of wall-clock time spent on useful progress at ``interval_s``."""
        return 1.0 - self.lost_fraction

    def lost_at(self, interval_s: float) -> float:
        """Lost fraction if checkpoints were written every ``interval_s`` instead."""
        return checkpoint_lost_fraction(interval_s, self.checkpoint_s, self.mtbf_s, self.restart_s)

    def _explain_lines(self) -> list[str]:
        d, m = self.checkpoint_s, self.mtbf_s
        lines = [f"checkpoint every {fmt_time(self.interval_s)}: {self.lost_fraction:.1%} of wall-clock lost, "
                 f"goodput {self.goodput_fraction:.1%}",
                 f"Young: tau = sqrt(2 delta M) = sqrt(2 x {d:.3g} s x {m:.3g} s) = {self.young_interval_s:.4g} s"]
        if d >= 2 * m:
            lines.append(f"Daly: delta >= 2M, so tau = M = {self.daly_interval_s:.4g} s")
        else:
            r = d / (2 * m)
            lines.append(f"Daly: tau = sqrt(2 delta M) (1 + sqrt(delta/2M)/3 + (delta/2M)/9) - delta = "
                         f"{self.young_interval_s:.4g} x {1 + math.sqrt(r) / 3 + r / 9:.4f} - {d:.3g} = "
                         f"{self.daly_interval_s:.4g} s")
        tau = self.interval_s
        lines.append(f"lost = 1 - tau / (M e^(R/M) (e^((tau + delta)/M) - 1)) = 1 - {tau:.4g} / ({m:.4g} x "
                     f"e^({self.restart_s:.3g}/{m:.4g}) x (e^(({tau:.4g} + {d:.3g})/{m:.4g}) - 1)) = "
                     f"{self.lost_fraction:.4f}  (first order: delta/tau + (tau + delta)/(2M) + R/M = "
                     f"{d / tau + (tau + d) / (2 * m) + self.restart_s / m:.4f})")
        return lines


def checkpoint_interval(checkpoint_s: float, mtbf_s: float, restart_s: float = 0.0,
                        interval_s: float | None = None) -> CheckpointPlan:
    """Optimal checkpoint interval for a job whose checkpoint takes ``checkpoint_s`` and which is
    interrupted every ``mtbf_s`` on average (see :func:`job_mtbf`).

    ``interval_s`` evaluates a chosen interval; by default Daly's optimum is used.
    """
    young = young_interval(checkpoint_s, mtbf_s)
    daly = daly_interval(checkpoint_s, mtbf_s)
    chosen = daly if interval_s is None else positive("interval_s", interval_s)
    return CheckpointPlan(checkpoint_s=float(checkpoint_s), mtbf_s=float(mtbf_s),
                          restart_s=positive("restart_s", restart_s, allow_zero=True),
                          young_interval_s=young, daly_interval_s=daly, interval_s=chosen,
                          lost_fraction=checkpoint_lost_fraction(chosen, checkpoint_s, mtbf_s, restart_s))

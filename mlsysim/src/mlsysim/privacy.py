"""Differential-privacy accounting for DP-SGD: the Renyi-DP accountant of the sampled Gaussian mechanism.

One step of DP-SGD samples each record with probability ``q`` (Poisson sampling), clips per-example
gradients and adds Gaussian noise of standard deviation ``sigma`` times the clip norm. Its Renyi DP at an
integer order ``alpha >= 2`` is the log of a binomial sum (Mironov, Talwar and Zhang 2019, "Renyi Differential
Privacy of the Sampled Gaussian Mechanism", Sec. 3.3 — the computation behind the RDP accountants of
TensorFlow Privacy and Opacus); RDP adds over steps, and a total RDP converts to (epsilon, delta) with
Mironov 2017, Prop. 3: ``epsilon = RDP + ln(1/delta) / (alpha - 1)``, minimised over the orders.
Add/remove-one adjacency. Pure Python (no NumPy), so it runs in the browser labs.

The Volume II Security and Privacy chapter, its lab (``labs/privacy_cost.py``) and its lecture deck all call
these functions, so the three print the same epsilon.
"""
from __future__ import annotations

import functools
import math

from .errors import ValidationError

#: The orders the accountant minimises over: the default grid of TF Privacy's RDP accountant (2..64 and a
#: few large orders for very small epsilon).
ORDERS: tuple[int, ...] = tuple(range(2, 65)) + (80, 96, 128, 192, 256)


def _check(q: float, sigma: float, steps: float | None = None, delta: float | None = None) -> None:
    if not 0.0 < q <= 1.0:
        raise ValidationError("q", f"the sampling rate must be in (0, 1], got {q!r}; use batch / dataset_size")
    if not sigma > 0.0:
        raise ValidationError("sigma", f"the noise multiplier must be > 0, got {sigma!r}")
    if steps is not None and not steps >= 0:
        raise ValidationError("steps", f"the number of steps must be >= 0, got {steps!r}")
    if delta is not None and not 0.0 < delta < 1.0:
        raise ValidationError("delta", f"delta must be in (0, 1), got {delta!r}; use well below 1 / dataset_size")


def _logadd(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    if a == -math.inf:
        return b
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


@functools.lru_cache(maxsize=8192)
def rdp_sampled_gaussian(q: float, sigma: float, alpha: int) -> float:
    """Renyi DP of order ``alpha`` (an integer >= 2) of ONE step of the sampled Gaussian mechanism.

    ``q = 1`` (no sampling) is the Gaussian mechanism, ``alpha / (2 sigma^2)``. For ``q < 1`` it is
    ``log(sum_k C(alpha, k) q^k (1-q)^(alpha-k) exp((k^2 - k) / (2 sigma^2))) / (alpha - 1)``, summed in log space.
    The k = 2 term, ``C(alpha, 2) q^2 (e^(1/sigma^2) - 1)`` after the k = 0, 1 terms cancel to first order,
    is the napkin formula the chapter shows.
    """
    _check(q, sigma)
    if int(alpha) != alpha or alpha < 2:
        raise ValidationError("alpha", f"the order must be an integer >= 2, got {alpha!r}")
    alpha = int(alpha)
    if q >= 1.0:
        return alpha / (2 * sigma ** 2)
    log_a = -math.inf
    for k in range(alpha + 1):
        log_binom = math.lgamma(alpha + 1) - math.lgamma(k + 1) - math.lgamma(alpha - k + 1)
        log_a = _logadd(log_a, log_binom + k * math.log(q) + (alpha - k) * math.log1p(-q)
                        + (k * k - k) / (2 * sigma ** 2))
    return log_a / (alpha - 1)


@functools.lru_cache(maxsize=4096)
def dp_epsilon(q: float, sigma: float, steps: float, delta: float) -> tuple[float, int]:
    """(epsilon, best order) after ``steps`` DP-SGD steps at sampling rate ``q`` and noise multiplier ``sigma``.

    ``epsilon = min over alpha of steps * RDP(alpha) + ln(1/delta) / (alpha - 1)`` (Mironov 2017, Prop. 3).
    """
    _check(q, sigma, steps, delta)
    return min((steps * rdp_sampled_gaussian(q, sigma, a) + math.log(1 / delta) / (a - 1), a) for a in ORDERS)


def dp_epsilon_tight(q: float, sigma: float, steps: float, delta: float) -> float:
    """Epsilon from the same RDP with the tighter conversion Opacus and Google's dp-accounting use
    (Balle et al., "Hypothesis Testing Interpretations and Renyi Differential Privacy", AISTATS 2020):
    ``RDP + ln((alpha-1)/alpha) - (ln delta + ln alpha)/(alpha-1)``.

    Always at most :func:`dp_epsilon`'s value for the same run; the gap is why libraries report a smaller
    epsilon than the textbook conversion.
    """
    _check(q, sigma, steps, delta)
    return min(steps * rdp_sampled_gaussian(q, sigma, a) + math.log((a - 1) / a)
               - (math.log(delta) + math.log(a)) / (a - 1) for a in ORDERS)


@functools.lru_cache(maxsize=1024)
def noise_for_epsilon(target_epsilon: float, q: float, steps: float, delta: float,
                      sigma_range: tuple[float, float] = (0.3, 50.0)) -> float:
    """The smallest noise multiplier whose :func:`dp_epsilon` is at most ``target_epsilon``.

    Bisection on epsilon, which falls monotonically as sigma grows; 40 halvings of ``sigma_range``.
    """
    lo, hi = sigma_range
    _check(q, hi, steps, delta)
    if not target_epsilon > 0:
        raise ValidationError("target_epsilon", f"must be > 0, got {target_epsilon!r}")
    if dp_epsilon(q, hi, steps, delta)[0] > target_epsilon:
        raise ValidationError("target_epsilon", f"{target_epsilon} is not reachable with sigma <= {hi}; "
                              "raise sigma_range's upper end, sample fewer records per step or take fewer steps")
    for _ in range(40):
        mid = (lo + hi) / 2
        if dp_epsilon(q, mid, steps, delta)[0] > target_epsilon:
            lo = mid
        else:
            hi = mid
    return hi

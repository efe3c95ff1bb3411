"""The DP-SGD privacy accountant (mlsysim.privacy): closed forms, the napkin formula, inverses and bad input."""
import math

import pytest

from mlsysim import ValidationError
from mlsysim.privacy import ORDERS, dp_epsilon, dp_epsilon_tight, noise_for_epsilon, rdp_sampled_gaussian


def test_without_sampling_it_is_the_gaussian_mechanism():
    """q = 1: every record is in every step, RDP is alpha / (2 sigma^2) per step (Mironov 2017)."""
    sigma, steps, delta = 20.0, 10, 1e-6
    expected = min(steps * a / (2 * sigma ** 2) + math.log(1 / delta) / (a - 1) for a in ORDERS)
    assert dp_epsilon(1.0, sigma, steps, delta)[0] == pytest.approx(expected)


def test_sampled_rdp_matches_the_binomial_sum_evaluated_directly():
    """At a small order the log-space sum equals the plain sum of C(a,k) q^k (1-q)^(a-k) e^((k^2-k)/(2 s^2))."""
    q, sigma, alpha = 0.01, 1.2, 6
    direct = sum(math.comb(alpha, k) * q ** k * (1 - q) ** (alpha - k) * math.exp((k * k - k) / (2 * sigma ** 2))
                 for k in range(alpha + 1))
    assert rdp_sampled_gaussian(q, sigma, alpha) == pytest.approx(math.log(direct) / (alpha - 1), rel=1e-12)


def test_the_first_term_napkin_formula_is_a_close_lower_bound_in_the_small_q_regime():
    """The Volume II chapter's napkin: keeping only the k = 2 term at the best order is within 10% and below."""
    q, sigma, steps, delta = 4096 / 2e6, 1.5, 3 * 2e6 / 4096, 1e-6
    eps, alpha = dp_epsilon(q, sigma, steps, delta)
    hand = steps * math.log1p(math.comb(alpha, 2) * q * q * (math.exp(1 / sigma ** 2) - 1)) / (alpha - 1) \
        + math.log(1 / delta) / (alpha - 1)
    assert hand == pytest.approx(eps, rel=0.10)
    assert hand <= eps


def test_more_noise_fewer_steps_or_lower_sampling_rate_each_lower_epsilon():
    base = dp_epsilon(0.002, 1.0, 1500, 1e-8)[0]
    assert dp_epsilon(0.002, 1.5, 1500, 1e-8)[0] < base
    assert dp_epsilon(0.002, 1.0, 500, 1e-8)[0] < base
    assert dp_epsilon(0.001, 1.0, 1500, 1e-8)[0] < base
    assert dp_epsilon(0.002, 1.0, 1500, 1e-5)[0] < base  # a looser delta buys a smaller epsilon


def test_the_tighter_conversion_never_reports_more_than_the_textbook_one():
    for q, sigma, steps in [(0.002, 1.0, 1500), (0.01, 0.8, 300), (1.0, 5.0, 10)]:
        assert dp_epsilon_tight(q, sigma, steps, 1e-8) < dp_epsilon(q, sigma, steps, 1e-8)[0]


def test_noise_for_epsilon_inverts_the_accountant():
    q, steps, delta = 4096 / 2e6, 1000, 1e-8
    sigma = noise_for_epsilon(2.0, q, steps, delta)
    assert dp_epsilon(q, sigma, steps, delta)[0] <= 2.0
    assert dp_epsilon(q, sigma * 0.99, steps, delta)[0] > 2.0  # the smallest such sigma, to 1%


@pytest.mark.parametrize("call, field", [
    (lambda: dp_epsilon(0.0, 1.0, 10, 1e-5), "q"),
    (lambda: dp_epsilon(1.5, 1.0, 10, 1e-5), "q"),
    (lambda: dp_epsilon(0.01, 0.0, 10, 1e-5), "sigma"),
    (lambda: dp_epsilon(0.01, 1.0, -1, 1e-5), "steps"),
    (lambda: dp_epsilon(0.01, 1.0, 10, 1.0), "delta"),
    (lambda: rdp_sampled_gaussian(0.01, 1.0, 1), "alpha"),
    (lambda: noise_for_epsilon(1e-6, 0.5, 10_000, 1e-8), "target_epsilon"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.field == field

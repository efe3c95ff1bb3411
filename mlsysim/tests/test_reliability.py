"""Checkpoint-interval optimum against the worked cases in Young (1974) and Daly (2006)."""
import math

import pytest
from hypothesis import given, settings, strategies as st

import mlsysim as ms

MIN = 60.0


@pytest.mark.parametrize("mtbf_min, daly_min", [(24 * 60, 117), (6 * 60, 57), (15, 9.1)])
def test_daly_matches_the_papers_figures(mtbf_min, daly_min):
    # Daly 2006 (doi:10.1016/j.future.2004.11.016), Figs. 3-5: delta = 5 min, R = 10 min
    plan = ms.checkpoint_interval(5 * MIN, mtbf_min * MIN, restart_s=10 * MIN)
    assert plan.daly_interval_s / MIN == pytest.approx(daly_min, rel=0.01)
    assert plan.young_interval_s == pytest.approx(math.sqrt(2 * 5 * MIN * mtbf_min * MIN))
    assert plan.interval_s == plan.daly_interval_s


def test_checkpoint_longer_than_two_mtbf_checkpoints_every_mtbf():
    assert ms.checkpoint_interval(300.0, 100.0).daly_interval_s == 100.0


# no deadline: the first example imports SciPy, which takes seconds on a busy shared machine
@settings(deadline=None)
@given(st.floats(1.0, 3600.0), st.floats(0.001, 0.5), st.floats(0.0, 1.0))
def test_daly_interval_sits_at_the_minimum_of_the_complete_model(delta, delta_over_mtbf, restart_over_mtbf):
    optimize = pytest.importorskip("scipy.optimize")  # an independent minimiser (SciPy needs NumPy)
    mtbf = delta / delta_over_mtbf
    plan = ms.checkpoint_interval(delta, mtbf, restart_s=restart_over_mtbf * mtbf)
    best = optimize.minimize_scalar(lambda tau: plan.lost_at(tau), bounds=(delta / 100, 10 * mtbf),
                                    method="bounded", options={"xatol": 1e-9 * mtbf})
    assert plan.daly_interval_s == pytest.approx(best.x, rel=0.01)
    assert plan.lost_fraction == pytest.approx(best.fun, rel=1e-3)
    # Young's interval is the minimum of the first-order loss, so it is never better than Daly's here
    assert plan.lost_at(plan.young_interval_s) >= plan.lost_fraction - 1e-12
    assert plan.goodput_fraction == pytest.approx(1 - plan.lost_fraction)


def test_first_order_loss_is_the_small_interval_limit():
    # 1 - 1/(1 + x) = x - x^2 + ...: the two agree to about the loss itself
    delta, mtbf, restart, tau = 10.0, 1e6, 100.0, 3000.0
    first_order = delta / tau + (tau + delta) / (2 * mtbf) + restart / mtbf
    assert ms.checkpoint_lost_fraction(tau, delta, mtbf, restart) == pytest.approx(first_order, rel=0.01)


def test_chosen_interval_and_explain_show_the_formula():
    plan = ms.checkpoint_interval(60.0, 3600.0, interval_s=600.0)
    assert plan.interval_s == 600.0
    assert plan.lost_fraction == pytest.approx(1 - 600 / (3600 * math.expm1(660 / 3600)))
    text = plan.explain()
    assert "sqrt(2 delta M)" in text and "goodput" in text
    assert plan.to_dict()["goodput_fraction"] == pytest.approx(plan.goodput_fraction)


def test_job_mtbf_divides_by_device_count_either_way():
    # Llama 3 405B: 419 interruptions in 54 days on 16,384 GPUs (arXiv:2407.21783, sec. 3.3.4)
    per_gpu_s = 16384 * 54 * 86400 / 419
    assert ms.job_mtbf(16384, device_mtbf_s=per_gpu_s) == pytest.approx(54 * 86400 / 419)
    assert ms.job_mtbf(4, device_failure_rate_per_s=1 / 400.0) == pytest.approx(100.0)
    with pytest.raises(ms.ValidationError, match="exactly one"):
        ms.job_mtbf(8)
    with pytest.raises(ms.ValidationError, match="n_devices"):
        ms.job_mtbf(0, device_mtbf_s=1.0)
    with pytest.raises(ms.ValidationError, match="checkpoint_s"):
        ms.checkpoint_interval(-1.0, 10.0)

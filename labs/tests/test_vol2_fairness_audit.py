"""Physics of the Responsible AI lab (fairness_audit).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the chapter
gives a formula, the size) of the change in the audit's sample size, cost or binding resource. (That the lab
imports no NumPy is checked for every lab by test_labkit.test_lab_code_imports_no_numpy.)
"""
from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from labkit.harness import output_text, run_lab


def test_fairness_audit_sample_size_matches_the_two_proportion_formula():
    """Two groups, FNR 10% vs 13%, alpha 0.05, power 0.8: the chapter's hand formula, rounded up."""
    _, defs = run_lab("fairness_audit", attributes=1)
    z = NormalDist()
    za, zb, p1, p2 = z.inv_cdf(0.975), z.inv_cdf(0.8), 0.10, 0.13
    pbar = (p1 + p2) / 2
    hand = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / 0.03 ** 2
    assert defs["current"]["k"] == 2
    assert defs["current"]["n_pos"] == math.ceil(hand)
    assert defs["current"]["n_apps"] == math.ceil(math.ceil(hand) / 0.25)


def test_fairness_audit_halving_the_gap_roughly_quadruples_the_labelled_set():
    _, wide = run_lab("fairness_audit", gap_pts=2)
    _, narrow = run_lab("fairness_audit", gap_pts=1)
    ratio = narrow["current"]["total"] / wide["current"]["total"]
    assert 3.5 < ratio < 4.5


def test_fairness_audit_intersections_multiply_the_set_and_bonferroni_raises_each_subgroup():
    totals = [run_lab("fairness_audit", attributes=j)[1]["current"] for j in (1, 2, 3, 4)]
    assert [t["k"] for t in totals] == [2, 6, 24, 120]
    assert all(a["total"] < b["total"] for a, b in zip(totals, totals[1:]))
    assert all(a["n_pos"] < b["n_pos"] for a, b in zip(totals, totals[1:]))
    # without the correction every subgroup needs the same sample, so the total grows only with the count
    plain = [run_lab("fairness_audit", attributes=j, bonferroni=False)[1]["current"] for j in (1, 4)]
    assert plain[0]["n_pos"] == plain[1]["n_pos"]
    assert plain[1]["total"] == pytest.approx(60 * plain[0]["total"])


def test_fairness_audit_more_power_or_fewer_positives_need_more_labels():
    _, base = run_lab("fairness_audit")
    _, strong = run_lab("fairness_audit", power=0.95)
    _, rare = run_lab("fairness_audit", base_rate=0.1)
    assert strong["current"]["n_pos"] > base["current"]["n_pos"]
    assert rare["current"]["n_pos"] == base["current"]["n_pos"]
    assert rare["current"]["n_apps"] > 2 * base["current"]["n_apps"]


def test_fairness_audit_raising_the_threshold_trades_false_positives_for_false_negatives():
    _, low = run_lab("fairness_audit", threshold=0.4)
    _, high = run_lab("fairness_audit", threshold=1.2)
    assert high["rates"]["fnr_a"] > low["rates"]["fnr_a"]
    assert high["rates"]["fnr_b"] > low["rates"]["fnr_b"]
    assert high["rates"]["fpr"] < low["rates"]["fpr"]
    # pool B's qualified applicants score lower, so it always carries the larger miss rate
    assert high["rates"]["fnr_b"] > high["rates"]["fnr_a"]


def test_fairness_audit_larger_screener_moves_to_more_gpus_and_costs_more_per_application():
    outputs, big = run_lab("fairness_audit", model="Llama-3.1-70B")
    _, small = run_lab("fairness_audit")
    assert big["score"]["n_dev"] > 1 and "Adjusted" in output_text(outputs)
    assert big["score"]["gpu_h_per_app"] > small["score"]["gpu_h_per_app"]
    assert big["gpu_h_needed"] > small["gpu_h_needed"]


def test_fairness_audit_limit_names_the_binding_resource():
    outputs, defs = run_lab("fairness_audit")
    assert defs["binding"] == "data (traffic)" and "data binds" in output_text(outputs)
    outputs, defs = run_lab("fairness_audit", apps_per_year_m=50, reviewer_years=1)
    assert defs["binding"] == "statistics (labels)" and "statistics binds" in output_text(outputs)
    outputs, defs = run_lab("fairness_audit", attributes=1, apps_per_year_m=50, reviewer_years=200, gpu_hour_budget=1,
                            model="Llama-3.1-70B", prompt_tokens=4096)
    assert defs["binding"] == "compute" and "compute binds" in output_text(outputs)
    outputs, defs = run_lab("fairness_audit", attributes=1, apps_per_year_m=50, reviewer_years=200,
                            gpu_hour_budget=10000)
    assert "Within limits" in output_text(outputs)


def test_fairness_audit_a_smaller_labelling_budget_can_only_see_larger_gaps():
    _, rich = run_lab("fairness_audit", reviewer_years=200)
    _, poor = run_lab("fairness_audit", reviewer_years=5)
    assert poor["affordable_pos"] < rich["affordable_pos"]
    assert poor["floor_gap"] > rich["floor_gap"]


def test_fairness_audit_reveal_is_computed_at_the_question_scenario():
    _, defs = run_lab("fairness_audit", attributes=1, gap_pts=10, reviewer_years=1)
    audit = defs["audit"]
    ratio = audit(4, 0.10, 0.03, 0.25, 0.05, 0.8, True)["total"] / audit(1, 0.10, 0.03, 0.25, 0.05, 0.8, True)["total"]
    assert 100 < ratio < 200

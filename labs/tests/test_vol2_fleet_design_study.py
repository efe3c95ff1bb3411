"""Physics of the Volume II capstone lab (fleet_design_study).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the
chapter gives a formula, the size) of the change, or which resource the lab names as binding.
"""
from __future__ import annotations

import pytest

from labkit.harness import output_text, run_lab

LAB = "fleet_design_study"


def test_fleet_design_study_doubling_gpus_shortens_training_but_doubles_power_and_failures():
    _, small = run_lab(LAB, gpus=8192)
    _, large = run_lab(LAB, gpus=16384)
    s, l = small["result"], large["result"]
    assert l["train_mw"] == pytest.approx(2 * s["train_mw"])
    assert l["mtbf_s"] == pytest.approx(s["mtbf_s"] / 2)
    assert l["wall_days"] < s["wall_days"]
    # a fixed batch spread over twice the GPUs runs at a lower MFU, so the run is less than twice as fast
    assert l["wall_days"] > s["wall_days"] / 2
    assert l["run"].step.mfu < s["run"].step.mfu


def test_fleet_design_study_checkpoint_interval_far_from_the_optimum_costs_goodput():
    _, near = run_lab(LAB, ckpt_min=5)
    _, far = run_lab(LAB, ckpt_min=120)
    _, short = run_lab(LAB, ckpt_min=2)
    assert far["result"]["goodput"] < near["result"]["goodput"]
    assert short["result"]["goodput"] < near["result"]["goodput"]
    # the Daly optimum does not depend on the chosen interval, and no interval beats it
    assert near["result"]["plan"].interval_s == pytest.approx(far["result"]["plan"].interval_s)
    for r in (near, far, short):
        assert r["result"]["goodput"] <= r["result"]["plan"].goodput_fraction + 1e-12
    assert far["result"]["wall_days"] > near["result"]["wall_days"]


def test_fleet_design_study_default_fleet_meets_the_brief():
    outputs, defs = run_lab(LAB)
    assert defs["verdict"] is None
    r = defs["result"]
    assert r["wall_days"] <= 90 and r["train_mw"] + r["serve_mw"] <= 20
    assert "Within limits" in output_text(outputs)


def test_fleet_design_study_too_few_replicas_make_serving_capacity_bind():
    outputs, defs = run_lab(LAB, replicas=50)
    assert defs["verdict"][0] == "serving capacity"
    assert defs["result"]["capacity_tok_s"] < defs["result"]["peak_tok_s"]
    assert "Limit hit" in output_text(outputs)
    # demand scales the replicas needed, not the training run
    _, busy = run_lab(LAB, requests_m=100)
    _, base = run_lab(LAB, requests_m=50)
    assert busy["result"]["needed_replicas"] >= 2 * base["result"]["needed_replicas"] - 1
    assert busy["result"]["gpu_hours"] == pytest.approx(base["result"]["gpu_hours"])


def test_fleet_design_study_mi300x_fleet_is_stopped_by_site_power_not_by_the_deadline():
    _, defs = run_lab(LAB, accelerator="MI300X", gpus=16384)
    assert defs["verdict"][0] == "site power"
    assert defs["result"]["wall_days"] < 90
    # with a larger site and enough replicas, the same fleet meets the brief
    _, roomy = run_lab(LAB, accelerator="MI300X", gpus=16384, site_mw=50, replicas=800)
    assert roomy["verdict"] is None
    assert roomy["result"]["train_cost"] is not None


def test_fleet_design_study_h100_fleet_misses_the_deadline_when_power_is_ample():
    _, defs = run_lab(LAB, accelerator="H100-SXM", gpus=16384, pp=16, site_mw=100, replicas=800)
    assert defs["verdict"][0].startswith("the deadline")
    assert defs["result"]["wall_days"] > 90


def test_fleet_design_study_derives_the_memory_setting_when_the_state_overflows():
    outputs, defs = run_lab(LAB, accelerator="H100-SXM", gpus=16384, pp=4)
    assert defs["result"]["opts"]["zero_stage"] > 1
    assert "Adjusted to a valid combination" in output_text(outputs)
    # the heavier memory setting costs utilization against a layout that fits without it
    _, fits = run_lab(LAB, accelerator="H200", gpus=16384, pp=8)
    assert fits["result"]["opts"]["zero_stage"] == 1
    assert fits["result"]["run"].step.mfu > defs["result"]["run"].step.mfu


def test_fleet_design_study_prediction_is_revealed_at_the_question_scenario():
    outputs, _ = run_lab(LAB, guess="site power: the fleet needs more than 20 MW", accelerator="B200", gpus=2048)
    assert "Right." in output_text(outputs)

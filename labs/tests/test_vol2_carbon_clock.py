"""Physics of the Sustainable AI lab (carbon_clock).

Each test moves a control through labkit.harness.run_lab and checks the direction, and where the chapter
gives a formula the size, of the change: operational carbon follows energy × grid intensity, the embodied
share grows as the grid gets cleaner, a longer service life and a smaller embodied estimate shrink the
embodied part, autoscaling shrinks the serving fleet, water is linear in litres per kWh, and invalid
combinations are moved to the nearest valid one instead of blanking the lab. The start-hour test
(short runs can be placed in clean hours, long ones cannot) stays in test_physics.py.
"""
from __future__ import annotations

import html
import math

import mlsysim as ms
import pytest

from labkit.harness import output_text, run_lab

EMB_TRAIN = "embodied (training's GPU-hours)"
EMB_SERVE = "embodied (serving fleet, one year)"
TRAIN = "training (electricity)"
SERVE = "a year of serving (electricity)"


def _embodied(ledger):
    return ledger["parts"][EMB_TRAIN] + ledger["parts"][EMB_SERVE]


def test_carbon_clock_default_matches_the_chapter_formulas():
    _, defs = run_lab("carbon_clock", swing=0)
    run, mine = defs["run"], defs["mine"]
    h100 = ms.hardware("H100-SXM")
    pue = ms.assumptions.DEFAULT_PUE
    # energy = GPU-hours x TDP x power fraction x PUE; carbon = energy x grid intensity (no daily swing here)
    kwh = run.gpu_hours * h100.tdp_w * ms.assumptions.AVERAGE_POWER_FRACTION_OF_TDP * pue / 1e3
    assert mine["train_mwh"] == pytest.approx(kwh / 1e3, rel=1e-6)
    assert mine["parts"][TRAIN] == pytest.approx(kwh * ms.grid_intensity("us") / 1e6, rel=1e-6)
    # embodied per GPU-hour: (150 kg + 2,500 kg / 8) over the engine's 4-year life
    assert mine["emb_g_per_gpu_h"] == pytest.approx((150 + 2500 / 8) * 1e3 / (4 * 365.25 * 24), rel=1e-6)
    # serving fleet: provisioned for twice the mean of 50 M requests x 300 tokens a day
    replicas = math.ceil(50e6 * 300 / 86400 * 2 / mine["replica_tps"])
    assert mine["serve_gpus"] == replicas * mine["replica_gpus"] == replicas * 8


def test_carbon_clock_embodied_share_grows_as_the_grid_gets_cleaner():
    _, us = run_lab("carbon_clock", region="us", serve_region="us")
    _, no = run_lab("carbon_clock", region="norway", serve_region="norway")
    # the embodied part does not depend on the grid; the electricity does
    assert _embodied(no["mine"]) == pytest.approx(_embodied(us["mine"]))
    assert no["mine"]["parts"][TRAIN] < us["mine"]["parts"][TRAIN] / 10
    assert _embodied(no["mine"]) / no["mine"]["total"] > 3 * _embodied(us["mine"]) / us["mine"]["total"]
    # on Norway's grid the manufacturing of the hardware is the largest single part of the ledger
    assert _embodied(no["mine"]) > max(no["mine"]["parts"][TRAIN], no["mine"]["parts"][SERVE])


def test_carbon_clock_service_life_and_embodied_estimate_scale_the_embodied_part():
    _, four = run_lab("carbon_clock", life_years=4)
    _, eight = run_lab("carbon_clock", life_years=8)
    _, quad = run_lab("carbon_clock", embodied_x=4)
    assert _embodied(eight["mine"]) == pytest.approx(_embodied(four["mine"]) / 2)
    assert _embodied(quad["mine"]) == pytest.approx(4 * _embodied(four["mine"]))
    assert eight["mine"]["parts"][TRAIN] == pytest.approx(four["mine"]["parts"][TRAIN])


def test_carbon_clock_autoscaling_and_demand_move_the_serving_fleet():
    _, peak = run_lab("carbon_clock")
    _, auto = run_lab("carbon_clock", autoscale=True)
    _, none = run_lab("carbon_clock", requests_m=0)
    _, more = run_lab("carbon_clock", requests_m=500)
    assert auto["mine"]["serve_gpus"] < 0.6 * peak["mine"]["serve_gpus"]
    assert auto["mine"]["parts"][SERVE] < peak["mine"]["parts"][SERVE]
    assert none["mine"]["serve_gpus"] == 0 and none["mine"]["parts"][SERVE] == 0
    assert more["mine"]["parts"][SERVE] > 9 * peak["mine"]["parts"][SERVE]


def test_carbon_clock_pue_scales_energy_and_water_is_linear_in_wue():
    _, base = run_lab("carbon_clock", pue=1.1, wue=1.0)
    _, hot = run_lab("carbon_clock", pue=1.6, wue=1.0)
    _, wet = run_lab("carbon_clock", pue=1.1, wue=4.0)
    assert hot["mine"]["parts"][SERVE] == pytest.approx(base["mine"]["parts"][SERVE] * 1.6 / 1.1, rel=1e-6)
    assert wet["mine"]["water_l"] == pytest.approx(4 * base["mine"]["water_l"])
    # water follows IT energy, so a worse PUE does not change it for the same serving fleet
    assert hot["mine"]["water_l"] == pytest.approx(base["mine"]["water_l"], rel=1e-2)


def test_carbon_clock_moves_invalid_combinations_instead_of_blanking():
    outputs, defs = run_lab("carbon_clock", model="Llama-3-70B", gpus=8)
    text = html.unescape(output_text(outputs))
    assert defs["params"]["gpus"] == 32 and "Adjusted to a valid combination" in text
    assert "rejected this configuration" not in text
    outputs, defs = run_lab("carbon_clock", model="GPT-2")
    assert defs["prompt_len"] == ms.model("GPT-2").max_seq_len - 300
    assert "Adjusted to a valid combination" in html.unescape(output_text(outputs))


def test_carbon_clock_reveal_names_embodied_carbon_on_a_clean_grid():
    outputs, _ = run_lab("carbon_clock", guess="electricity for the training run")
    text = html.unescape(output_text(outputs))
    assert "Not quite" in text and "manufacturing the GPUs and servers (embodied)" in text

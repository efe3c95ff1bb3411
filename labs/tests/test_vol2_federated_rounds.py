"""Physics of the Edge Intelligence lab (federated_rounds).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the
chapter gives a formula, the size) of the change. That the lab imports no NumPy is checked for every lab
in test_labkit.py.
"""
from __future__ import annotations

import mlsysim as ms
import pytest

from labkit.harness import output_text, run_lab

LAB = "federated_rounds"


def test_federated_rounds_local_training_time_is_three_forward_passes_per_example_from_the_engine():
    _, defs = run_lab(LAB, model="MobileNetV2", device="RPi5", epochs=2)
    forward = ms.edge_fit("MobileNetV2", "RPi5", "fp32").latency_s
    assert defs["current"]["median"]["train"] == pytest.approx(3 * forward * 100 * 2)


def test_federated_rounds_int8_updates_cut_the_upload_fourfold_and_leave_download_and_training_alone():
    _, fp32 = run_lab(LAB, encoding="fp32")
    _, int8 = run_lab(LAB, encoding="int8")
    a, b = fp32["current"]["median"], int8["current"]["median"]
    assert b["upload"] == pytest.approx(a["upload"] / 4)
    assert b["download"] == pytest.approx(a["download"])
    assert b["train"] == pytest.approx(a["train"])
    assert b["energy_j"] < a["energy_j"]


def test_federated_rounds_the_uplink_binds_the_default_round_and_compression_moves_the_bottleneck():
    _, defs = run_lab(LAB, quorum=True)
    m = defs["current"]["median"]
    assert m["upload"] > m["download"] and m["upload"] > m["train"]
    outputs, sparse = run_lab(LAB, quorum=True, encoding="top-1% sparse")
    s = sparse["current"]["median"]
    assert s["upload"] < s["download"] and s["upload"] < s["train"]
    assert "uplink binds" not in output_text(outputs)


def test_federated_rounds_faster_uplink_shortens_the_upload_in_proportion():
    _, slow = run_lab(LAB, uplink_mbps=2)
    _, fast = run_lab(LAB, uplink_mbps=20)
    assert fast["current"]["median"]["upload"] == pytest.approx(slow["current"]["median"]["upload"] / 10)


def test_federated_rounds_more_local_epochs_lengthen_training_and_first_cut_then_raise_the_rounds():
    _, e1 = run_lab(LAB, epochs=1)
    _, e5 = run_lab(LAB, epochs=5)
    _, e20 = run_lab(LAB, epochs=20)
    assert e5["current"]["median"]["train"] == pytest.approx(5 * e1["current"]["median"]["train"])
    # R(E) = R1 (1/E + beta (E - 1)): falls from E = 1 to the optimum 1/sqrt(beta) ~ 7, rises after it
    assert e5["current"]["rounds"] < e1["current"]["rounds"]
    assert e20["current"]["rounds"] > e5["current"]["rounds"]


def test_federated_rounds_without_a_quorum_stragglers_set_the_round_and_a_quorum_restores_the_median_pace():
    outputs, waiting = run_lab(LAB, quorum=False, straggler_pct=10, clients=100)
    _, quorum = run_lab(LAB, quorum=True, straggler_pct=10, clients=100)
    w, q = waiting["current"], quorum["current"]
    assert w["round_s"] > 3 * w["median"]["total"]
    assert "stragglers bind" in output_text(outputs)
    assert q["round_s"] == pytest.approx(q["median"]["total"])
    assert q["wall_days"] < w["wall_days"]
    # the quorum over-selects: it spends energy on clients whose work is discarded
    assert q["selected"] > 100 and q["fleet_kwh"] > w["fleet_kwh"]


def test_federated_rounds_with_no_stragglers_waiting_for_everyone_costs_nothing():
    _, defs = run_lab(LAB, quorum=False, straggler_pct=0)
    assert defs["current"]["round_s"] == pytest.approx(defs["current"]["median"]["total"])


def test_federated_rounds_the_default_run_overshoots_the_one_week_budget_and_a_compressed_quorum_run_fits():
    outputs, _ = run_lab(LAB)
    assert "Limit hit" in output_text(outputs)
    outputs, _ = run_lab(LAB, quorum=True, encoding="int8")
    assert "Within limits" in output_text(outputs)


def test_federated_rounds_a_model_too_large_to_train_at_batch_8_gets_a_smaller_batch_instead_of_a_blank_lab():
    outputs, defs = run_lab(LAB, model="ResNet-50")
    assert defs["batch"] < 8
    assert "Batch reduced" in output_text(outputs)
    assert defs["current"]["median"]["train"] > 0


def test_federated_rounds_reveal_reads_back_the_guess():
    outputs, _ = run_lab(LAB, guess="uploading the update")
    text = output_text(outputs)
    assert "You said uploading the update" in text and "Right." in text

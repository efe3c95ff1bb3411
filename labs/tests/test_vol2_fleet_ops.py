"""Physics of the Operations at Scale lab (fleet_ops).

Each test moves a control through labkit.harness.run_lab and checks the direction, and where the chapter
gives a formula the size, of the change: alerts scale with the fleet, precision does not, persistence and
fewer paging signals cut false alerts, a stricter objective shrinks the error budget, and retraining
compute follows the model and the cadence.
"""
from __future__ import annotations

import ast
from pathlib import Path

import mlsysim as ms
import pytest

from labkit.harness import lab_path, output_text, run_lab

DAY = 86400.0


def test_fleet_ops_does_not_import_numpy():
    """The browser build has no NumPy, so the lab's own code must not import it."""
    tree = ast.parse(Path(lab_path("fleet_ops")).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "numpy" not in imported


def test_fleet_ops_default_matches_the_chapter_arithmetic():
    _, defs = run_lab("fleet_ops")
    cur = defs["current"]
    # real incidents: rates add, N / MTBI per day, the same as the engine's job_mtbf
    assert cur["real"] == pytest.approx(2000 / 365)
    assert cur["mean_between_s"] == pytest.approx(ms.job_mtbf(2000, device_mtbf_s=365 * DAY))
    # false alerts: models x signals x 24 checks x alpha
    assert cur["false"] == pytest.approx(2000 * 40 * 24 * 0.001)
    assert cur["precision"] == pytest.approx(cur["real"] / (cur["real"] + cur["false"]))
    assert cur["precision"] < 0.01


def test_fleet_ops_doubling_the_fleet_doubles_alerts_but_not_precision():
    _, small = run_lab("fleet_ops", models=1000)
    _, large = run_lab("fleet_ops", models=2000)
    s, l = small["current"], large["current"]
    assert l["real"] == pytest.approx(2 * s["real"])
    assert l["false"] == pytest.approx(2 * s["false"])
    assert l["precision"] == pytest.approx(s["precision"])
    assert l["rotations"] > s["rotations"]


def test_fleet_ops_persistence_and_fewer_paging_signals_cut_false_alerts_only():
    _, naive = run_lab("fleet_ops")
    _, fixed = run_lab("fleet_ops", signals=3, persist=2)
    n, f = naive["current"], fixed["current"]
    assert f["false"] == pytest.approx(n["false"] * (3 / 40) * 0.001)
    assert f["real"] == pytest.approx(n["real"])
    assert f["precision"] > 0.9 > n["precision"]
    assert f["rotations"] < n["rotations"]


def test_fleet_ops_more_frequent_incidents_raise_real_load_and_budget_spent():
    _, calm = run_lab("fleet_ops", mtbi_days=730)
    _, busy = run_lab("fleet_ops", mtbi_days=90)
    assert busy["current"]["real"] > calm["current"]["real"]
    assert busy["budget_spent"] == pytest.approx(calm["budget_spent"] * 730 / 90)


def test_fleet_ops_a_stricter_objective_leaves_less_budget():
    _, loose = run_lab("fleet_ops", slo=0.999)
    _, strict = run_lab("fleet_ops", slo=0.9999)
    assert strict["budget_min"] == pytest.approx(loose["budget_min"] / 10)
    assert strict["budget_spent"] == pytest.approx(10 * loose["budget_spent"])
    outputs, _ = run_lab("fleet_ops", slo=0.9999, signals=3, persist=2)
    assert "Limit hit" in output_text(outputs) and "error budget" in output_text(outputs)


def test_fleet_ops_within_limits_for_a_small_quiet_fleet():
    outputs, defs = run_lab("fleet_ops", models=200, signals=3, persist=2, mtbi_days=730, slo=0.99)
    assert defs["current"]["per_shift"] <= 2
    assert "Within limits" in output_text(outputs)


def test_fleet_ops_retraining_compute_follows_model_size_and_cadence():
    _, bert = run_lab("fleet_ops", retrain_model="BERT-base", retrains_per_year=52)
    _, bert_daily = run_lab("fleet_ops", retrain_model="BERT-base", retrains_per_year=365)
    _, llm = run_lab("fleet_ops", retrain_model="Llama-3-70B", retrains_per_year=52)
    assert bert_daily["gpu_hours_year"] == pytest.approx(bert["gpu_hours_year"] * 365 / 52)
    assert llm["gpu_hours_year"] > 1000 * bert["gpu_hours_year"]


def test_fleet_ops_persistence_delays_mitigation_instead_of_blanking():
    outputs, defs = run_lab("fleet_ops", persist=3, mitigate_min=30)
    assert defs["bad_min"] == 120
    assert "Adjusted to a valid combination" in output_text(outputs)
    _, plain = run_lab("fleet_ops", persist=1, mitigate_min=30)
    assert plain["bad_min"] == 30 and plain["notes"] == []


def test_fleet_ops_reveal_reads_back_the_guess():
    outputs, _ = run_lab("fleet_ops", guess="under 1%")
    text = output_text(outputs)
    assert "You said under 1%" in text and "Right." in text
    outputs, _ = run_lab("fleet_ops", guess="about 50%")
    assert "You said about 50%" in output_text(outputs)

"""Physics of the Robust AI lab (silent_corruption).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the chapter gives
a formula, the size) of the change in expected corruptions, rework and detection overhead.
"""
from __future__ import annotations

import ast
import math
from pathlib import Path

import mlsysim as ms
import pytest

from labkit.harness import lab_path, output_text, run_lab

LLAMA3_RATE = 6 / (16384 * 54 * 24)


def test_silent_corruption_does_not_import_numpy():
    """The browser build has no NumPy, so the lab's own code must not import it."""
    tree = ast.parse(Path(lab_path("silent_corruption")).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "numpy" not in imported


def test_silent_corruption_expected_events_are_gpus_times_hours_times_rate():
    _, defs = run_lab("silent_corruption", gpus=4096, days=30, rate_x=1)
    assert defs["current"]["events"] == pytest.approx(4096 * 30 * 24 * LLAMA3_RATE)


def test_silent_corruption_events_grow_with_gpus_and_rework_grows_faster():
    _, small = run_lab("silent_corruption", gpus=4096)
    _, large = run_lab("silent_corruption", gpus=8192)
    assert large["current"]["events"] == pytest.approx(2 * small["current"]["events"])
    # each corruption is also paid on twice as many GPUs
    assert large["current"]["wasted_gpu_hours"] > 3.5 * small["current"]["wasted_gpu_hours"]


def test_silent_corruption_higher_rate_raises_waste_but_not_check_overhead():
    _, low = run_lab("silent_corruption", rate_x=1)
    _, high = run_lab("silent_corruption", rate_x=10)
    assert high["current"]["wasted_gpu_hours"] == pytest.approx(10 * low["current"]["wasted_gpu_hours"])
    assert high["current"]["overhead_gpu_hours"] == pytest.approx(low["current"]["overhead_gpu_hours"])


def test_silent_corruption_better_coverage_cuts_the_missed_rework():
    _, poor = run_lab("silent_corruption", coverage_pct=50)
    _, good = run_lab("silent_corruption", coverage_pct=99)
    assert good["current"]["wasted_gpu_hours"] < poor["current"]["wasted_gpu_hours"] / 3
    assert good["current"]["corrupted_steps"] < poor["current"]["corrupted_steps"]


def test_silent_corruption_checking_more_often_trades_overhead_for_latency():
    _, rare = run_lab("silent_corruption", interval_steps=10000)
    _, often = run_lab("silent_corruption", interval_steps=100)
    assert often["current"]["overhead_gpu_hours"] == pytest.approx(100 * rare["current"]["overhead_gpu_hours"])
    assert often["current"]["wasted_gpu_hours"] < rare["current"]["wasted_gpu_hours"]


def test_silent_corruption_optimum_is_youngs_interval_and_beats_its_neighbours():
    _, defs = run_lab("silent_corruption", coverage_pct=90, check_cost_steps=1)
    cur = defs["current"]
    expected = math.sqrt(2 * cur["step_s"] * cur["job_mtbf_h"] * 3600 / 0.9)
    assert cur["optimum_s"] == pytest.approx(expected)
    assert cur["optimum_s"] == pytest.approx(ms.young_interval(cur["step_s"], cur["job_mtbf_h"] * 3600 / 0.9))
    budget = defs["budget"]
    best = sum(budget(cur["optimum_s"]).values())
    assert best < sum(budget(cur["optimum_s"] / 3).values())
    assert best < sum(budget(cur["optimum_s"] * 3).values())


def test_silent_corruption_interval_longer_than_the_run_is_lowered_with_a_note():
    outputs, defs = run_lab("silent_corruption", days=1, interval_steps=30000)
    assert defs["interval_steps"] < 30000
    assert defs["interval_steps"] * defs["step_s"] <= 24 * 3600
    assert "Check interval lowered from 30,000" in output_text(outputs)


def test_silent_corruption_limit_fires_for_a_large_job_at_a_high_rate():
    outputs, _ = run_lab("silent_corruption", gpus=65536, rate_x=30, coverage_pct=50)
    assert "Limit hit" in output_text(outputs)
    outputs, _ = run_lab("silent_corruption", gpus=512, days=10)
    assert "Within limits" in output_text(outputs)


def test_silent_corruption_reveal_is_a_few_for_the_chapters_scenario():
    outputs, _ = run_lab("silent_corruption", guess="a few")
    text = output_text(outputs)
    assert "Right." in text
    assert "should expect 2.7" in text

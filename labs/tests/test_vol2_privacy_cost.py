"""Physics of the Security and Privacy lab (privacy_cost).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the chapter
gives a formula, the size) of the change in the privacy budget or the bill.
"""
from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from labkit.harness import lab_path, output_text, run_lab


def _accountant():
    """The lab's own accountant functions, from a default run."""
    _, defs = run_lab("privacy_cost")
    return defs["dp_epsilon"]


def test_privacy_cost_does_not_import_numpy():
    """The browser build has no NumPy, so the lab's own code must not import it."""
    tree = ast.parse(Path(lab_path("privacy_cost")).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "numpy" not in imported


def test_privacy_cost_uses_the_engines_accountant_at_its_stated_delta():
    """The lab's epsilon is mlsysim.privacy's (tested there against closed forms) at delta = 1e-8."""
    from mlsysim.privacy import dp_epsilon as engine_epsilon
    dp_epsilon = _accountant()
    q, sigma, steps = 4096 / 2e6, 1.5, 3 * 2e6 / 4096
    assert dp_epsilon(q, sigma, steps) == engine_epsilon(q, sigma, steps, 1e-8)
    assert dp_epsilon(q, sigma, steps, 1e-5)[0] < dp_epsilon(q, sigma, steps)[0]


def test_privacy_cost_more_noise_lowers_epsilon_but_not_the_bill():
    _, low = run_lab("privacy_cost", sigma=0.8)
    _, high = run_lab("privacy_cost", sigma=1.5)
    assert high["current"]["eps"] < low["current"]["eps"] / 2
    assert high["current"]["dp_gpu_hours"] == pytest.approx(low["current"]["dp_gpu_hours"])


def test_privacy_cost_doubling_the_batch_at_fixed_noise_and_epochs_raises_epsilon_by_less_than_double():
    _, base = run_lab("privacy_cost", batch=4096)
    _, double = run_lab("privacy_cost", batch=8192)
    ratio = double["current"]["eps"] / base["current"]["eps"]
    assert 1.0 < ratio < math.sqrt(2) + 0.05
    # the noise in each averaged update halves, and the same tokens cost about the same GPU-hours
    assert double["current"]["noise_std"] == pytest.approx(base["current"]["noise_std"] / 2)
    assert double["current"]["plain_gpu_hours"] == pytest.approx(base["current"]["plain_gpu_hours"], rel=0.25)


def test_privacy_cost_more_epochs_raise_epsilon_and_the_bill_in_proportion():
    _, short = run_lab("privacy_cost", epochs=2)
    _, long = run_lab("privacy_cost", epochs=10)
    assert long["current"]["eps"] > short["current"]["eps"]
    assert long["current"]["dp_gpu_hours"] == pytest.approx(5 * short["current"]["dp_gpu_hours"], rel=1e-6)


def test_privacy_cost_clipping_multiplier_raises_only_the_private_bill():
    _, cheap = run_lab("privacy_cost", clip_multiplier=1.0)
    _, dear = run_lab("privacy_cost", clip_multiplier=3.0)
    assert dear["current"]["dp_gpu_hours"] > cheap["current"]["dp_gpu_hours"]
    assert dear["current"]["plain_gpu_hours"] == pytest.approx(cheap["current"]["plain_gpu_hours"])
    assert dear["current"]["eps"] == pytest.approx(cheap["current"]["eps"])
    # a multiplier of 1 leaves only the noise pass on top of the non-private run
    assert cheap["current"]["dp_gpu_hours"] == pytest.approx(cheap["current"]["plain_gpu_hours"], rel=0.02)


def test_privacy_cost_confidential_computing_divides_throughput():
    _, plain = run_lab("privacy_cost", confidential=False, cc_loss=0.25)
    _, cc = run_lab("privacy_cost", confidential=True, cc_loss=0.25)
    assert cc["current"]["dp_gpu_hours"] == pytest.approx(plain["current"]["dp_gpu_hours"] / 0.75)
    assert cc["current"]["eps"] == pytest.approx(plain["current"]["eps"])


def test_privacy_cost_more_records_strengthen_the_guarantee_at_the_same_batch_and_epochs():
    _, small = run_lab("privacy_cost", records_m=0.5)
    _, large = run_lab("privacy_cost", records_m=10)
    assert large["current"]["eps"] < small["current"]["eps"]


def test_privacy_cost_batch_is_capped_at_a_tenth_of_the_data_with_a_note():
    outputs, defs = run_lab("privacy_cost", records_m=0.1, batch=65536)
    assert defs["batch"] == 8192
    assert "Batch lowered from 65,536 to 8,192" in output_text(outputs)


def test_privacy_cost_small_noise_and_long_training_hit_the_budget_limit():
    outputs, _ = run_lab("privacy_cost", sigma=0.5, epochs=20, batch=65536, records_m=1)
    assert "Limit hit" in output_text(outputs) and "exceeds 8" in output_text(outputs)
    outputs, _ = run_lab("privacy_cost")
    assert "Within limits" in output_text(outputs)


def test_privacy_cost_reveal_is_the_accountants_answer():
    dp_epsilon = _accountant()
    base = dp_epsilon(4096 / 2e6, 1.0, 3 * 2e6 / 4096)[0]
    double = dp_epsilon(8192 / 2e6, 1.0, 3 * 2e6 / 8192)[0]
    assert 1.1 < double / base < 1.3
    outputs, _ = run_lab("privacy_cost", guess="it grows by about 20%")
    assert f"{double:.2f}" in output_text(outputs)

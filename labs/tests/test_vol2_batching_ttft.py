"""Physics of the Inference at Scale lab (batching_ttft): the batch a TPOT objective allows, goodput per GPU,
prefill/decode disaggregation, the daily fleet, and the nearest valid replica when the chosen one cannot hold
the model.

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the chapter gives
a formula, the size) of the change.
"""
from __future__ import annotations

import ast
from pathlib import Path

import mlsysim as ms
import pytest

from labkit.harness import error_messages, lab_path, output_text, run_lab


def test_batching_ttft_does_not_import_numpy():
    """The browser build has no NumPy, so the lab's own code must not import it."""
    tree = ast.parse(Path(lab_path("batching_ttft")).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "numpy" not in imported


def test_batching_ttft_raises_throughput_and_tpot():
    _, one = run_lab("batching_ttft", batch=1)
    _, many = run_lab("batching_ttft", batch=64)
    assert many["serving"].tokens_per_s > 20 * one["serving"].tokens_per_s
    assert many["serving"].tpot_s > one["serving"].tpot_s
    assert many["serving"].tpot_s < 8 * one["serving"].tpot_s  # decode is weight-bound, not 64x slower
    _, short = run_lab("batching_ttft", prompt_len=128)
    _, long = run_lab("batching_ttft", prompt_len=7680)
    assert long["serving"].ttft_s > 20 * short["serving"].ttft_s


def test_batching_ttft_405b_on_one_gpu_uses_the_fewest_gpus_that_hold_it():
    # FP8 weights (406 GB) need 8 x 80 GB: the lab derives that replica instead of blanking
    outputs, fp8 = run_lab("batching_ttft", model="Llama-3.1-405B", n_devices=1, dtype="fp8")
    assert fp8["n_devices"] == 8 and fp8["dtype"] == "fp8"
    assert not error_messages(outputs)
    assert "Adjusted to a valid combination" in output_text(outputs)
    # BF16 weights (812 GB) fit on no eight-A100 replica: the lab moves to FP8 and says so
    outputs, a100 = run_lab("batching_ttft", model="Llama-3.1-405B", n_devices=1, hardware="A100-80GB")
    assert a100["n_devices"] == 8 and a100["dtype"] == "fp8"
    assert not error_messages(outputs) and "FP8" in output_text(outputs)
    # a 70B model in BF16 needs two H100s, not eight
    _, m70 = run_lab("batching_ttft", model="Llama-3-70B", n_devices=1)
    assert m70["n_devices"] == 2
    weights = ms.model("Llama-3-70B").weight_bytes("bf16")
    assert ms.hardware("H100-SXM").memory_bytes < weights < 2 * ms.hardware("H100-SXM").memory_bytes


def test_batching_ttft_chosen_replica_that_fits_is_kept():
    outputs, defs = run_lab("batching_ttft", model="Llama-3-8B", n_devices=1)
    assert defs["n_devices"] == 1 and not defs["notes"]
    assert "Adjusted to a valid combination" not in output_text(outputs)


def test_batching_ttft_tighter_tpot_objective_shrinks_the_batch_and_goodput():
    _, loose = run_lab("batching_ttft", tpot_slo_ms=50)
    _, tight = run_lab("batching_ttft", tpot_slo_ms=25)
    assert tight["slo_batch"] < loose["slo_batch"]
    assert tight["fleet"]["full_rps_per_gpu"] < loose["fleet"]["full_rps_per_gpu"]
    # the chapter's worked example: at 50 ms the colocated 70B replica runs batch 184
    assert loose["slo_batch"] == 184


def test_batching_ttft_disaggregation_pays_at_a_tight_objective_only():
    _, colo = run_lab("batching_ttft", tpot_slo_ms=25)
    _, split = run_lab("batching_ttft", tpot_slo_ms=25, disaggregate=True)
    assert split["slo_batch"] > 2 * colo["slo_batch"]
    assert split["fleet"]["full_rps_per_gpu"] > 1.2 * colo["fleet"]["full_rps_per_gpu"]
    _, colo_loose = run_lab("batching_ttft", tpot_slo_ms=100)
    _, split_loose = run_lab("batching_ttft", tpot_slo_ms=100, disaggregate=True)
    assert split_loose["fleet"]["full_rps_per_gpu"] < 1.05 * colo_loose["fleet"]["full_rps_per_gpu"]


def test_batching_ttft_tighter_ttft_objective_lowers_the_usable_load():
    _, loose = run_lab("batching_ttft", ttft_slo_s=4.0)
    _, tight = run_lab("batching_ttft", ttft_slo_s=0.25)
    assert (tight["fleet"]["usable"] or 0.0) < loose["fleet"]["usable"]
    assert tight["fleet"]["goodput_per_gpu"] < loose["fleet"]["goodput_per_gpu"]


def test_batching_ttft_fleet_follows_demand_and_autoscaling_pays_with_the_swing():
    _, small = run_lab("batching_ttft", peak_rps=30)
    _, large = run_lab("batching_ttft", peak_rps=300)
    assert large["day"]["gpus_static"] > 5 * small["day"]["gpus_static"]
    _, flat = run_lab("batching_ttft", peak_to_trough=1.0)
    _, swing = run_lab("batching_ttft", peak_to_trough=5.0)
    # a flat day needs the same fleet every hour; a 5:1 day lets the autoscaler return GPUs at night
    assert flat["day"]["gpu_h_auto"] == flat["day"]["gpu_h_static"]
    assert swing["day"]["gpu_h_auto"] < 0.75 * swing["day"]["gpu_h_static"]
    assert swing["day"]["usd_per_mtok_static"] > flat["day"]["usd_per_mtok_static"]
    # cost per million tokens = GPU-hours x price / tokens
    d = swing["day"]
    assert d["usd_per_mtok_auto"] == pytest.approx(d["gpu_h_auto"] * ms.cloud_price("H100-SXM") / d["tokens"] * 1e6)


def test_batching_ttft_gpu_without_a_cloud_price_says_so():
    outputs, defs = run_lab("batching_ttft", hardware="H200")
    assert defs["usd_per_gpu_hour"] is None
    assert "no cloud price recorded" in output_text(outputs)

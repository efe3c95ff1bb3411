"""Physics of the Performance Engineering lab (perf_engineering).

Each test moves a control through labkit.harness.run_lab and checks the direction, and where the
chapter gives a formula the size, of the change in the step-time ledger. (That the lab imports no NumPy is checked for every lab by
test_labkit.test_lab_code_imports_no_numpy.)
"""
from __future__ import annotations

import mlsysim as ms
import pytest

from labkit.harness import output_text, run_lab

LAB = "perf_engineering"


def test_perf_engineering_defaults_reproduce_the_engine_step_when_fully_optimised():
    """With FlashAttention, fusion and the gradient overlap on, the ledger is MLSys·im's train_step itself."""
    _, d = run_lab(LAB, flash=True, fused=True, dp_overlap=True)
    engine = ms.train_step("Llama-2-13B", "DGX-H100", 32, 256, 4096, tp=2, zero_stage=1, recompute="selective")
    assert d["current"]["step_s"] == pytest.approx(engine.step_time_s, rel=1e-9)
    assert d["current"]["mfu16"] == pytest.approx(engine.mfu, rel=1e-9)


def test_perf_engineering_flash_attention_removes_memory_bound_time_and_adds_tensor_core_time():
    _, off = run_lab(LAB)
    _, on = run_lab(LAB, flash=True)
    assert on["current"]["parts"]["memory-bound kernels"] < off["current"]["parts"]["memory-bound kernels"]
    assert on["current"]["parts"]["tensor-core compute"] > off["current"]["parts"]["tensor-core compute"]
    assert on["current"]["mfu16"] > off["current"]["mfu16"]


def test_perf_engineering_fusion_cuts_only_the_memory_bound_row():
    _, off = run_lab(LAB, flash=True)
    _, on = run_lab(LAB, flash=True, fused=True)
    a, b = off["current"]["parts"], on["current"]["parts"]
    assert b["memory-bound kernels"] < a["memory-bound kernels"]
    assert b["tensor-core compute"] == pytest.approx(a["tensor-core compute"])
    assert b["exposed TP all-reduce"] == pytest.approx(a["exposed TP all-reduce"])


def test_perf_engineering_decomposed_tp_all_reduce_exposes_a_quarter():
    _, off = run_lab(LAB, flash=True, fused=True)
    _, on = run_lab(LAB, flash=True, fused=True, tp_overlap=True)
    assert on["current"]["parts"]["exposed TP all-reduce"] == pytest.approx(off["current"]["parts"]["exposed TP all-reduce"] / 4)


def test_perf_engineering_gradient_overlap_hides_the_all_reduce_behind_the_last_backward():
    _, off = run_lab(LAB, flash=True, fused=True)
    _, on = run_lab(LAB, flash=True, fused=True, dp_overlap=True)
    assert off["current"]["parts"]["exposed gradient all-reduce"] > 0
    assert on["current"]["parts"]["exposed gradient all-reduce"] < off["current"]["parts"]["exposed gradient all-reduce"]


def test_perf_engineering_fp8_shortens_the_step_but_lowers_mfu_against_its_own_peak():
    _, bf16 = run_lab(LAB, flash=True, fused=True, dp_overlap=True)
    _, fp8 = run_lab(LAB, flash=True, fused=True, dp_overlap=True, fp8=True)
    assert fp8["current"]["step_s"] < bf16["current"]["step_s"]
    assert fp8["current"]["mfu16"] > bf16["current"]["mfu16"]
    # against the FP8 peak (twice the BF16 one) the same run reports a lower MFU
    assert fp8["current"]["mfu_own"] < bf16["current"]["mfu_own"]
    # and FP8 adds quantisation traffic to the memory-bound row
    assert fp8["current"]["parts"]["memory-bound kernels"] > bf16["current"]["parts"]["memory-bound kernels"]


def test_perf_engineering_cuda_graphs_help_only_a_launch_bound_step():
    _, long_off = run_lab(LAB, flash=True)
    _, long_on = run_lab(LAB, flash=True, graphs=True)
    assert long_off["current"]["parts"]["exposed launch overhead"] == 0
    assert long_on["current"]["step_s"] == pytest.approx(long_off["current"]["step_s"])
    short = dict(gpus=256, seq=512, tp=8, flash=True)
    out_off, short_off = run_lab(LAB, **short)
    _, short_on = run_lab(LAB, graphs=True, **short)
    assert short_off["current"]["parts"]["exposed launch overhead"] > 0
    assert "launch-bound" in output_text(out_off)
    assert short_on["current"]["parts"]["exposed launch overhead"] == 0
    assert short_on["current"]["mfu16"] > short_off["current"]["mfu16"]
    # a slower host makes the launch-bound step worse
    _, slow_host = run_lab(LAB, host_us=20.0, **short)
    assert slow_host["current"]["parts"]["exposed launch overhead"] > short_off["current"]["parts"]["exposed launch overhead"]


def test_perf_engineering_tp_that_does_not_fit_is_raised_with_a_note():
    outputs, d = run_lab(LAB, tp=1)
    assert d["params"]["tp"] == 2
    assert "Adjusted to a valid combination" in output_text(outputs)


def test_perf_engineering_prediction_is_flash_attention():
    outputs, _ = run_lab(LAB, guess="FlashAttention")
    assert "Right." in output_text(outputs)
    outputs, _ = run_lab(LAB, guess="CUDA graphs")
    assert "Not quite" in output_text(outputs)

"""Monotonicity and consistency properties over random configurations (hypothesis)."""
import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

import mlsysim as ms

FAST = settings(max_examples=40, deadline=None)
DEVICES = ["A100-80GB", "H100-SXM", "H200", "MI300X", "B200"]


def scaled(hw, flops=1.0, bw=1.0):
    return hw.replace(peak_flops_by_dtype={k: v * flops for k, v in hw.peak_flops_by_dtype.items()},
                      memory_bw_bytes_per_s=hw.memory_bw_bytes_per_s * bw)


@FAST
@given(st.sampled_from(DEVICES), st.floats(1e6, 1e15), st.floats(1e3, 1e12), st.floats(1.0, 8.0))
def test_roofline_more_bandwidth_or_flops_is_never_slower(name, flop, moved, factor):
    hw = ms.hardware(name)
    base = ms.roofline(hw, flop, moved)
    assert ms.roofline(scaled(hw, bw=factor), flop, moved).time_s <= base.time_s * (1 + 1e-12)
    assert ms.roofline(scaled(hw, flops=factor), flop, moved).time_s <= base.time_s * (1 + 1e-12)
    # units: time x attainable throughput reproduces the operation count
    assert base.time_s * base.attainable_flops == pytest.approx(flop, rel=1e-9)


@FAST
@given(st.sampled_from(["Llama-3-8B", "Llama-2-13B", "Mixtral-8x7B"]), st.sampled_from(DEVICES),
       st.integers(1, 64), st.integers(16, 2048), st.integers(1, 512), st.floats(1.0, 4.0))
def test_serving_faster_hardware_never_slower(model, name, batch, prompt, output, factor):
    hw = ms.hardware(name)
    try:
        base = ms.serve(model, hw, batch, prompt, output)
    except ms.DoesNotFitError:
        return
    faster = ms.serve(model, scaled(hw, flops=factor, bw=factor), batch, prompt, output)
    assert faster.tpot_s <= base.tpot_s * (1 + 1e-12)
    assert faster.ttft_s <= base.ttft_s * (1 + 1e-12)


@FAST
@given(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.integers(1, 3), st.floats(1.0, 4.0))
def test_training_faster_hardware_never_slower(tp, pp, micro, factor):
    hw = ms.hardware("H100-SXM")
    n = 8 * tp * pp
    kwargs = dict(tp=tp, pp=pp, micro_batch=micro, check_memory=False)
    base = ms.train_step("Llama-3-8B", hw, n, 8 * micro * 4, 2048, **kwargs)
    for fast in (scaled(hw, flops=factor), scaled(hw, bw=factor)):
        assert ms.train_step("Llama-3-8B", fast, n, 8 * micro * 4, 2048, **kwargs).step_time_s <= base.step_time_s * (1 + 1e-9)


@FAST
@given(st.sampled_from(["Llama-3-8B", "Llama-3-70B", "GPT-3-175B"]), st.integers(0, 3), st.sampled_from([1, 2, 4, 8]),
       st.integers(1, 6), st.booleans())
def test_more_devices_never_increase_per_device_memory(model, zero, tp, dp_exp, recompute):
    smaller = ms.training_memory(model, 1, 2048, zero_stage=zero, dp=2**dp_exp, tp=tp, recompute=recompute)
    larger_dp = ms.training_memory(model, 1, 2048, zero_stage=zero, dp=2 ** (dp_exp + 1), tp=tp, recompute=recompute)
    larger_tp = ms.training_memory(model, 1, 2048, zero_stage=zero, dp=2**dp_exp, tp=tp * 2, recompute=recompute)
    assert larger_dp.total_bytes <= smaller.total_bytes
    assert larger_tp.total_bytes <= smaller.total_bytes
    inf_1 = ms.inference_memory(model, 4, 2048, n_devices=tp)
    inf_2 = ms.inference_memory(model, 4, 2048, n_devices=tp * 2)
    assert inf_2.total_bytes <= inf_1.total_bytes


@FAST
@given(st.sampled_from(["all_reduce", "all_gather", "reduce_scatter", "all_to_all"]), st.floats(1e3, 1e10),
       st.sampled_from([2, 4, 8]), st.floats(1.0, 4.0))
def test_collective_monotone_in_size_and_bandwidth(op, size, n, factor):
    link = ms.interconnect("NVLink4")
    base = ms.collective(op, size, n, link)
    assert ms.collective(op, size * 2, n, link).time_s > base.time_s
    faster = link.replace(bandwidth_bytes_per_s=link.bandwidth_bytes_per_s * factor)
    assert ms.collective(op, size, n, faster).time_s <= base.time_s


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DEVICES), st.floats(1e6, 1e15), st.floats(1e3, 1e12), st.floats(1.0, 8.0))
def test_roofline_monotone_long_run(name, flop, moved, factor):
    test_roofline_more_bandwidth_or_flops_is_never_slower.hypothesis.inner_test(name, flop, moved, factor)


def test_pint_quantities_are_accepted_at_the_boundary():
    pint = pytest.importorskip("pint")
    u = pint.UnitRegistry()
    assert ms.energy(700 * u.W, 1 * u.hour, pue=1.0) == pytest.approx(700 * 3600)
    assert ms.roofline("H100-SXM", 1e12, 1 * u.GB).bytes_moved == pytest.approx(1e9)
    assert ms.collective("all_reduce", 64 * u.MiB, 8, "NVLink4").message_bytes == pytest.approx(64 * 2**20)
    assert ms.carbon(1 * u.kWh, "france") == pytest.approx(ms.grid_intensity("france"))


@FAST
@given(st.floats(1e3, 1e12), st.floats(1.0, 1e4))
def test_units_rescale_consistently(moved, scale):
    # the same kernel expressed in MB instead of B moves the same bytes; time is invariant
    pint = pytest.importorskip("pint")
    u = _UREG
    a = ms.roofline("H100-SXM", 1e12, moved)
    b = ms.roofline("H100-SXM", 1e12, (moved / 1e6) * u.MB)
    assert a.time_s == pytest.approx(b.time_s, rel=1e-9)
    assert ms.energy(scale * u.kW, 60 * u.s) == pytest.approx(ms.energy(scale * 1000, 60), rel=1e-9)


try:
    import pint as _pint
    _UREG = _pint.UnitRegistry()
except ImportError:  # pint is optional for the package; the venv has it
    _UREG = None

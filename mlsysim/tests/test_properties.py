"""Monotonicity and consistency properties over random configurations (hypothesis)."""
import dataclasses

import numpy as np
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


@FAST
@given(st.lists(st.tuples(st.integers(1, 8), st.sampled_from([512, 2048, 4096]), st.sampled_from([1, 2, 4, 8]),
                          st.sampled_from([1, 2, 4]), st.integers(0, 3), st.booleans(), st.booleans()), min_size=1, max_size=8))
def test_sweep_matches_scalar_memory(configs):
    batch, seq, tp, pp, zero, recompute, sp = map(np.array, zip(*configs))
    dp = np.full(len(configs), 4)
    sp = sp & (tp > 1)
    swept = ms.sweep.training_memory("Llama-3-8B", batch, seq, dp=dp, tp=tp, pp=pp, zero_stage=zero, recompute=recompute, sp=sp)
    for i, (b, s, t, p, z, r, _) in enumerate(configs):
        scalar = ms.training_memory("Llama-3-8B", b, s, dp=4, tp=t, pp=p, zero_stage=z, recompute=bool(r), sp=bool(sp[i]))
        assert swept["total_bytes"][i] == pytest.approx(scalar.total_bytes, rel=1e-12)


@FAST
@given(st.sampled_from(DEVICES), st.lists(st.tuples(st.floats(1e6, 1e15), st.floats(1e3, 1e12)), min_size=1, max_size=16))
def test_sweep_matches_scalar_roofline(name, pairs):
    flop, moved = map(np.array, zip(*pairs))
    swept = ms.sweep.roofline(flop, moved, hw=name)
    for i, (f, m) in enumerate(pairs):
        assert swept["time_s"][i] == pytest.approx(ms.roofline(name, f, m).time_s, rel=1e-12)


def test_sweep_rejects_bad_arrays():
    with pytest.raises(ms.ValidationError, match="bytes_moved"):
        ms.sweep.roofline(np.ones(3), np.array([1.0, -1.0, 2.0]), hw="H100-SXM")
    with pytest.raises(ms.ValidationError, match="tp"):
        ms.sweep.training_memory("Llama-3-8B", 1, 2048, tp=np.array([1, 3]))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DEVICES), st.floats(1e6, 1e15), st.floats(1e3, 1e12), st.floats(1.0, 8.0))
def test_roofline_monotone_long_run(name, flop, moved, factor):
    test_roofline_more_bandwidth_or_flops_is_never_slower.hypothesis.inner_test(name, flop, moved, factor)


@FAST
@given(st.lists(st.tuples(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.sampled_from([1, 2]),
                          st.integers(0, 3), st.booleans(), st.booleans(), st.sampled_from([1, 2])), min_size=1, max_size=6),
       st.sampled_from(["Llama-3-8B", "Mixtral-8x7B", "Llama-2-13B"]), st.sampled_from(["bf16", "fp8"]))
def test_sweep_train_step_matches_scalar(configs, model, precision):
    tp, pp, mb, zero, recompute, sp, v = map(np.array, zip(*configs))
    sp = sp & (tp > 1)
    cluster = ms.cluster("DGX-H100", nodes=16)
    swept = ms.sweep.train_step(model, cluster, 128, 512, 2048, tp=tp, pp=pp, micro_batch=mb, zero_stage=zero,
                                recompute=recompute, sp=sp, virtual_stages=v, precision=precision)
    for i, (t, p, m_, z, r, _, vs) in enumerate(configs):
        scalar = ms.train_step(model, cluster, 128, 512, 2048, tp=t, pp=p, micro_batch=m_, zero_stage=z, recompute=bool(r),
                               sp=bool(sp[i]), virtual_stages=vs, precision=precision, check_memory=False)
        assert swept["step_time_s"][i] == pytest.approx(scalar.step_time_s, rel=1e-9)
        assert swept["mfu"][i] == pytest.approx(scalar.mfu, rel=1e-9)
        assert swept["memory_bytes"][i] == pytest.approx(scalar.memory.total_bytes, rel=1e-9)


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


def test_sweeps_larger_than_one_block_agree_with_scalar_and_keep_shape():
    from mlsysim.sweep import _CHUNK
    rng = np.random.default_rng(7)
    n = 2 * _CHUNK + 123
    tp, pp = rng.choice([1, 2, 4, 8], n), rng.choice([1, 2, 4], n)
    cluster = ms.cluster("DGX-H100", nodes=8)
    swept = ms.sweep.train_step("Llama-3-8B", cluster, 64, 1024, 4096, tp=tp, pp=pp)
    assert swept["step_time_s"].shape == (n,)
    for i in (0, _CHUNK - 1, _CHUNK, n - 1):
        scalar = ms.train_step("Llama-3-8B", cluster, 64, 1024, 4096, tp=int(tp[i]), pp=int(pp[i]), check_memory=False)
        assert swept["step_time_s"][i] == pytest.approx(scalar.step_time_s, rel=1e-12)
    grid = ms.sweep.roofline(np.full((300, 250), 1e12), np.full((300, 250), 1e9), hw="A100-80GB")
    assert grid["time_s"].shape == (300, 250) and grid["ridge_point"].shape == (300, 250)

"""mlsysim.sweep (the only NumPy-backed module): arrays of configurations equal the scalar path.

Skipped where NumPy is absent; tests/test_no_numpy.py checks the scalar suite and the error there.
"""
import pytest
from hypothesis import given, settings, strategies as st

np = pytest.importorskip("numpy")

import mlsysim as ms  # noqa: E402

FAST = settings(max_examples=40, deadline=None)
DEVICES = ["A100-80GB", "H100-SXM", "H200", "MI300X", "B200"]


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


@FAST
@given(st.lists(st.tuples(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.sampled_from([1, 2]),
                          st.integers(0, 3), st.booleans(), st.booleans(), st.sampled_from([1, 2])), min_size=1, max_size=6),
       st.sampled_from(["Llama-3-8B", "Mixtral-8x7B", "Llama-2-13B"]), st.sampled_from(["bf16", "fp8"]),
       st.sampled_from(["default", "fused"]))
def test_sweep_train_step_matches_scalar(configs, model, precision, attention):
    tp, pp, mb, zero, recompute, sp, v = map(np.array, zip(*configs))
    sp = sp & (tp > 1)
    cluster = ms.cluster("DGX-H100", nodes=16)
    swept = ms.sweep.train_step(model, cluster, 128, 512, 2048, tp=tp, pp=pp, micro_batch=mb, zero_stage=zero,
                                recompute=recompute, sp=sp, virtual_stages=v, precision=precision,
                                attention_kernel=attention)
    for i, (t, p, m_, z, r, _, vs) in enumerate(configs):
        scalar = ms.train_step(model, cluster, 128, 512, 2048, tp=t, pp=p, micro_batch=m_, zero_stage=z, recompute=bool(r),
                               sp=bool(sp[i]), virtual_stages=vs, precision=precision, check_memory=False,
                               attention_kernel=attention)
        assert swept["step_time_s"][i] == pytest.approx(scalar.step_time_s, rel=1e-9)
        assert swept["mfu"][i] == pytest.approx(scalar.mfu, rel=1e-9)
        assert swept["memory_bytes"][i] == pytest.approx(scalar.memory.total_bytes, rel=1e-9)


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


@FAST
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0, 100))
def test_queue_percentile_equals_numpy(values, q):
    from mlsysim.queueing import percentile
    assert percentile(sorted(values), q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12, abs=1e-9)

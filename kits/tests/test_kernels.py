"""The C kernels (compiled for the host) agree bit for bit with the NumPy reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kits_host import quant
from kits_host.quant import Window

int32s = st.integers(min_value=-(2**31), max_value=2**31 - 1)


@settings(max_examples=400, deadline=None)
@given(acc=int32s, multiplier=st.integers(min_value=0, max_value=2**31 - 1),
       shift=st.integers(min_value=-31, max_value=8))
def test_requantize_matches_reference(core, acc, multiplier, shift):
    assert core.requantize(acc, multiplier, shift) == int(quant.requantize(acc, multiplier, shift))


@settings(max_examples=300, deadline=None)
@given(a=int32s, b=int32s, near_tie=st.booleans())
def test_doubling_high_mul_matches_reference(core, a, b, near_tie):
    # The C core computes it as (a*b + 2^30) >> 31; ties (a*b = k*2^31 + 2^30) are where
    # that could part from gemmlowp's nudge-and-truncate form, so half the draws sit on one.
    import ctypes
    if near_tie:
        b = 2**30
        a = max(min(a | 1, 2**31 - 1), -(2**31))  # odd a: a * 2^30 is a tie
    fn = core.lib.kits_saturating_rounding_doubling_high_mul
    fn.restype, fn.argtypes = ctypes.c_int32, [ctypes.c_int32, ctypes.c_int32]
    assert fn(a, b) == int(quant.saturating_rounding_doubling_high_mul(a, b))
    assert fn(-(2**31), -(2**31)) == 2**31 - 1


def test_requantize_known_values():
    m, s = quant.quantize_multiplier(0.5)
    assert (m, s) == (2**30, 0)
    assert int(quant.requantize(100, m, s)) == 50
    assert int(quant.requantize(3, m, s)) == 2
    # gemmlowp's doubling high multiply breaks a negative tie toward zero: -1.5 -> -1 ...
    assert int(quant.saturating_rounding_doubling_high_mul(-3, 2**30)) == -1
    # ... while the power-of-two divide rounds ties away from zero: -1.5 -> -2, -1.25 -> -1.
    assert int(quant.rounding_divide_by_pot(-3, 1)) == -2
    assert int(quant.rounding_divide_by_pot(-5, 2)) == -1
    assert int(quant.rounding_divide_by_pot(5, 1)) == 3
    assert quant.quantize_multiplier(0.0) == (0, 0)
    with pytest.raises(ValueError, match="must be >= 0"):
        quant.quantize_multiplier(-1.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-6, max_value=100.0))
def test_quantize_multiplier_represents_value(real):
    m, s = quant.quantize_multiplier(real)
    assert 2**30 <= m < 2**31
    assert abs(m * 2.0 ** (s - 31) - real) <= real * 2**-30


def _per_channel(rng, n):
    mults = [quant.quantize_multiplier(x) for x in rng.uniform(1e-4, 0.05, n)]
    return np.array([m for m, _ in mults]), np.array([s for _, s in mults])


# Both kernel families: the portable C and the DSP-extension kernels (SMLAD/SXTB16; on the
# host they run C equivalents of those instructions, under QEMU the instructions themselves,
# see test_dsp_kernels_under_qemu).
VARIANTS = pytest.mark.parametrize("variant", ["portable", "dsp"])


def _values(rng, extreme, low, shape):
    """int8 test data; `extreme` uses only the end points, the worst case for 16-bit lanes."""
    if extreme:
        return rng.choice([low, 127], shape)
    return rng.integers(low, 128, shape)


@VARIANTS
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), in_f=st.integers(1, 64), out_f=st.integers(1, 16),
       relu=st.booleans(), extreme=st.booleans())
def test_fully_connected_bit_exact(core, variant, seed, in_f, out_f, relu, extreme):
    rng = np.random.default_rng(seed)
    x = _values(rng, extreme, -128, in_f)
    w = _values(rng, extreme, -127, (out_f, in_f))
    b = rng.integers(-5000, 5000, out_f)
    m, s = _per_channel(rng, out_f)
    in_off, out_off = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    act_min = out_off if relu else -128
    act_min = max(-128, min(act_min, 127))
    ref = quant.fully_connected_s8(x, w, b, m, s, in_off, out_off, act_min, 127)
    got = core.fully_connected_s8(x, w, b, m, s, in_off, out_off, act_min, 127, variant=variant)
    np.testing.assert_array_equal(got, ref)


geometry = st.fixed_dictionaries({
    "in_h": st.integers(1, 9), "in_w": st.integers(1, 9), "in_c": st.integers(1, 12),
    "k": st.integers(1, 4), "stride": st.integers(1, 3), "padding": st.sampled_from(["same", "valid"]),
})


def _window(g, out_c):
    k = min(g["k"], g["in_h"], g["in_w"]) if g["padding"] == "valid" else g["k"]
    return Window.for_input(g["in_h"], g["in_w"], g["in_c"], out_c, k, k, g["stride"], g["stride"],
                            g["padding"])


@VARIANTS
@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), g=geometry, out_c=st.integers(1, 6), extreme=st.booleans())
def test_conv2d_bit_exact(core, variant, seed, g, out_c, extreme):
    rng = np.random.default_rng(seed)
    w = _window(g, out_c)
    x = _values(rng, extreme, -128, (w.in_h, w.in_w, w.in_c))
    k = _values(rng, extreme, -127, (out_c, w.kernel_h, w.kernel_w, w.in_c))
    b = rng.integers(-2000, 2000, out_c)
    m, s = _per_channel(rng, out_c)
    args = (m, s, int(rng.integers(-128, 128)), int(rng.integers(-128, 128)))
    np.testing.assert_array_equal(core.conv2d_s8(x, w, k, b, *args, variant=variant),
                                  quant.conv2d_s8(x, w, k, b, *args))


def test_dsp_conv2d_padding_taps_inside_a_lane_group(core, rng):
    # in_c = 5: groups of four patch values straddle taps, and the right/bottom padding
    # taps must land in their lane-ordered slots (a stale slot here once went unnoticed).
    w = Window.for_input(6, 8, 5, 6, 3, 3, 2, 2, "same")
    x = rng.integers(-128, 128, (6, 8, 5))
    k = rng.integers(-127, 128, (6, 3, 3, 5))
    args = (np.full(6, 1 << 30), np.full(6, -9), 60, -3)
    for _ in range(2):  # the second call sees the first call's patch buffer
        np.testing.assert_array_equal(core.conv2d_s8(x, w, k, np.zeros(6), *args, variant="dsp"),
                                      quant.conv2d_s8(x, w, k, np.zeros(6), *args))


def test_dsp_conv2d_falls_back_beyond_its_patch_buffer(core, rng):
    # 5x5x24 = 600 values per output pixel, more than KITS_NN_DSP_PATCH_MAX (576).
    w = Window.for_input(6, 6, 24, 3, 5, 5, 1, 1, "same")
    x = rng.integers(-128, 128, (6, 6, 24))
    k = rng.integers(-127, 128, (3, 5, 5, 24))
    args = (np.full(3, 1 << 30), np.full(3, -10), 5, -3)
    np.testing.assert_array_equal(core.conv2d_s8(x, w, k, np.zeros(3), *args, variant="dsp"),
                                  quant.conv2d_s8(x, w, k, np.zeros(3), *args))


@VARIANTS
@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), g=geometry, mult=st.integers(1, 3), extreme=st.booleans())
def test_depthwise_bit_exact(core, variant, seed, g, mult, extreme):
    rng = np.random.default_rng(seed)
    w = _window(g, g["in_c"] * mult)
    x = _values(rng, extreme, -128, (w.in_h, w.in_w, w.in_c))
    k = _values(rng, extreme, -127, (w.kernel_h, w.kernel_w, w.out_c))
    b = rng.integers(-2000, 2000, w.out_c)
    m, s = _per_channel(rng, w.out_c)
    args = (m, s, int(rng.integers(-128, 128)), int(rng.integers(-128, 128)))
    np.testing.assert_array_equal(core.depthwise_conv2d_s8(x, w, mult, k, b, *args, variant=variant),
                                  quant.depthwise_conv2d_s8(x, w, mult, k, b, *args))


def test_dsp_depthwise_falls_back_beyond_its_band(core, rng):
    # A 150-pixel-wide row: three rows of lanes do not fit the scratch buffer, so the DSP
    # depthwise reads the input tap by tap instead (with 5 channels: one group and a tail).
    w = Window.for_input(4, 150, 5, 5, 3, 3, 1, 1, "same")
    x = rng.integers(-128, 128, (4, 150, 5))
    k = rng.integers(-127, 128, (3, 3, 5))
    m, s = _per_channel(rng, 5)
    args = (m, s, 7, -4)
    b = rng.integers(-900, 900, 5)
    np.testing.assert_array_equal(core.depthwise_conv2d_s8(x, w, 1, k, b, *args, variant="dsp"),
                                  quant.depthwise_conv2d_s8(x, w, 1, k, b, *args))


# The DSP kernels requantize a layer whose shifts are all right shifts and whose accumulators
# stay below 2^30 (every TFLite layer in practice) with a shorter sequence, and saturate with
# one instruction when the activation range is the full int8 range; any other layer runs the
# portable kernel. Draw one channel's multiplier and shift from the whole range and biases up to
# 2^30, so every form and its boundaries (shift -1, -31, 0, left shifts, the accumulator
# bound) meet the reference. The portable kernels see the same draws: a left shift that
# saturates near INT32_MAX plus a positive output zero point must clamp, not wrap.
@VARIANTS
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), multiplier=st.integers(0, 2**31 - 1), shift=st.integers(-31, 8),
       bias_bound=st.sampled_from([3000, 2**28, 2**30]), relu=st.booleans())
def test_requantization_forms_and_extremes_bit_exact(core, variant, seed, multiplier, shift, bias_bound, relu):
    rng = np.random.default_rng(seed)
    out_c = 4
    m, s = _per_channel(rng, out_c)
    m[1], s[1] = multiplier, shift
    bias = rng.integers(-bias_bound, bias_bound, out_c)
    in_off, out_off = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
    act_min = max(-128, min(out_off, 127)) if relu else -128
    x = rng.integers(-128, 128, 24)
    w = rng.integers(-127, 128, (out_c, 24))
    np.testing.assert_array_equal(
        core.fully_connected_s8(x, w, bias, m, s, in_off, out_off, act_min, 127, variant=variant),
        quant.fully_connected_s8(x, w, bias, m, s, in_off, out_off, act_min, 127))
    win = Window.for_input(3, 4, out_c, out_c, 3, 3, 1, 1, "same")
    xd = rng.integers(-128, 128, (3, 4, out_c))
    kd = rng.integers(-127, 128, (3, 3, out_c))
    np.testing.assert_array_equal(
        core.depthwise_conv2d_s8(xd, win, 1, kd, bias, m, s, in_off, out_off, act_min, 127, variant=variant),
        quant.depthwise_conv2d_s8(xd, win, 1, kd, bias, m, s, in_off, out_off, act_min, 127))


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), g=geometry)
def test_pools_bit_exact(core, seed, g):
    rng = np.random.default_rng(seed)
    w = _window(g, g["in_c"])
    x = rng.integers(-128, 128, (w.in_h, w.in_w, w.in_c))
    np.testing.assert_array_equal(core.max_pool_s8(x, w), quant.max_pool_s8(x, w))
    np.testing.assert_array_equal(core.avg_pool_s8(x, w), quant.avg_pool_s8(x, w))


def test_avg_pool_rounds_half_away_from_zero(core):
    w = Window.for_input(1, 2, 1, 1, 1, 2)
    assert core.avg_pool_s8(np.array([[[1], [2]]]), w).item() == 2    # 1.5 -> 2
    assert core.avg_pool_s8(np.array([[[-1], [-2]]]), w).item() == -2  # -1.5 -> -2


def test_depthwise_rejects_bad_channel_count():
    w = Window.for_input(3, 3, 2, 5, 1, 1)
    with pytest.raises(ValueError, match="depth_multiplier"):
        quant.depthwise_conv2d_s8(np.zeros((3, 3, 2)), w, 2, np.zeros((1, 1, 5)), None,
                                  [1] * 5, [0] * 5, 0, 0)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40),
       scale=st.floats(min_value=0.001, max_value=1.0))
def test_softmax_bit_exact_and_normalised(core, seed, n, scale):
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, n)
    lut = quant.softmax_exp_lut(scale)
    got = core.softmax_s8(x, lut)
    np.testing.assert_array_equal(got, quant.softmax_s8(x, lut))
    probs = (got.astype(np.int64) + 128) / 256.0
    assert abs(probs.sum() - 1.0) <= n / 256.0 + 1 / 128
    assert np.argmax(got) == np.argmax(x) or got[np.argmax(x)] == got.max()


def test_softmax_tracks_float_softmax():
    x = np.array([10, 40, -20, 5])
    scale = 0.05
    got = (quant.softmax_s8(x, quant.softmax_exp_lut(scale)).astype(int) + 128) / 256
    e = np.exp(scale * (x - x.max()))
    np.testing.assert_allclose(got, e / e.sum(), atol=1 / 256 + 1e-9)

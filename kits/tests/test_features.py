"""The integer audio front end: C == NumPy bit for bit, and it behaves like a log-mel."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kits_host import features
from kits_host.datasets import synth_keyword
from kits_host.features import FFT_SIZE, HOP, N_MELS, SAMPLE_RATE
from kits_host import KITS_ROOT


def test_committed_tables_match_generator():
    committed = (KITS_ROOT / "core" / "src" / "kits_feature_tables.c").read_text()
    assert committed == features.render_tables_c(), "run `kits tables` to regenerate kits_feature_tables.c"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_log2_q8_bit_exact(core, value):
    assert core.log2_q8(value) == int(features.log2_q8([value])[0])


def test_log2_q8_close_to_log2():
    values = np.array([1, 2, 3, 255, 256, 1000, 2**20 + 12345, 2**40 + 7], dtype=np.uint64)
    got = features.log2_q8(values) / 256.0
    # Mitchell's approximation never overestimates and stays within 0.087 of log2.
    err = np.log2(values.astype(np.float64)) - got
    assert np.all(err >= -1 / 256) and np.all(err <= 0.087)
    assert features.log2_q8([0])[0] == 0


def test_fft_matches_float_fft():
    rng = np.random.default_rng(0)
    x = rng.integers(-20000, 20000, FFT_SIZE)
    re, im = features.fft_q15(x, np.zeros_like(x))
    ref = np.fft.fft(x)
    assert np.max(np.abs((re + 1j * im) - ref)) < 1e-3 * np.max(np.abs(ref))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(FFT_SIZE, 3 * FFT_SIZE),
       amplitude=st.sampled_from([1, 300, 32767]))
def test_logmel_bit_exact(core, seed, n, amplitude):
    rng = np.random.default_rng(seed)
    audio = np.clip(rng.normal(0, amplitude, n), -32768, 32767).astype(np.int16)
    np.testing.assert_array_equal(core.logmel_s8(audio), features.logmel_s8(audio))


def test_logmel_full_scale_and_silence(core):
    loud = np.full(FFT_SIZE, 32767, np.int16)
    loud[1::2] = -32768
    for audio in (np.zeros(2 * FFT_SIZE, np.int16), loud):
        np.testing.assert_array_equal(core.logmel_s8(audio), features.logmel_s8(audio))
    assert np.all(features.logmel_s8(np.zeros(FFT_SIZE, np.int16)) == -128)


def test_keyword_clip_bit_exact_and_frame_count(core):
    clip = synth_keyword("rise", np.random.default_rng(3))
    got = core.logmel_s8(clip)
    assert got.shape == (1 + (SAMPLE_RATE - FFT_SIZE) // HOP, N_MELS) == (49, 20)
    np.testing.assert_array_equal(got, features.logmel_s8(clip))


def test_tone_lands_in_the_right_mel_band():
    t = np.arange(FFT_SIZE * 4) / SAMPLE_RATE
    low = (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    high = (8000 * np.sin(2 * np.pi * 4000 * t)).astype(np.int16)
    assert features.logmel_s8(low).mean(axis=0).argmax() < features.logmel_s8(high).mean(axis=0).argmax()
    # Doubling the amplitude quadruples power: +2 in log2, i.e. +8 int8 steps of 0.25.
    delta = features.logmel_q8(low * 2).max() - features.logmel_q8(low).max()
    assert abs(delta - 512) <= 24


def test_mfcc_bit_exact(core):
    logmel = features.logmel_q8(synth_keyword("buzz", np.random.default_rng(1)))
    for frame in logmel[::10]:
        np.testing.assert_array_equal(core.mfcc_q8(frame), features.mfcc_q8(frame))
    flat = np.full(N_MELS, 1000)
    mfcc = features.mfcc_q8(flat)
    # A flat spectrum has energy only in c0 (= mean * sqrt(N)) for an orthonormal DCT.
    assert abs(mfcc[0] - 1000 * np.sqrt(N_MELS)) < 2 and np.all(np.abs(mfcc[1:]) <= 1)


def test_rejects_float_audio():
    import pytest
    with pytest.raises(TypeError, match="int16"):
        features.logmel_s8(np.zeros(FFT_SIZE))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(8, 70), height=st.integers(8, 70),
       invert=st.booleans())
def test_image_downsample_bit_exact(core, seed, width, height, invert):
    from kits_host.native import image_downsample
    gray = np.random.default_rng(seed).integers(0, 256, (height, width))
    np.testing.assert_array_equal(image_downsample(core, gray, 8, invert),
                                  features.image_downsample(gray, 8, invert))


def test_image_downsample_finds_a_dark_stroke_on_paper():
    paper = np.full((120, 160), 230)
    paper[20:100, 76:84] = 20  # a vertical pen stroke: the digit one
    img = features.image_downsample(paper, 8, invert=True)
    assert img[1:7, 3:5].min() > 60 and img[:, :2].max() == 0 and img.max() == 255

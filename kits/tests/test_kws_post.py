"""Keyword post-processing on streaming audio: the C core and its NumPy reference agree, and
on a synthetic stream with known keywords it reports each keyword once, where raw per-window
decisions repeat them and let single noisy windows through."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kits_host import datasets
from kits_host.kws_post import KeywordPostprocessor, detect, stream_scores
from kits_host.native import CKwsPost


@st.composite
def stream_case(draw):
    n = draw(st.integers(1, 8))
    params = dict(n_classes=n, window=draw(st.integers(1, 6)), threshold=draw(st.integers(0, 255)),
                  suppress=draw(st.integers(0, 5)), background=draw(st.integers(-1, n - 1)))
    length = draw(st.integers(1, 40))
    scores = draw(st.lists(st.lists(st.integers(-128, 127), min_size=n, max_size=n), min_size=length,
                           max_size=length))
    return params, scores


@settings(max_examples=150, deadline=None)
@given(case=stream_case())
def test_c_matches_reference(core, case):
    params, scores = case
    ref = KeywordPostprocessor(**params)
    c = CKwsPost(core, **params)
    assert c.status == 0
    for s in scores:
        want_label, want_avg = ref.push(s)
        got_label, got_avg = c.push(s)
        assert got_label == want_label
        np.testing.assert_array_equal(got_avg, want_avg)


def test_bad_parameters_are_refused(core):
    assert CKwsPost(core, 4, 0, 150, 2, 0).status == -1
    assert CKwsPost(core, 4, 17, 150, 2, 0).status == -1
    assert CKwsPost(core, 4, 2, 150, 2, 4).status == -1
    with pytest.raises(ValueError, match="a window of 1..16"):
        KeywordPostprocessor(4, window=0)


KEYWORDS = ["rise", "buzz", "fall"]
HOP = 4000  # a quarter second at 16 kHz


@pytest.mark.parametrize("seed", [5, 6])
def test_synthetic_stream_reports_each_keyword_once(models, seed):
    model = models["kws"]
    rng = np.random.default_rng(seed)
    # One-second synthetic clips: background noise with three keywords at known seconds.
    sequence = ["silence", "rise", "silence", "silence", "buzz", "silence", "fall", "silence", "silence"]
    audio = np.concatenate([datasets.synth_keyword(label, rng) for label in sequence])
    scores = stream_scores(model, audio, HOP)
    background = model.labels.index("silence")

    found = detect(scores, KeywordPostprocessor(len(model.labels), window=2, threshold=150, suppress=4,
                                                background=background))
    assert [model.labels[label] for _, label in found] == KEYWORDS
    for (window, label), keyword in zip(found, KEYWORDS):
        clip_start = sequence.index(keyword) * datasets.SAMPLE_RATE
        start = window * HOP  # the detecting window overlaps the keyword's clip
        assert clip_start - model.input_samples < start < clip_start + datasets.SAMPLE_RATE

    # Without smoothing and suppression, the per-window argmax reports words again and again.
    raw = detect(scores, KeywordPostprocessor(len(model.labels), window=1, threshold=128, suppress=0,
                                              background=background))
    assert len(raw) > len(KEYWORDS)


def test_cli_spot_finds_keywords_in_a_wav(tmp_path):
    import wave

    from click.testing import CliRunner
    from kits_host.cli import main

    rng = np.random.default_rng(5)
    sequence = ["silence", "rise", "silence", "silence", "buzz", "silence", "fall", "silence", "silence"]
    audio = np.concatenate([datasets.synth_keyword(label, rng) for label in sequence])
    path = tmp_path / "stream.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(datasets.SAMPLE_RATE)
        handle.writeframes(audio.astype("<i2").tobytes())
    result = CliRunner().invoke(main, ["spot", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[-1] for line in lines[:-1]] == KEYWORDS
    assert lines[-1] == "3 keyword(s) in 9.0 s"

"""Module 10 tests: character and BPE tokenizers."""
import numpy as np
import pytest

from tinytorch.text.tokenization import BPETokenizer, CharTokenizer

TEXT = "low lower lowest newer newest wider widest low low"


def test_char_roundtrip_and_unknown():
    tok = CharTokenizer("hello world")
    ids = tok.encode("hello")
    assert ids.dtype == np.int64 and tok.decode(ids) == "hello"
    assert tok.encode("z").tolist() == [0]
    assert tok.vocab_size == len(set("hello world")) + 1
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer("")


def test_bpe_learns_frequent_pairs_and_roundtrips():
    tok = BPETokenizer(TEXT, num_merges=10)
    assert tok.merges[0] == ("o", "w")  # "lo" and "ow" both occur 5 times; ties go to the larger pair
    assert "low" in tok.vocab
    ids = tok.encode(TEXT)
    assert tok.decode(ids) == TEXT
    assert len(ids) < len(TEXT)


def test_more_merges_compress_more():
    lengths = [len(BPETokenizer(TEXT, num_merges=n).encode(TEXT)) for n in (0, 5, 20)]
    assert lengths[0] == len(TEXT) and lengths[0] > lengths[1] > lengths[2]


def test_bpe_rejects_negative_merges():
    with pytest.raises(ValueError, match="num_merges"):
        BPETokenizer(TEXT, num_merges=-1)

"""Module 11 tests: embedding lookup and sparse gradients, positional encodings."""
import numpy as np
import pytest

from tinytorch.core.tensor import ShapeError, Tensor
from tinytorch.text.embeddings import Embedding, PositionalEmbedding, SinusoidalPositionalEncoding, sinusoidal_table


def test_lookup_and_gradient_scatter_adds_repeated_ids():
    emb = Embedding(5, 3)
    ids = np.array([[1, 1, 4]])
    out = emb(ids)
    assert out.shape == (1, 3, 3)
    np.testing.assert_allclose(out.data[0, 0], emb.weight.data[1])
    out.sum().backward()
    np.testing.assert_allclose(emb.weight.grad.data[:, 0], [0, 2, 0, 0, 1])


def test_embedding_validates_ids():
    emb = Embedding(5, 3)
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        emb(np.array([5]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.5]))


def test_sinusoidal_table_properties():
    table = sinusoidal_table(50, 8)
    np.testing.assert_allclose(table[0, 0::2], 0.0)
    np.testing.assert_allclose(table[0, 1::2], 1.0)
    np.testing.assert_allclose(table[:, 0::2] ** 2 + table[:, 1::2] ** 2, 1.0, rtol=1e-5)
    x = Tensor(np.zeros((2, 10, 8), dtype=np.float32))
    np.testing.assert_allclose(SinusoidalPositionalEncoding(50, 8)(x, offset=3).data[0], table[3:13])


def test_learned_positions_add_and_check_length():
    pos = PositionalEmbedding(4, 2)
    x = Tensor(np.zeros((1, 3, 2), dtype=np.float32))
    np.testing.assert_allclose(pos(x).data[0], pos.weight.data[:3])
    with pytest.raises(ShapeError, match="max_len 4"):
        pos(x, offset=2)

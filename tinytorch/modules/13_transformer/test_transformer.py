"""Module 13 tests: layer norm (values, gradients), blocks, GPT shapes, causality, generation."""
import numpy as np
import pytest

from tinytorch.core.autograd import gradcheck
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optim import Adam
from tinytorch.core.tensor import ShapeError, Tensor, manual_seed, randn
from tinytorch.models.transformer import GPT, LayerNorm, TransformerBlock, layer_norm

RNG = np.random.default_rng(0)


def test_layer_norm_values_and_gradients():
    x = RNG.standard_normal((3, 5))
    ln = LayerNorm(5)
    out = ln(Tensor(x.astype(np.float32))).data
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out.std(-1), 1, rtol=1e-3)
    args = [Tensor(RNG.standard_normal((2, 3, 5)), requires_grad=True), Tensor(RNG.standard_normal(5), requires_grad=True),
            Tensor(RNG.standard_normal(5), requires_grad=True)]
    assert gradcheck(layer_norm, args)


def test_block_is_causal_and_shape_preserving():
    block = TransformerBlock(16, 4)
    x = randn(2, 6, 16)
    y = x.data.copy()
    y[:, 3:] = 0
    a, b = block(x).data, block(Tensor(y)).data
    assert a.shape == (2, 6, 16)
    np.testing.assert_allclose(a[:, :3], b[:, :3], rtol=1e-5, atol=1e-6)


def test_gpt_learns_to_copy_a_fixed_sequence_and_generates_it():
    manual_seed(0)
    model = GPT(vocab_size=6, max_len=8, dim=32, num_heads=2, num_layers=1)
    seq = np.array([[1, 2, 3, 4, 5, 1, 2, 3]])
    opt = Adam(model.parameters(), lr=1e-2)
    for _ in range(60):
        loss = cross_entropy(model(seq[:, :-1]), seq[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    assert model.generate(seq[:, :3], 5).tolist() == seq.tolist()


def test_gpt_validates_input():
    model = GPT(vocab_size=5, max_len=4, dim=8, num_heads=2, num_layers=1)
    with pytest.raises(ShapeError, match="max_len 4"):
        model(np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(ShapeError, match="batch, time"):
        model(np.zeros(3, dtype=np.int64))
    assert model.num_parameters() == 5 * 8 + 4 * 8 + (8 * 24 + 24 + 8 * 8 + 8) + (8 * 32 + 32 + 32 * 8 + 8) + 4 * 8 + 2 * 8 + 8 * 5 + 5

"""Module 12 tests: attention math, masks, multi-head shapes and gradients."""
import numpy as np
import pytest

from tinytorch.core.attention import MultiheadAttention, causal_mask, scaled_dot_product_attention
from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import ShapeError, Tensor, randn

RNG = np.random.default_rng(0)


def reference_attention(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)  # True = may attend
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return w @ v


def test_matches_reference_with_causal_mask():
    q, k, v = (RNG.standard_normal((2, 5, 4)) for _ in range(3))
    out = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True)
    np.testing.assert_allclose(out.data, reference_attention(q, k, v, causal_mask(5)), rtol=1e-8)


def test_causal_mask_shape_for_cached_keys():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert causal_mask(1, 4).tolist() == [[True, True, True, True]]
    assert causal_mask(2, 4).tolist() == [[True, True, True, False], [True, True, True, True]]


def test_causal_output_ignores_the_future():
    mha = MultiheadAttention(8, 2)
    x = randn(1, 6, 8)
    y = x.data.copy()
    y[0, 4:] += 10.0
    a, _ = mha(x, x, x, is_causal=True)
    b, _ = mha(Tensor(y), Tensor(y), Tensor(y), is_causal=True)
    np.testing.assert_allclose(a.data[0, :4], b.data[0, :4], rtol=1e-5)
    assert not np.allclose(a.data[0, 4:], b.data[0, 4:])


def test_multihead_shapes_weights_and_cross_attention():
    mha = MultiheadAttention(12, 3)
    x, memory = randn(2, 5, 12), randn(2, 7, 12)
    out, weights = mha(x, memory, memory, need_weights=True)
    assert out.shape == (2, 5, 12) and weights.shape == (2, 5, 7)
    np.testing.assert_allclose(weights.data.sum(-1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(10, 3)
    with pytest.raises(ShapeError, match="expected"):
        mha(randn(5, 12), randn(5, 12), randn(5, 12))


def test_attention_gradients():
    q, k, v = (Tensor(RNG.standard_normal((1, 2, 4, 3)), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True), [q, k, v])


def test_boolean_masks_follow_pytorch_in_both_apis():
    q, k, v = (Tensor(RNG.standard_normal((1, 4, 3))) for _ in range(3))
    keep = np.array([[True, True, False, False]] * 4)
    # scaled_dot_product_attention: True = may attend, so keys 2 and 3 are ignored
    out = scaled_dot_product_attention(q, k, v, attn_mask=keep)
    np.testing.assert_allclose(out.data, reference_attention(q.data, k.data, v.data, np.broadcast_to(keep, (1, 4, 4))), rtol=1e-8)
    # a float mask is added to the scores
    additive = np.where(keep, 0.0, -1e9)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, attn_mask=additive).data, out.data, rtol=1e-8)
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(q, k, v, attn_mask=keep, is_causal=True)
    # MultiheadAttention: True = blocked (torch.nn.MultiheadAttention's meaning)
    mha = MultiheadAttention(6, 2)
    x = randn(1, 4, 6)
    blocked = ~causal_mask(4)
    np.testing.assert_allclose(mha(x, x, x, attn_mask=blocked)[0].data, mha(x, x, x, is_causal=True)[0].data, rtol=1e-6)

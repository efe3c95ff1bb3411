"""Module 04 tests: loss values against closed forms, validation of targets."""
import numpy as np
import pytest

from tinytorch.core.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, binary_cross_entropy_with_logits, cross_entropy, mse_loss
from tinytorch.core.tensor import ShapeError, Tensor


def test_mse():
    assert mse_loss(Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 0.0])).item() == pytest.approx((4 + 9) / 3)
    assert MSELoss()(Tensor([1.0]), [3.0]).item() == pytest.approx(4.0)
    with pytest.raises(ShapeError, match="mse_loss"):
        mse_loss(Tensor([1.0, 2.0]), Tensor([1.0]))


def test_cross_entropy_matches_manual_log_softmax():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)).astype(np.float32)
    labels = np.array([0, 3, 1, 1, 2])
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(5), labels].mean()
    assert cross_entropy(Tensor(logits), labels).item() == pytest.approx(expected, rel=1e-5)
    assert CrossEntropyLoss()(Tensor(logits), Tensor(labels)).item() == pytest.approx(expected, rel=1e-5)


def test_cross_entropy_uniform_logits_give_log_classes():
    assert cross_entropy(Tensor(np.zeros((3, 10), dtype=np.float32)), [1, 2, 3]).item() == pytest.approx(np.log(10), rel=1e-6)


def test_cross_entropy_accepts_sequences_and_is_stable():
    logits = Tensor(np.full((2, 3, 5), 1e4, dtype=np.float32))
    assert np.isfinite(cross_entropy(logits, np.zeros((2, 3), dtype=int)).item())


def test_cross_entropy_rejects_bad_targets():
    logits = Tensor(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        cross_entropy(logits, [0, 3])
    with pytest.raises(TypeError, match="integer"):
        cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ShapeError, match="2 rows"):
        cross_entropy(logits, [0, 1, 2])


def test_bce_with_logits_matches_formula_and_is_stable():
    z = np.array([-50.0, -1.0, 0.0, 2.0, 80.0], dtype=np.float32)
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    expected = np.mean(np.logaddexp(0, z) - y * z)
    assert binary_cross_entropy_with_logits(Tensor(z), Tensor(y)).item() == pytest.approx(expected, rel=1e-5)
    assert BCEWithLogitsLoss()(Tensor(z), y).item() == pytest.approx(expected, rel=1e-5)

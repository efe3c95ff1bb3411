"""Module 16 tests: magnitude and structured pruning, sparsity accounting, distillation."""
import numpy as np
import pytest

from tinytorch.core.activations import relu
from tinytorch.core.autograd import gradcheck
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor, manual_seed, randn
from tinytorch.optimization.compression import distillation_loss, magnitude_prune, prune_model, prune_neurons, sparse_bytes, sparsity


def test_magnitude_prune_removes_smallest():
    w = np.array([[0.1, -3.0], [2.0, -0.2]])
    assert magnitude_prune(w, 0.5).tolist() == [[False, True], [True, False]]
    with pytest.raises(ValueError, match="amount"):
        magnitude_prune(w, 1.0)


def test_prune_model_hits_target_and_skips_biases():
    manual_seed(0)
    model = Sequential(Linear(20, 30), Linear(30, 5))
    prune_model(model, 0.8)
    assert sparsity(model) == pytest.approx(0.8, abs=0.01)
    assert np.count_nonzero(model.layers[0].bias.data) == 30
    assert sparse_bytes(model.layers[0].weight.data) == np.count_nonzero(model.layers[0].weight.data) * 8


def test_structured_pruning_keeps_function_when_dropping_dead_neurons():
    manual_seed(1)
    fc1, fc2 = Linear(6, 10), Linear(10, 3)
    fc2.weight.data[:, [1, 4, 7]] = 0.0
    x = randn(4, 6)
    new1, new2 = prune_neurons(fc1, fc2, keep=7)
    assert new1.weight.shape == (7, 6) and new2.weight.shape == (3, 7)
    np.testing.assert_allclose(new2(relu(new1(x))).data, fc2(relu(fc1(x))).data, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="keep"):
        prune_neurons(fc1, fc2, keep=11)


def test_distillation_loss_limits_and_gradient():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5))
    targets = np.array([0, 1, 2, 3])
    same = distillation_loss(Tensor(logits), logits, targets, temperature=3.0, alpha=1.0)
    assert same.item() == pytest.approx(0.0, abs=1e-9)
    hard_only = distillation_loss(Tensor(logits), rng.standard_normal((4, 5)), targets, alpha=0.0).item()
    from tinytorch.core.losses import cross_entropy

    assert hard_only == pytest.approx(cross_entropy(Tensor(logits), targets).item())
    teacher = rng.standard_normal((4, 5))
    assert gradcheck(lambda s: distillation_loss(s, teacher, targets, 2.0, 0.7), [Tensor(logits, requires_grad=True)])

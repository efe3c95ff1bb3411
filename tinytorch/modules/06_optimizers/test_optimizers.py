"""Module 06 tests: update rules against hand-computed steps and against each other."""
import numpy as np
import pytest

from tinytorch.core.layers import Linear, Parameter
from tinytorch.core.losses import mse_loss
from tinytorch.core.optim import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor


def quadratic_step(optimizer, w, target=3.0):
    optimizer.zero_grad()
    ((w - target) * (w - target)).sum().backward()
    optimizer.step()


def test_sgd_single_step():
    w = Parameter(np.array([1.0], dtype=np.float32))
    quadratic_step(SGD([w], lr=0.1), w)
    assert w.data[0] == pytest.approx(1.0 - 0.1 * 2 * (1.0 - 3.0))


def test_sgd_momentum_and_weight_decay():
    w = Parameter(np.array([1.0], dtype=np.float32))
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    quadratic_step(opt, w)
    g1 = 2 * (1.0 - 3.0) + 0.5 * 1.0
    w1 = 1.0 - 0.1 * g1
    assert w.data[0] == pytest.approx(w1, rel=1e-6)
    quadratic_step(opt, w)
    g2 = 2 * (w1 - 3.0) + 0.5 * w1
    assert w.data[0] == pytest.approx(w1 - 0.1 * (0.9 * g1 + g2), rel=1e-5)
    assert opt.state_bytes() == 4


def test_adam_first_step_is_lr_times_sign():
    w = Parameter(np.array([1.0, 5.0], dtype=np.float32))
    opt = Adam([w], lr=0.01)
    quadratic_step(opt, w)
    np.testing.assert_allclose(w.data, [1.01, 4.99], rtol=1e-5)
    assert opt.state_bytes() == 2 * w.nbytes


def test_adamw_decays_weights_even_with_zero_gradient():
    w = Parameter(np.array([2.0], dtype=np.float32))
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    opt.zero_grad()
    (w * 0.0).sum().backward()
    opt.step()
    assert w.data[0] == pytest.approx(2.0 * (1 - 0.1 * 0.5), rel=1e-6)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.05, momentum=0.9), lambda p: Adam(p, lr=0.05), lambda p: AdamW(p, lr=0.05)])
def test_optimizers_fit_linear_regression(make):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3
    model = Linear(3, 1)
    opt = make(model.parameters())
    for _ in range(300):
        opt.zero_grad()
        loss = mse_loss(model(Tensor(x)), Tensor(y))
        loss.backward()
        opt.step()
    assert loss.item() < 1e-2


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="positive"):
        Adam([Parameter(np.zeros(1, dtype=np.float32))], lr=0.0)


def test_adam_counts_steps_per_parameter():
    """A parameter that first gets a gradient late starts its bias correction at t = 1, as in PyTorch."""
    early, late = Parameter(np.array([1.0], dtype=np.float32)), Parameter(np.array([1.0], dtype=np.float32))
    opt = Adam([early, late], lr=0.01)
    for _ in range(5):
        quadratic_step(opt, early)
    assert late.data[0] == 1.0 and opt.param_steps == {0: 5}
    opt.zero_grad()
    ((late - 3.0) * (late - 3.0)).sum().backward()
    opt.step()
    # first update of `late`: m̂/√v̂ = sign(g), so it moves by exactly lr
    assert late.data[0] == pytest.approx(1.01, rel=1e-6) and opt.param_steps == {0: 5, 1: 1}

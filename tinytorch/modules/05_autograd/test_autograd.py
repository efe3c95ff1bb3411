"""Module 05 tests: gradients of every primitive against finite differences, engine behaviour."""
import numpy as np
import pytest

from tinytorch.core.activations import gelu, log_softmax, relu, sigmoid, softmax, tanh
from tinytorch.core.autograd import GradientCheckError, RecipeError, gradcheck, register_gradient, unbroadcast
from tinytorch.core.layers import Linear, linear
from tinytorch.core.losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss
from tinytorch.core.tensor import Tensor, cat, stack

RNG = np.random.default_rng(0)


def leaf(*shape, positive=False):
    data = RNG.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return Tensor(data, requires_grad=True)


def test_simple_chain_rule():
    x = Tensor([2.0, 3.0], requires_grad=True)
    y = (x * x * 3.0 + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data + 1)


def test_gradient_accumulates_across_uses_and_calls():
    x = Tensor([1.0], requires_grad=True)
    (x * 2.0 + x * 3.0).sum().backward()
    assert x.grad.item() == pytest.approx(5.0)
    (x * 1.0).sum().backward()
    assert x.grad.item() == pytest.approx(6.0)


def test_unbroadcast():
    assert unbroadcast(np.ones((4, 3)), (3,)).tolist() == [4.0, 4.0, 4.0]
    assert unbroadcast(np.ones((2, 4, 3)), (4, 1)).shape == (4, 1)
    assert unbroadcast(np.ones((2, 4, 3)), (4, 1))[0, 0] == 6.0


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: a + b, [(3, 4), (4,)]),
        (lambda a, b: a - b, [(3, 1), (1, 4)]),
        (lambda a, b: a * b, [(2, 3), (2, 3)]),
        (lambda a, b: a / b, [(2, 3), "pos(3,)"]),
        (lambda a: a**3, [(5,)]),
        (lambda a: (-a).exp(), [(2, 3)]),
        (lambda a: a.log(), ["pos(4,)"]),
        (lambda a: a.sqrt(), ["pos(4,)"]),
        (lambda a, b: a @ b, [(3, 4), (4, 2)]),
        (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
        (lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)]),
        (lambda a, b: a @ b, [(4,), (4, 2)]),
        (lambda a, b: a @ b, [(3, 4), (4,)]),
        (lambda a, b: a @ b, [(4,), (4,)]),
        (lambda a: a.sum(axis=1), [(3, 4)]),
        (lambda a: a.mean(axis=(0, 2), keepdims=True), [(2, 3, 4)]),
        (lambda a: a.max(axis=-1), [(3, 5)]),
        (lambda a: a.var(axis=-1), [(3, 5)]),
        (lambda a: a.reshape(6, 2).T, [(3, 4)]),
        (lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
        (lambda a: a[1:, ::2], [(3, 4)]),
        (lambda a: a[np.array([0, 2, 0])], [(3, 4)]),
        (lambda a, b: cat([a, b], axis=1), [(2, 3), (2, 2)]),
        (lambda a, b: stack([a, b], axis=0), [(2, 3), (2, 3)]),
        (lambda a: a.masked_fill(np.eye(3, dtype=bool), 0.0), [(3, 3)]),
        (relu, [(4, 5)]),
        (sigmoid, [(4, 5)]),
        (tanh, [(4, 5)]),
        (gelu, [(4, 5)]),
        (lambda a: gelu(a, approximate="tanh"), [(4, 5)]),
        (lambda a: a.min(axis=0), [(3, 5)]),
        (lambda a: a.clamp(min=-0.3, max=0.4), [(3, 5)]),
        (lambda a: a[:, :1].expand(3, 4), [(3, 4)]),
        (lambda a: a.unsqueeze(1).squeeze(1).clone(), [(3, 4)]),
        (lambda a: a.std(axis=1), [(3, 5)]),
        (softmax, [(3, 5)]),
        (lambda a: log_softmax(a, axis=0), [(3, 5)]),
        (lambda x, w, b: linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
        (lambda a: cross_entropy(a, np.array([1, 0, 4])), [(3, 5)]),
        (lambda a, b: mse_loss(a, b), [(3, 2), (3, 2)]),
        (lambda a: binary_cross_entropy_with_logits(a, Tensor(np.array([0.0, 1.0, 1.0]))), [(3,)]),
    ],
)
def test_rules_against_finite_differences(fn, shapes):
    inputs = []
    for shape in shapes:
        if isinstance(shape, str):
            inputs.append(leaf(*eval(shape[3:]), positive=True))
        else:
            inputs.append(leaf(*shape))
    assert gradcheck(fn, inputs)


def test_gradcheck_catches_a_wrong_rule():
    from tinytorch.core.autograd import GRADIENT_RULES

    original = GRADIENT_RULES["tanh"]
    try:
        register_gradient("tanh")(lambda g, out, parents, attrs: (g,))
        with pytest.raises(GradientCheckError, match="finite difference"):
            gradcheck(tanh, [leaf(3)])
    finally:
        GRADIENT_RULES["tanh"] = original


def test_backward_errors_are_explained():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="scalar"):
        (Tensor([1.0, 2.0], requires_grad=True) * 2.0).backward()


def test_deep_graph_does_not_hit_recursion_limit():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0)


def test_linear_layer_parameters_get_gradients():
    layer = Linear(4, 3)
    cross_entropy(layer(Tensor(RNG.standard_normal((8, 4)).astype(np.float32))), np.arange(8) % 3).backward()
    assert layer.weight.grad.shape == (3, 4) and layer.bias.grad.shape == (3,)
    assert np.abs(layer.weight.grad.data).sum() > 0


def test_backward_frees_the_graph_so_a_second_backward_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    y = Tensor([3.0], requires_grad=True)
    kept = (y * y).sum()
    kept.backward(retain_graph=True)
    kept.backward()
    assert y.grad.item() == pytest.approx(12.0)


def test_a_recipe_missing_an_attribute_names_the_module_and_function_that_records_it():
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    broken = Tensor._from_op(x.data.sum(axis=1), (x,), "sum")  # a module-01 sum that forgot axis/keepdims
    with pytest.raises(RecipeError, match=r"'sum' was recorded without attribute\(s\) \['axis', 'keepdims'\].*module 01 \(tensor\): Tensor\.sum"):
        broken.sum().backward()


def test_a_gradient_rule_that_fails_names_both_modules():
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    odd = Tensor._from_op(x.data.sum(axis=1), (x,), "sum", axis=(1, 3), keepdims=False)  # axis 3 wraps onto 1
    with pytest.raises(RecipeError, match=r"rule for 'sum' failed.*module 05 \(autograd\).*module 01 \(tensor\): Tensor\.sum"):
        odd.sum().backward()
    with pytest.raises(NotImplementedError, match="no gradient rule registered for operation 'summ'"):
        Tensor._from_op(x.data.sum(), (x,), "summ").backward()

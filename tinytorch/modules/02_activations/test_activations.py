"""Module 02 tests: activation values, numerical stability, layer wrappers."""
import math

import numpy as np
import pytest

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh, gelu, log_softmax, relu, sigmoid, softmax, tanh
from tinytorch.core.tensor import Tensor

X = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]], dtype=np.float32)


def test_relu_and_tanh():
    np.testing.assert_allclose(relu(Tensor(X)).data, np.maximum(X, 0))
    np.testing.assert_allclose(tanh(Tensor(X)).data, np.tanh(X), rtol=1e-6)


def test_sigmoid_values_and_no_overflow():
    np.testing.assert_allclose(sigmoid(Tensor(X)).data, 1 / (1 + np.exp(-X)), rtol=1e-6)
    extreme = sigmoid(Tensor(np.array([-1000.0, 1000.0], dtype=np.float32))).data
    assert np.all(np.isfinite(extreme)) and extreme[0] == 0.0 and extreme[1] == 1.0


def test_gelu_is_exact_by_default_and_tanh_on_request():
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in X[0].astype(np.float64)])
    np.testing.assert_allclose(gelu(Tensor(X)).data[0], exact, rtol=1e-6, atol=1e-7)
    wide = np.linspace(-9, 9, 3001)
    np.testing.assert_allclose(gelu(Tensor(wide)).data, [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in wide],
                               rtol=1e-12, atol=1e-13)
    approximate = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(gelu(Tensor(X), approximate="tanh").data, approximate, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(GELU(approximate="tanh")(Tensor(X)).data, approximate, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="approximate"):
        gelu(Tensor(X), approximate="erf")
    with pytest.raises(ValueError, match="approximate"):
        GELU("fast")


def test_softmax_is_a_distribution_even_for_huge_inputs():
    probs = softmax(Tensor(np.array([[1000.0, 1001.0, 1002.0]], dtype=np.float32))).data
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(probs, softmax(Tensor(np.array([[0.0, 1.0, 2.0]], dtype=np.float32))).data, rtol=1e-5)


def test_log_softmax_stays_finite_where_softmax_underflows():
    logits = Tensor(np.array([[0.0, -200.0]], dtype=np.float32))
    logp = log_softmax(logits).data
    assert np.isfinite(logp).all()
    np.testing.assert_allclose(logp[0, 1], -200.0, rtol=1e-5)


def test_softmax_axis_or_dim():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(softmax(Tensor(x), axis=0).data.sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(softmax(Tensor(x), dim=0).data, softmax(Tensor(x), axis=0).data)
    np.testing.assert_allclose(log_softmax(Tensor(x), dim=0).data, log_softmax(Tensor(x), axis=0).data)
    np.testing.assert_allclose(Softmax(dim=0)(Tensor(x)).data, softmax(Tensor(x), axis=0).data)
    np.testing.assert_allclose(Tensor(x).softmax(0).data, softmax(Tensor(x), axis=0).data)


# ----- the contract with module 05: what each activation records ---------------------------------------
@pytest.mark.parametrize("fn, op, attrs", [
    (relu, "relu", set()), (sigmoid, "sigmoid", set()), (tanh, "tanh", set()),
    (gelu, "gelu", {"approximate", "cdf"}), (lambda x: gelu(x, approximate="tanh"), "gelu", {"approximate", "tanh"}),
    (lambda x: softmax(x, axis=0), "softmax", {"axis"}), (lambda x: log_softmax(x, dim=1), "log_softmax", {"axis"}),
])
def test_each_activation_records_the_recipe_autograd_reads(fn, op, attrs):
    x = Tensor(X.astype(np.float64), requires_grad=True)
    out = fn(x)
    assert out._op == op and out._parents == (x,) and out.shape == x.shape and out.dtype == x.dtype
    assert set(out._attrs or {}) == attrs, f"{op} must record {sorted(attrs)} for its gradient rule, got {sorted(out._attrs or {})}"
    if "axis" in attrs:
        assert out._attrs["axis"] in (0, 1)
    if op == "gelu":
        assert out._attrs["approximate"] in ("none", "tanh") and out._attrs[(attrs - {"approximate"}).pop()].shape == x.shape


def test_layer_wrappers_delegate():
    t = Tensor(X)
    for layer, fn in ((ReLU(), relu), (Sigmoid(), sigmoid), (Tanh(), tanh), (GELU(), gelu), (Softmax(), softmax)):
        np.testing.assert_allclose(layer(t).data, fn(t).data)
        assert layer.parameters() == []

"""Module 02 tests: activation values, numerical stability, layer wrappers."""
import numpy as np

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


def test_gelu_matches_tanh_formula():
    expected = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(gelu(Tensor(X)).data, expected, rtol=1e-6, atol=1e-7)


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


def test_softmax_axis():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(softmax(Tensor(x), axis=0).data.sum(axis=0), 1.0, rtol=1e-6)


def test_layer_wrappers_delegate():
    t = Tensor(X)
    for layer, fn in ((ReLU(), relu), (Sigmoid(), sigmoid), (Tanh(), tanh), (GELU(), gelu), (Softmax(), softmax)):
        np.testing.assert_allclose(layer(t).data, fn(t).data)
        assert layer.parameters() == []

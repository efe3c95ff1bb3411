"""Module 03 tests: Module bookkeeping, Linear, Dropout, Sequential, state dicts."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear, Module, Parameter, Sequential, linear
from tinytorch.core.tensor import ShapeError, Tensor, manual_seed, randn


def test_linear_matches_numpy_and_initialisation_bound():
    manual_seed(0)
    layer = Linear(16, 4)
    assert layer.weight.shape == (4, 16) and layer.bias.shape == (4,)
    assert np.abs(layer.weight.data).max() <= 1 / np.sqrt(16)
    x = randn(3, 16)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-5)
    assert layer(randn(2, 5, 16)).shape == (2, 5, 4)


def test_linear_shape_error_names_shapes():
    with pytest.raises(ShapeError, match=r"linear.*\(3, 7\).*\(4, 16\)"):
        Linear(16, 4)(randn(3, 7))


def test_nested_parameters_are_found_once_with_names():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.body = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
            self.scale = Parameter(np.ones(2, dtype=np.float32))
            self.alias = self.scale

    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["body.layers.0.weight", "body.layers.0.bias", "body.layers.2.weight", "body.layers.2.bias", "scale"]
    assert net.num_parameters() == 4 * 8 + 8 + 8 * 2 + 2 + 2


def test_train_eval_propagates_and_dropout_behaviour():
    manual_seed(1)
    model = Sequential(Linear(4, 4), Dropout(0.5))
    x = Tensor(np.ones((1000, 4), dtype=np.float32))
    drop = model.layers[1]
    out = drop(x).data
    assert 0.4 < (out == 0).mean() < 0.6
    np.testing.assert_allclose(out[out != 0], 2.0)
    model.eval()
    assert not drop.training
    np.testing.assert_allclose(drop(x).data, x.data)
    with pytest.raises(ValueError, match="p must be"):
        Dropout(1.5)


def test_state_dict_roundtrip_and_mismatch():
    a, b = Linear(3, 2), Linear(3, 2)
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(a.weight.data, b.weight.data)
    with pytest.raises(KeyError, match="missing"):
        b.load_state_dict({})
    with pytest.raises(ShapeError, match="weight"):
        b.load_state_dict({"weight": np.zeros((5, 5)), "bias": np.zeros(2)})


def test_linear_without_bias():
    layer = Linear(3, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1
    x = randn(4, 3)
    np.testing.assert_allclose(linear(x, layer.weight).data, x.data @ layer.weight.data.T, rtol=1e-6)

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


def test_module_list_and_dict_register_their_modules():
    from tinytorch.core.layers import ModuleDict, ModuleList

    class Net(Module):
        def __init__(self):
            super().__init__()
            self.blocks = ModuleList([Linear(2, 3), Linear(3, 3)])
            self.heads = ModuleDict({"a": Linear(3, 1)})
            self.blocks.append(Dropout(0.1))

    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "heads.a.weight", "heads.a.bias"]
    assert len(net.blocks) == 3 and isinstance(net.blocks[2], Dropout) and "a" in net.heads
    net.eval()
    assert not net.blocks[2].training and not net.heads["a"].training
    with pytest.raises(TypeError, match="holds Modules"):
        ModuleList([np.zeros(2)])
    with pytest.raises(TypeError, match="keys are strings"):
        ModuleDict({1: Linear(1, 1)})


def test_a_plain_dict_of_modules_warns_that_it_is_not_registered():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.parts = {"a": Linear(2, 2)}

    with pytest.warns(UserWarning, match=r"Net\.parts is a plain dict.*ModuleDict"):
        assert Net().parameters() == []


def test_buffers_are_saved_and_restored_but_are_not_parameters():
    class Counter(Module):
        def __init__(self):
            super().__init__()
            self.lin = Linear(2, 2)
            self.register_buffer("seen", np.zeros(2, dtype=np.float32))

    a, b = Counter(), Counter()
    a.seen += 3.0
    assert len(a.parameters()) == 2 and set(a.state_dict()) == {"lin.weight", "lin.bias", "seen"}
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(b.seen, [3.0, 3.0])


# ----- the contract with module 05: what linear records ---------------------------------------------------
def test_linear_records_one_step_with_input_weight_and_bias():
    layer = Linear(4, 3)
    x = Tensor(np.ones((2, 4), dtype=np.float32), requires_grad=True)
    out = layer(x)
    assert out._op == "linear" and out._parents == (x, layer.weight, layer.bias) and out.shape == (2, 3)
    assert Linear(4, 3, bias=False)(x)._parents[2:] == ()

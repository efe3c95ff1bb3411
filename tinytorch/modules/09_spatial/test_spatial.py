"""Module 09 tests: convolution and pooling against direct loops, gradients against finite differences."""
import numpy as np
import pytest

from tinytorch.core.autograd import gradcheck
from tinytorch.core.spatial import AvgPool2d, Conv2d, Flatten, MaxPool2d, avg_pool2d, conv2d, max_pool2d
from tinytorch.core.tensor import ShapeError, Tensor

RNG = np.random.default_rng(0)


def direct_conv(x, w, b, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride, pad", [(1, 0), (1, 1), (2, 1)])
def test_conv_matches_direct_loops(stride, pad):
    x = RNG.standard_normal((2, 3, 7, 6))
    w = RNG.standard_normal((4, 3, 3, 3))
    b = RNG.standard_normal(4)
    out = conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=pad)
    np.testing.assert_allclose(out.data, direct_conv(x, w, b, stride, pad), rtol=1e-10)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 0)])
def test_conv_gradients(stride, pad):
    x = Tensor(RNG.standard_normal((2, 2, 5, 5)), requires_grad=True)
    w = Tensor(RNG.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = Tensor(RNG.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv2d(x, w, b, stride, pad), [x, w, b])


def test_pooling_values_and_gradients():
    x = RNG.standard_normal((2, 3, 4, 6))
    out = max_pool2d(Tensor(x), 2).data
    np.testing.assert_allclose(out, x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))
    np.testing.assert_allclose(avg_pool2d(Tensor(x), 2).data, x.reshape(2, 3, 2, 2, 3, 2).mean(axis=(3, 5)))
    assert gradcheck(lambda t: max_pool2d(t, 2), [Tensor(x, requires_grad=True)])
    assert gradcheck(lambda t: avg_pool2d(t, 2), [Tensor(x, requires_grad=True)])
    assert gradcheck(lambda t: max_pool2d(t, 3, stride=1), [Tensor(RNG.standard_normal((1, 2, 5, 5)), requires_grad=True)])


def test_layers_shapes_and_errors():
    conv = Conv2d(1, 8, 3, padding=1)
    x = Tensor(RNG.standard_normal((4, 1, 8, 8)).astype(np.float32))
    y = Flatten()(MaxPool2d(2)(conv(x)))
    assert y.shape == (4, 8 * 4 * 4)
    assert AvgPool2d(2)(conv(x)).shape == (4, 8, 4, 4)
    assert conv.num_parameters() == 8 * 9 + 8
    with pytest.raises(ShapeError, match=r"conv2d.*\(4, 1, 8, 8\).*\(8, 3, 3, 3\)"):
        Conv2d(3, 8, 3)(x)


def test_batchnorm_normalises_in_training_and_uses_running_statistics_in_eval():
    from tinytorch.core.spatial import BatchNorm1d, BatchNorm2d

    bn = BatchNorm2d(3)
    x = Tensor(RNG.standard_normal((8, 3, 4, 4)) * 3 + 2)
    out = bn(x).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-6)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1.0, rtol=1e-3)
    per_channel = x.data.transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(bn.running_mean, 0.1 * per_channel.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * per_channel.var(axis=1, ddof=1), rtol=1e-5)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    bn.eval()
    single = Tensor(RNG.standard_normal((1, 3, 4, 4)))
    expected = (single.data - bn.running_mean.reshape(1, 3, 1, 1)) / np.sqrt(bn.running_var.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(bn(single).data, expected, rtol=1e-5)
    with pytest.raises(ShapeError, match=r"BatchNorm1d\(3\): expected 2-D or 3-D input with 3 channels"):
        BatchNorm1d(3)(Tensor(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm1d(3).train()(Tensor(np.zeros((1, 3))))


def test_batchnorm_gradients():
    from tinytorch.core.spatial import batch_norm

    running_mean, running_var = np.zeros(2), np.ones(2)
    weight, bias = Tensor(RNG.standard_normal(2), requires_grad=True), Tensor(RNG.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: batch_norm(x, running_mean.copy(), running_var.copy(), w, b, training=True),
                     [Tensor(RNG.standard_normal((4, 2, 3)), requires_grad=True), weight, bias])


# ----- the contract with module 05: what the spatial operations record -------------------------------------
def test_spatial_operations_record_what_their_rules_read():
    x = Tensor(RNG.standard_normal((1, 2, 6, 6)), requires_grad=True)
    conv = Conv2d(2, 3, 3, padding=1)
    out = conv(x)
    assert out._op == "conv2d" and out._parents[:2] == (x, conv.weight) and {"cols", "stride", "padding", "out_hw"} <= set(out._attrs)
    assert max_pool2d(x, 2)._op == "max_pool2d" and {"winner", "kernel", "stride"} <= set(max_pool2d(x, 2)._attrs)
    assert avg_pool2d(x, 2)._op == "avg_pool2d" and {"kernel", "stride"} <= set(avg_pool2d(x, 2)._attrs)

"""Module 01 tests: Tensor creation, arithmetic, broadcasting, shape errors, recording."""
import numpy as np
import pytest

from tinytorch.core.tensor import ShapeError, Tensor, arange, cat, no_grad, ones, randn, stack, zeros


def test_python_floats_become_float32_but_arrays_keep_dtype():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.zeros(3)).dtype == np.float64
    assert Tensor([1, 2]).dtype.kind == "i"


def test_arithmetic_matches_numpy_with_broadcasting():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    ta, tb = Tensor(a), Tensor(b)
    np.testing.assert_allclose((ta + tb).data, a + b)
    np.testing.assert_allclose((ta - tb).data, a - b)
    np.testing.assert_allclose((ta * tb).data, a * b)
    np.testing.assert_allclose((ta / tb).data, a / b)
    np.testing.assert_allclose((2 - ta).data, 2 - a)
    np.testing.assert_allclose((1 / tb).data, 1 / b)
    np.testing.assert_allclose((-ta).data, -a)
    np.testing.assert_allclose((ta**2).data, a**2)


def test_scalar_operand_keeps_float32():
    assert (Tensor([1.0]) * 2.5).dtype == np.float32


def test_matmul_and_shape_error_names_op_and_shapes():
    a, b = randn(3, 4), randn(4, 5)
    np.testing.assert_allclose((a @ b).data, a.data @ b.data, rtol=1e-6)
    with pytest.raises(ShapeError, match=r"matmul.*\(3, 4\).*\(5, 6\)"):
        a @ randn(5, 6)


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        zeros(2, 3) + zeros(4)


def test_reductions_and_reshapes():
    x = Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert x.sum().item() == pytest.approx(276)
    np.testing.assert_allclose(x.sum(axis=1).data, x.data.sum(axis=1))
    np.testing.assert_allclose(x.mean(axis=(0, 2), keepdims=True).data, x.data.mean(axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(x.max(axis=-1).data, x.data.max(axis=-1))
    np.testing.assert_allclose(x.var(axis=-1).data, x.data.var(axis=-1), rtol=1e-6)
    assert x.reshape(6, 4).shape == (6, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose(0, 1).shape == (3, 2, 4)
    assert x.flatten(1).shape == (2, 12)
    np.testing.assert_allclose(x[1, :, 2].data, x.data[1, :, 2])
    with pytest.raises(ShapeError, match="reshape"):
        x.reshape(5, 5)


def test_cat_stack_and_masked_fill():
    a, b = ones(2, 3), zeros(2, 3)
    assert cat([a, b], axis=0).shape == (4, 3)
    assert stack([a, b], axis=1).shape == (2, 2, 3)
    filled = a.masked_fill(np.triu(np.ones((2, 3)), 1), -1.0)
    np.testing.assert_allclose(filled.data, [[1, -1, -1], [1, 1, -1]])


def test_recipe_recorded_only_when_needed():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = w * x
    assert y.requires_grad and y._op == "mul" and y._parents == (w, x)
    assert not (x * x).requires_grad and (x * x)._parents == ()
    with no_grad():
        z = w * x
    assert not z.requires_grad and z._parents == ()


def test_requires_grad_rejects_integer_tensors():
    with pytest.raises(TypeError, match="float32"):
        Tensor([1, 2], requires_grad=True)


def test_item_and_factories():
    assert arange(5).shape == (5,)
    assert Tensor([[3.0]]).item() == 3.0
    with pytest.raises(ShapeError, match="item"):
        ones(2).item()

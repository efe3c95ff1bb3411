"""Module 01 tests: Tensor creation, arithmetic, broadcasting, shape errors, and the recipes (op name, parents,
attributes) that module 05's autograd reads: a recipe broken here must fail here, not four modules later."""
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
    np.testing.assert_allclose(x.var(axis=-1).data, x.data.var(axis=-1, ddof=1), rtol=1e-6)
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


def test_var_and_std_default_to_pytorchs_unbiased_estimate():
    x = Tensor(np.array([[1.0, 2.0, 4.0, 8.0], [0.0, 0.0, 1.0, 3.0]], dtype=np.float32))
    np.testing.assert_allclose(x.var().item(), x.data.var(ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(axis=1, unbiased=False).data, x.data.var(axis=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(dim=0, correction=0).data, x.data.var(axis=0), rtol=1e-6)
    np.testing.assert_allclose(x.std(dim=1, keepdim=True).data, x.data.std(axis=1, ddof=1, keepdims=True), rtol=1e-6)
    with pytest.raises(TypeError, match="unbiased= or correction="):
        x.var(unbiased=True, correction=1)


def test_dim_and_keepdim_are_accepted_like_axis_and_keepdims():
    x = Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).data, x.data.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(x.mean(dim=[0, 2]).data, x.data.mean(axis=(0, 2)))
    np.testing.assert_allclose(x.argmax(dim=-1).data, x.data.argmax(axis=-1))
    assert cat([x, x], dim=2).shape == (2, 3, 8) and stack([x, x], dim=0).shape == (2, 2, 3, 4)
    with pytest.raises(TypeError, match="axis=1 and dim=2"):
        x.sum(axis=1, dim=2)


def test_max_and_min_with_dim_return_values_and_indices_like_pytorch():
    x = Tensor(np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 0.0]], dtype=np.float32))
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 4.0] and indices.tolist() == [1, 0]
    assert x.min(1).indices.tolist() == [0, 2]
    assert x.max(axis=1).tolist() == [5.0, 4.0]  # NumPy's axis= returns the values only
    assert x.max().item() == 5.0 and x.amin(dim=0).tolist() == [1.0, 2.0, 0.0]


def test_shape_helpers_and_conversions():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.unsqueeze(1).squeeze().shape == (2, 3) and x.unsqueeze(1).squeeze(0).shape == (2, 1, 3)
    assert x.reshape(2, 1, 3).expand(2, 4, 3).shape == (2, 4, 3) and x.expand(5, -1, -1).shape == (5, 2, 3)
    with pytest.raises(ShapeError, match="expand"):
        x.expand(3, 3)
    assert x.t().shape == (3, 2) and x.flatten().shape == (6,) and x.reshape(1, 2, 3).flatten(0, 1).shape == (2, 3)
    assert x.clamp(min=1.0, max=4.0).tolist() == [[1.0, 1.0, 2.0], [3.0, 4.0, 4.0]]
    assert x.double().dtype == np.float64 and x.long().dtype == np.int64 and x.to("cpu") is x and x.dim() == 2
    assert (x == x).all().item() and not (x != x).any().item() and float(x.sum()) == 15.0
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
    with pytest.raises(AttributeError, match="TinyTorch does not.*CPU only"):
        x.cuda()
    with pytest.raises(AttributeError, match="has no attribute 'no_such_method'"):
        x.no_such_method()


# ----- the contract with module 05: what each operation records ------------------------------------------
A = np.arange(6, dtype=np.float64).reshape(2, 3) + 1.0
B = np.full((2, 3), 2.0)


@pytest.mark.parametrize("make, op, attrs", [
    (lambda a, b: a + b, "add", {}),
    (lambda a, b: a - b, "sub", {}),
    (lambda a, b: a * b, "mul", {}),
    (lambda a, b: a / b, "div", {}),
    (lambda a, b: -a, "neg", {}),
    (lambda a, b: a ** 3, "pow", {"exponent": 3}),
    (lambda a, b: a @ b.T, "matmul", {}),
    (lambda a, b: a.exp(), "exp", {}),
    (lambda a, b: a.log(), "log", {}),
    (lambda a, b: a.sqrt(), "sqrt", {}),
    (lambda a, b: a.abs(), "abs", {}),
    (lambda a, b: a.sum(axis=1), "sum", {"axis": 1, "keepdims": False}),
    (lambda a, b: a.sum(), "sum", {"axis": None, "keepdims": False}),
    (lambda a, b: a.sum(dim=0, keepdim=True), "sum", {"axis": 0, "keepdims": True}),
    (lambda a, b: a.mean(axis=(0, 1), keepdims=True), "mean", {"axis": (0, 1), "keepdims": True}),
    (lambda a, b: a.max(axis=-1), "max", {"axis": -1, "keepdims": False}),
    (lambda a, b: a.min(axis=0, keepdims=True), "min", {"axis": 0, "keepdims": True}),
    (lambda a, b: a.reshape(3, 2), "reshape", {}),
    (lambda a, b: a.permute(1, 0), "permute", {"axes": (1, 0)}),
    (lambda a, b: a.clamp(min=0.5), "clamp", {"min": 0.5, "max": None}),
    (lambda a, b: a.expand(4, 2, 3), "expand", {}),
    (lambda a, b: a.double(), None, None),  # already float64: no cast is recorded, the tensor itself comes back
    (lambda a, b: a.float(), "cast", {}),
    (lambda a, b: cat([a, b], axis=1), "cat", {"axis": 1}),
    (lambda a, b: stack([a, b], axis=0), "stack", {"axis": 0}),
])
def test_each_operation_records_the_recipe_autograd_reads(make, op, attrs):
    a, b = Tensor(A.copy(), requires_grad=True), Tensor(B.copy(), requires_grad=True)
    out = make(a, b)
    if op is None:
        assert out is a
        return
    assert out._op == op, f"expected the recipe name {op!r} (module 05 looks its gradient rule up by it), got {out._op!r}"
    assert out.requires_grad and all(isinstance(p, Tensor) for p in out._parents) and a in [p for p in out._parents if p is a]
    assert out._attrs == attrs, f"{op} must record exactly {attrs} for its gradient rule, recorded {out._attrs}"


def test_indexing_and_masked_fill_record_what_they_need():
    a = Tensor(A.copy(), requires_grad=True)
    rows = np.array([1, 0, 1])
    picked = a[rows]
    assert picked._op == "getitem" and picked._parents == (a,) and picked._attrs["index"] is rows
    mask = np.eye(2, 3, dtype=bool)
    filled = a.masked_fill(mask, 0.0)
    assert filled._op == "masked_fill" and np.array_equal(filled._attrs["mask"], mask) and filled.shape == a.shape


def test_results_have_numpys_shapes_and_keep_float_dtypes():
    a = Tensor(A.astype(np.float32))
    assert a.sum(axis=1).shape == (2,) and a.sum(axis=1, keepdims=True).shape == (2, 1) and a.sum().shape == ()
    assert a.mean(axis=0).shape == (3,) and a.max(axis=0, keepdims=True).shape == (1, 3)
    for out in (a + 1, a * 2.5, a / 3, a ** 2, a.sum(), a.mean(), a.var(), a.exp()):
        assert out.dtype == np.float32, f"{out} should stay float32"


def test_inference_records_nothing_and_leaves_are_marked():
    w = Tensor(A.copy(), requires_grad=True)
    assert w.is_leaf and not (w * 2).is_leaf
    with no_grad():
        assert (w * 2).is_leaf and (w * 2)._attrs is None

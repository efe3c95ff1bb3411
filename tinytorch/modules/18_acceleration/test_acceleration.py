"""Module 18 tests: loop, blocked and fused implementations agree with the reference ones."""
import numpy as np
import pytest

from tinytorch.core.activations import gelu
from tinytorch.core.autograd import gradcheck
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import ShapeError, Tensor, randn
from tinytorch.optimization.acceleration import FusedLinearGELU, blocked_matmul, fused_bias_gelu, naive_matmul

RNG = np.random.default_rng(0)


def test_naive_matmul():
    a, b = RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5))
    np.testing.assert_allclose(naive_matmul(a, b), a @ b)
    with pytest.raises(ShapeError, match="not aligned"):
        naive_matmul(a, a)


@pytest.mark.parametrize("shape, block", [((70, 50, 30), 16), ((64, 64, 64), 64), ((5, 7, 3), 4)])
def test_blocked_matmul_matches_for_ragged_tiles(shape, block):
    n, k, m = shape
    a, b = RNG.standard_normal((n, k)), RNG.standard_normal((k, m))
    np.testing.assert_allclose(blocked_matmul(a, b, block), a @ b, rtol=1e-10)
    with pytest.raises(ValueError, match="block"):
        blocked_matmul(a, b, 0)


def test_fused_bias_gelu_matches_unfused_and_has_correct_gradient():
    x, b = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    np.testing.assert_allclose(fused_bias_gelu(Tensor(x), Tensor(b)).data, gelu(Tensor(x) + Tensor(b), approximate="tanh").data, rtol=1e-10)
    assert gradcheck(fused_bias_gelu, [Tensor(x, requires_grad=True), Tensor(b, requires_grad=True)])


def test_fused_linear_gelu_layer():
    layer = Linear(6, 5)
    fused = FusedLinearGELU(layer)
    x = randn(2, 3, 6)
    np.testing.assert_allclose(fused(x).data, gelu(layer(x), approximate="tanh").data, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="bias"):
        FusedLinearGELU(Linear(2, 2, bias=False))

"""Every differentiable primitive: autograd vs finite differences and vs PyTorch CPU, on hypothesis-drawn shapes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinytorch.nn.functional as tf
from tinytorch import Tensor
from tinytorch.core.autograd import gradcheck

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)
small_dims = st.integers(1, 4)


def arrays(draw, *shapes, positive=False):
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        a = rng.standard_normal(shape)
        out.append(np.abs(a) + 0.5 if positive else a)
    return out


def compare(tt_fn, torch_fn, inputs, check_fd=True):
    """Gradients of <f(x), r> for a random r, from TinyTorch, finite differences and PyTorch."""
    leaves = [Tensor(x.copy(), requires_grad=True) for x in inputs]
    out = tt_fn(*leaves)
    projection = np.random.default_rng(1).standard_normal(out.shape)
    (out * Tensor(projection)).sum().backward()
    torch_leaves = [torch.tensor(x, requires_grad=True) for x in inputs]
    torch_out = torch_fn(*torch_leaves)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=1e-7, atol=1e-9)
    (torch_out * torch.tensor(projection)).sum().backward()
    for leaf, torch_leaf in zip(leaves, torch_leaves):
        np.testing.assert_allclose(leaf.grad.data, torch_leaf.grad.numpy(), rtol=1e-6, atol=1e-8)
    if check_fd:
        assert gradcheck(tt_fn, [Tensor(x.copy(), requires_grad=True) for x in inputs])


@SETTINGS
@given(st.data(), mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=4),
       st.sampled_from(["add", "sub", "mul", "div"]))
def test_broadcasting_binary_ops(data, shapes, op):
    a, b = arrays(data.draw, *shapes.input_shapes, positive=(op == "div"))
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y}[op]
    compare(fn, fn, [a, b])


@SETTINGS
@given(st.data(), st.integers(0, 2), small_dims, small_dims, small_dims)
def test_matmul_with_batch_dims(data, batch_dims, n, k, m):
    batch = tuple(data.draw(st.lists(small_dims, min_size=batch_dims, max_size=batch_dims)))
    a, b = arrays(data.draw, batch + (n, k), (k, m) if data.draw(st.booleans()) else batch + (k, m))
    compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


@SETTINGS
@given(st.data(), array_shapes(min_dims=1, max_dims=3, max_side=4), st.sampled_from(["sum", "mean", "max"]), st.booleans())
def test_reductions(data, shape, op, keepdims):
    (a,) = arrays(data.draw, shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    tt = {"sum": lambda x: x.sum(axis=axis, keepdims=keepdims), "mean": lambda x: x.mean(axis=axis, keepdims=keepdims),
          "max": lambda x: x.max(axis=axis, keepdims=keepdims)}[op]
    th = {"sum": lambda x: x.sum(dim=axis, keepdim=keepdims), "mean": lambda x: x.mean(dim=axis, keepdim=keepdims),
          "max": lambda x: x.amax(dim=axis, keepdim=keepdims)}[op]
    compare(tt, th, [a])


@SETTINGS
@given(st.data(), array_shapes(min_dims=2, max_dims=4, max_side=4))
def test_shape_ops_and_indexing(data, shape):
    (a,) = arrays(data.draw, shape)
    perm = data.draw(st.permutations(range(len(shape))))
    compare(lambda x: x.permute(*perm).reshape(-1), lambda x: x.permute(*perm).reshape(-1), [a])
    rows = np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=5)))
    compare(lambda x: x[rows], lambda x: x[torch.tensor(rows)], [a])
    compare(lambda x: x[..., ::2], lambda x: x[..., ::2], [a])


@SETTINGS
@given(st.data(), array_shapes(min_dims=1, max_dims=3, max_side=5),
       st.sampled_from(["relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "exp", "log", "sqrt", "softmax", "log_softmax"]))
def test_elementwise_and_softmax(data, shape, op):
    (a,) = arrays(data.draw, shape, positive=op in ("log", "sqrt"))
    if op == "relu":
        a = np.where(np.abs(a) < 1e-3, 0.5, a)  # keep finite differences away from the kink
    tt = {"relu": tf.relu, "sigmoid": tf.sigmoid, "tanh": tf.tanh, "gelu": tf.gelu,
          "gelu_tanh": lambda x: tf.gelu(x, approximate="tanh"), "exp": lambda x: x.exp(),
          "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(), "softmax": tf.softmax, "log_softmax": tf.log_softmax}[op]
    th = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu,
          "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
          "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "softmax": lambda x: F.softmax(x, dim=-1),
          "log_softmax": lambda x: F.log_softmax(x, dim=-1)}[op]
    compare(tt, th, [a])


@SETTINGS
@given(st.data(), st.integers(1, 3), st.integers(1, 5), st.integers(1, 4), st.integers(2, 6))
def test_linear_layer_norm_and_cross_entropy(data, batch, time, din, dout):
    x, w, b = arrays(data.draw, (batch, time, din), (dout, din), (dout,))
    compare(tf.linear, F.linear, [x, w, b])
    g, beta = arrays(data.draw, (din,), (din,))
    if din > 1:
        compare(tf.layer_norm, lambda x, g, b: F.layer_norm(x, (din,), g, b), [x, g, beta])
    (logits,) = arrays(data.draw, (batch * time, dout))
    target = np.array(data.draw(st.lists(st.integers(0, dout - 1), min_size=batch * time, max_size=batch * time)))
    compare(lambda z: tf.cross_entropy(z, target), lambda z: F.cross_entropy(z, torch.tensor(target)), [logits])


@SETTINGS
@given(st.data(), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(3, 6), st.sampled_from([1, 2]),
       st.sampled_from([0, 1]), st.sampled_from([1, 3]))
def test_conv2d_and_pooling(data, n, c, o, hw, stride, padding, k):
    x, w, b = arrays(data.draw, (n, c, hw, hw), (o, c, k, k), (o,))
    compare(lambda x, w, b: tf.conv2d(x, w, b, stride, padding), lambda x, w, b: F.conv2d(x, w, b, stride, padding), [x, w, b])
    compare(lambda x: tf.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [x])
    compare(lambda x: tf.avg_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2), [x])


@SETTINGS
@given(st.data(), st.integers(1, 2), st.integers(1, 2), st.integers(1, 5), st.integers(1, 4), st.booleans())
def test_attention(data, batch, heads, time, dim, causal):
    q, k, v = arrays(data.draw, *[(batch, heads, time, dim)] * 3)
    compare(lambda q, k, v: tf.scaled_dot_product_attention(q, k, v, is_causal=causal),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal), [q, k, v])


def test_embedding_matches_torch():
    weight = np.random.default_rng(0).standard_normal((6, 3))
    ids = np.array([[0, 5, 5], [2, 0, 1]])
    compare(lambda w: w[ids], lambda w: F.embedding(torch.tensor(ids), w), [weight])


@SETTINGS
@given(st.data(), small_dims, small_dims, st.sampled_from(["vv", "vm", "mv"]))
def test_matmul_with_vectors(data, k, m, kind):
    shapes = {"vv": [(k,), (k,)], "vm": [(k,), (k, m)], "mv": [(m, k), (k,)]}[kind]
    a, b = arrays(data.draw, *shapes)
    compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])

# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 05: Autograd
#
# Since module 01 every operation has left a recipe behind: its parents, its name and a few
# attributes. Reverse-mode automatic differentiation reads those recipes backwards. Starting from a
# scalar loss with gradient 1, each step receives the gradient of the loss with respect to its output
# and turns it into gradients for its inputs with a *vector-Jacobian product* (VJP) rule. Sorting the
# graph topologically guarantees that a node's gradient is complete (all its consumers have
# contributed) before it is passed on.
#
# **What you build:** a table of VJP rules, one per primitive recorded in modules 01–04;
# `unbroadcast`, which undoes NumPy broadcasting; the `backward` engine; and `gradcheck`, which
# compares every rule with finite differences.
#
# **Systems lens.** The backward pass costs about two forward passes of FLOPs (each matrix multiply
# needs one product for its input gradient and one for its weight gradient), so a training step is about
# three forward passes whatever the number of parameters. Forward mode would need one pass per
# parameter, which is why reverse mode trains networks with billions of weights. The
# price is memory: every intermediate that a rule needs stays alive from the forward pass until the
# backward pass reaches it. Activation memory, not weights, is what fills accelerators during
# training; checkpointing trades it back for recomputation.

# %%
#| default_exp core.autograd
#| requires: 01 02 03 04
#| public: gradcheck, register_gradient

# %% [markdown]
# ## Undoing broadcasting
#
# If `b` of shape `(3,)` was broadcast against `a` of shape `(4, 3)`, each element of `b` was used
# four times, so its gradient is the *sum* over the broadcast axis. `unbroadcast` sums away leading
# axes that were added and axes of size one that were stretched.

# %%
#| export
import numpy as np

from tinytorch.core.tensor import Tensor, no_grad

GRADIENT_RULES = {}
# op -> (where the op is recorded, the attributes its rule reads). The recording happens in an earlier
# module; when a recipe breaks this contract the error names that module and function, not this one.
RECIPE_CONTRACTS = {}


class RecipeError(RuntimeError):
    """A recorded operation lacks what its gradient rule needs; the message names the module that records it."""


def register_gradient(op: str, recorded_by: str | None = None, needs: tuple = ()):
    """Decorator: register rule(grad, out, parents, attrs) -> one gradient (or None) per parent.

    `recorded_by` names the function that records `op` (e.g. "module 01 (tensor): Tensor.sum") and `needs`
    the attributes it must record, so a broken recipe is reported where it is made.
    """
    def decorate(rule):
        GRADIENT_RULES[op] = rule
        RECIPE_CONTRACTS[op] = (recorded_by, tuple(needs))
        return rule
    return decorate


def _recorder(op: str) -> str:
    recorded_by = RECIPE_CONTRACTS.get(op, (None, ()))[0]
    return recorded_by or f"the module whose function records '{op}'"


def check_recipe(node) -> None:
    """Raise RecipeError if node's recorded attributes miss one its gradient rule reads."""
    needed = RECIPE_CONTRACTS.get(node._op, (None, ()))[1]
    attrs = node._attrs if isinstance(node._attrs, dict) else {}
    missing = [name for name in needed if name not in attrs]
    if missing:
        raise RecipeError(
            f"backward: operation '{node._op}' was recorded without attribute(s) {missing} (it recorded {sorted(attrs)}); "
            f"the recipe is made in {_recorder(node._op)}: fix it there to pass "
            + ", ".join(f"{name}=..." for name in missing) + " to Tensor._from_op"
        )


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    ### BEGIN SOLUTION
    ### HINT: sum over the extra leading axes, then over axes where shape has 1 but grad does not (keepdims)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)
    ### END SOLUTION

# %% [markdown]
# ## Vector-Jacobian products
#
# Each rule receives `g = ∂L/∂out` and returns `∂L/∂input` for every parent. The product rule gives
# `mul`; `matmul` gives `g @ Bᵀ` and `Aᵀ @ g` (with extra care for vectors and batched operands);
# reductions spread `g` back over the reduced axes; shape operations apply the inverse reshape or
# permutation; indexing scatters `g` into zeros, *adding* where an index repeats (an embedding row
# used twice in a batch receives both gradients).

# %%
#| export
@register_gradient("add", "module 01 (tensor): Tensor.__add__")
def _add(g, out, parents, attrs):
    return g, g


@register_gradient("sub", "module 01 (tensor): Tensor.__sub__")
def _sub(g, out, parents, attrs):
    return g, -g


@register_gradient("mul", "module 01 (tensor): Tensor.__mul__")
def _mul(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: product rule: each operand's gradient is g times the other operand's data
    a, b = parents
    return g * b.data, g * a.data
    ### END SOLUTION


@register_gradient("div", "module 01 (tensor): Tensor.__truediv__")
def _div(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: ∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = -a/b²; multiply both by g
    a, b = parents
    return g / b.data, -g * a.data / (b.data * b.data)
    ### END SOLUTION


@register_gradient("neg", "module 01 (tensor): Tensor.__neg__")
def _neg(g, out, parents, attrs):
    return (-g,)


@register_gradient("pow", "module 01 (tensor): Tensor.__pow__", needs=("exponent",))
def _pow(g, out, parents, attrs):
    (x,), p = parents, attrs["exponent"]
    return (g * p * x.data ** (p - 1),)


@register_gradient("exp", "module 01 (tensor): Tensor.exp")
def _exp(g, out, parents, attrs):
    return (g * out.data,)


@register_gradient("log", "module 01 (tensor): Tensor.log")
def _log(g, out, parents, attrs):
    return (g / parents[0].data,)


@register_gradient("sqrt", "module 01 (tensor): Tensor.sqrt")
def _sqrt(g, out, parents, attrs):
    return (g * 0.5 / out.data,)


@register_gradient("abs", "module 01 (tensor): Tensor.abs")
def _abs(g, out, parents, attrs):
    return (g * np.sign(parents[0].data),)


@register_gradient("clamp", "module 01 (tensor): Tensor.clamp", needs=("min", "max"))
def _clamp(g, out, parents, attrs):
    x, low, high = parents[0].data, attrs["min"], attrs["max"]
    inside = np.ones(x.shape, dtype=bool)
    if low is not None:
        inside &= x >= low
    if high is not None:
        inside &= x <= high
    return (g * inside,)


@register_gradient("clone", "module 01 (tensor): Tensor.clone")
def _clone(g, out, parents, attrs):
    return (g,)


@register_gradient("cast", "module 01 (tensor): Tensor.type / .float() / .double() / .to(dtype)")
def _cast(g, out, parents, attrs):
    return (g.astype(parents[0].dtype, copy=False),)


@register_gradient("expand", "module 01 (tensor): Tensor.expand")
def _expand(g, out, parents, attrs):
    return (g,)  # the engine's unbroadcast sums over the expanded axes


@register_gradient("masked_fill", "module 01 (tensor): Tensor.masked_fill", needs=("mask",))
def _masked_fill(g, out, parents, attrs):
    return (np.where(attrs["mask"], 0, g),)


def _swap(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


@register_gradient("matmul", "module 01 (tensor): Tensor.__matmul__")
def _matmul(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: dA = g @ B^T and dB = A^T @ g; treat 1-D operands as a row (A) or column (B) first
    a, b = parents[0].data, parents[1].data
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    if a.ndim >= 2 and b.ndim == 2:
        grad_a = (g.reshape(-1, g.shape[-1]) @ b.T).reshape(a.shape)
        grad_b = a.reshape(-1, a.shape[-1]).T @ g.reshape(-1, g.shape[-1])
        return grad_a, grad_b
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    grad_a = g2 @ _swap(b2)
    grad_b = _swap(a2) @ g2
    if a.ndim == 1:
        grad_a = np.squeeze(grad_a, -2)
    if b.ndim == 1:
        grad_b = np.squeeze(grad_b, -1)
    return grad_a, grad_b
    ### END SOLUTION


def _expand_reduced(g, shape, axis, keepdims):
    if axis is None:
        return np.broadcast_to(g, shape)
    if not keepdims:
        axes = (axis,) if isinstance(axis, int) else axis
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(g, shape)


@register_gradient("sum", "module 01 (tensor): Tensor.sum", needs=("axis", "keepdims"))
def _sum(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: every summed element receives g unchanged: _expand_reduced puts the reduced axes back
    return (_expand_reduced(g, parents[0].shape, attrs["axis"], attrs["keepdims"]),)
    ### END SOLUTION


@register_gradient("mean", "module 01 (tensor): Tensor.mean", needs=("axis", "keepdims"))
def _mean(g, out, parents, attrs):
    x = parents[0]
    count = x.data.size / max(out.data.size, 1)
    return (_expand_reduced(g, x.shape, attrs["axis"], attrs["keepdims"]) / count,)


@register_gradient("max", "module 01 (tensor): Tensor.max", needs=("axis", "keepdims"))
@register_gradient("min", "module 01 (tensor): Tensor.min", needs=("axis", "keepdims"))
def _extreme(g, out, parents, attrs):
    x, axis, keepdims = parents[0], attrs["axis"], attrs["keepdims"]
    peak = _expand_reduced(out.data, x.shape, axis, keepdims)
    winners = (x.data == peak).astype(x.dtype)
    share = winners / winners.sum(axis=axis, keepdims=True)
    return (_expand_reduced(g, x.shape, axis, keepdims) * share,)


@register_gradient("reshape", "module 01 (tensor): Tensor.reshape")
def _reshape(g, out, parents, attrs):
    return (g.reshape(parents[0].shape),)


@register_gradient("permute", "module 01 (tensor): Tensor.permute", needs=("axes",))
def _permute(g, out, parents, attrs):
    return (np.transpose(g, np.argsort([a % g.ndim for a in attrs["axes"]])),)


def _is_advanced(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


@register_gradient("getitem", "module 01 (tensor): Tensor.__getitem__", needs=("index",))
def _getitem(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: scatter g into zeros of the parent's shape; use np.add.at when the index may repeat rows
    x, index = parents[0], attrs["index"]
    grad = np.zeros(x.shape, dtype=g.dtype)
    if _is_advanced(index):
        np.add.at(grad, index, g)
    else:
        grad[index] = g
    return (grad,)
    ### END SOLUTION


@register_gradient("cat", "module 01 (tensor): cat", needs=("axis",))
def _cat(g, out, parents, attrs):
    sizes = np.cumsum([p.shape[attrs["axis"]] for p in parents])[:-1]
    return tuple(np.split(g, sizes, axis=attrs["axis"]))


@register_gradient("stack", "module 01 (tensor): stack", needs=("axis",))
def _stack(g, out, parents, attrs):
    return tuple(np.moveaxis(g, attrs["axis"], 0))

# %% [markdown]
# ## Rules for the primitives of modules 02–04
#
# Activations differentiate in closed form from their saved output (`σ' = σ(1-σ)`,
# `tanh' = 1 - tanh²`); softmax's Jacobian is never formed, only its product with `g`:
# `s ⊙ (g - Σ g⊙s)`. The fused cross-entropy uses the probabilities it kept.

# %%
#| export
@register_gradient("relu", "module 02 (activations): relu")
def _relu(g, out, parents, attrs):
    return (g * (parents[0].data > 0),)


@register_gradient("sigmoid", "module 02 (activations): sigmoid")
def _sigmoid(g, out, parents, attrs):
    s = out.data
    return (g * s * (1 - s),)


@register_gradient("tanh", "module 02 (activations): tanh")
def _tanh(g, out, parents, attrs):
    return (g * (1 - out.data * out.data),)


@register_gradient("gelu", "module 02 (activations): gelu", needs=("approximate",))
def _gelu(g, out, parents, attrs):
    x = parents[0].data
    if attrs["approximate"] == "none":
        # d/dx x·Φ(x) = Φ(x) + x·φ(x), with φ the standard normal density
        return (g * (attrs["cdf"] + x * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)),)
    t, c = attrs["tanh"], np.sqrt(2.0 / np.pi)
    derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    return (g * derivative,)


@register_gradient("softmax", "module 02 (activations): softmax", needs=("axis",))
def _softmax(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: s ⊙ (g - Σ g⊙s) with the sum over attrs["axis"] (keepdims), where s is the saved output
    s = out.data
    return (s * (g - (g * s).sum(axis=attrs["axis"], keepdims=True)),)
    ### END SOLUTION


@register_gradient("log_softmax", "module 02 (activations): log_softmax", needs=("axis",))
def _log_softmax(g, out, parents, attrs):
    return (g - np.exp(out.data) * g.sum(axis=attrs["axis"], keepdims=True),)


@register_gradient("linear", "module 03 (layers): linear")
def _linear(g, out, parents, attrs):
    x, w = parents[0].data, parents[1].data
    g2 = g.reshape(-1, g.shape[-1])
    grads = [(g2 @ w).reshape(x.shape), g2.T @ x.reshape(-1, x.shape[-1])]
    if len(parents) == 3:
        grads.append(g2.sum(axis=0))
    return tuple(grads)


@register_gradient("cross_entropy", "module 04 (losses): cross_entropy", needs=("probs", "labels"))
def _cross_entropy(g, out, parents, attrs):
    ### BEGIN SOLUTION
    ### HINT: the gradient of the mean loss is (probs - onehot(labels)) / rows, times g
    probs, labels = attrs["probs"], attrs["labels"]
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1.0
    grad *= g / len(labels)
    return (grad.reshape(parents[0].shape).astype(parents[0].dtype, copy=False),)
    ### END SOLUTION

# %% [markdown]
# ## The backward engine
#
# An iterative depth-first search produces a topological order (recursion would overflow the Python
# stack on a long unrolled graph, such as a 1000-token generation). Gradients accumulate in a
# dictionary keyed by node identity; only leaves (tensors created by the user, e.g. parameters)
# receive a `.grad`, and repeated `backward` calls add to it, as in PyTorch, which is why training
# loops call `zero_grad()`.
#
# After the pass the graph is *freed*, as in PyTorch: every recorded node drops its parents and
# attributes, which releases the activations they kept alive. A second `backward()` through the same
# graph therefore raises instead of silently adding the gradients again; `retain_graph=True` keeps the
# graph for a deliberate second pass.
#
# `parent_gradients` applies one node's rule. It checks the recipe first (the attributes each rule
# reads are declared with `register_gradient(..., needs=...)`), so a recipe broken in an earlier module
# is reported as that module's bug, naming the function that recorded it.

# %%
#| export
def topological_order(root: Tensor) -> list:
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def parent_gradients(node: Tensor, g: np.ndarray) -> list:
    """Apply node's gradient rule: one gradient (unbroadcast to the parent's shape) or None per parent."""
    rule = GRADIENT_RULES.get(node._op)
    if rule is None:
        raise NotImplementedError(
            f"backward: no gradient rule registered for operation '{node._op}' (known: {', '.join(sorted(GRADIENT_RULES))}); "
            "fix: record the operation under one of these names, or register_gradient a rule for it"
        )
    check_recipe(node)
    try:
        grads = tuple(rule(g, node, node._parents, node._attrs))
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
        shapes = [p.shape for p in node._parents]
        raise RecipeError(
            f"backward: the gradient rule for '{node._op}' failed ({type(error).__name__}: {error}) on parents of shapes "
            f"{shapes} and attributes {sorted(node._attrs or {})}; the rule is in module 05 (autograd), the recipe it "
            f"reads is made in {_recorder(node._op)}: check both"
        ) from error
    if len(grads) != len(node._parents):
        raise RecipeError(
            f"backward: the rule for '{node._op}' returned {len(grads)} gradient(s) for {len(node._parents)} parent(s); "
            f"the parents are recorded in {_recorder(node._op)}, the rule is in module 05 (autograd)"
        )
    out = []
    for parent, parent_grad in zip(node._parents, grads):
        if parent_grad is None or not parent.requires_grad:
            out.append(None)
            continue
        parent_grad = np.asarray(parent_grad)
        try:
            out.append(unbroadcast(parent_grad, parent.shape))
        except (ValueError, IndexError) as error:
            raise RecipeError(
                f"backward: the rule for '{node._op}' gave a gradient of shape {parent_grad.shape} for a parent of shape "
                f"{parent.shape}; the rule is in module 05 (autograd), the operation is recorded in {_recorder(node._op)}"
            ) from error
    return out


def _is_freed(node: Tensor) -> bool:
    return node._op is not None and not node._parents


def backward(root: Tensor, gradient=None, retain_graph: bool = False) -> None:
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require gradients (no parameter with requires_grad=True fed into it, "
            "or it was computed under no_grad()); fix: create leaves with requires_grad=True"
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can only be implied for a scalar output, got shape {root.shape}; "
                "fix: reduce to a scalar (e.g. .sum()) or pass gradient= with the output's shape"
            )
        gradient = np.ones_like(root.data)
    gradient = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)
    order = topological_order(root)
    freed = [node._op for node in order if _is_freed(node)]
    if freed:
        raise RuntimeError(
            f"backward: trying to backward through the graph a second time (operation '{freed[0]}' was freed by an "
            "earlier backward()); fix: recompute the forward pass, or pass retain_graph=True to the first backward()"
        )
    ### BEGIN SOLUTION
    ### HINT: walk reversed(order); leaves (node._op is None) accumulate .grad; others pass parent_gradients(node, g) on
    grads = {id(root): gradient}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._op is None:
            node.grad = Tensor(g.copy() if node.grad is None else node.grad.data + g)
            continue
        for parent, parent_grad in zip(node._parents, parent_gradients(node, g)):
            if parent_grad is None:
                continue
            key = id(parent)
            grads[key] = parent_grad if key not in grads else grads[key] + parent_grad
    ### END SOLUTION
    if not retain_graph:
        for node in order:
            if node._op is not None:
                node._parents, node._attrs = (), None

# %% [markdown]
# ## Gradient checking
#
# A central difference `(f(x+ε) - f(x-ε)) / 2ε` approximates each partial derivative with error
# `O(ε²)`. In float64 with `ε = 1e-6` it agrees with a correct analytic gradient to about 1e-8
# relative, so any larger disagreement is a bug in a rule. We check `⟨f(x), r⟩` for a random `r`, which
# exercises every output element at the cost of one backward pass.

# %%
#| export
class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with finite differences; the message shows where and by how much."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, seed: int = 0) -> bool:
    """Compare autograd gradients of fn(*inputs) with central differences (inputs should be float64)."""
    rng = np.random.default_rng(seed)
    leaves = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in inputs]
    for leaf in leaves:
        leaf.grad = None
    output = fn(*leaves)
    projection = rng.standard_normal(output.shape)
    (output * Tensor(projection)).sum().backward()

    def objective() -> float:
        with no_grad():
            return float((fn(*leaves).data * projection).sum())

    for position, leaf in enumerate(leaves):
        if not leaf.requires_grad:
            continue
        analytic = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        flat = leaf.data.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = objective()
            flat[i] = original - eps
            minus = objective()
            flat[i] = original
            numeric = (plus - minus) / (2 * eps)
            exact = analytic.reshape(-1)[i]
            if abs(numeric - exact) > atol + rtol * abs(numeric):
                raise GradientCheckError(
                    f"gradcheck: input {position} element {np.unravel_index(i, leaf.shape)}: "
                    f"autograd {exact:.8g} vs finite difference {numeric:.8g}"
                )
    return True

# %% [markdown]
# ## Systems analysis: what backward keeps alive
#
# For an MLP we count the bytes held by the recorded graph after the forward pass (every array a
# rule may read) and compare them with the parameter bytes. Doubling the batch doubles the first
# number and leaves the second alone: activation memory scales with batch size, weight memory does
# not.

# %%
def graph_memory(batch: int, widths=(64, 256, 256, 10)) -> dict:
    from tinytorch.core.activations import relu
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import cross_entropy

    from tinytorch.core.tensor import randn

    layers = [Linear(a, b) for a, b in zip(widths[:-1], widths[1:])]
    x = randn(batch, widths[0])
    for i, layer in enumerate(layers):
        x = layer(x)
        if i < len(layers) - 1:
            x = relu(x)
    loss = cross_entropy(x, np.zeros(batch, dtype=np.int64))
    nodes = topological_order(loss)
    params = {id(p) for layer in layers for p in layer.parameters()}
    activation_bytes = sum(n.nbytes for n in nodes if id(n) not in params)
    return {"batch": batch, "activation_bytes": activation_bytes, "parameter_bytes": sum(4 * l.num_parameters() for l in layers)}


if __name__ == "__main__":
    for batch in (32, 64, 128, 256):
        row = graph_memory(batch)
        print(f"batch {batch:4d}: graph {row['activation_bytes'] / 1024:8.1f} KiB   parameters {row['parameter_bytes'] / 1024:8.1f} KiB")

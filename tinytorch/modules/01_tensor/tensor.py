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
# # Module 01: Tensor
#
# Every deep-learning framework is, at its core, a container for n-dimensional arrays plus a record of
# how each array was computed. In this module you build that container, `Tensor`, on top of a NumPy
# array. Later modules add gradients (module 05), layers, optimizers and whole transformers, all
# through the operations written here, so the choices made now (dtype, broadcasting rules, error
# messages, what each operation remembers) show up in every later measurement.
#
# **What you build:** `Tensor` with arithmetic, broadcasting, `@`, reductions, reshaping and
# indexing; factory functions (`zeros`, `ones`, `randn`); a `no_grad` switch; and shape errors that
# name the operation and both shapes.
#
# **Systems lens.** A tensor of shape `(n, m)` in float32 occupies `4·n·m` bytes; an elementwise
# add reads two numbers and writes one for each FLOP (memory-bound: one FLOP per 12 bytes moved), while
# a matrix multiply of `(n, k) @ (k, m)` performs `2·n·k·m` FLOPs on `4·(nk + km + nm)` bytes, so its
# arithmetic intensity grows with the matrix size. That single contrast explains why frameworks fuse
# elementwise operations and why GEMM dominates every model's runtime.

# %%
#| default_exp core.tensor
#| requires:
#| public: Tensor, no_grad, is_grad_enabled, ShapeError, zeros, ones, randn, rand, arange, zeros_like, ones_like, cat, stack, manual_seed, float32, float64, int64

# %% [markdown]
# ## Design: data plus a recipe
#
# A `Tensor` holds `data` (a NumPy array) and, when it was produced by an operation on tensors that
# require gradients, three more fields: its `_parents`, the name of the operation `_op`, and any
# attributes the operation needs to be undone (an axis, an exponent, an index). Nothing here computes
# a gradient yet: module 05 reads these recipes backwards. Recording only when a parent requires a
# gradient, and only when gradient mode is on, is what keeps inference cheap: a model evaluated
# under `no_grad()` keeps no intermediate arrays alive.
#
# Defaults follow PyTorch: Python floats become float32 (half the bytes of NumPy's float64), while a
# NumPy array keeps its dtype, which lets the gradient checker run in float64.

# %%
#| export
from collections import namedtuple

import numpy as np

_STATE = {"grad_enabled": True, "rng": np.random.default_rng(0)}

# dtypes under PyTorch's names, so that `x.to(tt.float64)` reads as it would in PyTorch.
float32, float64, int64, bool_ = np.float32, np.float64, np.int64, np.bool_


class ShapeError(ValueError):
    """Raised when operand shapes are incompatible; the message names the operation and both shapes."""


# What x.max(dim) and x.min(dim) return, as in PyTorch: the values and where they were found.
MinMaxResult = namedtuple("MinMaxResult", ["values", "indices"])


def manual_seed(seed: int) -> None:
    """Reseed the generator used by `randn`, `rand`, parameter initialisation and dropout."""
    _STATE["rng"] = np.random.default_rng(seed)


def get_rng() -> np.random.Generator:
    return _STATE["rng"]


def is_grad_enabled() -> bool:
    return _STATE["grad_enabled"]


class no_grad:
    """Context manager that stops operations from recording their recipe (inference mode)."""

    def __enter__(self):
        self._previous = _STATE["grad_enabled"]
        _STATE["grad_enabled"] = False
        return self

    def __exit__(self, *exc_info):
        _STATE["grad_enabled"] = self._previous
        return False


def _reduce_args(op: str, axis, keepdims, dim=None, keepdim=None):
    """Accept PyTorch's `dim=`/`keepdim=` next to NumPy's `axis=`/`keepdims=`; a list of axes becomes a tuple."""
    if dim is not None:
        if axis is not None and axis != dim:
            raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; they name the same argument, pass one")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


def _reduced_count(shape: tuple, axis) -> int:
    """How many elements each output of a reduction over `axis` combines."""
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def _as_array(data, dtype=None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype == np.float64:
        array = array.astype(np.float32)
    return array

# %% [markdown]
# ## The Tensor class
#
# Each operation below follows the same three steps: coerce the other operand (a Python number takes
# this tensor's dtype, so `x * 2` stays float32), compute with NumPy, and wrap the result with
# `_from_op`, which records the recipe only if needed. Binary operations broadcast like NumPy; when
# NumPy refuses, we re-raise a `ShapeError` that says which operation failed and with which shapes,
# because "operands could not be broadcast" without the operation name is the most common and least
# helpful error in a training script.

# %%
#| export
class Tensor:
    """An n-dimensional array that remembers how it was computed (for autograd in module 05)."""

    __slots__ = ("data", "requires_grad", "grad", "_parents", "_op", "_attrs", "__weakref__")
    __array_priority__ = 1000  # make `ndarray * Tensor` call Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}; "
                "fix: pass dtype=np.float32"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = ()
        self._op = None
        self._attrs = None

    @classmethod
    def _from_op(cls, data, parents, op, **attrs):
        """Wrap an operation's result, recording the recipe when a gradient may be needed."""
        ### BEGIN SOLUTION
        ### HINT: create the object with cls.__new__(cls), then set every slot; record parents only if needed
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        track = _STATE["grad_enabled"] and any(p.requires_grad for p in parents)
        out.requires_grad = track
        if track:
            out._parents, out._op, out._attrs = tuple(parents), op, attrs
        else:
            out._parents, out._op, out._attrs = (), None, None
        return out
        ### END SOLUTION

    # ----- description -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (they receive .grad); False for results of recorded operations."""
        return self._op is None

    def numel(self) -> int:
        return int(self.data.size)

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = f", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Tensor({body}, dtype={self.data.dtype}{grad})"

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> "Tensor":
        return Tensor(self.data)

    def clone(self) -> "Tensor":
        return Tensor._from_op(self.data.copy(), (self,), "clone")

    def contiguous(self) -> "Tensor":
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; fix: call .detach() first")
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Compute gradients of this tensor with respect to every leaf that requires them.

        As in PyTorch the recorded graph is freed afterwards; pass retain_graph=True to backward through it again.
        """
        try:
            from tinytorch.core.autograd import backward
        except ImportError as error:
            raise RuntimeError(
                "backward() needs the autograd engine from module 05; complete it with `tito module complete 5`"
            ) from error
        backward(self, gradient, retain_graph=retain_graph)

    # ----- arithmetic --------------------------------------------------------------------------
    def _coerce(self, other) -> "Tensor":
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, bool)) and np.issubdtype(self.data.dtype, np.floating):
            return Tensor(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def _binary(self, other, op, fn, reverse=False):
        other = self._coerce(other)
        a, b = (other, self) if reverse else (self, other)
        try:
            data = fn(a.data, b.data)
        except ValueError as error:
            raise ShapeError(f"{op}: cannot broadcast shapes {a.shape} and {b.shape}") from error
        return Tensor._from_op(data, (a, b), op)

    def __add__(self, other):
        ### BEGIN SOLUTION
        ### HINT: same as __radd__ below without reverse=True; the op name "add" is what module 05 looks up
        return self._binary(other, "add", np.add)
        ### END SOLUTION

    def __radd__(self, other):
        return self._binary(other, "add", np.add, reverse=True)

    def __sub__(self, other):
        ### BEGIN SOLUTION
        return self._binary(other, "sub", np.subtract)
        ### END SOLUTION

    def __rsub__(self, other):
        return self._binary(other, "sub", np.subtract, reverse=True)

    def __mul__(self, other):
        ### BEGIN SOLUTION
        return self._binary(other, "mul", np.multiply)
        ### END SOLUTION

    def __rmul__(self, other):
        return self._binary(other, "mul", np.multiply, reverse=True)

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        return self._binary(other, "div", np.divide)
        ### END SOLUTION

    def __rtruediv__(self, other):
        return self._binary(other, "div", np.divide, reverse=True)

    def __neg__(self):
        return Tensor._from_op(-self.data, (self,), "neg")

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"pow: the exponent must be a Python number, got {type(exponent).__name__}")
        ### BEGIN SOLUTION
        ### HINT: record the exponent as an attribute (exponent=...): module 05 needs it for p·x^(p-1)
        return Tensor._from_op(self.data ** exponent, (self,), "pow", exponent=exponent)
        ### END SOLUTION

    def __matmul__(self, other):
        other = self._coerce(other)
        a, b = self.shape, other.shape
        ### BEGIN SOLUTION
        ### HINT: check that the inner dimensions agree (a[-1] vs b[-2], or b[0] for a vector) before np.matmul
        if len(a) == 0 or len(b) == 0:
            raise ShapeError(f"matmul: both operands need at least one dimension, got shapes {a} and {b}")
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            raise ShapeError(f"matmul: shapes {a} and {b} are not aligned (inner dimensions {a[-1]} != {inner_b})")
        try:
            data = np.matmul(self.data, other.data)
        except ValueError as error:
            raise ShapeError(f"matmul: batch dimensions of {a} and {b} do not broadcast") from error
        return Tensor._from_op(data, (self, other), "matmul")
        ### END SOLUTION

    def __rmatmul__(self, other):
        return self._coerce(other).__matmul__(self)

    # ----- comparisons (never differentiable) --------------------------------------------------
    def __gt__(self, other):
        return Tensor(self.data > _as_array(other))

    def __lt__(self, other):
        return Tensor(self.data < _as_array(other))

    def __ge__(self, other):
        return Tensor(self.data >= _as_array(other))

    def __le__(self, other):
        return Tensor(self.data <= _as_array(other))

    def __eq__(self, other):
        return Tensor(self.data == _as_array(other))

    def __ne__(self, other):
        return Tensor(self.data != _as_array(other))

    # Elementwise == would otherwise make tensors unhashable; identity hashing keeps them usable as dict keys.
    __hash__ = object.__hash__

    eq, ne, gt, lt, ge, le = __eq__, __ne__, __gt__, __lt__, __ge__, __le__

    def any(self) -> "Tensor":
        return Tensor(np.any(self.data))

    def all(self) -> "Tensor":
        return Tensor(np.all(self.data))

    # ----- elementwise functions ---------------------------------------------------------------
    def pow(self, exponent):
        return self ** exponent

    def exp(self):
        return Tensor._from_op(np.exp(self.data), (self,), "exp")

    def log(self):
        return Tensor._from_op(np.log(self.data), (self,), "log")

    def sqrt(self):
        return Tensor._from_op(np.sqrt(self.data), (self,), "sqrt")

    def abs(self):
        return Tensor._from_op(np.abs(self.data), (self,), "abs")

    def clamp(self, min=None, max=None):
        """Limit every entry to [min, max] (either bound may be None); the gradient passes only inside."""
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min= and max=")
        return Tensor._from_op(np.clip(self.data, min, max).astype(self.data.dtype, copy=False), (self,), "clamp",
                               min=min, max=max)

    clip = clamp

    def relu(self):
        return _activation("relu")(self)

    def sigmoid(self):
        return _activation("sigmoid")(self)

    def tanh(self):
        return _activation("tanh")(self)

    def softmax(self, dim: int = -1):
        return _activation("softmax")(self, dim)

    def log_softmax(self, dim: int = -1):
        return _activation("log_softmax")(self, dim)

    def masked_fill(self, mask, value: float):
        """Replace entries where `mask` is true by `value` (used for causal attention masks)."""
        mask = _as_array(mask).astype(bool)
        try:
            data = np.where(mask, np.asarray(value, dtype=self.data.dtype), self.data)
        except ValueError as error:
            raise ShapeError(f"masked_fill: mask shape {mask.shape} does not broadcast to {self.shape}") from error
        if data.shape != self.shape:
            raise ShapeError(f"masked_fill: mask shape {mask.shape} would enlarge tensor of shape {self.shape}")
        return Tensor._from_op(data, (self,), "masked_fill", mask=mask)

    # ----- reductions --------------------------------------------------------------------------
    # Each reduction takes NumPy's names (axis=, keepdims=) and PyTorch's (dim=, keepdim=) for the same thing.
    def sum(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("sum", axis, keepdims, dim, keepdim)
        ### BEGIN SOLUTION
        ### HINT: record axis and keepdims with the recipe: module 05 needs them to spread the gradient back
        return Tensor._from_op(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum", axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("mean", axis, keepdims, dim, keepdim)
        ### BEGIN SOLUTION
        ### HINT: like sum, recording axis and keepdims
        return Tensor._from_op(self.data.mean(axis=axis, keepdims=keepdims), (self,), "mean", axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def _extreme(self, op: str, pick, index_of, dim, keepdim, axis, keepdims):
        # PyTorch's x.max(dim) returns (values, indices); NumPy-style x.max(axis=...) returns the values only.
        with_indices = dim is not None and axis is None and isinstance(dim, int)
        axis, keepdims = _reduce_args(op, axis, bool(keepdims), dim, keepdim)
        values = Tensor._from_op(pick(self.data, axis=axis, keepdims=keepdims), (self,), op, axis=axis, keepdims=keepdims)
        if not with_indices:
            return values
        return MinMaxResult(values, Tensor(index_of(self.data, axis=axis, keepdims=keepdims)))

    def max(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        """Largest entry: over everything, over `axis=` (values), or over `dim=` ((values, indices), as PyTorch)."""
        return self._extreme("max", np.max, np.argmax, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        """Smallest entry; arguments and results as for max."""
        return self._extreme("min", np.min, np.argmin, dim, keepdim, axis, keepdims)

    def amax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("amax", axis, keepdims, dim, keepdim)
        return self.max(axis=axis, keepdims=keepdims)

    def amin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("amin", axis, keepdims, dim, keepdim)
        return self.min(axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims: bool = False, *, unbiased=None, correction=None, dim=None, keepdim=None):
        """Variance with PyTorch's default: divides by n - 1 (Bessel's correction).

        `unbiased=False` or `correction=0` divides by n, as normalisation layers do for the batch statistic.
        """
        axis, keepdims = _reduce_args("var", axis, keepdims, dim, keepdim)
        if unbiased is not None and correction is not None:
            raise TypeError("var: pass either unbiased= or correction=, not both")
        correction = (1 if unbiased in (None, True) else 0) if correction is None else correction
        divisor = _reduced_count(self.shape, axis) - correction
        centered = self - self.mean(axis=axis, keepdims=True)
        # With no degrees of freedom left PyTorch returns nan (0 · inf) or inf, never a silent finite number.
        return (centered * centered).sum(axis=axis, keepdims=keepdims) * (1.0 / divisor if divisor > 0 else np.inf)

    def std(self, axis=None, keepdims: bool = False, *, unbiased=None, correction=None, dim=None, keepdim=None):
        """Standard deviation, the square root of var (same arguments and n - 1 default)."""
        return self.var(axis, keepdims, unbiased=unbiased, correction=correction, dim=dim, keepdim=keepdim).sqrt()

    def argmax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("argmax", axis, keepdims, dim, keepdim)
        return Tensor(self.data.argmax(axis=axis, keepdims=keepdims))

    def argmin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        axis, keepdims = _reduce_args("argmin", axis, keepdims, dim, keepdim)
        return Tensor(self.data.argmin(axis=axis, keepdims=keepdims))

    # ----- shape manipulation ------------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        ### BEGIN SOLUTION
        ### HINT: turn NumPy's ValueError into a ShapeError that names both shapes and the element count
        try:
            data = self.data.reshape(shape)
        except ValueError as error:
            raise ShapeError(f"reshape: cannot view shape {self.shape} ({self.data.size} elements) as {shape}") from error
        return Tensor._from_op(data, (self,), "reshape")
        ### END SOLUTION

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def unsqueeze(self, dim: int):
        """Insert an axis of size one at `dim` (negative counts from the end of the result, as in PyTorch)."""
        position = dim % (self.ndim + 1)
        return self.reshape(self.shape[:position] + (1,) + self.shape[position:])

    def squeeze(self, dim=None):
        """Drop axes of size one (all of them, or only `dim`, which stays if its size is not one)."""
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dims = {d % max(self.ndim, 1) for d in ((dim,) if isinstance(dim, int) else dim)}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)))

    def expand(self, *sizes):
        """Broadcast to `sizes` without copying (-1 keeps a size); the gradient sums over the expanded axes."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ShapeError(f"expand: cannot expand shape {self.shape} to fewer dimensions {sizes}")
        target = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        try:
            data = np.broadcast_to(self.data, target)
        except ValueError as error:
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {sizes} (only size-1 axes can grow)") from error
        return Tensor._from_op(data, (self,), "expand")

    def expand_as(self, other: "Tensor"):
        return self.expand(other.shape)

    def t(self):
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with at most 2 dimensions, got shape {self.shape}; fix: use transpose(dim0, dim1)")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def permute(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if sorted(a % self.ndim for a in axes) != list(range(self.ndim)):
            raise ShapeError(f"permute: axes {axes} are not a permutation of the {self.ndim} dims of shape {self.shape}")
        return Tensor._from_op(np.transpose(self.data, axes), (self,), "permute", axes=tuple(axes))

    def transpose(self, dim0: int = -2, dim1: int = -1):
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            data = self.data[index]
        except IndexError as error:
            raise ShapeError(f"getitem: index {index!r} is out of range for shape {self.shape}") from error
        return Tensor._from_op(data, (self,), "getitem", index=index)

    # ----- dtype and device (NumPy on the CPU only) --------------------------------------------
    def to(self, target=None, dtype=None) -> "Tensor":
        """`to(dtype)` casts; `to("cpu")` is a no-op; any other device is refused (TinyTorch has no GPU)."""
        if isinstance(target, str):
            if target != "cpu":
                raise RuntimeError(f"to: TinyTorch computes with NumPy on the CPU only, got device {target!r}; fix: drop .to({target!r})")
            target = None
        dtype = target if target is not None else dtype
        return self if dtype is None else self.type(dtype)

    def type(self, dtype) -> "Tensor":
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        return Tensor._from_op(self.data.astype(dtype), (self,), "cast") if dtype.kind == "f" else Tensor(self.data.astype(dtype))

    def float(self) -> "Tensor":
        return self.type(np.float32)

    def double(self) -> "Tensor":
        return self.type(np.float64)

    def long(self) -> "Tensor":
        return self.type(np.int64)

    def int(self) -> "Tensor":
        return self.type(np.int32)

    def bool(self) -> "Tensor":
        return self.type(np.bool_)

    def cpu(self) -> "Tensor":
        return self

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements is ambiguous; fix: use .any() or .all()")
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __getattr__(self, name):
        # Called only when normal lookup fails: explain PyTorch methods that TinyTorch leaves out on purpose.
        if name in _NOT_IN_TINYTORCH:
            raise AttributeError(f"Tensor.{name}: PyTorch has it, TinyTorch does not; {_NOT_IN_TINYTORCH[name]}")
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")


def _activation(name: str):
    """x.relu() and friends call module 02's functions; a clear error if that module is not built yet."""
    try:
        from tinytorch.core import activations
    except ImportError as error:
        raise RuntimeError(f"Tensor.{name} needs module 02 (activations); complete it with `tito module complete 2`") from error
    return getattr(activations, name)


# PyTorch Tensor methods a learner may type that TinyTorch leaves out, each with what to do instead.
_NOT_IN_TINYTORCH = {
    "cuda": "TinyTorch computes with NumPy on the CPU only; remove .cuda()",
    "half": "NumPy float16 has no fast kernels on a CPU; use .float() (module 15 covers INT8 instead)",
    "bfloat16": "NumPy has no bfloat16; use .float()",
    "grad_fn": "the recorded operation is in ._op and its inputs in ._parents (module 01's recipe)",
    "retain_grad": "only leaves (tensors you create with requires_grad=True) receive .grad in TinyTorch",
    "register_hook": "TinyTorch's engine has no hooks; read the gradients after backward() instead",
    "split": "index with slices instead, e.g. x[:, :k] and x[:, k:] (slicing is differentiable)",
    "chunk": "index with slices instead, e.g. x[:, :k] and x[:, k:] (slicing is differentiable)",
    "repeat": "use expand() to broadcast, or cat([x] * n, axis=...) to copy",
    "norm": "write it out: (x * x).sum().sqrt() is differentiable",
    "sort": "use x.numpy() with np.sort (sorting has no gradient in TinyTorch)",
    "topk": "use x.numpy() with np.argsort (no gradient in TinyTorch)",
    "cumsum": "no cumulative ops in TinyTorch; use x.numpy().cumsum(...) outside autograd",
    "gather": "use advanced indexing, e.g. x[np.arange(n), labels] (differentiable)",
    "scatter_": "in-place scatters are not recorded; build the result with indexing or masked_fill",
    "index_select": "use indexing: x[indices] or x[:, indices] (differentiable)",
    "masked_select": "use indexing with a boolean NumPy array: x[mask.numpy()]",
    "zero_": "in-place ops are not recorded by autograd; use zeros_like(x), or set optimizer.zero_grad()",
    "fill_": "in-place ops are not recorded by autograd; build a new tensor (ones_like(x) * value)",
    "add_": "in-place ops are not recorded by autograd; write x = x + y (optimizers update .data in place)",
    "mul_": "in-place ops are not recorded by autograd; write x = x * y",
    "stride": "TinyTorch tensors wrap NumPy arrays; read x.data.strides (in bytes)",
    "data_ptr": "TinyTorch tensors wrap NumPy arrays; read x.data.ctypes.data",
    "is_cuda": "TinyTorch computes with NumPy on the CPU only (x.device is always 'cpu')",
}


def cat(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Concatenate tensors along an existing axis (`dim=` as in torch.cat)."""
    axis = _reduce_args("cat", None if dim is not None else axis, False, dim)[0]
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        data = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError as error:
        raise ShapeError(f"cat: shapes {[t.shape for t in tensors]} differ outside axis {axis}") from error
    return Tensor._from_op(data, tuple(tensors), "cat", axis=axis)


def stack(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Stack same-shaped tensors along a new axis (`dim=` as in torch.stack)."""
    axis = _reduce_args("stack", None if dim is not None else axis, False, dim)[0]
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        data = np.stack([t.data for t in tensors], axis=axis)
    except ValueError as error:
        raise ShapeError(f"stack: all shapes must match, got {[t.shape for t in tensors]}") from error
    return Tensor._from_op(data, tuple(tensors), "stack", axis=axis)

# %% [markdown]
# ## Factories
#
# Factory functions mirror `torch.zeros`, `torch.randn` and friends. They all produce float32 unless
# told otherwise, and draw random numbers from one seeded generator so that every experiment in the
# course is reproducible with `manual_seed`.

# %%
#| export
def zeros(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


def ones(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


def randn(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Tensor(get_rng().standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def rand(*shape, requires_grad: bool = False, dtype=np.float32) -> Tensor:
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Tensor(get_rng().random(shape).astype(dtype), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    return Tensor(np.arange(start, stop, step, dtype=dtype))


def zeros_like(tensor: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(tensor.data), requires_grad=requires_grad)


def ones_like(tensor: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(tensor.data), requires_grad=requires_grad)

# %% [markdown]
# ## Systems analysis: bytes, FLOPs and arithmetic intensity
#
# The cell below measures two operations on the same square size: an elementwise add (two reads, one
# write, one FLOP per element) and a matrix multiply (`2n³` FLOPs). Expect the matmul to reach a
# FLOP rate one to two orders of magnitude above the add: the add is limited by memory bandwidth, the
# matmul by arithmetic, because it reuses each loaded number `n` times.

# %%
def measure_intensity(n: int = 256, repeats: int = 5) -> dict:
    import time

    a, b = randn(n, n), randn(n, n)
    results = {}
    for name, fn, flop, moved in (
        ("add", lambda: a + b, n * n, 3 * 4 * n * n),
        ("matmul", lambda: a @ b, 2 * n**3, 3 * 4 * n * n),
    ):
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        seconds = (time.perf_counter() - start) / repeats
        results[name] = {"gflop_per_s": flop / seconds / 1e9, "flop_per_byte": flop / moved}
    return results


if __name__ == "__main__":
    for op, row in measure_intensity().items():
        print(f"{op:7s} {row['gflop_per_s']:8.2f} GFLOP/s   intensity {row['flop_per_byte']:6.2f} FLOP/byte")

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
# # Module 03: Layers
#
# A layer bundles parameters with the computation that uses them. `Module` is the bookkeeping that
# makes this scale: it finds every parameter inside nested layers (so an optimizer can update them),
# switches between training and evaluation behaviour, and saves or restores weights by name. With it
# come the first real layers: `Linear` (the workhorse of MLPs and transformers), `Dropout`, and the
# container `Sequential`.
#
# **Systems lens.** `Linear(n_in, n_out)` holds `n_in·n_out + n_out` parameters; in float32 that is
# `4` bytes each, plus two more copies during Adam training (module 06). On a batch of `B` rows the
# forward pass costs `2·B·n_in·n_out` FLOPs and the backward pass twice that, so training one step
# costs about `6·B·params` FLOPs, the rule of thumb behind every large-model compute estimate.

# %%
#| default_exp core.layers
#| requires: 01 02
#| public nn: Parameter, Module, Linear, Sequential, ModuleList, ModuleDict, Dropout, Identity
#| public nn.functional: linear, dropout

# %% [markdown]
# ## Parameters and modules
#
# A `Parameter` is a `Tensor` that requires a gradient by default; `Module` discovers parameters by
# walking its attributes, including lists of sub-modules. Walking the attributes on every call costs
# microseconds, negligible next to one matrix multiply, and it keeps user code free of registration
# calls. A plain `dict` of layers is *not* walked (as in PyTorch, where it is a classic silent bug: the
# optimizer never sees those weights), so `Module` warns about one and points to `ModuleDict`. `state_dict` names each array by its attribute path (`blocks.0.attn.w_q.weight`), which is
# what checkpoints and quantization (module 15) use.

# %%
#| export
import math
import warnings

import numpy as np

from tinytorch.core.tensor import ShapeError, Tensor, get_rng, is_grad_enabled


class Parameter(Tensor):
    """A tensor that a Module owns and an optimizer updates."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)


class Module:
    """Base class for layers and models (mirrors torch.nn.Module)."""

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _children(self):
        for name, value in vars(self).items():
            if isinstance(value, (Module, Parameter)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, (Module, Parameter)):
                        yield f"{name}.{index}", item
            elif isinstance(value, dict) and any(isinstance(item, (Module, Parameter)) for item in value.values()):
                warnings.warn(
                    f"{type(self).__name__}.{name} is a plain dict holding modules or parameters; they are left out of "
                    "parameters(), state_dict() and train()/eval() (as in PyTorch); fix: use nn.ModuleDict",
                    stacklevel=3,
                )

    def named_parameters(self, prefix: str = ""):
        ### BEGIN SOLUTION
        ### HINT: yield (name, parameter) for direct Parameters and recurse into child Modules with a dotted prefix
        seen = set()
        for name, child in self._children():
            full = f"{prefix}{name}"
            if isinstance(child, Parameter):
                if id(child) not in seen:
                    seen.add(id(child))
                    yield full, child
            else:
                for sub_name, parameter in child.named_parameters(prefix=full + "."):
                    if id(parameter) not in seen:
                        seen.add(id(parameter))
                        yield sub_name, parameter
        ### END SOLUTION

    def parameters(self) -> list:
        return [parameter for _, parameter in self.named_parameters()]

    def register_buffer(self, name: str, value) -> None:
        """Keep an array that is state but not a parameter (BatchNorm's running statistics): saved in
        state_dict, never updated by an optimizer."""
        self.__dict__.setdefault("_buffer_names", [])
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        setattr(self, name, np.asarray(value))

    def named_buffers(self, prefix: str = ""):
        for name in getattr(self, "_buffer_names", ()):
            yield f"{prefix}{name}", getattr(self, name)
        for name, child in self._children():
            if isinstance(child, Module):
                yield from child.named_buffers(prefix=f"{prefix}{name}.")

    def modules(self):
        yield self
        for _, child in self._children():
            if isinstance(child, Module):
                yield from child.modules()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def train(self, mode: bool = True):
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self) -> None:
        for parameter in self.parameters():
            parameter.grad = None

    def state_dict(self) -> dict:
        state = {name: parameter.data.copy() for name, parameter in self.named_parameters()}
        state.update((name, np.array(buffer, copy=True)) for name, buffer in self.named_buffers())
        return state

    def _buffer_owner(self, dotted: str):
        *path, attribute = dotted.split(".")
        owner = self
        for part in path:
            owner = dict(owner._children())[part]
        return owner, attribute

    def load_state_dict(self, state: dict) -> None:
        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(own) | set(buffers)
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unexpected:
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, current in [*((n, p.data) for n, p in own.items()), *buffers.items()]:
            value = np.asarray(state[name])
            if value.shape != current.shape:
                raise ShapeError(f"load_state_dict: '{name}' has shape {current.shape}, checkpoint has {value.shape}")
        for name, parameter in own.items():
            parameter.data = np.asarray(state[name]).astype(parameter.dtype, copy=True)
        for name, buffer in buffers.items():
            owner, attribute = self._buffer_owner(name)
            setattr(owner, attribute, np.asarray(state[name]).astype(buffer.dtype, copy=True))

# %% [markdown]
# ## Linear
#
# `Linear` stores its weight as `(out_features, in_features)`, like PyTorch, and computes
# `x @ W.T + b`. We record the whole expression as one primitive step, `"linear"`, instead of three
# (transpose, matmul, add): fewer recorded steps means less Python overhead per training step, which
# matters for small models. Initialisation draws from `U(-1/√n_in, 1/√n_in)`, PyTorch's default, so
# the output variance stays roughly independent of the layer width.

# %%
#| export
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias for x of shape (..., in_features)."""
    ### BEGIN SOLUTION
    if x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input shape {x.shape} does not match weight shape {weight.shape} "
            f"(expected last input dimension {weight.shape[1]})"
        )
    # One 2-D GEMM over all leading dimensions: NumPy would otherwise loop over the batch axis.
    data = (x.data.reshape(-1, x.shape[-1]) @ weight.data.T).reshape(*x.shape[:-1], weight.shape[0])
    if bias is not None:
        data = data + bias.data
        return Tensor._from_op(data, (x, weight, bias), "linear")
    return Tensor._from_op(data, (x, weight), "linear")
    ### END SOLUTION


class Linear(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features)
        rng = get_rng()
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)).astype(np.float32))
        self.bias = Parameter(rng.uniform(-bound, bound, out_features).astype(np.float32)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"

# %% [markdown]
# ## Dropout, Identity and Sequential
#
# Dropout zeroes each activation with probability `p` during training and scales the survivors by
# `1/(1-p)` ("inverted dropout"), so evaluation needs no rescaling: in `eval()` mode it is the
# identity. It is a composite of a multiply, so autograd handles it for free.

# %%
#| export
def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    ### BEGIN SOLUTION
    keep = (get_rng().random(x.shape) >= p).astype(x.dtype) / (1.0 - p)
    return x * Tensor(keep)
    ### END SOLUTION


class Dropout(Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: probability p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class ModuleList(Module):
    """A list of modules whose parameters are registered (named `0.weight`, `1.weight`, ... as in PyTorch)."""

    def __init__(self, modules=()):
        super().__init__()
        self._items = []
        self.extend(modules)

    def _children(self):
        for index, module in enumerate(self._items):
            yield str(index), module

    @staticmethod
    def _checked(module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, got {type(module).__name__}; fix: wrap it in a Module")
        return module

    def append(self, module) -> "ModuleList":
        self._items.append(self._checked(module))
        return self

    def extend(self, modules) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module) -> None:
        self._items.insert(index, self._checked(module))

    def __getitem__(self, index):
        return ModuleList(self._items[index]) if isinstance(index, slice) else self._items[index]

    def __setitem__(self, index: int, module) -> None:
        self._items[index] = self._checked(module)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your own forward()")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys (e.g. `encoder.weight`)."""

    def __init__(self, modules=None):
        super().__init__()
        self._items = {}
        for key, module in dict(modules or {}).items():
            self[key] = module

    def _children(self):
        yield from self._items.items()

    def __setitem__(self, key: str, module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict keys are strings (they become parameter names), got {key!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
        self._items[key] = module

    def __getitem__(self, key: str):
        return self._items[key]

    def __contains__(self, key) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); pick modules by key in your own forward()")


class Sequential(Module):
    """Apply layers in order; accepts Modules and parameter-free callables such as activations."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

# %% [markdown]
# ## Systems analysis: parameters, memory and FLOPs of an MLP
#
# For the digit classifier used in milestone 3 we count parameters and bytes, and estimate the
# training FLOPs per example with the `6·params` rule. Note how the first layer, which sees the raw
# 64 pixels, is not where the parameters are: widths, not input size, dominate.

# %%
def mlp_budget(widths=(64, 128, 64, 10)) -> list:
    model = Sequential(*[Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
    rows = []
    for layer in model.layers:
        params = layer.num_parameters()
        rows.append({"layer": repr(layer), "params": params, "bytes_fp32": 4 * params, "train_flop_per_example": 6 * params})
    return rows


if __name__ == "__main__":
    for row in mlp_budget():
        print(f"{row['layer']:55s} {row['params']:7d} params {row['bytes_fp32'] / 1024:7.1f} KiB {row['train_flop_per_example']:9d} FLOP")

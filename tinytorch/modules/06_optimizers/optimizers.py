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
# # Module 06: Optimizers
#
# Autograd says which way is downhill; an optimizer decides how far to step. Plain stochastic
# gradient descent (SGD) moves each weight by `-lr·g`. Momentum averages recent gradients so that
# steps along a consistent direction grow while zig-zags cancel. Adam keeps, per weight, a running
# mean `m` and running mean of squares `v` of the gradient and divides one by the square root of the
# other, giving every weight its own step size. AdamW applies weight decay directly to the weights
# instead of folding it into the gradient, where Adam's normalisation would weaken it
# [Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, arXiv:1711.05101].
#
# **Systems lens.** Optimizer state is memory: SGD with momentum keeps one extra array per parameter,
# Adam two. Training a model in float32 with Adam therefore needs 16 bytes per parameter (weights,
# gradients, `m`, `v`) before any activation is stored, four times the inference footprint. Updates
# are elementwise, so they are memory-bound; doing them in place (`-=` on the NumPy array) avoids
# allocating a new array per parameter per step.

# %%
#| default_exp core.optim
#| requires: 01 03 05
#| public optim: Optimizer, SGD, Adam, AdamW

# %%
#| export
import numpy as np


class Optimizer:
    """Holds a list of parameters and updates them from their .grad (mirrors torch.optim.Optimizer)."""

    def __init__(self, params, lr: float):
        self.params = [p for p in params]
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; fix: pass model.parameters()")
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got lr={lr}")
        self.lr = lr
        self.step_count = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.step_count += 1
        for index, p in enumerate(self.params):
            if p.grad is not None:
                self._update(index, p, p.grad.data)

    def _update(self, index: int, param, grad: np.ndarray) -> None:
        raise NotImplementedError

    def state_bytes(self) -> int:
        """Bytes of optimizer state (momentum buffers and moment estimates)."""
        return sum(a.nbytes for a in getattr(self, "_buffers", {}).values())

# %% [markdown]
# ## SGD with momentum
#
# With momentum `μ`, the velocity is `v ← μ·v + g` and the step `w ← w - lr·v`. Weight decay `λ`
# adds `λ·w` to the gradient (L2 regularisation). Buffers are created lazily, on the first step that
# sees a gradient for a parameter.

# %%
#| export
class SGD(Optimizer):
    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self._buffers = {}

    def _update(self, index, param, grad):
        ### BEGIN SOLUTION
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        if self.momentum:
            velocity = self._buffers.get(index)
            if velocity is None:
                velocity = self._buffers[index] = grad.astype(param.dtype, copy=True)
            else:
                velocity *= self.momentum
                velocity += grad
            grad = velocity
        param.data -= (self.lr * grad).astype(param.dtype, copy=False)
        ### END SOLUTION

# %% [markdown]
# ## Adam and AdamW
#
# Adam [Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980]:
# `m ← β1·m + (1-β1)·g`, `v ← β2·v + (1-β2)·g²`, bias-corrected by `1-βᵗ` because both start at zero,
# then `w ← w - lr·m̂/(√v̂ + ε)`. AdamW shrinks the weights by `lr·λ·w` separately.
#
# The `t` in `1-βᵗ` counts the updates *this parameter* has received, as in PyTorch, not the calls
# to `step()`: an embedding row or a layer that first gets a gradient at step 100 starts with `m` and `v`
# at zero, and correcting them with `t = 100` would shrink its first update roughly tenfold.

# %%
#| export
class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self._buffers = {}
        self.param_steps = {}  # parameter index -> updates it has received (its own t)

    def _decay(self, param, grad):
        return grad + self.weight_decay * param.data if self.weight_decay else grad

    def _update(self, index, param, grad):
        grad = self._decay(param, grad)
        ### BEGIN SOLUTION
        ### HINT: keep m, v and the step count t per parameter (self._buffers, self.param_steps); correct by 1 - beta**t
        if ("m", index) not in self._buffers:
            self._buffers[("m", index)] = np.zeros_like(param.data)
            self._buffers[("v", index)] = np.zeros_like(param.data)
        m, v = self._buffers[("m", index)], self._buffers[("v", index)]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        t = self.param_steps[index] = self.param_steps.get(index, 0) + 1
        step_size = self.lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        param.data -= (step_size * m / (np.sqrt(v) + self.eps * np.sqrt(1 - self.beta2**t))).astype(param.dtype, copy=False)
        ### END SOLUTION


class AdamW(Adam):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, param, grad):
        return grad

    def _update(self, index, param, grad):
        if self.weight_decay:
            param.data *= 1 - self.lr * self.weight_decay
        super()._update(index, param, grad)

# %% [markdown]
# ## Systems analysis: optimizer memory and convergence
#
# We minimise the ill-conditioned quadratic `f(w) = Σ cᵢ wᵢ²` with curvatures spanning two orders of
# magnitude and report the loss after 100 steps next to each optimizer's state bytes. Momentum and
# Adam buy faster progress on the flat directions with memory.

# %%
def compare_optimizers(steps: int = 100) -> list:
    from tinytorch.core.layers import Parameter
    from tinytorch.core.tensor import Tensor

    curvature = Tensor(np.logspace(-2, 0, 50).astype(np.float32))
    rows = []
    for name, make in (("SGD", lambda p: SGD(p, lr=0.9)), ("SGD+momentum", lambda p: SGD(p, lr=0.5, momentum=0.9)),
                       ("Adam", lambda p: Adam(p, lr=0.05))):
        w = Parameter(np.ones(50, dtype=np.float32))
        optimizer = make([w])
        for _ in range(steps):
            optimizer.zero_grad()
            loss = (curvature * w * w).sum()
            loss.backward()
            optimizer.step()
        rows.append({"optimizer": name, "final_loss": float((curvature * w * w).sum().item()),
                     "state_bytes": optimizer.state_bytes(), "param_bytes": w.nbytes})
    return rows


if __name__ == "__main__":
    for row in compare_optimizers():
        print(f"{row['optimizer']:13s} loss {row['final_loss']:.2e}   state {row['state_bytes']:4d} B for {row['param_bytes']} B of weights")

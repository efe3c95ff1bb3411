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
# # Module 07: Training
#
# The training loop is five lines that every framework user writes thousands of times: forward,
# loss, `zero_grad`, `backward`, `step`. Around it sit the pieces that make training reliable:
# switching between `train()` and `eval()`, evaluating without recording a graph, clipping the
# gradient norm so one bad batch cannot blow up the weights, a learning-rate schedule (linear warm-up
# then cosine decay), and checkpoints that survive an interrupted run.
#
# **Systems lens.** Evaluation under `no_grad()` keeps no graph, so its memory is one layer's
# activations instead of all of them, and it skips the recipe bookkeeping. Checkpoint size is the
# parameter bytes (plus optimizer state if you want to resume exactly: 3× more for Adam). Gradient
# clipping costs one extra pass over all gradients, a few percent of a step.

# %%
#| default_exp core.training
#| requires: 01 02 03 04 05 06
#| public: Trainer, evaluate, accuracy, clip_grad_norm_, CosineWarmupSchedule, save_checkpoint, load_checkpoint

# %%
#| export
import math
import os
import tempfile
import time

import numpy as np

from tinytorch.core.tensor import Tensor, no_grad


def accuracy(logits, targets) -> float:
    """Fraction of rows whose arg-max matches the integer target."""
    logits = logits.data if isinstance(logits, Tensor) else np.asarray(logits)
    targets = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    return float((logits.argmax(axis=-1) == targets).mean())


def clip_grad_norm_(params, max_norm: float) -> float:
    """Scale all gradients so their global L2 norm is at most max_norm; returns the norm before clipping."""
    grads = [p.grad.data for p in params if p.grad is not None]
    ### BEGIN SOLUTION
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total
    ### END SOLUTION


class CosineWarmupSchedule:
    """Linear warm-up to the optimizer's base lr, then cosine decay to `min_ratio·lr`."""

    def __init__(self, optimizer, total_steps: int, warmup_steps: int = 0, min_ratio: float = 0.0):
        if total_steps <= 0 or not 0 <= warmup_steps < total_steps:
            raise ValueError(f"schedule needs 0 <= warmup_steps < total_steps, got {warmup_steps} and {total_steps}")
        self.optimizer, self.base_lr = optimizer, optimizer.lr
        self.total, self.warmup, self.min_ratio = total_steps, warmup_steps, min_ratio
        self.step_index = 0

    def lr_at(self, step: int) -> float:
        ### BEGIN SOLUTION
        if step < self.warmup:
            return self.base_lr * (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        cosine = 0.5 * (1 + math.cos(math.pi * progress))
        return self.base_lr * (self.min_ratio + (1 - self.min_ratio) * cosine)
        ### END SOLUTION

    def step(self) -> float:
        self.optimizer.lr = self.lr_at(self.step_index)
        self.step_index += 1
        return self.optimizer.lr

# %% [markdown]
# ## Evaluation and the Trainer
#
# `evaluate` runs a model in `eval()` mode under `no_grad()` and averages the loss weighted by batch
# size (the last batch may be smaller). `Trainer.fit` is the loop itself; it records per-epoch
# history so the milestones can print learning curves and assert on final numbers.

# %%
#| export
def evaluate(model, batches, loss_fn=None) -> dict:
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    total_loss, correct, count = 0.0, 0.0, 0
    with no_grad():
        for x, y in batches:
            logits = model(x if isinstance(x, Tensor) else Tensor(x))
            n = len(y)
            if loss_fn is not None:
                total_loss += float(loss_fn(logits, y).item()) * n
            correct += accuracy(logits, y) * n
            count += n
    if was_training and hasattr(model, "train"):
        model.train()
    if count == 0:
        raise ValueError("evaluate: the batch iterable was empty")
    return {"loss": total_loss / count if loss_fn is not None else float("nan"), "accuracy": correct / count}


class Trainer:
    def __init__(self, model, optimizer, loss_fn, schedule=None, max_grad_norm: float | None = None):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.schedule, self.max_grad_norm = schedule, max_grad_norm
        self.history = []

    def train_step(self, x, y) -> float:
        ### BEGIN SOLUTION
        ### HINT: forward, loss, zero_grad, backward, optional clipping, optional schedule, step
        logits = self.model(x if isinstance(x, Tensor) else Tensor(x))
        loss = self.loss_fn(logits, y)
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm is not None:
            clip_grad_norm_(self.optimizer.params, self.max_grad_norm)
        if self.schedule is not None:
            self.schedule.step()
        self.optimizer.step()
        return float(loss.item())
        ### END SOLUTION

    def fit(self, train_batches, epochs: int, val_batches=None, log=None) -> list:
        for epoch in range(epochs):
            self.model.train()
            start, losses = time.perf_counter(), []
            for x, y in train_batches:
                losses.append(self.train_step(x, y))
            record = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "seconds": time.perf_counter() - start}
            if val_batches is not None:
                metrics = evaluate(self.model, val_batches, self.loss_fn)
                record.update(val_loss=metrics["loss"], val_accuracy=metrics["accuracy"])
            self.history.append(record)
            if log is not None:
                log(record)
        return self.history

# %% [markdown]
# ## Checkpoints that survive interruption
#
# A checkpoint written in place can be left half-written if the process dies; we write to a
# temporary file in the same folder and `os.replace` it, which is atomic on POSIX and Windows, so a
# reader sees either the old or the new checkpoint, never a torn one.

# %%
#| export
def save_checkpoint(model, path, **metadata) -> None:
    state = {f"param/{k}": v for k, v in model.state_dict().items()}
    state.update({f"meta/{k}": np.asarray(v) for k, v in metadata.items()})
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".npz")
    with os.fdopen(handle, "wb") as stream:
        np.savez(stream, **state)
    os.replace(temporary, path)


def load_checkpoint(model, path) -> dict:
    with np.load(path) as archive:
        params = {k[len("param/"):]: archive[k] for k in archive.files if k.startswith("param/")}
        metadata = {k[len("meta/"):]: archive[k].item() for k in archive.files if k.startswith("meta/")}
    model.load_state_dict(params)
    return metadata

# %% [markdown]
# ## Systems analysis: where the time of a step goes
#
# We time forward, backward and optimizer step separately for an MLP. Backward should take about
# twice the forward time (two matrix products per layer instead of one), and the Adam update, being
# elementwise over the parameters, a small fraction.

# %%
def step_breakdown(batch: int = 128, widths=(64, 256, 256, 10), repeats: int = 20) -> dict:
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import cross_entropy
    from tinytorch.core.optim import Adam

    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [Linear(a, b), ReLU()]
    model = Sequential(*layers[:-1])
    optimizer = Adam(model.parameters())
    rng = np.random.default_rng(0)
    x, y = Tensor(rng.standard_normal((batch, widths[0])).astype(np.float32)), rng.integers(0, widths[-1], batch)
    totals = {"forward": 0.0, "backward": 0.0, "step": 0.0}
    for _ in range(repeats):
        t0 = time.perf_counter()
        loss = cross_entropy(model(x), y)
        t1 = time.perf_counter()
        optimizer.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        totals["forward"] += t1 - t0
        totals["backward"] += t2 - t1
        totals["step"] += t3 - t2
    return {k: v / repeats * 1e3 for k, v in totals.items()}


if __name__ == "__main__":
    for phase, ms in step_breakdown().items():
        print(f"{phase:8s} {ms:6.3f} ms")

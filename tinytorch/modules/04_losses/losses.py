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
# # Module 04: Losses
#
# A loss turns "how wrong is the model" into a single number that training can push down. Two cover
# most of the course: mean squared error for regression and cross-entropy for classification (and,
# token by token, for language models). Binary cross-entropy on logits serves the perceptron.
#
# **Systems lens.** For `B` examples and `C` classes cross-entropy touches a `B×C` logit matrix:
# negligible next to the layers for 10 digit classes, but for a language model with a 50k-token
# vocabulary the logits of one batch of 8×1024 tokens are 1.6 GB in float32, often the largest single
# tensor in training. Fusing log-softmax with the loss, as done here, avoids materialising a second
# matrix of that size.

# %%
#| default_exp core.losses
#| requires: 01 02
#| public nn: MSELoss, CrossEntropyLoss, BCEWithLogitsLoss
#| public nn.functional: mse_loss, cross_entropy, binary_cross_entropy_with_logits

# %% [markdown]
# ## Cross-entropy as one fused step
#
# With `p = softmax(z)`, the loss of an example with label `y` is `-log p_y = logsumexp(z) - z_y`.
# We compute it from the shifted logits, keep the probabilities for the backward pass (whose
# gradient is simply `(p - onehot(y)) / B`), and record one step. Labels must be integers in
# `[0, C)`; an out-of-range label is a data bug that would otherwise surface as a silently wrong
# gradient or an index error deep inside NumPy, so we check it here and say what is wrong.

# %%
#| export
import numpy as np

from tinytorch.core.tensor import ShapeError, Tensor


def _labels(target, n_classes: int, n_rows: int) -> np.ndarray:
    labels = np.asarray(target.data if isinstance(target, Tensor) else target).reshape(-1)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {labels.dtype}")
    if labels.shape[0] != n_rows:
        raise ShapeError(f"cross_entropy: {n_rows} rows of logits but {labels.shape[0]} targets")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"cross_entropy: targets must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
    return labels


def cross_entropy(logits: Tensor, target) -> Tensor:
    """Mean negative log-likelihood of integer targets; logits (..., C), target (...)."""
    n_classes = logits.shape[-1]
    flat = logits.data.reshape(-1, n_classes)
    labels = _labels(target, n_classes, flat.shape[0])
    ### BEGIN SOLUTION
    ### HINT: shift by the row max, logsumexp - z_y, and keep the softmax probabilities in the recipe
    shifted = flat - flat.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(flat.shape[0])
    loss = np.mean(np.log(total[:, 0]) - shifted[rows, labels])
    probs = exp / total
    return Tensor._from_op(np.asarray(loss, dtype=logits.dtype), (logits,), "cross_entropy", probs=probs, labels=labels)
    ### END SOLUTION


def mse_loss(prediction: Tensor, target) -> Tensor:
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=prediction.dtype))
    if prediction.shape != target.shape:
        raise ShapeError(f"mse_loss: prediction shape {prediction.shape} differs from target shape {target.shape}")
    ### BEGIN SOLUTION
    diff = prediction - target
    return (diff * diff).mean()
    ### END SOLUTION


def binary_cross_entropy_with_logits(logits: Tensor, target) -> Tensor:
    """Mean of log(1 + exp(z)) - y·z, written with |z| so it never overflows."""
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=logits.dtype))
    if logits.shape != target.shape:
        raise ShapeError(f"binary_cross_entropy_with_logits: logits {logits.shape} vs target {target.shape}")
    ### BEGIN SOLUTION
    z = logits
    softplus = z.abs() * -1.0
    softplus = softplus.exp() + 1.0
    loss = (z * ((z > 0).data.astype(z.dtype))) + softplus.log() - z * target
    return loss.mean()
    ### END SOLUTION


class MSELoss:
    def __call__(self, prediction, target):
        return mse_loss(prediction, target)


class CrossEntropyLoss:
    def __call__(self, logits, target):
        return cross_entropy(logits, target)


class BCEWithLogitsLoss:
    def __call__(self, logits, target):
        return binary_cross_entropy_with_logits(logits, target)

# %% [markdown]
# ## Systems analysis: logits memory across vocabulary sizes
#
# The table shows the bytes of the logit matrix (and the probabilities kept for backward) for one
# batch of 8 sequences × 1024 tokens as the vocabulary grows, and the time to evaluate the fused loss
# on a smaller batch here.

# %%
def logits_memory(batch_tokens: int = 8 * 1024, vocabularies=(10, 1000, 32000, 50257)) -> list:
    return [{"vocab": v, "logits_gb": 4 * batch_tokens * v / 1e9, "with_probs_gb": 8 * batch_tokens * v / 1e9} for v in vocabularies]


if __name__ == "__main__":
    import time

    for row in logits_memory():
        print(f"vocab {row['vocab']:6d}: logits {row['logits_gb']:6.2f} GB, logits + saved probabilities {row['with_probs_gb']:6.2f} GB")
    rng = np.random.default_rng(0)
    logits = Tensor(rng.standard_normal((512, 1000)).astype(np.float32))
    labels = rng.integers(0, 1000, 512)
    start = time.perf_counter()
    cross_entropy(logits, labels)
    print(f"fused cross-entropy on 512x1000: {1e3 * (time.perf_counter() - start):.2f} ms")

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
# # Module 16: Compression (pruning and distillation)
#
# Most trained networks are over-parameterised: many weights can be removed with little loss of
# accuracy. *Magnitude pruning* zeroes the weights with the smallest absolute values [Han et al.,
# "Learning both Weights and Connections for Efficient Neural Networks", NeurIPS 2015,
# arXiv:1506.02626]. *Structured pruning* removes whole neurons (rows of one matrix and the matching
# columns of the next), which leaves smaller dense matrices. *Knowledge distillation* trains a small
# student to match a large teacher's softened output distribution, which carries more information
# than the hard label alone [Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network",
# arXiv:1503.02531].
#
# **Systems lens.** Unstructured sparsity saves memory only with a sparse storage format (values plus
# indices, so it pays off above roughly 50–70% sparsity) and saves time only with sparse kernels,
# which dense BLAS does not have: a 90%-sparse matrix stored densely multiplies exactly as slowly.
# Structured pruning gives real speed-ups on any hardware because the matrices simply get smaller.

# %%
#| default_exp optimization.compression
#| requires: 01 02 03 04 05
#| public: magnitude_prune, prune_model, sparsity, prune_neurons, distillation_loss, sparse_bytes

# %%
#| export
import numpy as np

from tinytorch.core.activations import log_softmax, softmax
from tinytorch.core.layers import Linear, Module, Parameter
from tinytorch.core.losses import cross_entropy
from tinytorch.core.tensor import Tensor


def magnitude_prune(weight: np.ndarray, amount: float) -> np.ndarray:
    """Boolean keep-mask that zeroes the `amount` fraction of entries with the smallest |w|."""
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"magnitude_prune: amount must be in [0, 1), got {amount}")
    ### BEGIN SOLUTION
    ### HINT: rank |w| with argsort and drop the first round(amount·size) entries (ties are broken by position)
    drop = int(round(amount * weight.size))
    keep = np.ones(weight.size, dtype=bool)
    keep[np.argsort(np.abs(weight), axis=None, kind="stable")[:drop]] = False
    return keep.reshape(weight.shape)
    ### END SOLUTION


def prune_model(model: Module, amount: float) -> dict:
    """Prune every weight matrix (not biases) of the model in place; returns the masks by name."""
    masks = {}
    for name, parameter in model.named_parameters():
        if parameter.ndim >= 2:
            mask = magnitude_prune(parameter.data, amount)
            parameter.data = parameter.data * mask
            masks[name] = mask
    return masks


def sparsity(model: Module) -> float:
    """Fraction of zero entries among all weight matrices."""
    weights = [p.data for p in model.parameters() if p.ndim >= 2]
    return float(sum((w == 0).sum() for w in weights) / sum(w.size for w in weights))


def sparse_bytes(weight: np.ndarray, index_bytes: int = 4) -> int:
    """Bytes in a coordinate-list format: one float32 value plus one index per non-zero."""
    return int(np.count_nonzero(weight)) * (4 + index_bytes)

# %% [markdown]
# ## Structured pruning of hidden neurons
#
# For `fc2(act(fc1(x)))`, hidden neuron `j` is row `j` of `fc1` (and its bias) and column `j` of `fc2`.
# We score each neuron by the norm of its outgoing weights times the norm of its incoming weights and
# keep the strongest ones, building two smaller `Linear` layers.

# %%
#| export
def prune_neurons(fc1: Linear, fc2: Linear, keep: int) -> tuple:
    """Return new (fc1, fc2) keeping the `keep` highest-scoring hidden neurons."""
    if not 0 < keep <= fc1.out_features:
        raise ValueError(f"prune_neurons: keep must be in [1, {fc1.out_features}], got {keep}")
    if fc2.in_features != fc1.out_features:
        raise ValueError(f"prune_neurons: fc1 has {fc1.out_features} outputs but fc2 expects {fc2.in_features} inputs")
    ### BEGIN SOLUTION
    score = np.linalg.norm(fc1.weight.data, axis=1) * np.linalg.norm(fc2.weight.data, axis=0)
    chosen = np.sort(np.argsort(score)[::-1][:keep])
    new1, new2 = Linear(fc1.in_features, keep, bias=fc1.bias is not None), Linear(keep, fc2.out_features, bias=fc2.bias is not None)
    new1.weight = Parameter(fc1.weight.data[chosen].copy())
    if fc1.bias is not None:
        new1.bias = Parameter(fc1.bias.data[chosen].copy())
    new2.weight = Parameter(fc2.weight.data[:, chosen].copy())
    if fc2.bias is not None:
        new2.bias = Parameter(fc2.bias.data.copy())
    return new1, new2
    ### END SOLUTION

# %% [markdown]
# ## Distillation loss
#
# `α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1-α)·CE(s, y)`. The temperature `T > 1` softens both
# distributions so the student also learns which wrong classes the teacher finds plausible; the `T²`
# factor keeps the soft term's gradient scale independent of `T`.

# %%
#| export
def distillation_loss(student_logits: Tensor, teacher_logits, targets, temperature: float = 2.0, alpha: float = 0.5) -> Tensor:
    if temperature <= 0 or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"distillation_loss: need temperature > 0 and alpha in [0, 1], got {temperature}, {alpha}")
    teacher = np.asarray(teacher_logits.data if isinstance(teacher_logits, Tensor) else teacher_logits)
    ### BEGIN SOLUTION
    soft_targets = softmax(Tensor(teacher / temperature)).data
    log_student = log_softmax(student_logits * (1.0 / temperature))
    kl = ((Tensor(soft_targets * np.log(soft_targets + 1e-12)) - log_student * Tensor(soft_targets)).sum(axis=-1)).mean()
    return kl * (alpha * temperature * temperature) + cross_entropy(student_logits, targets) * (1.0 - alpha)
    ### END SOLUTION

# %% [markdown]
# ## Systems analysis: when does sparsity pay?
#
# For a 256×256 matrix we sweep pruning levels and compare dense bytes, coordinate-list bytes and the
# dense matmul time, which does not change with sparsity.

# %%
def sparsity_sweep(levels=(0.0, 0.5, 0.7, 0.9, 0.95)) -> list:
    import time

    rng = np.random.default_rng(0)
    w = rng.standard_normal((256, 256)).astype(np.float32)
    x = rng.standard_normal((256, 256)).astype(np.float32)
    rows = []
    for level in levels:
        pruned = w * magnitude_prune(w, level)
        start = time.perf_counter()
        for _ in range(10):
            x @ pruned
        rows.append({"sparsity": level, "dense_bytes": pruned.nbytes, "sparse_bytes": sparse_bytes(pruned),
                     "dense_matmul_ms": (time.perf_counter() - start) / 10 * 1e3})
    return rows


if __name__ == "__main__":
    for row in sparsity_sweep():
        print(f"sparsity {row['sparsity']:.2f}: dense {row['dense_bytes']} B, sparse {row['sparse_bytes']} B, dense matmul {row['dense_matmul_ms']:.3f} ms")

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
# # Module 11: Embeddings and positions
#
# An embedding table turns each token id into a learned vector: row `i` of a `V×d` matrix. Looking up
# a row is mathematically a one-hot vector times the matrix, but nobody builds the one-hot vector: the
# lookup is an index, and its gradient is a scatter-add into the rows that were used. Attention (next
# module) is blind to order, so we add position information: either fixed sinusoids [Vaswani et al.,
# "Attention Is All You Need", NeurIPS 2017, arXiv:1706.03762] or a second learned table.
#
# **Systems lens.** The table holds `V·d` parameters (GPT-2 small: 50257 × 768 ≈ 38.6 M, about a
# third of the model), yet a batch touches only the rows of the tokens it contains; its gradient is
# sparse. Lookup costs `O(B·T·d)` memory traffic and no FLOPs, a pure bandwidth operation.

# %%
#| default_exp text.embeddings
#| requires: 01 03 05
#| public nn: Embedding, PositionalEmbedding, SinusoidalPositionalEncoding

# %%
#| export
import numpy as np

from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import ShapeError, Tensor, get_rng


class Embedding(Module):
    """Lookup table of num_embeddings vectors of size embedding_dim (initialised N(0, 1) like PyTorch)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, init_std: float = 1.0):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter((init_std * get_rng().standard_normal((num_embeddings, embedding_dim))).astype(np.float32))

    def forward(self, ids) -> Tensor:
        ids = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be integers, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):
            raise IndexError(f"Embedding: ids must lie in [0, {self.num_embeddings}), got range [{ids.min()}, {ids.max()}]")
        ### BEGIN SOLUTION
        ### HINT: index the weight tensor; autograd's getitem rule scatter-adds the gradient
        return self.weight[ids]
        ### END SOLUTION

# %% [markdown]
# ## Positions
#
# Sinusoidal encodings use, for dimension pair `2i`, `sin(p / 10000^{2i/d})` and `cos(...)`: each pair
# rotates at its own frequency, so relative offsets are linear functions of the encodings and no
# parameters are needed. A learned positional table is simpler and, for the short fixed-length tasks in
# this course, works as well; GPT-2 uses one.

# %%
#| export
def sinusoidal_table(max_len: int, dim: int) -> np.ndarray:
    ### BEGIN SOLUTION
    positions = np.arange(max_len)[:, None]
    rates = np.exp(-np.log(10000.0) * np.arange(0, dim, 2) / dim)
    table = np.zeros((max_len, dim), dtype=np.float32)
    table[:, 0::2] = np.sin(positions * rates)
    table[:, 1::2] = np.cos(positions * rates[: dim // 2])
    return table
    ### END SOLUTION


class SinusoidalPositionalEncoding(Module):
    def __init__(self, max_len: int, dim: int):
        super().__init__()
        self.max_len = max_len
        self.table = sinusoidal_table(max_len, dim)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        length = x.shape[-2]
        if offset + length > self.max_len:
            raise ShapeError(f"positional encoding: positions up to {offset + length} exceed max_len {self.max_len}")
        return x + Tensor(self.table[offset:offset + length])


class PositionalEmbedding(Module):
    """Learned position vectors added to token embeddings (as in GPT-2)."""

    def __init__(self, max_len: int, dim: int, init_std: float = 0.02):
        super().__init__()
        self.max_len = max_len
        self.weight = Parameter((init_std * get_rng().standard_normal((max_len, dim))).astype(np.float32))

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        length = x.shape[-2]
        if offset + length > self.max_len:
            raise ShapeError(f"positional embedding: positions up to {offset + length} exceed max_len {self.max_len}")
        return x + self.weight[offset:offset + length]

# %% [markdown]
# ## Systems analysis: the embedding's share of a model
#
# For a 4-layer, width-`d` transformer, the blocks hold about `12·d²` parameters per layer while the
# embedding holds `V·d`. The table shows how the embedding's share changes with vocabulary size.

# %%
def embedding_share(d: int = 256, layers: int = 4, vocabularies=(64, 1000, 32000, 50257)) -> list:
    block_params = 12 * d * d * layers
    return [{"vocab": v, "embedding_params": v * d, "share": v * d / (v * d + block_params)} for v in vocabularies]


if __name__ == "__main__":
    for row in embedding_share():
        print(f"vocab {row['vocab']:6d}: embedding {row['embedding_params'] / 1e6:6.2f} M params = {100 * row['share']:5.1f}% of the model")

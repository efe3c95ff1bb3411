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
# # Module 12: Attention
#
# Attention lets every position read from every other position, with weights computed from the data
# itself. Each token emits a query `q`, a key `k` and a value `v`; the output at a position is the
# average of all values weighted by `softmax(q·kᵀ/√d)`. Dividing by `√d` keeps the dot products at unit
# scale so the softmax does not saturate as the head size grows. A causal mask hides future positions,
# which is what lets a language model train on all positions of a sequence in parallel. Multi-head
# attention runs `H` smaller attentions side by side on slices of the embedding, so different heads can
# track different relations (in the reversal milestone: "which position mirrors mine").
#
# **Systems lens.** For sequence length `T` and width `d`, the projections cost `O(T·d²)` and the score
# matrix `O(T²·d)` FLOPs, and the `B×H×T×T` score and weight tensors are stored for backward. At
# `T = 4096` with 32 heads each such tensor holds `32·4096²` float32 numbers, 2 GiB per layer and
# sequence, the memory wall that FlashAttention removes by never materialising the scores. At
# inference time, regenerating keys and values for the whole prefix at every step is the waste that
# the KV cache (module 17) removes.

# %%
#| default_exp core.attention
#| requires: 01 02 03 05
#| public nn: MultiheadAttention
#| public nn.functional: scaled_dot_product_attention, causal_mask

# %%
#| export
import math

import numpy as np

from tinytorch.core.activations import softmax
from tinytorch.core.layers import Linear, Module, dropout, linear
from tinytorch.core.tensor import ShapeError, Tensor

MASKED = -1e9


def causal_mask(length: int, key_length: int | None = None) -> np.ndarray:
    """True where a query may attend (PyTorch's boolean meaning): keys at or before its position.

    With more keys than queries (a KV cache) the queries are the *last* `length` positions, so the mask is
    aligned to the end: the final query sees every key.
    """
    key_length = length if key_length is None else key_length
    return np.tril(np.ones((length, key_length), dtype=bool), k=key_length - length)


def _as_mask(mask) -> np.ndarray:
    return np.asarray(mask.data if isinstance(mask, Tensor) else mask)


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, *, training: bool = True,
                                 return_weights: bool = False):
    """softmax(q kᵀ / √d + mask) v over the last two axes, with torch.nn.functional's mask meaning.

    A boolean attn_mask is True where attention is *allowed*; a float attn_mask is added to the scores
    (use -inf or a large negative number to block). is_causal=True applies torch's lower-triangular mask
    (query i sees keys 0..i) and cannot be combined with attn_mask, as in PyTorch. scale defaults to 1/√d.
    """
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"attention: q {q.shape}, k {k.shape}, v {v.shape} do not fit (need q.d == k.d and k.T == v.T)")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal=True, not both (as in PyTorch); "
                         "fix: fold the causal mask into attn_mask")
    if is_causal:
        attn_mask = np.tril(np.ones((q.shape[-2], k.shape[-2]), dtype=bool))
    ### BEGIN SOLUTION
    ### HINT: scores = q @ kᵀ * scale (1/√d); a bool mask keeps True entries (masked_fill ~mask with MASKED), a float one is added
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale
    if attn_mask is not None:
        mask = _as_mask(attn_mask)
        if mask.dtype == bool:
            scores = scores.masked_fill(~mask, MASKED)
        else:
            scores = scores + Tensor(mask.astype(scores.dtype, copy=False))
    weights = softmax(scores, axis=-1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training)
    out = weights @ v
    ### END SOLUTION
    return (out, weights) if return_weights else out

# %% [markdown]
# ## Multi-head attention
#
# Like PyTorch, the query, key and value projections are one `(3E, E)` matrix (`in_proj`), so
# self-attention needs one matrix multiply instead of three. Heads are a reshape, `(B, T, E) →
# (B, T, H, D) → (B, H, T, D)`, not extra parameters. Inputs are always batch-first `(B, T, E)`.
#
# PyTorch gives a boolean mask opposite meanings in its two attention APIs, and we follow both so that
# code ports unchanged: for `scaled_dot_product_attention` True means "may attend", for
# `MultiheadAttention` True means "blocked". The module converts before calling the function.

# %%
#| export
class MultiheadAttention(Module):
    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.head_dim, self.dropout = embed_dim, num_heads, embed_dim // num_heads, dropout
        self.in_proj = Linear(embed_dim, 3 * embed_dim, bias=bias)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)

    def split_heads(self, x: Tensor) -> Tensor:
        b, t, _ = x.shape
        return x.reshape(b, t, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def merge_heads(self, x: Tensor) -> Tensor:
        b, _, t, _ = x.shape
        return x.permute(0, 2, 1, 3).reshape(b, t, self.embed_dim)

    def project(self, query: Tensor, key: Tensor, value: Tensor):
        e = self.embed_dim
        if query is key and key is value:
            qkv = self.in_proj(query)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        w, b = self.in_proj.weight, self.in_proj.bias
        parts = []
        for i, x in enumerate((query, key, value)):
            parts.append(linear(x, w[i * e:(i + 1) * e], None if b is None else b[i * e:(i + 1) * e]))
        return tuple(parts)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, attn_mask=None, is_causal: bool = False,
                need_weights: bool = False):
        """attn_mask has torch.nn.MultiheadAttention's meaning: a boolean True *blocks* a position, a float is
        added to the scores. is_causal=True blocks future keys (and combines with attn_mask)."""
        if query.ndim != 3 or query.shape[-1] != self.embed_dim:
            raise ShapeError(f"MultiheadAttention: expected (batch, time, {self.embed_dim}) input, got {query.shape}")
        q, k, v = (self.split_heads(t) for t in self.project(query, key, value))
        mask = None
        if attn_mask is not None:
            mask = _as_mask(attn_mask)
            mask = ~mask if mask.dtype == bool else mask  # to scaled_dot_product_attention's meaning (True = attend)
        if is_causal and mask is not None:
            allowed = np.tril(np.ones((q.shape[-2], k.shape[-2]), dtype=bool))
            mask = (mask & allowed) if mask.dtype == bool else np.where(allowed, mask, MASKED)
            is_causal = False
        out, weights = scaled_dot_product_attention(q, k, v, mask, self.dropout, is_causal, training=self.training,
                                                    return_weights=True)
        out = self.out_proj(self.merge_heads(out))
        return out, (weights.mean(axis=1) if need_weights else None)

# %% [markdown]
# ## Systems analysis: quadratic growth
#
# We time one self-attention forward pass and report the bytes of its `B×H×T×T` weight tensor as `T`
# doubles. The weights grow exactly 4× per doubling. Time approaches 4× only once the `T²` terms
# dominate: the projections cost `4·T·d²` multiply-adds per sequence and the two attention products
# `2·T²·d`, equal at `T = 2d`, which is 128 for the `d = 64` used here, so expect 2–3× per doubling
# at these lengths.

# %%
def attention_scaling(lengths=(32, 64, 128, 256), dim: int = 64, heads: int = 4) -> list:
    import time

    from tinytorch.core.tensor import no_grad, randn

    mha = MultiheadAttention(dim, heads)
    rows = []
    for t in lengths:
        x = randn(4, t, dim)
        with no_grad():
            start = time.perf_counter()
            mha(x, x, x, is_causal=True)
            seconds = time.perf_counter() - start
        rows.append({"T": t, "ms": seconds * 1e3, "weights_bytes": 4 * 4 * heads * t * t})
    return rows


if __name__ == "__main__":
    for row in attention_scaling():
        print(f"T={row['T']:4d}: {row['ms']:7.2f} ms, attention weights {row['weights_bytes'] / 1024:8.1f} KiB")

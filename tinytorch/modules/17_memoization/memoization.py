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
# # Module 17: Memoization (the KV cache)
#
# `GPT.generate` from module 13 re-runs the entire prefix for every new token. But in a causal model
# the keys and values of earlier positions never change once computed: position 5 cannot see position
# 9. Memoizing them, the *KV cache*, turns each generation step into work for one new token: project
# it, append its key and value to the cache, attend over the cache, and move on.
#
# **Systems lens.** Without a cache, generating `N` tokens after a prompt of `P` costs
# `Σ (P + i)` token-forwards, `O(N·(P+N))`, plus `O((P+N)³)`-ish attention work summed over steps;
# with it, `P + N` token-forwards and `O((P+N)²)` attention. The price is memory:
# `2 · layers · batch · heads · T · head_dim` numbers, which for large language models serving long
# contexts exceeds the weights themselves and caps how many requests fit on an accelerator.

# %%
#| default_exp optimization.kv_cache
#| requires: 01 02 03 05 12 13
#| public: KVCache, generate_cached, forward_cached

# %%
#| export
import math

import numpy as np

from tinytorch.core.attention import MASKED, causal_mask
from tinytorch.core.tensor import ShapeError, Tensor, no_grad
from tinytorch.models.transformer import sample_next


class KVCache:
    """Preallocated keys and values for every layer: arrays of shape (layers, B, H, max_len, D)."""

    def __init__(self, num_layers: int, batch: int, num_heads: int, max_len: int, head_dim: int, dtype=np.float32):
        shape = (num_layers, batch, num_heads, max_len, head_dim)
        self.keys, self.values = np.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype)
        self.max_len, self.length = max_len, 0

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.values.nbytes

    def append(self, layer: int, k: np.ndarray, v: np.ndarray) -> tuple:
        """Store new keys/values (B, H, t, D) after the cached ones; return views of everything so far."""
        ### BEGIN SOLUTION
        ### HINT: write into [self.length : self.length + t] of this layer; return slices up to that end
        end = self.length + k.shape[2]
        expected = self.keys.shape[1:3] + self.keys.shape[4:]
        if k.shape != v.shape or k.shape[:2] + k.shape[3:] != expected:
            raise ShapeError(f"KVCache.append: keys {k.shape} and values {v.shape} must both be (B, H, t, D) with "
                             f"(B, H, D) = {expected}")
        if end > self.max_len:
            raise ShapeError(f"KVCache: {end} positions exceed the cache's max_len {self.max_len}")
        self.keys[layer, :, :, self.length:end] = k
        self.values[layer, :, :, self.length:end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]
        ### END SOLUTION

    def advance(self, count: int) -> None:
        self.length += count

# %% [markdown]
# ## Cached forward pass
#
# The cached path reuses the model's own layers (`in_proj`, `out_proj`, layer norms, feed-forward),
# so a model whose linear layers were swapped for quantized ones (module 15) runs through it
# unchanged. New queries attend to all cached keys; the causal mask is aligned to the end, so the
# `t` new tokens see the prefix and each other's past only.

# %%
#| export
def _cached_attention(attn, x: np.ndarray, cache: KVCache, layer: int) -> np.ndarray:
    b, t, e = x.shape
    h, d = attn.num_heads, attn.head_dim
    qkv = attn.in_proj(Tensor(x)).data.reshape(b, t, 3, h, d)
    q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
    ### BEGIN SOLUTION
    ### HINT: keys, values = cache.append(...); softmax(q @ keysᵀ / √d) in NumPy, keeping only entries where causal_mask(t, keys.shape[2]) is True, when t > 1
    ### HINT: out = weights @ values, heads merged back to shape (b, t, e)
    keys, values = cache.append(layer, k, v)
    scores = (q @ keys.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(d))
    if t > 1:
        scores = np.where(causal_mask(t, keys.shape[2]), scores, MASKED)  # True = may attend
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = scores / scores.sum(axis=-1, keepdims=True)
    out = (weights @ values).transpose(0, 2, 1, 3).reshape(b, t, e)
    ### END SOLUTION
    return attn.out_proj(Tensor(out)).data


def forward_cached(model, ids: np.ndarray, cache: KVCache) -> np.ndarray:
    """Logits (B, t, V) for new tokens `ids`, extending the cache by t positions."""
    t = ids.shape[1]
    if cache.length + t > model.max_len:
        raise ShapeError(f"forward_cached: {cache.length + t} positions exceed the model's max_len {model.max_len}")
    with no_grad():
        x = model.tok_emb(ids).data + model.pos_emb.weight.data[cache.length:cache.length + t]
        for index, block in enumerate(model.blocks):
            x = x + _cached_attention(block.attn, block.ln1(Tensor(x)).data, cache, index)
            x = x + block.mlp(block.ln2(Tensor(x))).data
        cache.advance(t)
        return model.head(model.ln_f(Tensor(x))).data


def generate_cached(model, ids, max_new_tokens: int, temperature: float = 0.0, rng=None) -> np.ndarray:
    """Same result as GPT.generate, computing each position once."""
    ids = np.array(ids, dtype=np.int64, copy=True)
    if ids.shape[1] + max_new_tokens > model.max_len:
        raise ShapeError(f"generate_cached: {ids.shape[1]} + {max_new_tokens} tokens exceed max_len {model.max_len}")
    attn = model.blocks[0].attn
    cache = KVCache(len(model.blocks), ids.shape[0], attn.num_heads, model.max_len, attn.head_dim)
    was_training = model.training
    model.eval()
    logits = forward_cached(model, ids, cache)[:, -1]
    for step in range(max_new_tokens):
        token = sample_next(logits, temperature, rng)
        ids = np.concatenate([ids, token[:, None]], axis=1)
        if step + 1 < max_new_tokens:
            logits = forward_cached(model, token[:, None], cache)[:, -1]
    model.train(was_training)
    return ids

# %% [markdown]
# ## Systems analysis: speed-up and cache memory
#
# We generate with and without the cache from the same untrained model for growing lengths, and
# print the speed-up next to the bytes of keys and values the cache holds. The speed-up grows with
# length because the uncached cost per step grows with the prefix while the cached cost stays nearly
# flat.

# %%
def cache_speedup(lengths=(16, 32, 64), batch: int = 8) -> list:
    import time

    from tinytorch.models.transformer import GPT

    model = GPT(vocab_size=32, max_len=max(lengths) + 1, dim=64, num_heads=4, num_layers=2)
    prompt = np.zeros((batch, 1), dtype=np.int64)
    rows = []
    for n in lengths:
        start = time.perf_counter()
        model.generate(prompt, n)
        naive = time.perf_counter() - start
        start = time.perf_counter()
        generate_cached(model, prompt, n)
        cached = time.perf_counter() - start
        # The cache ends up holding the prompt token and every generated token but the last, which is never fed back.
        positions = prompt.shape[1] + n - 1
        attn = model.blocks[0].attn
        cache_bytes = 2 * len(model.blocks) * batch * attn.num_heads * positions * attn.head_dim * 4
        rows.append({"tokens": n, "speedup": naive / cached, "cache_bytes": cache_bytes})
    return rows


if __name__ == "__main__":
    for row in cache_speedup():
        print(f"{row['tokens']:4d} tokens: cached generation {row['speedup']:.1f}x faster, cache {row['cache_bytes'] / 1024:.0f} KiB")

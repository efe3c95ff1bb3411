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
# # Module 13: Transformer blocks
#
# A transformer block alternates two sub-layers, each wrapped in a residual connection: attention
# (tokens exchange information) and a position-wise feed-forward network (each token transforms its
# own vector, `d → 4d → d`). Layer normalisation before each sub-layer ("pre-norm", as in GPT-2) keeps
# activations at a stable scale so deep stacks train without warm-up tricks. Stack blocks between a
# token + position embedding and a linear head over the vocabulary, and you have a GPT: a model that
# predicts the next token at every position at once.
#
# **Systems lens.** Per block: `4d²` attention-projection weights and `8d²` feed-forward weights, so
# `12·d²` parameters; per token, `24·d²` FLOPs forward for the matrix multiplies plus `4·T·d` for
# attention scores and mixing. While `T < 6d` the weight multiplies (two thirds of them in the
# feed-forward network), not attention, dominate compute. Layer norm and residual adds are memory-bound, which is why fused kernels matter.

# %%
#| default_exp models.transformer
#| requires: 01 02 03 04 05 06 11 12
#| public nn: LayerNorm, FeedForward, TransformerBlock
#| public nn.functional: layer_norm
#| public: GPT

# %% [markdown]
# ## Layer normalisation as one fused step
#
# `y = (x - μ) / √(σ² + ε) · γ + β` over the last axis. Written with tensor operations it would record
# nine steps and keep nine arrays; as one primitive it keeps the normalised input and `1/σ`, and its
# backward is the closed form
# `dx = (1/σ) · (ĝ - mean(ĝ) - x̂ · mean(ĝ·x̂))` with `ĝ = g·γ`.

# %%
#| export
import numpy as np

from tinytorch.core.activations import gelu
from tinytorch.core.attention import MultiheadAttention
from tinytorch.core.autograd import register_gradient
from tinytorch.core.layers import Dropout, Linear, Module, Parameter
from tinytorch.core.tensor import ShapeError, Tensor, no_grad
from tinytorch.text.embeddings import Embedding, PositionalEmbedding


def layer_norm(x: Tensor, weight: Tensor, bias: Tensor, eps: float = 1e-5) -> Tensor:
    if x.shape[-1] != weight.shape[-1]:
        raise ShapeError(f"layer_norm: input {x.shape} does not end with the normalised size {weight.shape}")
    ### BEGIN SOLUTION
    mean = x.data.mean(axis=-1, keepdims=True)
    centered = x.data - mean
    inv_std = 1.0 / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + eps)
    normalised = centered * inv_std
    out = normalised * weight.data + bias.data
    return Tensor._from_op(out, (x, weight, bias), "layer_norm", normalised=normalised, inv_std=inv_std)
    ### END SOLUTION


@register_gradient("layer_norm", "module 13 (transformer): layer_norm", needs=("normalised", "inv_std"))
def _layer_norm_grad(g, out, parents, attrs):
    weight = parents[1].data
    normalised, inv_std = attrs["normalised"], attrs["inv_std"]
    ### BEGIN SOLUTION
    g_hat = g * weight
    dx = inv_std * (g_hat - g_hat.mean(axis=-1, keepdims=True) - normalised * (g_hat * normalised).mean(axis=-1, keepdims=True))
    flat = g.reshape(-1, g.shape[-1])
    return dx, (flat * normalised.reshape(flat.shape)).sum(axis=0), flat.sum(axis=0)
    ### END SOLUTION


class LayerNorm(Module):
    def __init__(self, normalized_shape: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = Parameter(np.ones(normalized_shape, dtype=np.float32))
        self.bias = Parameter(np.zeros(normalized_shape, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.weight, self.bias, self.eps)

# %% [markdown]
# ## Block and model
#
# `GPT.generate` here is deliberately naive: each new token re-runs the whole prefix through the
# model. It is correct and simple, and module 17 measures how much work it wastes.

# %%
#| export
class FeedForward(Module):
    def __init__(self, dim: int, hidden: int | None = None, dropout: float = 0.0):
        super().__init__()
        self.fc1 = Linear(dim, hidden or 4 * dim)
        self.fc2 = Linear(hidden or 4 * dim, dim)
        self.drop = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop(self.fc2(gelu(self.fc1(x), approximate="tanh")))  # GPT-2's GELU


class TransformerBlock(Module):
    def __init__(self, dim: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        self.ln1, self.ln2 = LayerNorm(dim), LayerNorm(dim)
        self.attn = MultiheadAttention(dim, num_heads, dropout=dropout)
        self.mlp = FeedForward(dim, dropout=dropout)

    def forward(self, x: Tensor, is_causal: bool = True) -> Tensor:
        ### BEGIN SOLUTION
        ### HINT: pre-norm residuals: x + attn(ln1(x)), then x + mlp(ln2(x))
        h = self.ln1(x)
        x = x + self.attn(h, h, h, is_causal=is_causal)[0]
        return x + self.mlp(self.ln2(x))
        ### END SOLUTION


class GPT(Module):
    """Decoder-only transformer: token + learned position embeddings, pre-norm blocks, linear head."""

    def __init__(self, vocab_size: int, max_len: int, dim: int = 64, num_heads: int = 4, num_layers: int = 2, dropout: float = 0.0):
        super().__init__()
        self.vocab_size, self.max_len, self.dim = vocab_size, max_len, dim
        self.tok_emb = Embedding(vocab_size, dim, init_std=0.02)
        self.pos_emb = PositionalEmbedding(max_len, dim)
        self.blocks = [TransformerBlock(dim, num_heads, dropout) for _ in range(num_layers)]
        self.ln_f = LayerNorm(dim)
        self.head = Linear(dim, vocab_size)

    def forward(self, ids) -> Tensor:
        ids = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
        if ids.ndim != 2:
            raise ShapeError(f"GPT: expected ids of shape (batch, time), got {ids.shape}")
        if ids.shape[1] > self.max_len:
            raise ShapeError(f"GPT: sequence length {ids.shape[1]} exceeds max_len {self.max_len}")
        x = self.pos_emb(self.tok_emb(ids))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    def generate(self, ids, max_new_tokens: int, temperature: float = 0.0, rng=None) -> np.ndarray:
        """Append max_new_tokens tokens (greedy when temperature == 0) by re-running the whole prefix."""
        ids = np.array(ids, dtype=np.int64, copy=True)
        if ids.shape[1] + max_new_tokens > self.max_len:
            raise ShapeError(f"generate: {ids.shape[1]} + {max_new_tokens} tokens exceed max_len {self.max_len}")
        was_training = self.training
        self.eval()
        with no_grad():
            for _ in range(max_new_tokens):
                logits = self.forward(ids).data[:, -1, :]
                ids = np.concatenate([ids, sample_next(logits, temperature, rng)[:, None]], axis=1)
        self.train(was_training)
        return ids


def sample_next(logits: np.ndarray, temperature: float, rng=None) -> np.ndarray:
    if temperature <= 0:
        return logits.argmax(axis=-1)
    rng = rng or np.random.default_rng()
    z = logits / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(row), p=row) for row in p])

# %% [markdown]
# ## Systems analysis: where a block's parameters and FLOPs go
#
# We count the parameters of each part of a block and estimate forward FLOPs per token for a short
# and a long context, checking the `12·d²` rule and the point where attention's `T`-dependent cost
# overtakes the feed-forward network.

# %%
def block_budget(dim: int = 128, heads: int = 4, contexts=(64, 1024, 8192)) -> dict:
    block = TransformerBlock(dim, heads)
    params = {"attention": block.attn.num_parameters(), "feed_forward": block.mlp.num_parameters(),
              "layer_norms": block.ln1.num_parameters() + block.ln2.num_parameters()}
    flops = {t: {"matmul": 24 * dim * dim, "attention_scores": 4 * t * dim} for t in contexts}
    return {"params": params, "rule_12d2": 12 * dim * dim, "flops_per_token": flops}


if __name__ == "__main__":
    budget = block_budget()
    print("parameters:", budget["params"], "12·d² =", budget["rule_12d2"])
    for t, row in budget["flops_per_token"].items():
        print(f"T={t:5d}: weights {row['matmul']:,} FLOP/token, attention {row['attention_scores']:,} FLOP/token")

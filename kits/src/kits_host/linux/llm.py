"""A small decoder-only language model with a KV cache, and its serving benchmark:
time to first token (prefill) and decode tokens per second, plus memory.

The built-in model is a byte-level transformer small enough for a Pi; with
`--hf PATH` a local Hugging Face checkpoint is used instead (needs `transformers`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class TinyConfig:
    vocab: int = 256  # bytes
    dim: int = 128
    layers: int = 4
    heads: int = 4
    max_seq: int = 512


def _modules():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self, c: TinyConfig):
            super().__init__()
            self.heads, self.head_dim = c.heads, c.dim // c.heads
            self.norm1, self.norm2 = nn.LayerNorm(c.dim), nn.LayerNorm(c.dim)
            self.qkv = nn.Linear(c.dim, 3 * c.dim)
            self.proj = nn.Linear(c.dim, c.dim)
            self.mlp = nn.Sequential(nn.Linear(c.dim, 4 * c.dim), nn.GELU(), nn.Linear(4 * c.dim, c.dim))

        def forward(self, x, cache):
            b, t, d = x.shape
            q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
            shape = (b, t, self.heads, self.head_dim)
            q, k, v = (z.view(shape).transpose(1, 2) for z in (q, k, v))
            if cache is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            # Causal within the new tokens; every cached position is visible.
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None and t > 1) \
                if cache is None or t == 1 else _masked_attention(q, k, v)
            x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
            return x + self.mlp(self.norm2(x)), (k, v)

    def _masked_attention(q, k, v):
        t, total = q.shape[2], k.shape[2]
        mask = torch.ones(t, total, dtype=torch.bool).tril(diagonal=total - t)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)

    class TinyLM(nn.Module):
        def __init__(self, c: TinyConfig):
            super().__init__()
            self.config = c
            self.embed = nn.Embedding(c.vocab, c.dim)
            self.pos = nn.Embedding(c.max_seq, c.dim)
            self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
            self.norm = nn.LayerNorm(c.dim)
            self.head = nn.Linear(c.dim, c.vocab, bias=False)

        def forward(self, tokens, caches=None, start=0):
            t = tokens.shape[1]
            if start + t > self.config.max_seq:
                raise ValueError(f"sequence of {start + t} tokens exceeds max_seq {self.config.max_seq}")
            x = self.embed(tokens) + self.pos(torch.arange(start, start + t, device=tokens.device))
            new = []
            for i, block in enumerate(self.blocks):
                x, kv = block(x, None if caches is None else caches[i])
                new.append(kv)
            return self.head(self.norm(x)), new

    return TinyLM


def tiny_model(config: TinyConfig | None = None, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    return _modules()(config or TinyConfig())


def kv_cache_bytes(config: TinyConfig, seq_len: int, batch: int = 1, bytes_per_value: int = 4) -> int:
    """Keys and values for every layer: 2 x layers x batch x seq x dim x bytes."""
    return 2 * config.layers * batch * seq_len * config.dim * bytes_per_value


def generate(model, prompt: bytes, new_tokens: int, device: str = "cpu"):
    """Greedy decoding with the KV cache; returns (bytes, ttft_s, decode_s)."""
    import torch

    tokens = torch.tensor([list(prompt)], device=device)
    with torch.inference_mode():
        start = time.perf_counter()
        logits, caches = model(tokens)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        _sync(device)
        ttft = time.perf_counter() - start
        out = [int(nxt)]
        position = tokens.shape[1]
        start = time.perf_counter()
        for _ in range(new_tokens - 1):
            logits, caches = model(nxt, caches, start=position)
            position += 1
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            out.append(int(nxt))
        _sync(device)
        decode = time.perf_counter() - start
    return bytes(out), ttft, decode


def _sync(device):
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


@dataclass
class LLMConfig:
    device: str = "auto"
    prompt_tokens: int = 64
    new_tokens: int = 64
    repeats: int = 3
    hf: str | None = None
    threads: int | None = None


def benchmark(config: LLMConfig):
    import torch

    from .harness import BenchResult, peak_rss_bytes, pick_device

    if config.threads:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device)
    if config.hf:
        return _benchmark_hf(config, device)
    model = tiny_model().to(device).eval()
    prompt = bytes(np.random.default_rng(0).integers(32, 127, config.prompt_tokens).tolist())
    generate(model, prompt, 4, device)  # warm-up
    ttfts, rates = [], []
    for _ in range(config.repeats):
        _, ttft, decode = generate(model, prompt, config.new_tokens, device)
        ttfts.append(ttft * 1000)
        rates.append((config.new_tokens - 1) / decode)
    params = sum(p.numel() for p in model.parameters())
    c = model.config
    seq = config.prompt_tokens + config.new_tokens
    return BenchResult(
        "tiny byte-level LM", device, 1, config.repeats,
        {"p50": float(np.median(ttfts)), "p90": float(np.percentile(ttfts, 90)),
         "p99": float(np.percentile(ttfts, 99)), "mean": float(np.mean(ttfts))},
        float(np.median(rates)), peak_rss_bytes() / 2**20,
        torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None,
        {"parameters": params, "weights_mb": params * 4 / 2**20,
         "kv_cache_mb_at_end": kv_cache_bytes(c, seq) / 2**20,
         "decode_bytes_per_token_mb": (params * 4 + kv_cache_bytes(c, seq)) / 2**20,
         "weights": "random (cost only)"},
        latency_label="time to first token", throughput_unit="decode tokens/s")


def _benchmark_hf(config: LLMConfig, device: str):
    try:
        from transformers import AutoModelForCausalLM
    except ImportError:
        raise RuntimeError("--hf needs the `transformers` package (pip install transformers)") from None
    import torch

    from .harness import BenchResult, peak_rss_bytes

    model = AutoModelForCausalLM.from_pretrained(config.hf, local_files_only=True).to(device).eval()
    prompt = torch.randint(0, model.config.vocab_size, (1, config.prompt_tokens), device=device)
    ttfts, rates = [], []
    with torch.inference_mode():
        for _ in range(config.repeats + 1):
            start = time.perf_counter()
            out = model(prompt, use_cache=True)
            _sync(device)
            ttft = time.perf_counter() - start
            past, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
            start = time.perf_counter()
            for _ in range(config.new_tokens - 1):
                out = model(nxt, past_key_values=past, use_cache=True)
                past, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
            _sync(device)
            ttfts.append(ttft * 1000)
            rates.append((config.new_tokens - 1) / (time.perf_counter() - start))
    ttfts, rates = ttfts[1:], rates[1:]  # the first round warms up
    params = sum(p.numel() for p in model.parameters())
    return BenchResult(config.hf, device, 1, config.repeats,
                       {"p50": float(np.median(ttfts)), "p90": float(np.percentile(ttfts, 90)),
                        "p99": float(np.percentile(ttfts, 99)), "mean": float(np.mean(ttfts))},
                       float(np.median(rates)), peak_rss_bytes() / 2**20,
                       torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None,
                       {"parameters": params},
                       latency_label="time to first token", throughput_unit="decode tokens/s")

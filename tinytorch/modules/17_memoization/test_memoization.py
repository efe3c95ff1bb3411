"""Module 17 tests: the KV cache reproduces uncached generation exactly and accounts its memory."""
import numpy as np
import pytest

from tinytorch.core.tensor import ShapeError, manual_seed, no_grad
from tinytorch.models.transformer import GPT
from tinytorch.optimization.kv_cache import KVCache, forward_cached, generate_cached


def small_model():
    manual_seed(0)
    return GPT(vocab_size=13, max_len=20, dim=32, num_heads=4, num_layers=2)


def test_cached_logits_match_full_forward():
    model = small_model()
    ids = np.random.default_rng(0).integers(0, 13, (3, 9))
    with no_grad():
        full = model(ids).data
    cache = KVCache(2, 3, 4, 20, 8)
    prefill = forward_cached(model, ids[:, :5], cache)
    steps = [forward_cached(model, ids[:, i:i + 1], cache) for i in range(5, 9)]
    np.testing.assert_allclose(np.concatenate([prefill] + steps, axis=1), full, rtol=1e-4, atol=1e-5)
    assert cache.length == 9


def test_cached_generation_equals_naive_generation():
    model = small_model()
    prompt = np.random.default_rng(1).integers(0, 13, (4, 3))
    np.testing.assert_array_equal(generate_cached(model, prompt, 10), model.generate(prompt, 10))


def test_cache_memory_and_overflow():
    cache = KVCache(num_layers=2, batch=3, num_heads=4, max_len=10, head_dim=8)
    assert cache.nbytes == 2 * 2 * 3 * 4 * 10 * 8 * 4
    with pytest.raises(ShapeError, match="max_len 10"):
        cache.append(0, np.zeros((3, 4, 11, 8)), np.zeros((3, 4, 11, 8)))
    with pytest.raises(ShapeError, match="max_len 20"):
        generate_cached(small_model(), np.zeros((1, 15), dtype=np.int64), 6)


def test_cache_rejects_keys_of_another_layout_naming_both_shapes():
    cache = KVCache(num_layers=1, batch=2, num_heads=4, max_len=10, head_dim=8)
    batch_major = np.zeros((2, 3, 4, 8), dtype=np.float32)  # (B, t, H, D): heads not split out first
    with pytest.raises(ShapeError, match=r"\(2, 3, 4, 8\).*\(2, 4, 8\)"):
        cache.append(0, batch_major, batch_major)
    assert cache.length == 0

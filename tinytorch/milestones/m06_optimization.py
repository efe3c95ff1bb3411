"""Milestone 6 (2018, the year MLPerf began): make the transformer's generation fast and small.

Start from the reversal transformer of milestone 5 and apply two optimizations from modules 15 and 17:
a KV cache (each position's keys and values are computed once) and INT8 weights (4× fewer weight
bytes). Measure like a benchmark should: the same 1,000 held-out prompts, the same greedy decoding,
best-of-several wall-clock timings, and accuracy reported next to speed so the cost of each step is
visible.
"""
import importlib.util
import time
from pathlib import Path

NAME = "optimization"
YEAR = 2018
TITLE = "Optimized generation: KV cache + INT8 weights"
TARGET = (">= 3x faster greedy generation than the uncached float32 model, exact match drop <= 1 point "
          "(quick budget: drop <= 1 point and >= 3x fewer weight bytes; speed-up printed, not judged)")
REQUIRES = [1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 15, 17]


def transformer_milestone():
    path = Path(__file__).with_name("m05_transformer.py")
    spec = importlib.util.spec_from_file_location("tinytorch_milestone_m05_transformer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(fn, repeats: int):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(quick: bool = False, log=print) -> dict:
    import tinytorch as tt

    m05 = transformer_milestone()
    length = 6 if quick else 8
    model = m05.train_reverser(length=length, steps=150 if quick else 600, log=log)
    n, repeats = (200, 1) if quick else (1000, 3)
    rows = {}
    bytes_fp32 = tt.model_bytes(model)
    variants = [
        ("float32, no cache", lambda p, k: model.generate(p, k)),
        ("float32 + KV cache", lambda p, k: tt.generate_cached(model, p, k)),
    ]
    for label, generate in variants:
        seconds, scores = timed(lambda: m05.reversal_accuracy(model, length, n=n, generate=generate), repeats)
        rows[label] = {"seconds": seconds, **scores}
    tt.quantize_model(model)
    bytes_int8 = tt.model_bytes(model)
    seconds, scores = timed(lambda: m05.reversal_accuracy(model, length, n=n, generate=lambda p, k: tt.generate_cached(model, p, k)), repeats)
    rows["INT8 weights + KV cache"] = {"seconds": seconds, **scores}
    baseline = rows["float32, no cache"]
    log(f"{'variant':26s} {'seconds':>8s} {'speed-up':>8s} {'exact match':>11s}")
    for label, row in rows.items():
        log(f"{label:26s} {row['seconds']:8.3f} {baseline['seconds'] / row['seconds']:7.2f}x {row['exact_match']:11.4f}")
    log(f"weight bytes: {bytes_fp32:,} float32 -> {bytes_int8:,} with INT8 linears ({bytes_fp32 / bytes_int8:.2f}x smaller)")
    optimized = rows["INT8 weights + KV cache"]
    speedup = baseline["seconds"] / optimized["seconds"]
    drop = baseline["exact_match"] - optimized["exact_match"]
    # A quick run times a single pass, which a busy machine (parallel test workers) can slow several-fold, so it
    # judges what cannot be noise, the cached INT8 model's answers and its weight bytes, and only prints the speed-up.
    fast_or_small = bytes_fp32 / bytes_int8 >= 3.0 if quick else speedup >= 3.0
    return {"speedup": speedup, "exact_match_fp32": baseline["exact_match"], "exact_match_int8_cached": optimized["exact_match"],
            "accuracy_drop_points": 100 * drop, "weight_bytes_ratio": bytes_fp32 / bytes_int8,
            "passed": fast_or_small and drop <= 0.01}

"""The quantization experiment's results, precomputed, so the lab needs neither NumPy nor scikit-learn.

``labkit/data/digits_quantization.json`` holds the test accuracy of the digits MLP (:mod:`labkit.digits`)
with its weights quantized to each bit width. Regenerate it with ``python -m labkit.digits``; a test
recomputes it and fails if the shipped table drifts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent / "data" / "digits_quantization.json"


@dataclass(frozen=True)
class DigitsQuantization:
    params: int
    float_accuracy: float
    accuracy_by_bits: dict[int, float]


@lru_cache(maxsize=1)
def digits_quantization() -> DigitsQuantization:
    raw = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return DigitsQuantization(params=int(raw["params"]), float_accuracy=float(raw["float_accuracy"]),
                              accuracy_by_bits={int(b): float(a) for b, a in raw["accuracy_by_bits"].items()})

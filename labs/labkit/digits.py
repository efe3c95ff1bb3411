"""A small real classifier for quantization experiments: an MLP on scikit-learn's 8×8 digits.

The digits set ships inside scikit-learn, so nothing is downloaded. Training takes about a second
and is cached for the life of the Python process (the lab kernel), so moving a slider only re-runs
the quantized forward pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class TrainedMLP:
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def params(self) -> int:
        return int(sum(w.size for w in self.weights) + sum(b.size for b in self.biases))

    def accuracy(self, bits: int | None = None) -> float:
        """Test accuracy with weights quantized to ``bits`` (None: full float precision)."""
        weights = self.weights if bits is None else tuple(quantize(w, bits) for w in self.weights)
        activations = self.x_test
        for index, (w, b) in enumerate(zip(weights, self.biases)):
            activations = activations @ w + b
            if index < len(weights) - 1:
                activations = np.maximum(activations, 0.0)
        return float(np.mean(np.argmax(activations, axis=1) == self.y_test))


def quantize(values: np.ndarray, bits: int) -> np.ndarray:
    """Symmetric per-tensor uniform quantization to ``bits`` (then back to float to run the layer)."""
    if not isinstance(bits, (int, np.integer)) or bits < 2:
        raise ValueError(f"bits must be an integer >= 2 (one sign level each side of zero); got {bits!r}")
    levels = 2 ** (bits - 1) - 1
    scale = float(np.max(np.abs(values))) / levels
    if scale == 0.0:
        return values.copy()
    return np.clip(np.round(values / scale), -levels, levels) * scale


@lru_cache(maxsize=4)
def trained_mlp(hidden: int = 64, seed: int = 0) -> TrainedMLP:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
    classifier = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=600, random_state=seed).fit(x_train, y_train)
    return TrainedMLP(weights=tuple(classifier.coefs_), biases=tuple(classifier.intercepts_), x_test=x_test, y_test=y_test)


@lru_cache(maxsize=64)
def quantized_accuracy(bits: int | None, hidden: int = 64, seed: int = 0) -> float:
    """Test accuracy of the cached digits MLP with ``bits``-bit weights (None: float), itself cached."""
    return trained_mlp(hidden, seed).accuracy(bits)


BIT_WIDTHS = (2, 3, 4, 5, 6, 8, 16, 32)


def accuracy_table(hidden: int = 64, seed: int = 0) -> dict:
    """What the quantization lab shows: parameter count, float accuracy and accuracy per weight bit width."""
    return {"hidden": hidden, "seed": seed, "params": trained_mlp(hidden, seed).params,
            "float_accuracy": quantized_accuracy(None, hidden, seed),
            "accuracy_by_bits": {str(b): quantized_accuracy(b, hidden, seed) for b in BIT_WIDTHS}}


if __name__ == "__main__":
    # regenerate the table the lab ships (the lab itself runs without NumPy or scikit-learn, e.g. in Pyodide)
    import json

    from labkit.digits_table import TABLE_PATH

    TABLE_PATH.write_text(json.dumps(accuracy_table(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TABLE_PATH}")

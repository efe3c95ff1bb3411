"""Keyword decisions on streaming audio: the NumPy reference of kits_kws_post.c (posterior
smoothing over the last windows, a threshold, suppression after each detection) and the
streaming loop that runs a keyword model over overlapping windows of a long recording."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_WINDOW = 16
MAX_CLASSES = 32


@dataclass
class KeywordPostprocessor:
    n_classes: int
    window: int = 3            # windows averaged
    threshold: int = 160       # average probability in 1/256 that reports a keyword
    suppress: int = 3          # windows after a detection in which nothing is reported
    background: int = -1       # class never reported (e.g. "silence"), -1 for none
    _history: list = field(default_factory=list, repr=False)
    _suppress_left: int = 0

    def __post_init__(self):
        if not (1 <= self.n_classes <= MAX_CLASSES and 1 <= self.window <= MAX_WINDOW
                and -1 <= self.background < self.n_classes and 0 <= self.threshold <= 255):
            raise ValueError(f"keyword post-processing: need 1..{MAX_CLASSES} classes, a window of 1..{MAX_WINDOW}, "
                             "a threshold of 0..255 and a background class index or -1")

    def push(self, scores) -> tuple[int, np.ndarray]:
        """One window's int8 softmax scores -> (detected class or -1, averages 0..255)."""
        probs = np.asarray(scores, np.int64).reshape(-1)[: self.n_classes] + 128
        self._history = (self._history + [probs])[-self.window:]
        count = len(self._history)
        averages = (np.sum(self._history, axis=0) + count // 2) // count
        candidates = [c for c in range(self.n_classes) if c != self.background]
        best = max(candidates, key=lambda c: (averages[c], -c)) if candidates else -1
        if self._suppress_left > 0:
            self._suppress_left -= 1
            return -1, averages
        if count < self.window or best < 0 or averages[best] < self.threshold:
            return -1, averages
        self._suppress_left = self.suppress
        return best, averages


def window_starts(n_samples: int, window: int, hop: int) -> list[int]:
    return list(range(0, n_samples - window + 1, hop))


def stream_scores(model, audio: np.ndarray, hop: int) -> np.ndarray:
    """The model's int8 scores for every `hop`-spaced one-model-window slice of `audio`,
    as the board's sliding window produces them."""
    from .train import front_end

    audio = np.asarray(audio).reshape(-1)
    n = model.input_samples
    return np.stack([model.run(front_end(model, audio[s:s + n])) for s in window_starts(audio.size, n, hop)])


def detect(scores: np.ndarray, post: KeywordPostprocessor) -> list[tuple[int, int]]:
    """(window index, class) of each detection."""
    found = []
    for i, s in enumerate(scores):
        label, _ = post.push(s)
        if label >= 0:
            found.append((i, label))
    return found

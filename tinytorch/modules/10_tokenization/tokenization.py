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
# # Module 10: Tokenization
#
# Language models read integers, not text. A tokenizer fixes the mapping, and its granularity is a
# systems decision: characters give a tiny vocabulary but long sequences; whole words give short
# sequences but an unbounded vocabulary with no answer for unseen words. Byte-pair encoding (BPE)
# [Sennrich, Haddow & Birch, "Neural Machine Translation of Rare Words with Subword Units", ACL 2016,
# arXiv:1508.07909] starts from characters and repeatedly merges the most frequent adjacent pair, so
# common words become single tokens while rare ones fall back to pieces.
#
# **Systems lens.** Attention costs `O(T²)` in the sequence length `T`, and the embedding and output
# layers cost `O(V·d)` parameters in the vocabulary size `V`. Every merge shortens sequences (cheaper
# attention) and grows `V` (bigger embedding and softmax). The analysis below measures the compression
# ratio (characters per token) as the number of merges grows.

# %%
#| default_exp text.tokenization
#| requires:
#| public: CharTokenizer, BPETokenizer

# %%
#| export
from collections import Counter

import numpy as np


class CharTokenizer:
    """One token per distinct character seen in training, plus an <unk> token (id 0)."""

    UNKNOWN = "\u2400"

    def __init__(self, text: str):
        if not text:
            raise ValueError("CharTokenizer needs non-empty training text")
        self.vocab = [self.UNKNOWN] + sorted(set(text) - {self.UNKNOWN})
        self.index = {ch: i for i, ch in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        ### BEGIN SOLUTION
        return np.array([self.index.get(ch, 0) for ch in text], dtype=np.int64)
        ### END SOLUTION

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in np.asarray(ids).reshape(-1))

# %% [markdown]
# ## Byte-pair encoding
#
# Training counts adjacent pairs within words (weighted by word frequency), merges the most frequent
# pair into a new symbol, and repeats. Encoding replays the merges in the order they were learned,
# which reproduces the training segmentation exactly. Ties are broken by the pair itself so training
# is deterministic. Training as written rescans every word for every merge, `O(merges · corpus)`;
# production tokenizers keep pair counts in a priority queue and update only the words a merge
# touched, which is what makes vocabularies of 50,000 merges practical.

# %%
#| export
class BPETokenizer:
    def __init__(self, text: str, num_merges: int = 100):
        if num_merges < 0:
            raise ValueError(f"num_merges must be >= 0, got {num_merges}")
        self.base = CharTokenizer(text)
        words = Counter(text.split(" "))
        segmented = {word: list(word) for word in words}
        self.merges = []
        ### BEGIN SOLUTION
        ### HINT: count pairs over segmented words weighted by frequency; merge the best pair everywhere; repeat
        for _ in range(num_merges):
            pairs = Counter()
            for word, count in words.items():
                symbols = segmented[word]
                for pair in zip(symbols, symbols[1:]):
                    pairs[pair] += count
            if not pairs:
                break
            best = max(pairs.items(), key=lambda item: (item[1], item[0]))[0]
            self.merges.append(best)
            for word in words:
                segmented[word] = self._merge(segmented[word], best)
        ### END SOLUTION
        self.vocab = list(self.base.vocab) + ["".join(pair) for pair in self.merges]
        self.index = {token: i for i, token in enumerate(self.vocab)}

    @staticmethod
    def _merge(symbols: list, pair: tuple) -> list:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                out.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        return out

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def _segment(self, word: str) -> list:
        symbols = list(word)
        for pair in self.merges:
            symbols = self._merge(symbols, pair)
        return symbols

    def encode(self, text: str) -> np.ndarray:
        ids = []
        for position, word in enumerate(text.split(" ")):
            if position:
                ids.append(self.index[" "] if " " in self.index else 0)
            ids.extend(self.index.get(symbol, 0) for symbol in self._segment(word))
        return np.array(ids, dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in np.asarray(ids).reshape(-1))

# %% [markdown]
# ## Systems analysis: compression versus vocabulary
#
# On a paragraph of this course's own prose we train BPE with increasing merge counts and report
# vocabulary size, tokens produced and characters per token.

# %%
SAMPLE = (
    "a tensor holds data and a recipe; the recipe lets autograd compute gradients. the optimizer updates "
    "the parameters with the gradients, and the training loop repeats forward, backward and step until the "
    "loss stops falling. attention compares every token with every other token, so its cost grows with the "
    "square of the sequence length, while the embedding grows with the vocabulary."
)


def compression_curve(merges=(0, 25, 50, 100, 200)) -> list:
    rows = []
    for count in merges:
        tokenizer = BPETokenizer(SAMPLE, num_merges=count)
        tokens = len(tokenizer.encode(SAMPLE))
        rows.append({"merges": count, "vocab": tokenizer.vocab_size, "tokens": tokens, "chars_per_token": len(SAMPLE) / tokens})
    return rows


if __name__ == "__main__":
    for row in compression_curve():
        print(f"merges {row['merges']:4d}: vocab {row['vocab']:4d}, {row['tokens']:4d} tokens, {row['chars_per_token']:.2f} chars/token")

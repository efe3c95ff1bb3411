"""Milestone 5 (2017): a small transformer learns an algorithm and writes prose.

Part A, sequence reversal: the model reads `L` digits and a separator and must emit them in reverse
order. Every output position has to attend to one specific input position, which attention with
learned positions does and a bag of tokens cannot. Exact match means all `L` digits right.

Part B, language: a character-level model trained on the book's own prose (the `book/` sources when
present, else this course's module prose) must beat the unigram baseline (the entropy of character
frequencies, what a model with no context achieves) and then generates text.
"""
from pathlib import Path

import numpy as np

NAME = "transformer"
YEAR = 2017
TITLE = "Transformer: sequence reversal and text generation"
TARGET = ">= 99% exact match reversing 8 digits; prose loss well below the unigram baseline (quick: >= 50% digit accuracy)"
REQUIRES = [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13]

DIGITS, SEPARATOR = 10, 10


def reversal_batch(rng, batch: int, length: int) -> np.ndarray:
    digits = rng.integers(0, DIGITS, (batch, length))
    return np.concatenate([digits, np.full((batch, 1), SEPARATOR), digits[:, ::-1]], axis=1)


def build_reverser(length: int):
    from tinytorch import GPT

    return GPT(vocab_size=DIGITS + 1, max_len=2 * length + 1, dim=64, num_heads=4, num_layers=2)


def train_reverser(length: int = 8, steps: int = 600, batch: int = 64, seed: int = 0, log=print):
    """Train on fresh random sequences each step; loss only on the reversed half."""
    import tinytorch as tt
    from tinytorch import nn, optim

    tt.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_reverser(length)
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = tt.CosineWarmupSchedule(optimizer, total_steps=steps, warmup_steps=min(100, steps // 10), min_ratio=0.05)
    for step in range(steps):
        seq = reversal_batch(rng, batch, length)
        logits = model(seq[:, :-1])[:, length:, :]
        loss = nn.functional.cross_entropy(logits, seq[:, length + 1:])
        optimizer.zero_grad()
        loss.backward()
        tt.clip_grad_norm_(model.parameters(), 1.0)
        schedule.step()
        optimizer.step()
        if (step + 1) % 100 == 0:
            log(f"reversal step {step + 1}: loss {loss.item():.4f}")
    return model


def reversal_accuracy(model, length: int, n: int = 1000, seed: int = 123, generate=None) -> dict:
    seq = reversal_batch(np.random.default_rng(seed), n, length)
    prompt = seq[:, :length + 1]
    generate = generate or (lambda ids, count: model.generate(ids, count))
    out = generate(prompt, length)[:, length + 1:]
    target = seq[:, length + 1:]
    return {"exact_match": float((out == target).all(axis=1).mean()), "digit_accuracy": float((out == target).mean())}


def book_text(limit: int = 200_000) -> tuple[str, str]:
    course = Path(__file__).resolve().parents[1]
    sources = sorted((course.parent / "book").rglob("*.qmd")) if (course.parent / "book").is_dir() else []
    origin = "book/"
    if not sources:
        sources, origin = sorted((course / "modules").rglob("[a-z]*.py")), "tinytorch module prose"
    chunks = []
    for path in sources:
        lines = [line.lstrip("# ") if origin != "book/" else line for line in path.read_text(errors="ignore").splitlines()]
        prose = [line for line in lines if line and line[0].isalpha() and " " in line and not line.startswith(("import", "from", "def", "class", "return"))]
        chunks.append(" ".join(prose))
    return " ".join(chunks)[:limit], origin


def train_language_model(steps: int, log=print, seed: int = 0, context: int = 64, batch_size: int = 32) -> dict:
    import tinytorch as tt
    from tinytorch import nn, optim

    text, origin = book_text()
    tokenizer = tt.CharTokenizer(text)
    ids = tokenizer.encode(text)
    split = int(0.9 * len(ids))
    train_ids, val_ids = ids[:split], ids[split:]
    tt.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = tt.GPT(vocab_size=tokenizer.vocab_size, max_len=context, dim=96, num_heads=4, num_layers=2)
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = tt.CosineWarmupSchedule(optimizer, total_steps=steps, warmup_steps=min(50, steps // 10), min_ratio=0.1)

    def windows(source, count):
        starts = rng.integers(0, len(source) - context - 1, count)
        return np.stack([source[s:s + context + 1] for s in starts])

    for step in range(steps):
        batch = windows(train_ids, batch_size)
        loss = nn.functional.cross_entropy(model(batch[:, :-1]), batch[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        tt.clip_grad_norm_(model.parameters(), 1.0)
        schedule.step()
        optimizer.step()
        if (step + 1) % 200 == 0:
            log(f"prose step {step + 1}: loss {loss.item():.3f}")
    counts = np.bincount(train_ids, minlength=tokenizer.vocab_size).astype(float) + 1e-9
    freq = counts / counts.sum()
    unigram = float(-(np.bincount(val_ids, minlength=tokenizer.vocab_size) * np.log(freq)).sum() / len(val_ids))
    model.eval()
    with tt.no_grad():
        batch = windows(val_ids, 64)
        val_loss = float(nn.functional.cross_entropy(model(batch[:, :-1]), batch[:, 1:]).item())
    prompt = tokenizer.encode("The memory ")[None, :]
    sample = tokenizer.decode(model.generate(prompt, context - prompt.shape[1], temperature=0.8, rng=np.random.default_rng(0))[0])
    log(f"corpus: {origin}, {len(text):,} characters, vocabulary {tokenizer.vocab_size}")
    log(f"validation loss {val_loss:.3f} nats/char vs unigram baseline {unigram:.3f}")
    log(f"sample: {sample!r}")
    return {"val_loss": val_loss, "unigram_loss": unigram, "sample": sample}


def run(quick: bool = False, log=print) -> dict:
    length = 4 if quick else 8
    model = train_reverser(length=length, steps=150 if quick else 600, log=log)
    scores = reversal_accuracy(model, length, n=300 if quick else 1000)
    log(f"reversal of {length} digits: exact match {scores['exact_match']:.4f}, digit accuracy {scores['digit_accuracy']:.4f}")
    prose = train_language_model(steps=40 if quick else 1000, log=log, context=32 if quick else 64)
    if quick:
        passed = scores["digit_accuracy"] >= 0.5 and prose["val_loss"] < prose["unigram_loss"]
    else:
        passed = scores["exact_match"] >= 0.99 and prose["val_loss"] <= 0.8 * prose["unigram_loss"]
    return {**scores, "prose_val_loss": prose["val_loss"], "prose_unigram_loss": prose["unigram_loss"], "passed": passed}

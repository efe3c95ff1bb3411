"""Record the profiler trace that the training chapter's profiling section reads.

A small decoder-only transformer is trained for a few steps on CPU under torch.profiler, twice: once with
the batch prepared in the training loop's own thread (every step waits for it), once with two DataLoader
worker processes preparing batches ahead of the step (prefetch). Each batch's preparation does real work
(it tokenizes synthetic text with a byte-level vocabulary and builds shifted targets), as a text pipeline
does. The profiler's per-step records are summarized into the phases a reader looks for in a trace:
waiting for data, forward, backward, optimizer step. Run from the repository root:

    .venv/bin/python book/vol1/training/trace/profile_step.py

It rewrites book/vol1/training/trace/step_profile.json (and the two Chrome traces next to it, which
chrome://tracing or https://ui.perfetto.dev opens; they are not committed). Timings depend on the machine.
"""
from __future__ import annotations

import json
import platform
import random
import time
from pathlib import Path

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function, schedule

HERE = Path(__file__).resolve().parent
SEQ, BATCH, VOCAB, WIDTH, LAYERS = 128, 16, 256, 256, 2
WAIT, WARMUP, ACTIVE = 1, 1, 4
WORDS = [f"w{i:04d}" for i in range(5000)]


class SyntheticText(torch.utils.data.Dataset):
    """Each item is a document built, tokenized and cut into one training sequence on request."""

    def __len__(self) -> int:
        return 10_000

    def __getitem__(self, index: int):
        rng = random.Random(index)
        text = " ".join(rng.choice(WORDS) for _ in range(12000))
        ids = [b % VOCAB for b in text.encode()][: SEQ + 1]
        tokens = torch.tensor(ids, dtype=torch.long)
        return tokens[:-1], tokens[1:]


class TinyGPT(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        layer = nn.TransformerEncoderLayer(WIDTH, nhead=4, dim_feedforward=4 * WIDTH, batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, LAYERS)
        self.head = nn.Linear(WIDTH, VOCAB)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(SEQ))

    def forward(self, x):
        return self.head(self.blocks(self.embed(x), mask=self.mask, is_causal=True))


def run(workers: int) -> dict:
    torch.manual_seed(0)
    model = TinyGPT()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    loader = torch.utils.data.DataLoader(SyntheticText(), batch_size=BATCH, num_workers=workers,
                                         prefetch_factor=2 if workers else None, persistent_workers=bool(workers))
    loss_fn = nn.CrossEntropyLoss()
    phases = {"data wait": [], "forward": [], "backward": [], "optimizer": [], "step": []}
    batches = iter(loader)
    trace_file = HERE / f"trace_workers{workers}.json"
    with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=WAIT, warmup=WARMUP, active=ACTIVE),
                 on_trace_ready=lambda p: p.export_chrome_trace(str(trace_file))) as prof:
        for step in range(WAIT + WARMUP + ACTIVE):
            t0 = time.perf_counter()
            with record_function("data wait"):
                x, y = next(batches)
            t1 = time.perf_counter()
            with record_function("forward"):
                loss = loss_fn(model(x).reshape(-1, VOCAB), y.reshape(-1))
            t2 = time.perf_counter()
            with record_function("backward"):
                loss.backward()
            t3 = time.perf_counter()
            with record_function("optimizer"):
                opt.step()
                opt.zero_grad(set_to_none=True)
            t4 = time.perf_counter()
            prof.step()
            if step >= WAIT + WARMUP:
                for name, dt in zip(["data wait", "forward", "backward", "optimizer", "step"],
                                    [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]):
                    phases[name].append(dt)
    # the profiler's own view of the same phases: self + children time of each labelled range, per step
    table = {e.key: e.cpu_time_total / 1e6 / ACTIVE for e in prof.key_averages() if e.key in phases}
    top_ops = sorted((e for e in prof.key_averages() if e.key.startswith("aten::")),
                     key=lambda e: e.self_cpu_time_total, reverse=True)[:5]
    return {"workers": workers,
            "wall_s": {k: sum(v) / len(v) for k, v in phases.items()},
            "profiler_s": table,
            "top_ops": [{"op": e.key, "self_s_per_step": e.self_cpu_time_total / 1e6 / ACTIVE} for e in top_ops]}


if __name__ == "__main__":
    torch.set_num_threads(1)
    result = {"torch": torch.__version__, "machine": platform.processor() or platform.machine(),
              "threads": torch.get_num_threads(), "seq": SEQ, "batch": BATCH, "layers": LAYERS, "width": WIDTH,
              "active_steps": ACTIVE,
              "runs": [run(0), run(2)]}
    (HERE / "step_profile.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))

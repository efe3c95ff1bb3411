"""Calculation questions re-parameterized from the book's worked examples, answered by MLSys·im.

A napkin-math callout that works a ridge point, a decode step, a KV cache, an all-reduce, a checkpoint
interval or a Chinchilla budget is the pattern for a question that asks the same calculation on other
hardware or another model from the engine's catalogs. The answer and its explanation come from the engine
call that a reader would make (`ms.roofline`, `ms.kv_cache_bytes`, ...), never from typed numbers, so a
catalog correction changes the questions with the chapters.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable

import mlsysim as ms

# Parameters the questions draw from: names in the engine's catalogs, never numbers.
HARDWARE = ["A100-80GB", "H100-SXM", "H200", "B200", "MI300X", "TPUv5p", "Gaudi3", "L40S"]
MODELS = ["Llama-2-7B", "Llama-2-13B", "Llama-3-8B", "Llama-3-70B", "GPT-3-175B"]  # dense: every weight is read per token
LINKS = ["NVLink4", "NVLink5", "PCIe5", "IB-NDR", "RoCE-400G"]
TOLERANCE = 0.02  # relative: answers are read off a calculator, rounded to three figures


@dataclass(frozen=True)
class CalcQuestion:
    prompt: str
    answer: float
    unit: str
    explanation: str


def _pick(options: list[str], seed: str, avoid_text: str, k: int = 1) -> list[str]:
    """Deterministic choice (same build, same question) of catalog names the worked example did not use."""
    fresh = [o for o in options if o.lower() not in avoid_text.lower()] or options
    start = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return [fresh[(start + i) % len(fresh)] for i in range(k)]


def _known(names: list[str], lookup: Callable[[str], object]) -> list[str]:
    out = []
    for name in names:
        try:
            lookup(name)
            out.append(name)
        except ms.UnknownNameError:
            continue
    return out


def _ridge(seed: str, text: str) -> CalcQuestion:
    (name,) = _pick(_known(HARDWARE, ms.hardware), seed, text)
    hw = ms.hardware(name)
    result = ms.roofline(hw, flop=1.0, bytes_moved=1.0)
    return CalcQuestion(f"What is the ridge point of the {name} in BF16, in FLOP per byte (dense peak FLOP/s over "
                        "memory bandwidth)?", round(result.ridge_point, 1), "FLOP/B", result.explain())


def _decode(seed: str, text: str) -> CalcQuestion:
    (name,) = _pick(_known(HARDWARE, ms.hardware), seed, text)
    hw = ms.hardware(name)
    # only a model whose BF16 weights fit in this one device's memory: a single-device decode otherwise
    # cannot run at all, and its time would be a wrong lesson
    fitting = [m for m in _known(MODELS, ms.model) if 2 * ms.model(m).params < hw.memory_bytes]
    (model_name,) = _pick(fitting, seed + "m", text)
    model = ms.model(model_name)
    weight_bytes = 2 * model.params  # BF16: every weight read once per decode step at batch 1
    result = ms.roofline(hw, flop=2 * model.params, bytes_moved=weight_bytes)
    return CalcQuestion(f"A batch-1 decode step of {model_name} in BF16 reads every weight once. What is the "
                        f"roofline lower bound on one step's time on a single {name}, in milliseconds?",
                        round(result.time_s * 1e3, 3), "ms", result.explain())


def _kv_cache(seed: str, text: str) -> CalcQuestion:
    (model_name,) = _pick(_known(MODELS, ms.model), seed, text)
    model = ms.model(model_name)
    batch, seq_len = 8, min(4096, getattr(model, "max_seq_len", 4096) or 4096)
    kv = ms.kv_cache_bytes(model, batch, seq_len)
    return CalcQuestion(f"How large is the BF16 KV cache of {model_name} for a batch of {batch} sequences of "
                        f"{seq_len} tokens, in GB (10^9 bytes)?", round(kv / 1e9, 3), "GB",
                        f"2 (K and V) x layers x KV heads x head size x 2 bytes x batch x tokens = {kv / 1e9:.3g} GB "
                        "(grouped-query attention stores only the KV heads).")


def _all_reduce(seed: str, text: str) -> CalcQuestion:
    (link_name,) = _pick(_known(LINKS, ms.interconnect), seed, text)
    n = 8
    message = 1e9
    result = ms.collective("all_reduce", message, n, ms.interconnect(link_name))
    return CalcQuestion(f"How long does an all-reduce of a 1 GB message across {n} GPUs over {link_name} take, "
                        "in milliseconds?", round(result.time_s * 1e3, 3), "ms", result.explain())


def _checkpoint(seed: str, text: str) -> CalcQuestion:
    gpus = [1024, 4096, 16384][int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 3]
    device_mtbf_h = 50_000  # scenario: a round per-GPU MTBF stated in the question itself
    mtbf_s = ms.job_mtbf(gpus, device_mtbf_s=device_mtbf_h * 3600)
    checkpoint_s = 60.0
    interval = ms.young_interval(checkpoint_s, mtbf_s)
    return CalcQuestion(f"A job runs on {gpus} GPUs, each failing independently with an MTBF of {device_mtbf_h:,} "
                        f"hours; a checkpoint takes {checkpoint_s:.0f} s. What checkpoint interval does Young's "
                        "formula give, in minutes?", round(interval / 60, 2), "min",
                        f"job MTBF = {device_mtbf_h:,} h / {gpus} = {mtbf_s / 3600:.3g} h; "
                        f"interval = sqrt(2 x {checkpoint_s:.0f} s x {mtbf_s:.0f} s) = {interval / 60:.3g} min.")


def _chinchilla(seed: str, text: str) -> CalcQuestion:
    (model_name,) = _pick(_known(MODELS, ms.model), seed, text)
    params = ms.model(model_name).params
    tokens = ms.chinchilla_tokens(params)
    return CalcQuestion(f"How many training tokens does the Chinchilla rule give for a model the size of "
                        f"{model_name} ({params / 1e9:.3g} B parameters), in billions?",
                        round(tokens / 1e9, 1), "B tokens", f"about 20 tokens per parameter: {tokens / 1e9:.4g} B tokens.")


# (pattern in the worked example, question maker): the first pattern that matches a callout decides
TEMPLATES: list[tuple[re.Pattern, Callable[[str, str], CalcQuestion]]] = [
    (re.compile(r"ridge point|arithmetic intensity", re.I), _ridge),
    (re.compile(r"kv[ -]cache", re.I), _kv_cache),
    (re.compile(r"decode|memory[- ]bound", re.I), _decode),
    (re.compile(r"all[- ]reduce", re.I), _all_reduce),
    (re.compile(r"checkpoint", re.I), _checkpoint),
    (re.compile(r"chinchilla", re.I), _chinchilla),
]


def question_for(worked_example: str, seed: str) -> CalcQuestion | None:
    """A calculation question patterned on one worked example, or None when no template fits it."""
    for pattern, make in TEMPLATES:
        if pattern.search(worked_example):
            return make(seed, worked_example)
    return None

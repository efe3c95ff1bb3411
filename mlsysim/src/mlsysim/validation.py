"""Validation against published measurements.

Each case names the paper or report, the exact conditions of the measurement (model, hardware,
device count, parallel layout, batch, sequence) and the measured value; the prediction is computed
from those conditions by the public API. No case uses this package's own output as its reference.
Where a paper leaves a condition unstated, the case says which value was assumed.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

from .catalog import cluster, model, transformer
from .training import train_step

MEGATRON = ("Narayanan et al., Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM, "
            "SC21, arXiv:2104.04473, Table 1 (GPT, seq 2048, vocab 51200, A100-80GB DGX nodes with 8x HDR IB, "
            "activation recomputation, mixed precision); metric: achieved teraFLOP/s per GPU counting recomputation")
LLAMA3 = ("Llama Team, The Llama 3 Herd of Models, arXiv:2407.21783, Table 4 (405B, seq 8192, 16M tokens per batch, "
          "H100 80GB, 400 Gb/s RoCE per GPU, interleaved pipeline schedule); metric: BF16 model TFLOP/s per GPU")


@dataclass(frozen=True)
class Case:
    name: str
    metric: str
    measured: float
    predict: Callable[[], float]
    conditions: str
    source: str


@dataclass(frozen=True)
class Outcome:
    name: str
    metric: str
    measured: float
    predicted: float
    error: float
    conditions: str
    source: str


def _megatron(layers, hidden, heads, tp, pp, gpus, batch, tflops) -> Case:
    def predict() -> float:
        gpt = transformer(f"GPT-{layers}L-{hidden}h", layers, hidden, heads, vocab=51200, max_seq_len=2048)
        run = train_step(gpt, cluster("DGX-A100", nodes=gpus // 8), gpus, batch, 2048, tp=tp, pp=pp, micro_batch=1,
                         recompute=True, flash_attention=False, check_memory=False)
        return run.achieved_flops_per_device / 1e12
    params = {24: "1.7B", 30: "3.6B", 36: "7.5B", 40: "18.4B", 48: "39.1B", 60: "76.1B", 80: "145.6B",
              96: "310.1B", 105: "529.6B", 128: "1008.0B"}[layers]
    return Case(name=f"Megatron-LM GPT {params} on {gpus} A100", metric="TFLOP/s per GPU", measured=tflops, predict=predict,
                conditions=f"{layers} layers, hidden {hidden}, {heads} heads, tp={tp}, pp={pp}, dp={gpus // (tp * pp)}, "
                           f"global batch {batch}; micro-batch 1 and the non-interleaved 1F1B schedule assumed (not in the table)",
                source=MEGATRON)


def _llama3(gpus: int, tflops: float) -> Case:
    def predict() -> float:
        run = train_step(model("Llama-3.1-405B"), cluster("DGX-H100", nodes=gpus // 8), gpus, 2048, 8192, tp=8, pp=16,
                         micro_batch=1, sp=True, recompute=False, virtual_stages=2, allow_uneven_pipeline=True,
                         check_memory=False)
        return run.model_flop_per_step / run.step_time_s / gpus / 1e12
    return Case(name=f"Llama 3 405B on {gpus} H100", metric="TFLOP/s per GPU", measured=tflops, predict=predict,
                conditions=f"tp=8, cp=1, pp=16, dp={gpus // 128}, 2048 sequences of 8192 tokens; sequence parallelism "
                           "and 2 virtual pipeline stages assumed (the paper does not give the interleaving depth)",
                source=LLAMA3)


CASES: list[Case] = [
    _megatron(24, 2304, 24, 1, 1, 32, 512, 137),
    _megatron(30, 3072, 32, 2, 1, 64, 512, 138),
    _megatron(36, 4096, 32, 4, 1, 128, 512, 142),
    _megatron(40, 6144, 48, 8, 1, 256, 1024, 135),
    _megatron(48, 8192, 64, 8, 2, 512, 1536, 138),
    _megatron(60, 10240, 80, 8, 4, 1024, 1792, 140),
    _megatron(80, 12288, 96, 8, 8, 1536, 2304, 148),
    _megatron(96, 16384, 128, 8, 16, 1920, 2160, 155),
    _megatron(105, 20480, 128, 8, 35, 2520, 2520, 163),
    _megatron(128, 25600, 160, 8, 64, 3072, 3072, 163),
    _llama3(8192, 430),
    _llama3(16384, 400),
]


def run_validation(cases: list[Case] | None = None) -> list[Outcome]:
    outcomes = []
    for case in cases or CASES:
        predicted = float(case.predict())
        outcomes.append(Outcome(case.name, case.metric, case.measured, predicted,
                                (predicted - case.measured) / case.measured, case.conditions, case.source))
    return outcomes


def summary(outcomes: list[Outcome]) -> dict:
    errors = [abs(o.error) for o in outcomes]
    return {"cases": len(outcomes), "median_abs_error": statistics.median(errors), "max_abs_error": max(errors)}

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
from .serving import serve_max_throughput
from .training import train_step

MEGATRON = ("Narayanan et al., Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM, "
            "SC21, arXiv:2104.04473, Table 1 (GPT, seq 2048, vocab 51200, A100-80GB DGX nodes with 8x HDR IB, "
            "activation recomputation, mixed precision); metric: achieved teraFLOP/s per GPU counting recomputation")
LLAMA3 = ("Llama Team, The Llama 3 Herd of Models, arXiv:2407.21783, Table 4 (405B, seq 8192, 16M tokens per batch, "
          "H100 80GB, 400 Gb/s RoCE per GPU, interleaved pipeline schedule); metric: BF16 model TFLOP/s per GPU")


PALM = ("Chowdhery et al., PaLM: Scaling Language Modeling with Pathways, arXiv:2204.02311, Section 4 and Table 3 "
        "(540B on 6144 TPU v4 chips in two pods; 12-way model and 256-way data parallelism per pod, 2 pods data-parallel; "
        "batch 2048 x 2048 tokens; rematerialization); metric: model FLOPs utilization without rematerialization FLOPs")
TRTLLM = ("NVIDIA TensorRT-LLM performance overview (v1.0, trtllm-bench offline max-throughput, FP8 checkpoints from "
          "NVIDIA ModelOpt, H200 SXM 141GB), https://github.com/NVIDIA/TensorRT-LLM/blob/main/docs/source/performance/"
          "perf-overview.md; metric: total output tokens/s. These H200 rows are disjoint from the H100/H200 rows used to "
          "calibrate mlsysim.assumptions.SERVING_*")


MBRIDGE = ("NVIDIA Megatron-Bridge performance summary, 25.11 NeMo container, DGX-B200 pre-training with FP8 current "
           "scaling, https://github.com/NVIDIA-NeMo/Megatron-Bridge/blob/main/docs/performance-summary.md; metric: "
           "tokens/s per GPU. The DGX-H100 rows of the same table calibrated mlsysim.assumptions.FP8_MATMUL_DERATE "
           "and are not used here")


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


def _palm() -> Case:
    def predict() -> float:
        palm = transformer("PaLM-540B", 118, 18432, 48, kv_heads=1, head_dim=256, ffn_hidden=73728, ffn="swiglu",
                           vocab=256000, max_seq_len=2048, position="rope", bias=False, tied_embeddings=True)
        run = train_step(palm, cluster("TPUv4-host", nodes=1536, topology="torus"), 6144, 2048, 2048, tp=12, dp=512,
                         micro_batch=4, zero_stage=3, sp=True, recompute=True, check_memory=True)
        return run.mfu * 100
    return Case(name="PaLM 540B on 6144 TPU v4", metric="MFU %", measured=46.2, predict=predict,
                conditions="tp=12 (model parallel), dp=512 with fully sharded parameters (zero_stage=3), 2048 sequences "
                           "of 2048 tokens, full rematerialization; activations sharded over the model axis (sp) assumed",
                source=PALM)


def _trtllm(model_name: str, tp: int, isl: int, osl: int, tokens_per_s: float) -> Case:
    def predict() -> float:
        return serve_max_throughput(model_name, "H200", isl, osl, dtype="fp8", n_devices=tp).continuous_tokens_per_s
    return Case(name=f"TensorRT-LLM {model_name} H200 TP{tp} {isl}/{osl}", metric="output tokens/s", measured=tokens_per_s,
                predict=predict,
                conditions=f"{model_name}, FP8 weights and KV cache, tp={tp} on H200, input {isl} / output {osl} tokens, "
                           "offline maximum load; concurrency = the KV-cache limit (about 90% of memory)",
                source=TRTLLM)


def _mbridge(model_name: str, gpus: int, global_batch: int, micro_batch: int, tokens_per_gpu: float,
             **layout) -> Case:
    def predict() -> float:
        run = train_step(model_name, "DGX-B200", gpus, global_batch, 8192, micro_batch=micro_batch, precision="fp8",
                         check_memory=False, **layout)
        return run.tokens_per_s / gpus
    shown = ", ".join(f"{k}={v}" for k, v in layout.items() if k != "allow_uneven_pipeline")
    return Case(name=f"Megatron-Bridge {model_name} on {gpus} B200 FP8", metric="tokens/s per GPU",
                measured=tokens_per_gpu, predict=predict,
                conditions=f"{shown}, global batch {global_batch}, micro-batch {micro_batch}, sequence 8192, FP8 linear "
                           "layers; sequence parallelism with tp>1 and ZeRO-1 (distributed optimizer) assumed",
                source=MBRIDGE)


_ISL_OSL = [(128, 128), (128, 2048), (128, 4096), (500, 2000), (1000, 1000), (1000, 2000), (2048, 128), (2048, 2048),
            (5000, 500), (20000, 2000)]
_H200_8B = [27911, 26221, 18027, 20770, 17744, 16828, 3538, 12194, 3902, 1804]
_H200_405B = [3814, 5348, 4741, 4724, 3330, 3722, 456, 2948, 650, 505]

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
    _palm(),
    _mbridge("Llama-3-8B", 8, 128, 2, 30624, tp=1, zero_stage=1),
    _mbridge("Llama-3.1-405B", 128, 64, 1, 661, tp=4, pp=8, cp=2, virtual_stages=8, sp=True, zero_stage=1,
             allow_uneven_pipeline=True),
    *[_trtllm("Llama-3.1-8B", 1, i, o, t) for (i, o), t in zip(_ISL_OSL, _H200_8B)],
    *[_trtllm("Llama-3.1-405B", 8, i, o, t) for (i, o), t in zip(_ISL_OSL, _H200_405B)],
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

"""Validation against published measurements.

Each case names the paper or report, the exact conditions of the measurement (model, hardware,
device count, parallel layout, batch, sequence) and the measured value; the prediction is computed
from those conditions by the public API. No case uses this package's own output as its reference.
Where a paper leaves a condition unstated, the case says which value was assumed.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .catalog import cluster, interconnect, model, transformer
from .collectives import collective
from .memory import training_memory
from .serving import serve, serve_max_throughput
from .training import time_to_train, train_step

#: Every case is either ``fit`` (the constants in mlsysim.assumptions and mlsysim.collective_bandwidth
#: were fitted on it) or ``held-out`` (never used to choose a constant).
SPLITS = ("fit", "held-out")
CATEGORIES = ("training", "memory", "collectives", "serving", "time-to-train")

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
          "perf-overview.md; metric: total output tokens/s. Held out: mlsysim.assumptions.SERVING_* were fitted on "
          "the H100 rows (TRTLLM_H100), never on these")


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
    split: str = "held-out"
    category: str = "training"
    #: the same conditions in plain numbers, for running the case through a peer model
    #: (mlsysim/bench/peer_llm_analysis.py); empty where no peer comparison is made
    peer: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    name: str
    metric: str
    measured: float
    predicted: float
    error: float
    conditions: str
    source: str
    split: str = "held-out"
    category: str = "training"


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
                source=MEGATRON, split="fit", category="training",
                peer=dict(metric="megatron_tflops", gpu="a100-sxm-80gb", layers=layers, hidden=hidden, heads=heads,
                          vocab=51200, ffn=4 * hidden, kv_heads=heads, gated=False, seq_len=2048, gpus=gpus,
                          global_batch=batch, micro_batch=1, tp=tp, pp=pp, zero=0, recompute="full", flash=False))


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


def _trtllm(model_name: str, tp: int, isl: int, osl: int, tokens_per_s: float, hw: str = "H200") -> Case:
    """A TensorRT-LLM offline-throughput row: H100 rows fitted the serving constants, H200 rows are held out."""
    def predict() -> float:
        return serve_max_throughput(model_name, hw, isl, osl, dtype="fp8", n_devices=tp).continuous_tokens_per_s
    label = hw.split("-")[0]
    return Case(name=f"TensorRT-LLM {model_name} {label} TP{tp} {isl}/{osl}", metric="output tokens/s",
                measured=tokens_per_s, predict=predict,
                conditions=f"{model_name}, FP8 weights and KV cache, tp={tp} on {hw}, input {isl} / output {osl} tokens, "
                           "offline maximum load; concurrency = the KV-cache limit (about 90% of memory)",
                source=TRTLLM if label == "H200" else TRTLLM_H100, split="held-out" if label == "H200" else "fit",
                category="serving")


def _mbridge(model_name: str, gpus: int, global_batch: int, micro_batch: int, tokens_per_gpu: float,
             system: str = "DGX-B200", **layout) -> Case:
    """A Megatron-Bridge FP8 pre-training row: DGX-H100 rows calibrated FP8_MATMUL_DERATE (fit), DGX-B200 rows
    are held out. Megatron-Bridge runs Transformer Engine's fused attention (``attention_kernel="fused"``)."""
    nodes = max(1, gpus // 8)

    def predict() -> float:
        run = train_step(model_name, cluster(system, nodes=nodes), gpus, global_batch, 8192, micro_batch=micro_batch,
                         precision="fp8", check_memory=False, attention_kernel="fused", **layout)
        return run.tokens_per_s / gpus
    shown = ", ".join(f"{k}={v}" for k, v in layout.items() if k != "allow_uneven_pipeline")
    label = system.split("-")[1]
    return Case(name=f"Megatron-Bridge {model_name} on {gpus} {label} FP8", metric="tokens/s per GPU",
                measured=tokens_per_gpu, predict=predict,
                conditions=f"{shown}, global batch {global_batch}, micro-batch {micro_batch}, sequence 8192, FP8 linear "
                           "layers, Transformer Engine fused attention at the measured FlashAttention-2 rate; sequence "
                           "parallelism with tp>1 and ZeRO-1 (distributed optimizer) assumed"
                           + ("; the table's FSDP=1 (Megatron FSDP) as zero_stage=3" if layout.get("zero_stage") == 3 else ""),
                source=MBRIDGE if label == "B200" else MBRIDGE_H100, split="held-out" if label == "B200" else "fit")


MBRIDGE_H100 = ("NVIDIA Megatron-Bridge performance summary, 25.11 NeMo container, DGX-H100 pre-training with FP8 "
                "current scaling, https://github.com/NVIDIA-NeMo/Megatron-Bridge/blob/main/docs/performance-summary.md; "
                "metric: tokens/s per GPU. Fit: these rows calibrated mlsysim.assumptions.FP8_MATMUL_DERATE")


TRTLLM_TTFT = ("NVIDIA TensorRT-LLM, docs/source/performance.md, 'Low Latency' tables (data from TensorRT-LLM v0.5, "
               "gptSessionBenchmark with one output token; FP8 weights and KV cache on H100 80GB, FP16 on A100 80GB; the page's "
               "'LLaMA 7B' and 'LLaMA 70B' are Llama 2 7B and 70B per its methodology section), https://github.com/NVIDIA/"
               "TensorRT-LLM/blob/138f96d45f90b9667426f7c47297d8c06bafac73/docs/source/performance.md; metric: first-token "
               "latency at batch size 1")


def _ttft(model_name: str, hw: str, tp: int, prompt_len: int, ttft_ms: float) -> Case:
    """A batch-1 time-to-first-token row; no serving constant was fitted on these (held out)."""
    dtype = "fp8" if hw.startswith("H100") else "fp16"

    def predict() -> float:
        # the page's engine builds (its Methodology section): context FMHA through the float16 GPT attention
        # plugin, and no --use_fused_mlp
        return serve(model_name, hw, 1, prompt_len, 1, dtype=dtype, n_devices=tp, context_attention_dtype="fp16",
                     fused_mlp=False).ttft_s * 1e3
    label = hw.split("-")[0]
    return Case(name=f"TTFT batch 1 {model_name} {prompt_len}-token prompt on {tp}x {label} {dtype.upper()}",
                metric="first-token latency ms", measured=ttft_ms, predict=predict,
                conditions=f"{model_name}, one request of {prompt_len} prompt tokens, {dtype} weights and KV cache, "
                           f"tensor parallelism {tp} on {hw}, TensorRT-LLM v0.5 engine built as the page's Methodology "
                           "section shows (--use_gpt_attention_plugin float16 --enable_context_fmha, so context "
                           "attention in FP16; no --use_fused_mlp, so separate gate and up GEMMs); latency of the "
                           "context phase plus the first token",
                source=TRTLLM_TTFT, split="held-out", category="serving")


HF_MEMORY = ("Hugging Face Transformers documentation v4.21.0, 'Efficient Training on a Single GPU', https://huggingface.co/"
             "docs/transformers/v4.21.0/perf_train_gpu_one (source docs/source/en/perf_train_gpu_one.mdx): bert-large-uncased "
             "sequence classification, 512-token sequences, AdamW, Trainer on one V100-SXM2 16GB; metric: 'GPU memory "
             "occupied' from NVML after training, which includes the 1343 MB of CUDA context the same page measures")
#: the CUDA context (kernels loaded by a 1x1 tensor) that the same page measures before loading the model
_HF_CUDA_CONTEXT_BYTES = 1343 * 2**20


def _hf_memory(batch: int, precision: str, checkpointing: bool, used_mb: float) -> Case:
    """A measured training-memory footprint; no memory constant was fitted on these (held out)."""
    mixed = precision == "fp16"

    def predict() -> float:
        # mixed precision keeps fp32 gradients: the 18 bytes/parameter the page itself states for AMP + AdamW
        run = training_memory("BERT-large", batch, 512, optimizer="adam", precision=precision,
                              recompute=checkpointing, flash_attention=False, grad_accum_fp32=mixed)
        return (run.total_bytes + _HF_CUDA_CONTEXT_BYTES) / 2**20
    label = "fp16 mixed precision" if mixed else "fp32"
    ckpt = ", gradient checkpointing" if checkpointing else ""
    return Case(name=f"BERT-large training memory, batch {batch}, {label}{ckpt} on V100",
                metric="GPU memory MiB", measured=used_mb, predict=predict,
                conditions=f"bert-large-uncased (335M parameters), micro-batch {batch} x 512 tokens, AdamW, {label}"
                           f"{ckpt}, no flash attention (2022 eager attention), one V100 16GB; prediction = weights + "
                           "gradients + optimizer states + activations + the page's measured 1343 MB CUDA context",
                source=HF_MEMORY, split="held-out", category="memory")


KORTHIKANTI = ("Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models, arXiv:2205.05198, "
               "abstract (a GPT-3-style 530B model trained on 2240 A100 GPUs with Megatron-LM): "
               "model FLOPs utilization 54.2% with sequence parallelism and selective recomputation, 42.1% with full "
               "activation recomputation; metric: MFU (model FLOPs, recomputation not counted)")


def _korthikanti(selective: bool, mfu_percent: float) -> Case:
    def predict() -> float:
        gpt = transformer("GPT-530B", 105, 20480, 128, vocab=51200, max_seq_len=2048)
        run = train_step(gpt, cluster("DGX-A100", nodes=280), 2240, 2240, 2048, tp=8, pp=35, micro_batch=1,
                         sp=selective, recompute="selective" if selective else True, flash_attention=False,
                         check_memory=False)
        return run.mfu * 100
    how = "sequence parallelism + selective recomputation" if selective else "full recomputation"
    return Case(name=f"Megatron-LM GPT 530B on 2240 A100, {how}", metric="MFU %", measured=mfu_percent, predict=predict,
                conditions=f"105 layers, hidden 20480, 128 heads (the 530B of Narayanan et al. Table 1), {how}; tp=8, "
                           "pp=35, dp=8, micro-batch 1, global batch 2240 sequences of 2048 tokens and the non-interleaved "
                           "schedule assumed (the abstract states only the model size, GPU count and MFU)",
                source=KORTHIKANTI, split="held-out", category="training")


TRTLLM_H100 = ("NVIDIA TensorRT-LLM performance overview, Llama 3.1 FP8 tables (PyTorch backend, trtllm-bench offline "
               "max-throughput, FP8 checkpoints nvidia/Llama-3.1-*-Instruct-FP8, H100 80GB HBM3 column), https://github.com/"
               "NVIDIA/TensorRT-LLM/blob/main/docs/source/performance/perf-overview.md; metric: total output tokens/s")


MPT = ("MosaicML llm-foundry, MPT training benchmarks, scripts/train/benchmarking/README.md, table 'H100 80GB BF16' "
       "(https://github.com/mosaicml/llm-foundry/blob/main/scripts/train/benchmarking/README.md): PyTorch FSDP FULL_SHARD, "
       "amp_bf16, flash attention, 8-64 H100 80GB; metric: throughput in tokens/s per GPU")

#: MPT sizes from llm-foundry's yamls (d_model, n_heads, n_layers); vocabulary 50432, ALiBi (no position
#: embedding), no biases, tied embeddings, GELU MLP of 4 x d_model. These reproduce the NumParams column.
_MPT_SIZES = {"760m": (1536, 12, 24), "1b": (2048, 16, 24), "3b": (2560, 20, 32), "7b": (4096, 32, 32),
              "13b": (5120, 40, 40), "30b": (7168, 56, 48), "70b": (8192, 64, 80)}


def mpt_model(size: str, seq_len: int):
    hidden, heads, layers = _MPT_SIZES[size]
    return transformer(f"MPT-{size}", layers, hidden, heads, vocab=50432, max_seq_len=seq_len, position="rope",
                       bias=False, tied_embeddings=True, family="mpt", source=MPT)


def _mpt(size: str, seq_len: int, gpus: int, micro_batch: int, global_batch: int, checkpointing: bool,
         tokens_per_gpu: float, split: str) -> Case:
    def predict() -> float:
        run = train_step(mpt_model(size, seq_len), cluster("DGX-H100", nodes=max(1, gpus // 8)), gpus,
                         global_batch, seq_len, micro_batch=micro_batch, zero_stage=3, recompute=checkpointing,
                         check_memory=False, fsdp_backward_prefetch="post")
        return run.tokens_per_s / gpus
    return Case(name=f"MPT-{size} seq {seq_len} on {gpus} H100", metric="tokens/s per GPU", measured=tokens_per_gpu,
                predict=predict,
                conditions=f"FSDP full shard (zero_stage=3) over dp={gpus}, micro-batch {micro_batch}, global batch "
                           f"{global_batch} x {seq_len} tokens, activation checkpointing {'on' if checkpointing else 'off'}; "
                           "gradient accumulation as the table's GradAccum column; Composer's default FSDP "
                           "backward prefetch (BACKWARD_POST: every backward all-gather exposed)",
                source=MPT, split=split, category="training",
                peer=dict(metric="tokens_per_gpu", gpu="h100-sxm-80gb", layers=_MPT_SIZES[size][2],
                          hidden=_MPT_SIZES[size][0], heads=_MPT_SIZES[size][1], vocab=50432, ffn=4 * _MPT_SIZES[size][0],
                          kv_heads=_MPT_SIZES[size][1], gated=False, seq_len=seq_len, gpus=gpus, global_batch=global_batch,
                          micro_batch=micro_batch, tp=1, pp=1, zero=3, recompute="full" if checkpointing else "none",
                          flash=True))


AZURE = ("Microsoft Azure AI benchmarking guide, https://github.com/Azure/AI-benchmarking-guide, Azure_Results/"
         "{page} 'NCCL Bandwidth': nccl-tests all_reduce_perf, 8 GPUs of one VM, in-place bus bandwidth, {stack}")


def _nccl(hw_label: str, fabric: str, page: str, stack: str, size_bytes: int, busbw_gbps: float, split: str,
          n: int = 8, algorithm: str = "auto") -> Case:
    """An nccl-tests all-reduce row; ``fabric`` is a node (NVSwitch server) or a link name."""
    def predict() -> float:
        from .catalog import is_node_name, node
        where = node(fabric) if is_node_name(fabric) else fabric
        return collective("all_reduce", size_bytes, n, where, algorithm=algorithm).bus_bw / 1e9
    shown = f"{size_bytes / 2**20:g} MiB" if size_bytes >= 2**20 else f"{size_bytes / 2**10:g} KiB"
    chosen = "NCCL's choice (NVLS on NVLink4, ring on NVLink3)" if algorithm == "auto" else f"{algorithm} (as the page states)"
    return Case(name=f"NCCL all-reduce {shown} on {n}x {hw_label}", metric="bus bandwidth GB/s", measured=busbw_gbps,
                predict=predict,
                conditions=f"all-reduce of {size_bytes} bytes per rank over {n} GPUs of one {fabric} NVSwitch domain, "
                           f"algorithm {chosen}",
                source=AZURE.format(page=page, stack=stack).replace("8 GPUs", f"{n} GPUs"), split=split,
                category="collectives")


NCCL_1455 = ("NVIDIA/nccl issue #1455, 'about the intranode allreduce performance with SHArP' (2024-09-19), "
             "https://github.com/NVIDIA/nccl/issues/1455: nccl-tests all_reduce_perf -b 2G -e 4G on 2 to 8 of the "
             "8 H100-SXM of one NVSwitch server (NGC PyTorch container), NCCL_ALGO forced; the reporter gives ring "
             "bus bandwidth as 'about 365-370 GBps when gpus from 2 to 8' and NVLS as about 370 GB/s on 4 GPUs, "
             "rising to 420, 440, 460 and 480 GB/s on 5, 6, 7 and 8; metric: bus bandwidth at the largest sizes")


def _nccl_gpu_count(algorithm: str, n: int, busbw_gbps: float) -> Case:
    """Large-message all-reduce bus bandwidth against the number of GPUs in one H100 NVSwitch server."""
    def predict() -> float:
        from .catalog import node
        return collective("all_reduce", 4 * 2**30, n, node("DGX-H100"), algorithm=algorithm).bus_bw / 1e9
    shown = "ring" if algorithm == "ring" else "NVLS (NVLink SHARP)"
    return Case(name=f"NCCL all-reduce 4 GiB on {n} of 8 H100, {shown}", metric="bus bandwidth GB/s",
                measured=busbw_gbps, predict=predict,
                conditions=f"all-reduce of 2-4 GiB per rank (evaluated at 4 GiB) over {n} GPUs of one 8x H100-SXM "
                           f"NVSwitch server, algorithm {shown} forced with NCCL_ALGO"
                           + ("; the reporter states one range, 365-370 GB/s, for 2 to 8 GPUs: its midpoint"
                              if algorithm == "ring" else ""),
                source=NCCL_1455, split="held-out", category="collectives")


NCCL_1281 = ("NVIDIA/nccl issue #1281, 'Why is allgather's busbw a little worse than allreduce/reducescatter for the same "
             "nccl environment variables' (2024-05-10), https://github.com/NVIDIA/nccl/issues/1281: nccl-tests on H100, "
             "reduce-scatter bus bandwidth 360 GB/s and all-gather 350 GB/s; metric: bus bandwidth at the largest sizes. "
             "The reporter gives neither the GPU count nor the size: bandwidths above any NIC's mean one NVSwitch server "
             "(8 GPUs assumed) and the plateau means large messages (evaluated at 8 GiB)")


def _nccl_gather_scatter(op: str, busbw_gbps: float) -> Case:
    """All-gather / reduce-scatter bus bandwidth inside one H100 NVSwitch server (ring, NCCL's only choice)."""
    def predict() -> float:
        from .catalog import node
        return collective(op, 8 * 2**30, 8, node("DGX-H100")).bus_bw / 1e9
    shown = op.replace("_", "-")
    return Case(name=f"NCCL {shown} 8 GiB on 8x H100", metric="bus bandwidth GB/s", measured=busbw_gbps,
                predict=predict,
                conditions=f"{shown} over the 8 H100-SXM of one NVSwitch server, large messages (8 GiB assumed), ring "
                           "(NVLink SHARP accelerates only all-reduce here)",
                source=NCCL_1281, split="held-out", category="collectives")


NCCL_TESTS_290 = ("NVIDIA/nccl-tests issue #290, 'Single-node and multi-node performance of H100 nodes' (2025-03-03), "
                  "https://github.com/NVIDIA/nccl-tests/issues/290: an NCCL maintainer's reply for two H100 nodes on "
                  "400 Gb/s NDR InfiniBand benchmarked with NCCL_ALGO=RING, 'For NDR @ 400Gbps you should see 46-48GB/s "
                  "per NIC'; metric: all-reduce bus bandwidth at large sizes, the midpoint 47 GB/s")


def _nccl_two_node_ring() -> Case:
    def predict() -> float:
        return collective("all_reduce", 8 * 2**30, 16, cluster("DGX-H100", nodes=2), algorithm="ring").bus_bw / 1e9
    return Case(name="NCCL all-reduce 8 GiB on 2x 8 H100 over NDR, ring", metric="bus bandwidth GB/s", measured=47.0,
                predict=predict,
                conditions="all-reduce over 16 H100 in two DGX H100-class nodes, one 400 Gb/s NDR NIC per GPU, "
                           "NCCL_ALGO=RING (one flat ring per NIC), large messages (8 GiB assumed); the figure is NVIDIA's "
                           "stated expectation for this setup (46-48 GB/s), not one run",
                source=NCCL_TESTS_290, split="held-out", category="collectives")


_MIB = 2**20
#: (size, measured busbw GB/s) from the three Azure pages; sizes are the nccl-tests powers of two.
_H200_NVLS = [(1 * _MIB, 52.96), (4 * _MIB, 138.44), (16 * _MIB, 240.41), (64 * _MIB, 368.11), (256 * _MIB, 432.24),
              (1024 * _MIB, 467.58)]
_A100_RING_FIT = [(1 * _MIB, 36.22), (4 * _MIB, 71.43), (16 * _MIB, 109.22), (64 * _MIB, 166.63), (256 * _MIB, 213.87),
                  (1024 * _MIB, 228.10)]
_A100_RING_HELD = [(2 * _MIB, 53.54), (8 * _MIB, 89.99), (32 * _MIB, 132.77), (128 * _MIB, 174.18), (512 * _MIB, 221.58)]
#: 4x GB200 (NVLink5), ring algorithm, NCCL 2.25.1: a different GPU count and link generation, held out
_GB200_RING = [(1 * _MIB, 80.48), (2 * _MIB, 110.43), (4 * _MIB, 146.27), (8 * _MIB, 253.46), (16 * _MIB, 331.09),
               (32 * _MIB, 422.62), (64 * _MIB, 550.73), (128 * _MIB, 574.19), (256 * _MIB, 593.53),
               (512 * _MIB, 618.74), (1024 * _MIB, 646.87)]
_H100_NVLS = [(1 * _MIB, 43.70), (2 * _MIB, 81.93), (4 * _MIB, 128.73), (8 * _MIB, 172.13), (16 * _MIB, 234.45),
              (32 * _MIB, 295.53), (64 * _MIB, 361.78), (128 * _MIB, 400.61), (256 * _MIB, 423.38), (512 * _MIB, 438.46),
              (1024 * _MIB, 466.35)]

LLAMA1 = ("Touvron et al., LLaMA: Open and Efficient Foundation Language Models, arXiv:2302.13971, Table 15 (GPU-hours "
          "on A100-80GB) and Section 2 (1.0T tokens for 7B/13B, 1.4T for 65B; 4M-token batches of 2048-token "
          "sequences); metric: pre-training GPU-hours")
LLAMA2 = ("Touvron et al., Llama 2: Open Foundation and Fine-Tuned Chat Models, arXiv:2307.09288, Table 2 "
          "(pre-training GPU-hours on A100-80GB; 2.0T tokens, 4M-token batches of 4096-token sequences); "
          "metric: pre-training GPU-hours")


def _gpu_hours(label: str, build, tokens: float, seq_len: int, gpus: int, gpu_hours: float, source: str,
               **layout) -> Case:
    def predict() -> float:
        run = time_to_train(build(), tokens, "DGX-A100", gpus, (4 * 2**20) // seq_len, seq_len,
                            usd_per_device_hour=1.0, check_memory=False, **layout)
        return run.gpu_hours
    shown = ", ".join(f"{k}={v}" for k, v in layout.items())
    return Case(name=f"{label} on {gpus} A100 pre-training GPU-hours", metric="A100 GPU-hours", measured=gpu_hours, predict=predict,
                conditions=f"{tokens:.3g} tokens of {seq_len}-token sequences in 4M-token batches on {gpus} A100-80GB "
                           f"(DGX A100 nodes, 8x 200 Gb/s); layout not published, assumed: {shown}",
                source=source, split="held-out", category="time-to-train",
                peer=dict(metric="gpu_hours", gpu="a100-sxm-80gb", build=build, tokens=tokens, seq_len=seq_len, gpus=gpus,
                          global_batch=(4 * 2**20) // seq_len, micro_batch=1, tp=layout.get("tp", 1), pp=layout.get("pp", 1),
                          zero=layout.get("zero_stage", 0), recompute=layout.get("recompute", "none"), flash=True))


def _llama65b():
    return transformer("LLaMA-65B", 80, 8192, 64, ffn_hidden=22016, ffn="swiglu", vocab=32000, max_seq_len=2048,
                       position="rope", bias=False, norm="rmsnorm", tied_embeddings=False, source=LLAMA1)


_ISL_OSL = [(128, 128), (128, 2048), (128, 4096), (500, 2000), (1000, 1000), (1000, 2000), (2048, 128), (2048, 2048),
            (5000, 500), (20000, 2000)]
_H200_8B = [27911, 26221, 18027, 20770, 17744, 16828, 3538, 12194, 3902, 1804]
_H200_405B = [3814, 5348, 4741, 4724, 3330, 3722, 456, 2948, 650, 505]
_H100_8B = [27568.68, 22003.62, 13640.35, 17794.39, 15270.02, 13850.22, 3495.05, 9653.67, 3371.16, 1340.92]
_H100_70B_TP2 = [6183.41, 5822.02, 3714.87, 4704.31, 4191.26, 3920.44, 747.51, 2732.86, 866.77, 408.43]

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
    # measured training memory (Hugging Face single-GPU guide, V100), all held out
    _hf_memory(4, "fp32", False, 14949),
    _hf_memory(1, "fp32", False, 8681),
    _hf_memory(1, "fp32", True, 6775),
    _hf_memory(4, "fp16", False, 13939),
    _hf_memory(1, "fp16", True, 7275),
    _korthikanti(True, 54.2),
    _korthikanti(False, 42.1),
    _mbridge("Llama-3-8B", 8, 128, 2, 30624, tp=1, zero_stage=1),
    _mbridge("Llama-3.1-405B", 128, 64, 1, 661, tp=4, pp=8, cp=2, virtual_stages=8, sp=True, zero_stage=1,
             allow_uneven_pipeline=True),
    # the DGX-H100 FP8 rows of the same table (the FP8 calibration rows), fit
    _mbridge("Llama-3-8B", 8, 128, 1, 14451, system="DGX-H100", tp=1, zero_stage=3),
    _mbridge("Llama-3-70B", 64, 128, 1, 1602, system="DGX-H100", tp=4, pp=8, virtual_stages=5, sp=True, zero_stage=1,
             allow_uneven_pipeline=True),
    _mbridge("Llama-3.1-405B", 1024, 512, 1, 292, system="DGX-H100", tp=8, pp=8, cp=2, virtual_stages=8, sp=True,
             zero_stage=1, allow_uneven_pipeline=True),
    *[_trtllm("Llama-3.1-8B", 1, i, o, t) for (i, o), t in zip(_ISL_OSL, _H200_8B)],
    *[_trtllm("Llama-3.1-405B", 8, i, o, t) for (i, o), t in zip(_ISL_OSL, _H200_405B)],
    # batch-1 time to first token (TensorRT-LLM v0.5 'Low Latency' tables), all held out
    *[_ttft(m_, hw_, tp_, isl, ms_) for m_, tp_, hw_, isl, ms_ in (
        ("Llama-2-7B", 1, "H100-SXM", 128, 7), ("Llama-2-7B", 1, "H100-SXM", 2048, 36),
        ("Llama-2-70B", 4, "H100-SXM", 128, 26), ("Llama-2-70B", 4, "H100-SXM", 2048, 109),
        ("Llama-2-7B", 1, "A100-80GB", 128, 16), ("Llama-2-7B", 1, "A100-80GB", 2048, 133),
        ("Llama-2-70B", 4, "A100-80GB", 128, 47), ("Llama-2-70B", 4, "A100-80GB", 2048, 377))],
    *[_trtllm("Llama-3.1-8B", 1, i, o, t, "H100-SXM") for (i, o), t in zip(_ISL_OSL, _H100_8B)],
    *[_trtllm("Llama-3.1-70B", 2, i, o, t, "H100-SXM") for (i, o), t in zip(_ISL_OSL, _H100_70B_TP2)],
    # MPT on H100 (FSDP): small models, long sequences. Fit: the rows below marked "fit"; the rest held out.
    _mpt("760m", 2048, 8, 24, 384, False, 63147, "fit"),
    _mpt("1b", 2048, 8, 14, 112, False, 45455, "fit"),
    _mpt("3b", 2048, 16, 10, 480, False, 24142, "fit"),
    _mpt("7b", 2048, 8, 6, 48, False, 10643, "fit"),
    _mpt("13b", 2048, 8, 2, 16, False, 4792, "fit"),
    _mpt("7b", 8192, 8, 8, 128, True, 6935, "fit"),
    _mpt("3b", 16384, 8, 1, 48, False, 11152, "fit"),
    _mpt("7b", 65536, 8, 1, 16, True, 1956, "fit"),
    _mpt("760m", 8192, 8, 6, 96, False, 41825, "held-out"),
    _mpt("1b", 4096, 8, 7, 224, False, 38535, "held-out"),
    _mpt("1b", 32768, 8, 1, 32, False, 12025, "held-out"),
    _mpt("3b", 8192, 8, 3, 144, False, 16578, "held-out"),
    _mpt("3b", 65536, 8, 1, 16, True, 3262, "held-out"),
    _mpt("7b", 4096, 8, 16, 256, True, 8611, "held-out"),
    _mpt("7b", 32768, 8, 2, 32, True, 3318, "held-out"),
    _mpt("13b", 4096, 8, 10, 240, True, 4717, "held-out"),
    _mpt("13b", 32768, 8, 1, 24, True, 1976, "held-out"),
    _mpt("30b", 2048, 32, 14, 1344, True, 2308, "held-out"),
    _mpt("30b", 8192, 8, 1, 168, True, 1384, "held-out"),
    _mpt("70b", 2048, 64, 8, 2048, True, 1039, "held-out"),
    *[_nccl("H200", "HGX-H200", "ND_H200_v5_results.md", "NCCL 2.20.5", s_, b, "fit") for s_, b in _H200_NVLS],
    *[_nccl("A100-80GB", "DGX-A100", "ND_A100_v4_results.md", "NCCL 2.18.5", s_, b, "fit") for s_, b in _A100_RING_FIT],
    *[_nccl("A100-80GB", "DGX-A100", "ND_A100_v4_results.md", "NCCL 2.18.5", s_, b, "held-out") for s_, b in _A100_RING_HELD],
    *[_nccl("H100", "DGX-H100", "ND_H100_v5_results.md", "NCCL 2.18.5", s_, b, "held-out") for s_, b in _H100_NVLS],
    *[_nccl("GB200", "NVLink5", "ND_GB200_v6_results.md", "NCCL 2.25.1", s_, b, "held-out", n=4, algorithm="ring")
      for s_, b in _GB200_RING],
    # large-message all-reduce against GPU count inside one H100 server (ring and NVLS), held out
    *[_nccl_gpu_count("ring", n_, 367.5) for n_ in (2, 4, 8)],
    *[_nccl_gpu_count("nvls", n_, b) for n_, b in ((4, 370), (5, 420), (6, 440), (7, 460), (8, 480))],
    # all-gather and reduce-scatter inside one H100 server, and a flat ring across two nodes, held out
    _nccl_gather_scatter("reduce_scatter", 360), _nccl_gather_scatter("all_gather", 350),
    _nccl_two_node_ring(),
    _gpu_hours("LLaMA 7B", lambda: model("Llama-2-7B").replace(name="LLaMA-7B", max_seq_len=2048), 1.0e12, 2048, 1024,
               82432, LLAMA1, zero_stage=3),
    _gpu_hours("LLaMA 13B", lambda: model("Llama-2-13B").replace(name="LLaMA-13B", max_seq_len=2048), 1.0e12, 2048, 1024,
               135168, LLAMA1, zero_stage=3),
    _gpu_hours("LLaMA 65B", _llama65b, 1.4e12, 2048, 2048, 1022362, LLAMA1, tp=8, pp=4, sp=True, zero_stage=1,
               recompute="selective"),
    _gpu_hours("Llama 2 7B", lambda: model("Llama-2-7B"), 2.0e12, 4096, 1024, 184320, LLAMA2, zero_stage=3),
    _gpu_hours("Llama 2 13B", lambda: model("Llama-2-13B"), 2.0e12, 4096, 1024, 368640, LLAMA2, zero_stage=3),
    _gpu_hours("Llama 2 70B", lambda: model("Llama-2-70B"), 2.0e12, 4096, 2048, 1720320, LLAMA2, tp=8, pp=4, sp=True,
               zero_stage=1, recompute="selective"),
]


def run_validation(cases: list[Case] | None = None) -> list[Outcome]:
    outcomes = []
    for case in cases or CASES:
        predicted = float(case.predict())
        outcomes.append(Outcome(case.name, case.metric, case.measured, predicted,
                                (predicted - case.measured) / case.measured, case.conditions, case.source,
                                case.split, case.category))
    return outcomes


def _stats(outcomes: list[Outcome]) -> dict:
    errors = sorted(abs(o.error) for o in outcomes)
    if not errors:
        return {"cases": 0}
    p90 = errors[min(len(errors) - 1, int(round(0.9 * (len(errors) - 1))))]
    worst = max(outcomes, key=lambda o: abs(o.error))
    return {"cases": len(errors), "median_abs_error": statistics.median(errors), "p90_abs_error": p90,
            "max_abs_error": errors[-1], "worst_case": worst.name}


def summary(outcomes: list[Outcome]) -> dict:
    """Median, 90th percentile and worst |error| over all cases, then per split and per split x category."""
    out = _stats(outcomes)
    out["splits"] = {}
    for split in SPLITS:
        chosen = [o for o in outcomes if o.split == split]
        out["splits"][split] = dict(_stats(chosen), categories={
            category: _stats([o for o in chosen if o.category == category])
            for category in CATEGORIES if any(o.category == category for o in chosen)})
    return out

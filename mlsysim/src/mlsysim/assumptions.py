"""Modeling assumptions shared by every estimate, in one place so a reader can challenge them.

Peak numbers in the catalogs are what a datasheet promises; real kernels reach a fraction of them.
These fractions are deliberately few and global (not fitted per validation case).

The shared, dated, cited numbers chapters use for cost, energy and carbon estimates live here too
(GPU_HOUR_PRICE_USD and its date, DEFAULT_MFU, AVERAGE_POWER_FRACTION_OF_TDP, DEFAULT_GRID_INTENSITY_GCO2_PER_KWH,
DEFAULT_PUE), so no two chapters disagree.
"""
from __future__ import annotations


def _price_row(hardware_name: str) -> tuple[float, str, str]:
    from .catalog import _load
    row = next(r for r in _load("cloud_prices.yaml") if r["hardware"] == hardware_name)
    return float(row["usd_per_hour"]), str(row["as_of"]), f"{row['instance']}; {row['source']}"


def _grid_row(region: str) -> float:
    from .catalog import _load
    return float(next(r for r in _load("regions.yaml") if r["region"] == region)["gco2_per_kwh"])


#: Fraction of dense tensor-core peak a large, well-shaped GEMM sustains inside a training step on
#: datacenter accelerators. cuBLASLt alone reaches about 82% on A100 (256.5 of 312 TFLOP/s at 16384^3,
#: Azure AI benchmarking guide, ND A100 v4) because sustained clocks under the power cap sit below the
#: boost clock the peak assumes; inside a step, concurrent communication kernels and power draw cost more.
#: The datacenter value (0.78 before #13) was refitted with FLASH_ATTENTION_EFFICIENCY (least squares on
#: log throughput) on the ``fit`` training cases: Megatron-LM Table 1 (A100) and eight MPT rows (H100).
MATMUL_EFFICIENCY = {"datacenter": 0.70, "cpu": 0.6, "edge": 0.5, "mcu": 0.35}

#: GEMM shape: a GEMM whose smallest dimension is d sustains MATMUL_EFFICIENCY x shape(d) / shape(16384)
#: with shape(d) = d / (d + GEMM_HALF_DIMENSION). Small hidden sizes, skinny tensor-parallel shards and
#: small micro-batches leave tensor cores idle (tile quantisation, fewer waves). Fitted (least squares on
#: log throughput) on the cuBLASLt BF16 table of the Azure AI benchmarking guide for A100
#: (Azure_Results/ND_A100_v4_results.md: 2048^3 222, 4096^3 228, 8192^3 254, 16384^3 256.5 TFLOP/s,
#: 6144x12288x12288 251, 802816x192x768 158); the two 1024-wide rows are left out because at ~10 us per
#: GEMM they measure launch cost, not shape. The training cases do not constrain it further.
GEMM_HALF_DIMENSION = 128.0
#: The same shape law for FP8 GEMMs, fitted the same way (least squares on log throughput relative to the
#: 16384^3 row) on the guide's cuBLASLt FP8 table for H200, whose SMs and clocks are the H100's
#: (Azure_Results/ND_H200_v5_results.md: 2048^3 1013.4, 4096^3 1249.1, 8192^3 1300.6, 16384^3 1366.3 TFLOP/s,
#: 6144x12288x12288 1318.0, 802816x192x768 717.5; the 1024-wide rows left out as above). FP8 tensor-core
#: instructions are twice as deep in k and FP8 kernels use larger tiles, so a skinny FP8 GEMM idles a larger
#: share of the machine: the 192-wide GEMM reaches 53% of the large-GEMM rate in FP8 against 62% in BF16 on A100.
GEMM_HALF_DIMENSION_FP8 = 192.0
GEMM_REFERENCE_DIMENSION = 16384.0

#: Flash attention sustains a smaller share of the tensor-core peak than a large GEMM: its inner
#: products have only head_dim (64-128) depth and it interleaves a softmax with every tile. The Azure
#: guide measures FlashAttention-2 at 328 TFLOP/s on H100 (33% of the BF16 peak, head_dim 128, sequence
#: 8192) and 180 TFLOP/s on A100 (58%, head_dim 64). Expressed as a fraction of the sustained GEMM rate
#: on the FLOPs the kernel executes (half of the counted ones for a causal decoder); fitted together with
#: MATMUL_EFFICIENCY (least squares on log throughput) on the ``fit`` training cases of mlsysim.validation,
#: where the long-sequence MPT rows (8k-64k tokens, PyTorch/Triton flash attention) pin it down.
FLASH_ATTENTION_EFFICIENCY = 0.19

#: The measured FlashAttention-2 rate as a fraction of the sustained GEMM rate: the Azure AI benchmarking
#: guide runs flash-attention's benchmark_flash_attention.py (Benchmarks/NVIDIA/FlashAttention.py keeps the
#: causal, head_dim 128, batch 2, sequence 8192 "fwd + bwd" figure) and reports 328-329 TFLOP/s on H100 and
#: H200 (Azure_Results/ND_H200_v5_results.md), 33% of the BF16 peak: 0.33 / 0.70 of the GEMM rate. Not fitted.
MEASURED_FLASH_ATTENTION_EFFICIENCY = 0.33 / 0.70

#: Training attention by the kernel the framework runs (``train_step(..., attention_kernel=...)``):
#: ``default`` is the rate fitted on the 2023 PyTorch FSDP runs (FLASH_ATTENTION_EFFICIENCY); ``fused`` is
#: Transformer Engine's fused attention as NeMo/Megatron-Bridge run it, taken at the measured FlashAttention-2
#: rate above, a lower bound: on H100 cuDNN's fused attention forward pass outruns FlashAttention-2 at every
#: sequence length benchmarked (Shah et al., FlashAttention-3, arXiv:2407.08608, forward-speed figures), and on B200 cuDNN 9.13
#: reaches about 1613 / 1.3 = 1240 TFLOP/s forward, 55% of the BF16 peak (Zadouri et al., FlashAttention-4,
#: arXiv:2603.05451: "up to 1.3x over cuDNN 9.13", 1613 TFLOP/s on B200).
ATTENTION_KERNEL_EFFICIENCY = {"default": FLASH_ATTENTION_EFFICIENCY, "fused": MEASURED_FLASH_ATTENTION_EFFICIENCY}

#: How a fully sharded (ZeRO-3/FSDP) run prefetches parameters in the backward pass
#: (``train_step(..., fsdp_backward_prefetch=...)``). ``pre``: the next layer's all-gather is issued before the
#: current layer's gradient computation and hides behind it (PyTorch FSDP's BACKWARD_PRE, DeepSpeed ZeRO-3's
#: prefetching). ``post``: PyTorch FSDP's BACKWARD_POST, which "prefetches the next set of parameters *after*
#: the current set of parameters' gradient computation" and "overlaps the *current reduce-scatter* and the
#: *next gradient computation*"; all collectives of one process group "contend for the same per-device NCCL
#: stream" (torch.distributed.fsdp.BackwardPrefetch docstring, PyTorch 2.x). So each layer's backward waits
#: for its own all-gather: one full parameter all-gather per micro-batch is exposed, and the reduce-scatter
#: only where it outlasts the gradient computation. Forward all-gathers still overlap (implicit forward
#: prefetching, PyTorch "FSDP Notes"). Composer, which ran the MPT benchmarks, defaults to BACKWARD_POST
#: (composer/trainer/dist_strategy.py, ``fsdp_config.setdefault('backward_prefetch', 'BACKWARD_POST')``,
#: v0.16). No constant is fitted.
FSDP_BACKWARD_PREFETCH = ("pre", "post")

#: FP8 GEMMs in training sustain a smaller share of their (doubled) peak than 16-bit GEMMs: scaling
#: factors, amax reductions and narrower tiles cost throughput. Calibrated on the Megatron-Bridge 25.11
#: DGX-H100 FP8 pre-training rows (Llama 3 8B/70B, Llama 3.1 405B) as the product FP8 rate = peak x 0.546
#: (0.78 x 0.70 when fitted); with MATMUL_EFFICIENCY refitted to 0.70 the derate keeps that product.
#: Validated on the DGX-B200 rows.
FP8_MATMUL_DERATE = 0.546 / 0.70

#: Fraction of the quoted memory bandwidth a streaming kernel sustains (STREAM-like triad).
MEMORY_EFFICIENCY = {"datacenter": 0.85, "cpu": 0.75, "edge": 0.7, "mcu": 0.8}

#: Serving decode runs many small or oddly shaped kernels (decode attention over a paged KV cache, mixed
#: prefill/decode batches, sampling), so it sustains less of the peaks than training does. The decode
#: compute and memory fractions were fitted together (grid search, minimising the worst error) on the
#: ``fit`` serving cases of mlsysim.validation: the TensorRT-LLM offline throughput rows for Llama 3.1 8B
#: (H100 TP1) and Llama 3.1 70B (H100 TP2), FP8
#: (https://github.com/NVIDIA/TensorRT-LLM/blob/main/docs/source/performance/perf-overview.md), with
#: prefill modelled as below. The held-out cases are DIFFERENT rows of that page (H200 8B TP1 and 405B
#: TP8) and the batch-1 first-token tables. Other categories keep the training fractions scaled by the
#: same ratios.
_SERVING_COMPUTE_DATACENTER = 0.37
_SERVING_MEMORY_DATACENTER = 0.75
SERVING_MATMUL_EFFICIENCY = {k: v * _SERVING_COMPUTE_DATACENTER / MATMUL_EFFICIENCY["datacenter"]
                             for k, v in MATMUL_EFFICIENCY.items()}
#: Prefill runs the forward pass of training: whole prompts through the same GEMMs, at the training GEMM
#: rate with its shape factor (GEMM_HALF_DIMENSION: a 128-token prompt leaves half the tensor cores idle)
#: and, in FP8, FP8_MATMUL_DERATE. No prefill constant is fitted; on the fit serving rows this rate in
#: FP8 (0.70 x 0.78 = 0.546 of the FP8 peak) is what a separate fit found before (0.55).
SERVING_PREFILL_EFFICIENCY = dict(MATMUL_EFFICIENCY)
#: Prefill attention is a forward-only flash kernel and runs nearer its measured rate than the training
#: fit (FLASH_ATTENTION_EFFICIENCY, forward + backward of 2023 PyTorch/Triton kernels): the measured
#: FlashAttention-2 rate (MEASURED_FLASH_ATTENTION_EFFICIENCY, 0.47 of the sustained GEMM rate). Not
#: fitted; the forward pass alone is faster, so this is a conservative rate.
PREFILL_ATTENTION_EFFICIENCY = MEASURED_FLASH_ATTENTION_EFFICIENCY
SERVING_MEMORY_EFFICIENCY = {k: v * _SERVING_MEMORY_DATACENTER / MEMORY_EFFICIENCY["datacenter"]
                             for k, v in MEMORY_EFFICIENCY.items()}

#: Host cost of launching one GPU kernel from a stream. The CUDA.jl documentation on CUDA graphs
#: (https://cuda.juliagpu.org/dev/usage/graphs/) measures a four-layer MLP at batch 16 (four matrix
#: multiplies and four broadcasts: 8 kernels) at about 50 us per evaluation launched kernel by kernel and
#: 16 us launched as one graph: (50 - 16) / 8 = 4.25 us per kernel launch that the graph removes, in line
#: with "each launch takes on the order of microseconds" (Modal GPU glossary, CUDA Graph,
#: https://modal.com/gpu-glossary/host-software/cuda-graph). A layer whose
#: kernels run shorter than this is launch-bound; serving prefill (eager in every stack) pays it once per
#: kernel, and decode once per step when it is captured as a CUDA graph, as vLLM and TensorRT-LLM do.
KERNEL_LAUNCH_S = 4.25e-6

#: Memory a runtime keeps for itself (CUDA context, allocator fragmentation, workspace) when
#: serving; fits() checks use the full capacity, concurrency limits keep this slack.
SERVING_MEMORY_RESERVE = 0.10

#: Power drawn by a busy accelerator as a fraction of TDP, used for energy of training runs. Measured on
#: an 8x H100 HGX node training Llama 2 13B: at most 8.4 kW of the 10.2 kW rating (82%; Latif et al.,
#: arXiv:2412.08602), and about 76% for compute-heavy workloads on average (Newkirk et al., arXiv:2506.14551).
TRAINING_POWER_FRACTION = 0.8
#: The same number under the name chapters use for "average power as a fraction of TDP".
AVERAGE_POWER_FRACTION_OF_TDP = TRAINING_POWER_FRACTION

#: Default power usage effectiveness of a modern hyperscale data centre: Google reported a fleet PUE of
#: 1.10 (second quarter of 2021; CNBC, 13 April 2022, https://www.cnbc.com/2022/04/13/google-data-center-goal-100percent-green-energy-by-2030.html).
#: The industry average is the Uptime Institute's survey figure: 1.58 in 2023, within 1.55-1.59 since 2020
#: (Uptime Institute Global Data Center Survey 2023, Keynote Report 106; Uptime Intelligence Update 221).
DEFAULT_PUE = 1.1
INDUSTRY_AVERAGE_PUE = 1.58
INDUSTRY_AVERAGE_PUE_AS_OF = "2023"

#: Model FLOPs utilization a well-tuned large dense training run reaches, for back-of-envelope estimates
#: that do not call train_step: Llama 3 405B trained at 38-43% BF16 MFU on 8K-16K H100s (arXiv:2407.21783,
#: Table 4); MPT 1B-70B on H100 reached 40-46% at 2K tokens (llm-foundry benchmark tables).
DEFAULT_MFU = 0.40

#: Reference accelerator-hour price for cost estimates, with the accelerator, instance and date it comes
#: from. Read from data/cloud_prices.yaml (the one place prices live) so chapters never disagree.
GPU_HOUR_PRICE_HARDWARE = "H100-SXM"
GPU_HOUR_PRICE_USD, GPU_HOUR_PRICE_AS_OF, GPU_HOUR_PRICE_SOURCE = _price_row(GPU_HOUR_PRICE_HARDWARE)

#: Default grid carbon intensity (gCO2e/kWh) for estimates with no stated location: the world average
#: generation mix, read from data/regions.yaml (Ember, Global Electricity Review 2024, year 2023).
DEFAULT_GRID_REGION = "world"
DEFAULT_GRID_INTENSITY_GCO2_PER_KWH = _grid_row(DEFAULT_GRID_REGION)

#: Tokens per parameter at the compute-optimal point (Hoffmann et al., 2022, arXiv:2203.15556).
CHINCHILLA_TOKENS_PER_PARAM = 20.0

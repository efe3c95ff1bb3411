"""Build-time assets for the decks: napkin-math numbers and figures, all computed with mlsysim.

`mlsysnumbers.tex` defines one macro per number (`\\mnum{key}` in a deck); the figures are
PDF plots from mlsysim sweeps plus the book's own SVG diagrams converted with rsvg-convert.
Files are rewritten only when their bytes change, so latexmk and the deck cache see an
unchanged input as unchanged.
"""
from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import mlsysim as ms

from .build import DARK_SUFFIX, locked

NUMBERS: dict[str, Callable[[], str]] = {}
FIGURES: dict[str, Callable[[Path], None]] = {}

# Book diagrams reused by decks: deck figure name -> SVG path relative to the repository root.
BOOK_SVGS = {
    "book-sparsity-patterns": "book/vol1/model_compression/images/sparsity_patterns.svg",
    "book-batching-timeline": "book/vol1/serving/images/batching_timeline.svg",
}

# Assumptions that mlsysim does not model are stated here and on the slide that uses them.
MODEL_UTILIZATION = 0.4          # MFU assumed where a slide quotes "at 40% MFU"
SECONDS_PER_DAY = 86400.0
HOURS_PER_YEAR = 8760.0


def number(key: str):
    def register(fn: Callable[[], str]):
        if key in NUMBERS:
            raise ValueError(f"duplicate slide number key {key!r}")
        NUMBERS[key] = fn
        return fn
    return register


def figure(name: str):
    def register(fn: Callable[[Path], None]):
        FIGURES[name] = fn
        return fn
    return register


def _sig(x: float, digits: int = 3) -> str:
    """Round to significant digits and print with thousands separators, no trailing zeros."""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "{,}")


def _sci(x: float, nd: int = 1) -> str:
    """x in LaTeX scientific notation with nd decimals (12345 -> $1.2\\times10^{4}$); the mantissa is rounded
    before the exponent is chosen, so 99,960 prints as 1.0 x 10^5, not 10.0 x 10^4."""
    mantissa, exponent = f"{x:.{nd}e}".split("e")
    return f"${mantissa}\\times10^{{{int(exponent)}}}$"


def _comma(x: float, nd: int = 0) -> str:
    """x with thousands separators as LaTeX prints them in math-safe form (12,345 -> 12{,}345)."""
    return f"{x:,.{nd}f}".replace(",", "{,}")


def _pct(x: float, nd: int = 1) -> str:
    """A fraction as a percentage number without the sign (0.1234 -> 12.3)."""
    return f"{100 * x:.{nd}f}"


GB, TB, MB, KB = 1e9, 1e12, 1e6, 1e3


@functools.cache
def hw(name: str):
    return ms.hardware(name)


@functools.cache
def mdl(name: str):
    return ms.model(name)


# ---------------------------------------------------------------- shared quantities
@functools.cache
def llama70_run():
    return ms.time_to_train(mdl("Llama-3-70B"), 15e12, "DGX-H100", n_devices=1024, global_batch=1024,
                            seq_len=4096, tp=8, pp=4)


@functools.cache
def llama70_step():
    return ms.train_step(mdl("Llama-3-70B"), ms.cluster("DGX-H100", nodes=128), 1024, 1024, 4096, tp=8, pp=4)


@functools.cache
def finetune_8b():
    return ms.time_to_train(mdl("Llama-3-8B"), 1e9, "DGX-H100", n_devices=8, global_batch=64,
                            seq_len=4096, zero_stage=3)


@functools.cache
def serve_8b(batch: int):
    return ms.serve(mdl("Llama-3-8B"), hw("H100-SXM"), batch, 1024, 256)


@functools.cache
def serve_70b():
    return ms.serve(mdl("Llama-3-70B"), hw("H100-SXM"), 16, 2048, 256, n_devices=8)


@functools.cache
def train_mem(model: str, zero_stage: int = 0, dp: int = 1):
    return ms.training_memory(mdl(model), 1, 4096, zero_stage=zero_stage, dp=dp)


def weights_gb(model: str, dtype: str) -> float:
    return ms.inference_memory(mdl(model), 1, 1, dtype=dtype).weights_bytes / GB


number("h100-bf16-tflops")(lambda: _sig(hw("H100-SXM").peak_flops("bf16") / 1e12))
number("h100-hbm-tbs")(lambda: _sig(hw("H100-SXM").memory_bw_bytes_per_s / TB))
number("h100-hbm-gb")(lambda: _sig(hw("H100-SXM").memory_bytes / GB))
number("h100-tdp-w")(lambda: _sig(hw("H100-SXM").tdp_w))
number("h100-ridge")(lambda: _sig(ms.roofline(hw("H100-SXM"), 1.0, 1.0).ridge_point))
number("a100-ridge")(lambda: _sig(ms.roofline(hw("A100-80GB"), 1.0, 1.0).ridge_point))
number("b200-bf16-tflops")(lambda: _sig(hw("B200").peak_flops("bf16") / 1e12))
number("weights-8b-gb")(lambda: _sig(weights_gb("Llama-3-8B", "bf16")))
number("weights-70b-gb")(lambda: _sig(weights_gb("Llama-3-70B", "bf16")))

# ---------------------------------------------------------------- Vol I
number("intro-70b-flop")(lambda: _sci(ms.training_flop(mdl("Llama-3-70B"), 15e12)))
number("intro-70b-days")(lambda: _sig(llama70_run().days))
number("intro-70b-gpu-hours")(lambda: _sig(llama70_run().gpu_hours / 1e6) + "\\,M")
number("intro-70b-cost-musd")(lambda: _sig(llama70_run().cost_usd / 1e6))
number("intro-70b-mfu")(lambda: _sig(llama70_step().mfu * 100, 2))


CLUSTER_GPUS = 1024               # the cluster size the introduction's training runs use


@functools.cache
def decode_8b():
    return ms.model_roofline(mdl("Llama-3-8B"), hw("H100-SXM"))


@functools.cache
def decode_13b_a100():
    return ms.model_roofline(mdl("Llama-2-13B"), hw("A100-80GB"))


number("intro-cluster-capex-musd")(lambda: _sig(CLUSTER_GPUS * hw("H100-SXM").price_usd / 1e6))
number("intro-decode-tok-s")(lambda: _sig(1 / decode_8b().time_s))
number("intro-decode-util-pct")(lambda: _sig(100 * decode_8b().attainable_flops / hw("H100-SXM").peak_flops("bf16"), 2))
number("intro-q-13b-gb")(lambda: _sig(weights_gb("Llama-2-13B", "bf16")))
number("intro-q-a100-tbs")(lambda: _sig(hw("A100-80GB").memory_bw_bytes_per_s / TB))
number("intro-q-13b-ms")(lambda: _sig(decode_13b_a100().time_s * 1e3))
number("intro-q-13b-tok-s")(lambda: _sig(1 / decode_13b_a100().time_s))
number("intro-q-bound")(lambda: decode_13b_a100().bound)
number("intro-q-batch-ridge")(lambda: _sig(ms.roofline(hw("A100-80GB"), 1.0, 1.0).ridge_point / 1.0))
number("nrf-tdp-mw")(lambda: _sig(hw("nRF52840").tdp_w * 1e3))
number("h100-nrf-power-ratio")(lambda: _sig(hw("H100-SXM").tdp_w / hw("nRF52840").tdp_w))


# Keyword spotting on a coin cell (ML systems chapter): stated on the slide that uses them.
KWS_INFERENCES_PER_S = 2          # a 1-second audio window evaluated every 0.5 s
MCU_SLEEP_W = 10e-6               # deep-sleep draw between inferences
COIN_CELL_J = 0.225 * 3.0 * 3600  # CR2032: about 225 mAh at 3 V
VIDEO_W, VIDEO_H, VIDEO_FPS = 1920, 1080, 30


@functools.cache
def kws_nrf():
    return ms.edge_fit(mdl("DS-CNN-KWS"), hw("nRF52840"))


def _kws_average_w() -> float:
    duty = kws_nrf().latency_s * KWS_INFERENCES_PER_S
    return duty * hw("nRF52840").tdp_w + (1 - duty) * MCU_SLEEP_W


def _mobilenet_on(name: str):
    return ms.edge_fit(mdl("MobileNetV2"), hw(name))


number("mls-kws-energy-mj")(lambda: _sig(kws_nrf().energy_j * 1e3))
number("mls-kws-duty-pct")(lambda: _sig(100 * kws_nrf().latency_s * KWS_INFERENCES_PER_S, 2))
number("mls-kws-avg-mw")(lambda: _sig(_kws_average_w() * 1e3))
number("mls-coin-days")(lambda: _sig(COIN_CELL_J / _kws_average_w() / SECONDS_PER_DAY))
number("mls-mnv2-sram-x")(lambda: _sig(_mobilenet_on("nRF52840").sram_bytes / hw("nRF52840").sram_bytes, 2))
number("mls-mnv2-flash-x")(lambda: _sig(_mobilenet_on("nRF52840").flash_bytes / hw("nRF52840").flash_bytes, 2))
number("mls-mnv2-nrf-s")(lambda: _sig(_mobilenet_on("nRF52840").latency_s))
number("mls-video-mbs")(lambda: _sig(VIDEO_W * VIDEO_H * 3 * VIDEO_FPS / MB))
number("mls-video-tb-day")(lambda: _sig(VIDEO_W * VIDEO_H * 3 * VIDEO_FPS * SECONDS_PER_DAY / TB))
number("mls-orin-tops")(lambda: _sig(hw("Jetson-Orin-Nano").peak_flops("int8") / 1e12))
number("mls-orin-gbs")(lambda: _sig(hw("Jetson-Orin-Nano").memory_bw_bytes_per_s / GB))
number("mls-orin-w")(lambda: _sig(hw("Jetson-Orin-Nano").tdp_w))
number("mls-rpi5-fps")(lambda: _sig(1 / _inference_time_s("RPi5", "fp32")))


def _inference_time_s(hw_name: str, dtype: str) -> float:
    return mdl("ResNet-50").flops_per_sample / hw(hw_name).peak_flops(dtype)


number("resnet50-gflop")(lambda: _sig(mdl("ResNet-50").flops_per_sample / 1e9))
number("resnet50-h100-us")(lambda: _sig(_inference_time_s("H100-SXM", "bf16") * 1e6))
number("resnet50-orin-ms")(lambda: _sig(_inference_time_s("Jetson-Orin-Nano", "int8") * 1e3))
number("resnet50-rpi5-ms")(lambda: _sig(_inference_time_s("RPi5", "fp32") * 1e3))
number("kws-nrf-ms")(lambda: _sig(ms.edge_fit(mdl("DS-CNN-KWS"), hw("nRF52840")).latency_s * 1e3))

number("wf-finetune-hours")(lambda: _sig(finetune_8b().days * 24))
number("wf-finetune-usd")(lambda: _sig(finetune_8b().cost_usd))
number("wf-experiments-week")(lambda: _sig(math.floor(7 * 24 / (finetune_8b().days * 24))))


# Hyperparameter search and A/B testing (workflow chapter): stated on the slides that use them.
SWEEP_TRIALS = 40
HALVING_CONFIGS, HALVING_RUNGS, HALVING_FACTOR = 27, 4, 3
AB_BASE_RATE, AB_RELATIVE_LIFT, AB_DAILY_USERS = 0.05, 0.02, 400_000


def _halving_fraction() -> float:
    """Budget successive halving spends on HALVING_CONFIGS configurations, as a fraction of running all fully."""
    spent = sum((HALVING_CONFIGS / HALVING_FACTOR**rung) * HALVING_FACTOR**(rung - HALVING_RUNGS + 1)
                for rung in range(HALVING_RUNGS))
    return spent / HALVING_CONFIGS


def _ab_samples_per_arm() -> float:
    # Two-sided test at 5% significance and 80% power: n ~ 16 p(1-p) / delta^2 (Lehr's rule).
    delta = AB_BASE_RATE * AB_RELATIVE_LIFT
    return 16 * AB_BASE_RATE * (1 - AB_BASE_RATE) / delta**2


number("wf-sweep-gpu-hours")(lambda: _sig(SWEEP_TRIALS * finetune_8b().gpu_hours))
number("wf-sweep-usd")(lambda: _sig(SWEEP_TRIALS * finetune_8b().cost_usd))
number("wf-sweep-days")(lambda: _sig(SWEEP_TRIALS * finetune_8b().days))
number("wf-halving-pct")(lambda: _sig(100 * _halving_fraction(), 2))
number("wf-halving-hours")(lambda: _sig(HALVING_CONFIGS * _halving_fraction() * finetune_8b().days * 24))
number("wf-full27-hours")(lambda: _sig(HALVING_CONFIGS * finetune_8b().days * 24))
number("wf-finetune-flop")(lambda: _sci(ms.training_flop(mdl("Llama-3-8B"), 1e9)))
number("wf-month-runs")(lambda: _sig(math.floor(30 / finetune_8b().days)))
number("wf-sweep-month-pct")(lambda: _sig(100 * SWEEP_TRIALS * finetune_8b().days / 30, 2))
number("wf-ab-per-arm")(lambda: _sig(_ab_samples_per_arm()))
number("wf-ab-days")(lambda: _sig(2 * _ab_samples_per_arm() / AB_DAILY_USERS, 2))


def train_images_per_s(model: str, n_gpus: int = 8) -> float:
    # Training costs ~3x the forward FLOPs (forward + backward) per image.
    per_image = 3 * mdl(model).flops_per_sample
    return n_gpus * hw("H100-SXM").peak_flops("bf16") * MODEL_UTILIZATION / per_image


def resnet_images_per_s(n_gpus: int = 8) -> float:
    return train_images_per_s("ResNet-50", n_gpus)


# The data engineering chapter's assumptions, stated on the slides that use them.
JPEG_BYTES = 110e3               # average ImageNet-style training JPEG
DECODE_IMAGES_PER_CORE = 150.0   # JPEG decode + random crop + flip, per CPU core
HOST_CORES = 112                 # host CPU cores available to the input pipeline
LABEL_IMAGES, LABEL_SECONDS, LABEL_REDUNDANCY, LABEL_USD_PER_HOUR = 200_000, 12, 3, 20.0
WORK_HOURS_PER_YEAR = 1800
CORPUS_TOKENS = 15e12


def _label_hours() -> float:
    return LABEL_IMAGES * LABEL_SECONDS * LABEL_REDUNDANCY / 3600


def _llm_tokens_per_s(n_gpus: int = 8) -> float:
    return n_gpus * hw("H100-SXM").peak_flops("bf16") * MODEL_UTILIZATION / (6 * mdl("Llama-3-8B").params)


def _token_id_bytes(model: str) -> int:
    return 4 if mdl(model).vocab > 2**16 else 2


number("de-images-per-s")(lambda: _sig(resnet_images_per_s()))
number("de-images-1gpu")(lambda: _sig(resnet_images_per_s(1)))
number("de-read-mbs")(lambda: _sig(resnet_images_per_s() * JPEG_BYTES / MB))
number("de-read-gbit")(lambda: _sig(resnet_images_per_s() * JPEG_BYTES * 8 / GB))
number("de-decode-cores")(lambda: _sig(math.ceil(resnet_images_per_s() / DECODE_IMAGES_PER_CORE)))
number("de-host-images")(lambda: _sig(HOST_CORES * DECODE_IMAGES_PER_CORE))
number("de-gpu-util-pct")(lambda: _sig(100 * min(1.0, HOST_CORES * DECODE_IMAGES_PER_CORE / resnet_images_per_s()), 2))
number("de-mnv2-gflop")(lambda: _sig(mdl("MobileNetV2").flops_per_sample / 1e9, 2))
number("de-mnv2-images")(lambda: _sig(train_images_per_s("MobileNetV2")))
number("de-mnv2-cores")(lambda: _sig(math.ceil(train_images_per_s("MobileNetV2") / DECODE_IMAGES_PER_CORE)))
number("de-llm-tokens-s")(lambda: _sig(_llm_tokens_per_s()))
number("de-llm-token-mbs")(lambda: _sig(_llm_tokens_per_s() * _token_id_bytes("Llama-3-8B") / MB))
number("de-llama-vocab")(lambda: f"{mdl('Llama-3-8B').vocab:,}".replace(",", "{,}"))
number("de-corpus-tb")(lambda: _sig(CORPUS_TOKENS * _token_id_bytes("Llama-3-8B") / TB))
number("de-label-hours")(lambda: _sig(_label_hours()))
number("de-label-usd")(lambda: _sig(_label_hours() * LABEL_USD_PER_HOUR))
number("de-label-years")(lambda: _sig(_label_hours() / WORK_HOURS_PER_YEAR, 2))


def _mlp(batch: int):
    return ms.matmul(hw("H100-SXM"), batch, 4096, 4096)


number("mlp-ai-b1")(lambda: _sig(_mlp(1).arithmetic_intensity))
number("mlp-bound-b1")(lambda: _mlp(1).bound)
number("mlp-ai-b512")(lambda: _sig(_mlp(512).arithmetic_intensity))
number("mlp-bound-b512")(lambda: _mlp(512).bound)
number("mlp-b1-us")(lambda: _sig(_mlp(1).time_s * 1e6))
number("mlp-b512-us")(lambda: _sig(_mlp(512).time_s * 1e6))

# Neural computation: the chapter's small MLP (784 -> 512 -> 256 -> 10, batch 256, bf16) and a GELU.
MLP_WIDTHS, MLP_BATCH = (784, 512, 256, 10), 256
GELU_FLOP_PER_ELEMENT = 10


def _mlp_layers():
    return [(i, o) for i, o in zip(MLP_WIDTHS[:-1], MLP_WIDTHS[1:])]


def _crossover_batch(hw_name: str, dtype: str) -> int:
    """Smallest batch at which a 4096x4096 layer becomes compute-bound."""
    batch = 1
    while ms.matmul(hw(hw_name), batch, 4096, 4096, dtype=dtype).bound == "memory":
        batch += 1
    return batch


def _gelu():
    elements = 4096 * 4096
    return ms.roofline(hw("H100-SXM"), elements * GELU_FLOP_PER_ELEMENT, elements * 2 * 2)


number("nn-mlp-params")(lambda: _sig(sum(i * o + o for i, o in _mlp_layers()), 6))
number("nn-mlp-mflop")(lambda: _sig(sum(2 * MLP_BATCH * i * o for i, o in _mlp_layers()) / 1e6))
number("nn-mlp-l1-ai")(lambda: _sig(2 * MLP_BATCH * 784 * 512 / (2 * (784 * 512 + MLP_BATCH * (784 + 512)))))
number("nn-h100-cross")(lambda: str(_crossover_batch("H100-SXM", "bf16")))
number("nn-orin-cross")(lambda: str(_crossover_batch("Jetson-Orin-Nano", "fp16")))
number("nn-gelu-us")(lambda: _sig(_gelu().time_s * 1e6))
number("nn-big-us")(lambda: _sig(ms.matmul(hw("H100-SXM"), 4096, 4096, 4096).time_s * 1e6))
number("nn-gelu-pct")(lambda: _sig(100 * _gelu().time_s / ms.matmul(hw("H100-SXM"), 4096, 4096, 4096).time_s, 2))
number("nn-b1-util-pct")(lambda: _sig(100 * _mlp(1).utilization, 2))
for _dtype in ("fp32", "tf32", "fp8"):
    number(f"nn-peak-{_dtype}")(functools.partial(lambda d: _sig(hw("H100-SXM").peak_flops(d) / 1e12), _dtype))


# Network architectures: the chapter's 3x3 convolution on a 56x56x64 feature map, and its KV-cache case.
CONV_HW, CONV_C = 56, 64
NA_KV_BATCH, NA_KV_SEQ = 16, 8192


def _attention_flop_share(model: str, seq_len: int) -> float:
    m = mdl(model)
    return 1 - 2 * m.matmul_params / m.flops_per_token(seq_len)


def _kv_70b(full_heads: bool) -> float:
    m = mdl("Llama-3-70B")
    if full_heads:
        m = m.replace(kv_heads=m.heads)
    return ms.kv_cache_bytes(m, NA_KV_BATCH, NA_KV_SEQ)


def _gpus_for(total_bytes: float) -> int:
    return math.ceil(total_bytes / hw("H100-SXM").memory_bytes)


def _cnn(name: str, field: str) -> str:
    m = mdl(name)
    values = {"params": m.params / 1e6, "gflop": m.flops_per_sample / 1e9,
              "ai": m.flops_per_sample / m.weight_bytes("int8")}
    return _sig(values[field])


number("na-conv-params")(lambda: _sig(3 * 3 * CONV_C * CONV_C, 6))
number("na-conv-mflop")(lambda: _sig(2 * CONV_HW**2 * 9 * CONV_C**2 / 1e6))
number("na-conv-reuse")(lambda: _sig(CONV_HW**2, 6))
number("na-dense-params-b")(lambda: _sig((CONV_HW**2 * CONV_C) ** 2 / 1e9))
number("na-dw-saving")(lambda: _sig(9 * CONV_C**2 / (9 * CONV_C + CONV_C**2), 2))
for _name, _key in [("ResNet-50", "rn"), ("MobileNetV2", "mb"), ("EfficientNet-B0", "eb")]:
    for _field in ("params", "gflop", "ai"):
        number(f"na-{_key}-{_field}")(functools.partial(_cnn, _name, _field))
number("na-rn-mb-ratio")(lambda: _sig(mdl("ResNet-50").flops_per_sample / mdl("MobileNetV2").flops_per_sample, 2))
number("na-attn-crossover")(lambda: _sig(2 * mdl("Llama-3-8B").matmul_params
                                         / (4 * mdl("Llama-3-8B").layers * mdl("Llama-3-8B").q_dim)))
number("na-attn-8k-pct")(lambda: _sig(100 * _attention_flop_share("Llama-3-8B", 8192), 2))
number("na-attn-128k-pct")(lambda: _sig(100 * _attention_flop_share("Llama-3-8B", 131072), 2))
number("na-l8-layers")(lambda: str(mdl("Llama-3-8B").layers))
number("na-l8-heads")(lambda: str(mdl("Llama-3-8B").heads))
number("na-l8-kv-heads")(lambda: str(mdl("Llama-3-8B").kv_heads))
number("na-l8-attn-m")(lambda: _sig(mdl("Llama-3-8B").attention_params_per_layer / 1e6))
number("na-l8-mlp-m")(lambda: _sig((mdl("Llama-3-8B").params_per_layer
                                    - mdl("Llama-3-8B").attention_params_per_layer) / 1e6))
number("na-kv-gqa-gb")(lambda: _sig(_kv_70b(False) / GB))
number("na-kv-mha-gb")(lambda: _sig(_kv_70b(True) / GB))
number("na-kv-token-mb")(lambda: _sig(mdl("Llama-3-70B").kv_bytes_per_token("bf16") / MB))
number("na-gqa-ratio")(lambda: str(mdl("Llama-3-70B").heads // mdl("Llama-3-70B").kv_heads))
number("na-gpus-gqa")(lambda: str(_gpus_for(mdl("Llama-3-70B").weight_bytes("bf16") + _kv_70b(False))))
number("na-gpus-mha")(lambda: str(_gpus_for(mdl("Llama-3-70B").weight_bytes("bf16") + _kv_70b(True))))
number("na-mix-total-b")(lambda: _sig(mdl("Mixtral-8x7B").params / 1e9))
number("na-mix-active-b")(lambda: _sig(mdl("Mixtral-8x7B").active_params / 1e9))
number("na-mix-gb")(lambda: _sig(mdl("Mixtral-8x7B").weight_bytes("bf16") / GB))
number("na-dlrm-params-b")(lambda: _sig(mdl("DLRM").params / 1e9))
number("na-dlrm-embed-pct")(lambda: _sig(100 * mdl("DLRM").embedding_params / mdl("DLRM").params, 4))
number("na-dlrm-mflop")(lambda: _sig(mdl("DLRM").flops_per_sample / 1e6))


number("kv-8b-8k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, 8192) / GB))
number("kv-8b-128k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, 131072) / GB))
number("kv-70b-8k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-70B"), 1, 8192) / GB))

ELEMENTWISE_TENSOR = 4096 * 4096  # elements, bf16


def _eltwise_us(n_ops: int) -> float:
    # Each unfused op reads and writes the whole tensor once; fused, the chain does so once.
    one = ms.roofline(hw("H100-SXM"), ELEMENTWISE_TENSOR, 2 * 2 * ELEMENTWISE_TENSOR)
    return n_ops * one.time_s * 1e6


# Frameworks: the chapter's fusion case (four element-wise ops after a feed-forward layer) and the
# dispatch cost of decoding with a small model; LAUNCH_S is the assumed cost per kernel launch + dispatch.
LAUNCH_S = 5e-6
FFN_TOKENS, FFN_WIDTH, FUSION_CHAIN = 8 * 2048, 14336, 4
KERNELS_PER_LAYER = 15


def chain_time_s(elements: float, ops: int, fused: bool) -> float:
    """Element-wise chain on an H100: unfused, every op reads and writes the tensor and launches a kernel."""
    passes = 1 if fused else ops
    roof = ms.roofline(hw("H100-SXM"), ops * 2 * elements, passes * 2 * 2 * elements)
    return roof.time_s + passes * LAUNCH_S


def _gpt2_read_s() -> float:
    g = mdl("GPT-2")
    return ms.roofline(hw("H100-SXM"), 2 * g.params, g.weight_bytes("bf16")).time_s


number("fw-ffn-mb")(lambda: _sig(FFN_TOKENS * FFN_WIDTH * 2 / MB))
number("fw-unfused-gb")(lambda: _sig(FUSION_CHAIN * 2 * FFN_TOKENS * FFN_WIDTH * 2 / GB))
number("fw-fused-gb")(lambda: _sig(2 * FFN_TOKENS * FFN_WIDTH * 2 / GB))
number("fw-unfused-us")(lambda: _sig(chain_time_s(FFN_TOKENS * FFN_WIDTH, FUSION_CHAIN, False) * 1e6))
number("fw-fused-us")(lambda: _sig(chain_time_s(FFN_TOKENS * FFN_WIDTH, FUSION_CHAIN, True) * 1e6))
number("fw-fusion-x")(lambda: _sig(chain_time_s(FFN_TOKENS * FFN_WIDTH, FUSION_CHAIN, False)
                                   / chain_time_s(FFN_TOKENS * FFN_WIDTH, FUSION_CHAIN, True), 2))
FW_QUESTION_BYTES = (64e6, 64e3)   # the check question's two tensor sizes, bf16
for _size, _tag in zip(FW_QUESTION_BYTES, ("big", "small")):
    for _fused in (False, True):
        number(f"fw-q-{_tag}-{'fused' if _fused else 'unfused'}-us")(
            functools.partial(lambda n, f: _sig(chain_time_s(n / 2, 3, f) * 1e6), _size, _fused))
number("fw-gpt2-mb")(lambda: _sig(mdl("GPT-2").weight_bytes("bf16") / MB))
number("fw-gpt2-read-us")(lambda: _sig(_gpt2_read_s() * 1e6))
number("fw-gpt2-kernels")(lambda: str(mdl("GPT-2").layers * KERNELS_PER_LAYER))
number("fw-gpt2-launch-us")(lambda: _sig(mdl("GPT-2").layers * KERNELS_PER_LAYER * LAUNCH_S * 1e6))
number("fw-gpt2-ratio")(lambda: _sig(mdl("GPT-2").layers * KERNELS_PER_LAYER * LAUNCH_S / _gpt2_read_s(), 2))


number("fw-tensor-mb")(lambda: _sig(2 * ELEMENTWISE_TENSOR / MB))
number("fw-eltwise-us")(lambda: _sig(_eltwise_us(1)))
number("fw-chain5-us")(lambda: _sig(_eltwise_us(5)))

number("tm-weights-gb")(lambda: _sig(train_mem("Llama-3-8B").weights_bytes / GB))
number("tm-grads-gb")(lambda: _sig(train_mem("Llama-3-8B").grads_bytes / GB))
number("tm-opt-gb")(lambda: _sig(train_mem("Llama-3-8B").optimizer_bytes / GB))
number("tm-act-gb")(lambda: _sig(train_mem("Llama-3-8B").activations_bytes / GB))
number("tm-total-gb")(lambda: _sig(train_mem("Llama-3-8B").total_bytes / GB))


# Training chapter: Llama-3-8B on one 8-GPU H100 server, global batch 64 x 4096 tokens, ZeRO-1.
TR_GPUS, TR_SEQ, TR_BATCH, LORA_RANK = 8, 4096, 64, 16


@functools.cache
def tr_mem(zero_stage: int = 0, dp: int = 1, recompute: bool = False):
    return ms.training_memory(mdl("Llama-3-8B"), 1, TR_SEQ, zero_stage=zero_stage, dp=dp, recompute=recompute)


@functools.cache
def tr_step():
    return ms.train_step(mdl("Llama-3-8B"), hw("H100-SXM"), TR_GPUS, global_batch=TR_BATCH, seq_len=TR_SEQ,
                         dp=TR_GPUS, zero_stage=1, recompute=True)


def _tr_allreduce():
    return ms.collective("all_reduce", 2 * mdl("Llama-3-8B").params, TR_GPUS, ms.interconnect("NVLink4"))


def _lora_params() -> float:
    m = mdl("Llama-3-8B")
    return m.layers * LORA_RANK * ((m.hidden + m.q_dim) + (m.hidden + m.kv_dim))


def _tr_chin_s() -> float:
    return ms.chinchilla_tokens(mdl("Llama-3-8B").params) / tr_step().tokens_per_s


number("tr-act-full-gb")(lambda: _sig(tr_mem().activations_bytes / GB))
number("tr-act-rec-gb")(lambda: _sig(tr_mem(recompute=True).activations_bytes / GB))
number("tr-act-saving")(lambda: _sig(tr_mem().activations_bytes / tr_mem(recompute=True).activations_bytes, 2))
for _stage in range(4):
    number(f"tr-z{_stage}-gb")(functools.partial(
        lambda z: _sig(tr_mem(z, TR_GPUS, True).total_bytes / GB), _stage))
for _stage in (0, 1):   # the two stages the deck judges against one GPU's memory
    number(f"tr-z{_stage}-fits")(functools.partial(
        lambda z: "fits" if tr_mem(z, TR_GPUS, True).fits(hw("H100-SXM")).fits else "does not fit", _stage))
number("tr-step-s")(lambda: _sig(tr_step().step_time_s))
number("tr-compute-s")(lambda: _sig(tr_step().compute_s))
number("tr-mfu-pct")(lambda: _sig(100 * tr_step().mfu, 2))
number("tr-tok-s")(lambda: _sig(tr_step().tokens_per_s))
number("tr-tokens-step")(lambda: _sig(TR_BATCH * TR_SEQ, 6))
number("tr-grad-gb")(lambda: _sig(2 * mdl("Llama-3-8B").params / GB))
number("tr-ar-ms")(lambda: _sig(_tr_allreduce().time_s * 1e3))
number("tr-ar-pct")(lambda: _sig(100 * _tr_allreduce().time_s / tr_step().step_time_s, 2))
number("tr-chin-days")(lambda: _sig(_tr_chin_s() / SECONDS_PER_DAY))
number("tr-run-mwh")(lambda: _sig(ms.energy(TR_GPUS * hw("H100-SXM").tdp_w, _tr_chin_s()) / 3.6e9))
number("tr-run-usd")(lambda: _sig(TR_GPUS * _tr_chin_s() / 3600 * ms.cloud_price(hw("H100-SXM"))))
number("tr-lora-m")(lambda: _sig(_lora_params() / 1e6))
number("tr-lora-pct")(lambda: _sig(100 * _lora_params() / mdl("Llama-3-8B").params, 2))
number("tr-lora-state-gb")(lambda: _sig(16 * _lora_params() / GB))
number("tr-ckpt-gb")(lambda: _sig(12 * mdl("Llama-3-8B").params / GB))


@functools.cache
def run_8b(tokens: float):
    return ms.time_to_train(mdl("Llama-3-8B"), tokens, "DGX-H100", n_devices=1024, global_batch=1024,
                            seq_len=4096, zero_stage=1)


number("chin-8b-btokens")(lambda: _sig(ms.chinchilla_tokens(mdl("Llama-3-8B").params) / 1e9))
number("deff-8b-15t-days")(lambda: _sig(run_8b(15e12).days))
number("deff-8b-pruned-days")(lambda: _sig(run_8b(15e12 * 0.7).days))
number("deff-8b-saved-musd")(lambda: _sig((run_8b(15e12).cost_usd - run_8b(15e12 * 0.7).cost_usd) / 1e6))

# Data efficiency: the chapter's compute-optimal Llama-3-8B run on 256 H100s, pruning 30% of its tokens
# and scoring them with a proxy model 10x smaller (forward only: 2 FLOPs per proxy parameter per token).
DEFF_GPUS, DEFF_KEEP, DEFF_PROXY_RATIO = 256, 0.7, 10


@functools.cache
def deff_run(tokens: float):
    return ms.time_to_train(mdl("Llama-3-8B"), tokens, "DGX-H100", n_devices=DEFF_GPUS, global_batch=1024,
                            seq_len=4096, zero_stage=1, recompute=True)


def _deff_chin() -> float:
    return ms.chinchilla_tokens(mdl("Llama-3-8B").params)


def _deff_flop_per_token() -> float:
    return ms.training_flop(mdl("Llama-3-8B"), _deff_chin(), seq_len=4096) / _deff_chin()


def _deff_net_gpu_hours(keep: float, proxy_ratio: float) -> float:
    """GPU-hours saved by training on `keep` of the tokens, after scoring every token with the proxy."""
    full = deff_run(_deff_chin())
    saved = full.gpu_hours - deff_run(keep * _deff_chin()).gpu_hours
    scoring = full.gpu_hours * (2 * mdl("Llama-3-8B").params / proxy_ratio) / _deff_flop_per_token()
    return saved - scoring


number("deff-zflop")(lambda: _sig(ms.training_flop(mdl("Llama-3-8B"), _deff_chin(), seq_len=4096) / 1e21))
number("deff-gflop-token")(lambda: _sig(_deff_flop_per_token() / 1e9))
number("deff-full-days")(lambda: _sig(deff_run(_deff_chin()).days))
number("deff-full-gpu-hours")(lambda: _sig(deff_run(_deff_chin()).gpu_hours))
number("deff-full-usd")(lambda: _sig(deff_run(_deff_chin()).cost_usd))
number("deff-full-mwh")(lambda: _sig(deff_run(_deff_chin()).energy_j / 3.6e9))
number("deff-over-chin")(lambda: _sig(15e12 / _deff_chin(), 2))
number("deff-saved-gpu-hours")(lambda: _sig(deff_run(_deff_chin()).gpu_hours - deff_run(DEFF_KEEP * _deff_chin()).gpu_hours))
number("deff-saved-usd")(lambda: _sig(deff_run(_deff_chin()).cost_usd - deff_run(DEFF_KEEP * _deff_chin()).cost_usd))
number("deff-scoring-pct")(lambda: _sig(100 * (2 * mdl("Llama-3-8B").params / DEFF_PROXY_RATIO) / _deff_flop_per_token(), 2))
number("deff-net-gpu-hours")(lambda: _sig(_deff_net_gpu_hours(DEFF_KEEP, DEFF_PROXY_RATIO)))


number("mc-8b-int8-gb")(lambda: _sig(weights_gb("Llama-3-8B", "int8")))
number("mc-8b-int4-gb")(lambda: _sig(weights_gb("Llama-3-8B", "int4")))
number("kws-flash-kb")(lambda: _sig(ms.edge_fit(mdl("DS-CNN-KWS"), hw("nRF52840")).flash_bytes / KB))
number("kws-sram-kb")(lambda: _sig(ms.edge_fit(mdl("DS-CNN-KWS"), hw("nRF52840")).sram_bytes / KB))
number("nrf-flash-kb")(lambda: _sig(hw("nRF52840").flash_bytes / KB))
number("nrf-sram-kb")(lambda: _sig(hw("nRF52840").sram_bytes / KB))

number("mm4096-us")(lambda: _sig(ms.matmul(hw("H100-SXM"), 4096, 4096, 4096).time_s * 1e6))
number("mm4096-bound")(lambda: ms.matmul(hw("H100-SXM"), 4096, 4096, 4096).bound)
number("decode-8b-ms")(lambda: _sig(ms.model_roofline(mdl("Llama-3-8B"), hw("H100-SXM")).time_s * 1e3))
number("decode-8b-bound")(lambda: ms.model_roofline(mdl("Llama-3-8B"), hw("H100-SXM")).bound)


@functools.cache
def queue_8b(rate: float):
    return ms.simulate_queue(serve_8b(8), rate, 2000, 0)


def _saturation_rate() -> float:
    s = serve_8b(8)
    # Requests per second one replica completes when every batch slot stays busy.
    return 8 / (s.ttft_s + 256 * s.tpot_s)


number("bm-capacity-rps")(lambda: _sig(_saturation_rate()))
number("bm-rate-low")(lambda: _sig(0.5 * _saturation_rate()))
number("bm-rate-high")(lambda: _sig(0.9 * _saturation_rate()))
number("bm-p50-low-s")(lambda: _sig(queue_8b(0.5 * _saturation_rate()).p50_s))
number("bm-p99-low-s")(lambda: _sig(queue_8b(0.5 * _saturation_rate()).p99_s))
number("bm-p50-high-s")(lambda: _sig(queue_8b(0.9 * _saturation_rate()).p50_s))
number("bm-p99-high-s")(lambda: _sig(queue_8b(0.9 * _saturation_rate()).p99_s))

number("sv-ttft-ms")(lambda: _sig(serve_8b(8).ttft_s * 1e3))
number("sv-tpot-b8-ms")(lambda: _sig(serve_8b(8).tpot_s * 1e3))
number("sv-tpot-b64-ms")(lambda: _sig(serve_8b(64).tpot_s * 1e3))
number("sv-tps-b8")(lambda: _sig(serve_8b(8).tokens_per_s))
number("sv-tps-b64")(lambda: _sig(serve_8b(64).tokens_per_s))
number("sv-max-concurrency")(lambda: _sig(serve_8b(8).max_concurrency))

number("ops-retrain-weekly-usd")(lambda: _sig(52 * finetune_8b().cost_usd))
number("ops-retrain-daily-usd")(lambda: _sig(365 * finetune_8b().cost_usd))


def _year_kwh(watts: float) -> float:
    return ms.energy(watts, HOURS_PER_YEAR * 3600) / 3.6e6


def _year_tco2(region: str) -> float:
    return ms.carbon(ms.energy(hw("H100-SXM").tdp_w, HOURS_PER_YEAR * 3600), region=region) / 1e6


number("re-h100-year-mwh")(lambda: _sig(_year_kwh(hw("H100-SXM").tdp_w) / 1e3))
number("re-tco2-uswest")(lambda: _sig(_year_tco2("us-west")))
number("re-tco2-norway")(lambda: _sig(_year_tco2("norway")))
number("re-tco2-india")(lambda: _sig(_year_tco2("india")))

# Model compression: weight-only quantization of a memory-bound decode step, and the STM32H747 kit board.
BYTES_PER_VALUE = {"bf16": 2.0, "int8": 1.0, "int4": 0.5}


def _decode_ms(model: str, dtype: str) -> float:
    m = mdl(model)
    return ms.roofline(hw("H100-SXM"), 2 * m.params, m.params * BYTES_PER_VALUE[dtype]).time_s * 1e3


number("mc-70b-int8-gb")(lambda: _sig(weights_gb("Llama-3-70B", "int8")))
number("mc-70b-int4-gb")(lambda: _sig(weights_gb("Llama-3-70B", "int4")))
number("mc-70b-bf16-gpus")(lambda: str(math.ceil(weights_gb("Llama-3-70B", "bf16") / (hw("H100-SXM").memory_bytes / GB))))
for _dtype in BYTES_PER_VALUE:
    number(f"mc-l8-{_dtype}-ms")(functools.partial(lambda d: _sig(_decode_ms("Llama-3-8B", d)), _dtype))
number("mc-l8-int4-speedup")(lambda: _sig(_decode_ms("Llama-3-8B", "bf16") / _decode_ms("Llama-3-8B", "int4"), 2))
number("mc-stm32-flash-mb")(lambda: _sig(hw("STM32H747").flash_bytes / MB))
number("mc-stm32-sram-kb")(lambda: _sig(hw("STM32H747").sram_bytes / KB))
number("mc-mnv2-fp32-mb")(lambda: _sig(mdl("MobileNetV2").params * 4 / MB))
number("mc-mnv2-stm-fits")(lambda: "fits" if ms.edge_fit(mdl("MobileNetV2"), hw("STM32H747")).fits else "does not fit")
number("mc-kws-stm-ms")(lambda: _sig(ms.edge_fit(mdl("DS-CNN-KWS"), hw("STM32H747")).latency_s * 1e3))
number("mc-kws-params-k")(lambda: _sig(mdl("DS-CNN-KWS").params / 1e3))


# Hardware acceleration: the chapter's kernels (a 4096^3 GEMM, Llama-3-8B decode at batch 1 and 64, a GELU)
# on the H100, and the datasheet ratios of neighbouring devices.
HW_DECODE_BATCH = 64


def _hw_decode(batch: int):
    m = mdl("Llama-3-8B")
    return ms.roofline(hw("H100-SXM"), batch * 2 * m.params, 2 * m.params)


def _ridge(name: str, dtype: str) -> float:
    h = hw(name)
    return h.peak_flops(dtype) / h.memory_bw_bytes_per_s


number("hw-a100-tflops")(lambda: _sig(hw("A100-80GB").peak_flops("bf16") / 1e12))
number("hw-a100-tbs")(lambda: _sig(hw("A100-80GB").memory_bw_bytes_per_s / TB))
number("hw-compute-growth")(lambda: _sig(hw("H100-SXM").peak_flops("bf16") / hw("A100-80GB").peak_flops("bf16"), 2))
number("hw-bw-growth")(lambda: _sig(hw("H100-SXM").memory_bw_bytes_per_s / hw("A100-80GB").memory_bw_bytes_per_s, 2))
number("hw-gemm-gflop")(lambda: _sig(2 * 4096**3 / 1e9))
number("hw-gemm-mb")(lambda: _sig(3 * 4096**2 * 2 / MB))
number("hw-gemm-ai")(lambda: _sig(ms.matmul(hw("H100-SXM"), 4096, 4096, 4096).arithmetic_intensity))
number("hw-b1-ms")(lambda: _sig(_hw_decode(1).time_s * 1e3))
number("hw-b64-ms")(lambda: _sig(_hw_decode(HW_DECODE_BATCH).time_s * 1e3))
number("hw-b64-tok-s")(lambda: _sig(HW_DECODE_BATCH / _hw_decode(HW_DECODE_BATCH).time_s))
number("hw-b64-ai")(lambda: _sig(_hw_decode(HW_DECODE_BATCH).arithmetic_intensity))
number("hw-h100-l2-mb")(lambda: _sig(hw("H100-SXM").sram_bytes / MB))
number("hw-epyc-tflops")(lambda: _sig(hw("EPYC-9654").peak_flops("fp32") / 1e12))
number("hw-epyc-gbs")(lambda: _sig(hw("EPYC-9654").memory_bw_bytes_per_s / GB))
number("hw-epyc-ridge")(lambda: _sig(_ridge("EPYC-9654", "fp32")))
number("hw-orin-ridge")(lambda: _sig(_ridge("Jetson-Orin-Nano", "int8")))
number("hw-orin-tops")(lambda: _sig(hw("Jetson-Orin-Nano").peak_flops("int8") / 1e12))
number("hw-b200-tbs")(lambda: _sig(hw("B200").memory_bw_bytes_per_s / TB))
number("hw-b200-ridge")(lambda: _sig(_ridge("B200", "bf16")))


@figure("fig-hw-rooflines")
def _fig_hw_rooflines():
    # Rooflines of five devices from their catalog rows, with the chapter's three kernels on the H100.
    import numpy as np
    plt = _plt()
    fig, ax = plt.subplots()
    intensity = np.logspace(-1, 4, 200)
    for name, dtype in [("B200", "bf16"), ("H100-SXM", "bf16"), ("A100-80GB", "bf16"),
                        ("Jetson-Orin-Nano", "int8"), ("EPYC-9654", "fp32")]:
        h = hw(name)
        ax.loglog(intensity, np.minimum(h.peak_flops(dtype), intensity * h.memory_bw_bytes_per_s) / 1e12,
                  label=f"{name} ({dtype})")
    gelu = ms.roofline(hw("H100-SXM"), 8 * 4096**2, 4 * 4096**2)
    for label, r in [("decode b=1", _hw_decode(1)), (f"decode b={HW_DECODE_BATCH}", _hw_decode(HW_DECODE_BATCH)),
                     ("GELU", gelu), ("GEMM 4096", ms.matmul(hw("H100-SXM"), 4096, 4096, 4096))]:
        ax.plot(r.arithmetic_intensity, r.attainable_flops / 1e12, "o", color=_ink())
        ax.annotate(label, (r.arithmetic_intensity, r.attainable_flops / 1e12), textcoords="offset points",
                    xytext=(4, -11), fontsize=8)
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("attainable TFLOP/s")
    ax.legend(fontsize=7, loc="lower right")
    return fig


# Benchmarking: the chapter's GEMM sizes, a reported training throughput turned into MFU, and energy per
# image from measured power and throughput (the chapter's illustrative measurements, stated on the slides).
BM_REPORTED_TOKENS_S, BM_AVG_POWER_W, BM_IMAGES_S = 4000.0, 450.0, 20000.0


def _bm_gemm(n: int):
    return ms.matmul(hw("H100-SXM"), n, n, n)


for _n in (256, 8192):
    number(f"bm-gemm{_n}-pct")(functools.partial(
        lambda n: _sig(100 * _bm_gemm(n).attainable_flops / hw("H100-SXM").peak_flops("bf16"), 2), _n))
    number(f"bm-gemm{_n}-bound")(functools.partial(lambda n: _bm_gemm(n).bound, _n))
number("bm-gemm256-us")(lambda: _sig(_bm_gemm(256).time_s * 1e6))
number("bm-mfu-pct")(lambda: _sig(100 * 6 * mdl("Llama-3-8B").params * BM_REPORTED_TOKENS_S
                                  / hw("H100-SXM").peak_flops("bf16"), 2))
number("bm-delivered-pflops")(lambda: _sig(6 * mdl("Llama-3-8B").params * BM_REPORTED_TOKENS_S / 1e15, 2))
number("bm-gflop-token")(lambda: _sig(6 * mdl("Llama-3-8B").params / 1e9))
number("bm-mj-image")(lambda: _sig(BM_AVG_POWER_W / BM_IMAGES_S * 1e3))
number("bm-images-kwh-m")(lambda: _sig(3.6e6 / (BM_AVG_POWER_W / BM_IMAGES_S) / 1e6))


@figure("fig-bm-gemm-size")
def _fig_bm_gemm_size():
    # What a "GEMM benchmark" measures depends on its size: share of peak for square GEMMs on three devices.
    plt = _plt()
    sizes = [2**i for i in range(6, 15)]
    fig, ax = plt.subplots()
    for name, dtype in [("H100-SXM", "bf16"), ("A100-80GB", "bf16"), ("Jetson-Orin-Nano", "fp16")]:
        ax.plot(sizes, [100 * ms.matmul(hw(name), n, n, n, dtype=dtype).utilization for n in sizes], marker="o",
                label=f"{name} ({dtype})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("square GEMM size n (n x n x n)")
    ax.set_ylabel("roofline share of peak (%)")
    ax.legend(fontsize=8)
    return fig


# Serving: the chapter's interactive workload (1,000-token prompts, 250-token answers) for Llama-3-8B on one
# H100, its KV-cache budget at 8k context, and a Little's-law fleet size at 20 requests/s (stated on the slides).
SV_PROMPT, SV_OUTPUT, SV_CONTEXT, SV_ARRIVALS, SV_BATCH = 1000, 250, 8192, 20.0, 32


@functools.cache
def sv_run(batch: int):
    return ms.serve(mdl("Llama-3-8B"), hw("H100-SXM"), batch, SV_PROMPT, SV_OUTPUT)


def _sv_free_bytes() -> float:
    return hw("H100-SXM").memory_bytes - mdl("Llama-3-8B").weight_bytes("bf16")


def _sv_response_s() -> float:
    run = sv_run(SV_BATCH)
    return run.ttft_s + SV_OUTPUT * run.tpot_s


def _usd_per_m_tokens(batch: int) -> float:
    return ms.cloud_price(hw("H100-SXM")) / (3600 * sv_run(batch).tokens_per_s) * 1e6


number("sv-kv-token-kib")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, 1) / 1024))
number("sv-kv-seq-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, SV_CONTEXT) / GB))
number("sv-free-gb")(lambda: _sig(_sv_free_bytes() / GB))
number("sv-seqs-fit")(lambda: str(int(_sv_free_bytes() // ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, SV_CONTEXT))))
number("sv-ttft-b1-ms")(lambda: _sig(sv_run(1).ttft_s * 1e3))
number("sv-tpot-b1-ms")(lambda: _sig(sv_run(1).tpot_s * 1e3))
number("sv-tps-b1")(lambda: _sig(sv_run(1).tokens_per_s))
number("sv-tpot-b32-ms")(lambda: _sig(sv_run(SV_BATCH).tpot_s * 1e3))
number("sv-tps-b32")(lambda: _sig(sv_run(SV_BATCH).tokens_per_s))
number("sv-gain-b32")(lambda: _sig(sv_run(SV_BATCH).tokens_per_s / sv_run(1).tokens_per_s, 2))
number("sv-response-s")(lambda: _sig(_sv_response_s()))
number("sv-in-flight")(lambda: _sig(SV_ARRIVALS * _sv_response_s()))
number("sv-gpus")(lambda: str(math.ceil(SV_ARRIVALS * _sv_response_s() / SV_BATCH)))
number("sv-q-in-flight")(lambda: _sig(50 * _sv_response_s()))
number("sv-q-gpus")(lambda: str(math.ceil(50 * _sv_response_s() / SV_BATCH)))
number("sv-usd-mtok-b1")(lambda: _sig(_usd_per_m_tokens(1)))
number("sv-usd-mtok-b32")(lambda: _sig(_usd_per_m_tokens(SV_BATCH)))
number("sv-h100-usd-h")(lambda: _sig(ms.cloud_price(hw("H100-SXM"))))


# ML operations: the chapter's retraining run (Llama-3-8B, 2B tokens, one 8-GPU node) and its drift model:
# accuracy falls OPS_DECAY points a week after each retrain, each point costs OPS_VALUE dollars a week, and a
# cycle adds OPS_REVIEW_USD of evaluation and rollout work (assumptions stated on the slides).
OPS_TOKENS, OPS_REVIEW_USD, OPS_DECAY, OPS_VALUE = 2e9, 1500.0, 0.5, 800.0


@functools.cache
def ops_retrain():
    return ms.time_to_train(mdl("Llama-3-8B"), OPS_TOKENS, "DGX-H100", n_devices=8, global_batch=64, seq_len=4096,
                            zero_stage=3, recompute=True)


def _ops_cycle_usd() -> float:
    return ops_retrain().cost_usd + OPS_REVIEW_USD


def _ops_weekly_usd(interval_weeks: float) -> float:
    return _ops_cycle_usd() / interval_weeks + OPS_VALUE * OPS_DECAY * interval_weeks / 2


def _ops_optimal_weeks() -> float:
    return math.sqrt(2 * _ops_cycle_usd() / (OPS_VALUE * OPS_DECAY))


number("ops-retrain-hours")(lambda: _sig(ops_retrain().days * 24))
number("ops-retrain-usd")(lambda: _sig(ops_retrain().cost_usd))
number("ops-retrain-kwh")(lambda: _sig(ops_retrain().energy_j / 3.6e6))
number("ops-cycle-usd")(lambda: _sig(_ops_cycle_usd()))
number("ops-optimal-weeks")(lambda: _sig(_ops_optimal_weeks(), 2))
number("ops-optimal-weekly-usd")(lambda: _sig(_ops_weekly_usd(_ops_optimal_weeks())))
number("ops-monthly-weekly-usd")(lambda: _sig(_ops_weekly_usd(4.3)))
number("ops-quarterly-weekly-usd")(lambda: _sig(_ops_weekly_usd(13)))
number("ops-half-weeks")(lambda: _sig(math.sqrt(2 * _ops_cycle_usd() / (OPS_VALUE * OPS_DECAY / 2)), 2))
number("ops-half-weekly-usd")(lambda: _sig(math.sqrt(2 * _ops_cycle_usd() * OPS_VALUE * OPS_DECAY / 2)))
number("ops-daily-weekly-usd")(lambda: _sig(_ops_weekly_usd(1 / 7)))


@figure("fig-ops-cadence")
def _fig_ops_cadence():
    # Weekly cost of a retraining cadence: cycle cost spread over the interval plus accuracy lost to drift.
    plt = _plt()
    weeks = [0.25 * i for i in range(1, 80)]
    fig, ax = plt.subplots()
    ax.plot(weeks, [_ops_weekly_usd(w) for w in weeks], label="total")
    ax.plot(weeks, [_ops_cycle_usd() / w for w in weeks], linestyle="--", label="retraining")
    ax.plot(weeks, [OPS_VALUE * OPS_DECAY * w / 2 for w in weeks], linestyle=":", label="accuracy lost to drift")
    ax.axvline(_ops_optimal_weeks(), color=_ink(), linewidth=0.8)
    ax.set_ylim(0, 4 * _ops_weekly_usd(_ops_optimal_weeks()))
    ax.set_xlabel("retraining interval (weeks)")
    ax.set_ylabel("cost per week (USD)")
    ax.legend(fontsize=8)
    return fig


# Responsible engineering: the chapter's generative feature (10 M requests a day, 300 output tokens, Llama-3-8B
# on H100s at batch 32), with the fleet run at 50% utilization and 60% of rated power (assumptions on the slides).
RE_REQUESTS_DAY, RE_TOKENS, RE_UTIL, RE_POWER_FRACTION = 10e6, 300, 0.5, 0.6


@functools.cache
def re_serving():
    return ms.serve(mdl("Llama-3-8B"), hw("H100-SXM"), 32, 800, RE_TOKENS)


def _re_gpus(requests_per_day: float = RE_REQUESTS_DAY) -> int:
    tokens_per_s = requests_per_day * RE_TOKENS / SECONDS_PER_DAY
    return math.ceil(tokens_per_s / (re_serving().tokens_per_s * RE_UTIL))


def _re_year_j(requests_per_day: float = RE_REQUESTS_DAY) -> float:
    return ms.energy(_re_gpus(requests_per_day) * hw("H100-SXM").tdp_w * RE_POWER_FRACTION, HOURS_PER_YEAR * 3600)


number("re-tokens-s")(lambda: _sig(RE_REQUESTS_DAY * RE_TOKENS / SECONDS_PER_DAY))
number("re-gpu-tps")(lambda: _sig(re_serving().tokens_per_s))
number("re-gpus")(lambda: str(_re_gpus()))
number("re-year-mwh")(lambda: _sig(_re_year_j() / 3.6e9))
number("re-wh-request")(lambda: _sig(_re_year_j() / (RE_REQUESTS_DAY * 365) / 3600, 2))
for _region in ("norway", "us", "india"):
    number(f"re-fleet-t-{_region}")(functools.partial(lambda r: _sig(ms.carbon(_re_year_j(), r) / 1e6), _region))
number("re-grid-ratio")(lambda: _sig(ms.grid_intensity("india") / ms.grid_intensity("norway"), 2))


@figure("fig-re-fleet-footprint")
def _fig_re_fleet_footprint():
    # Yearly emissions of the generative feature's serving fleet as traffic grows, on three grids.
    plt = _plt()
    traffic = [1e6 * 2**i for i in range(0, 8)]
    fig, ax = plt.subplots()
    for region in ("india", "us", "norway"):
        ax.plot([t / 1e6 for t in traffic], [ms.carbon(_re_year_j(t), region) / 1e6 for t in traffic], marker="o",
                label=f"grid: {region}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("requests per day (millions, 300 output tokens each)")
    ax.set_ylabel("t CO2 per year (serving fleet)")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------- Vol II
number("nf-ar-nvlink-ms")(lambda: _sig(ms.collective("all_reduce", 1e9, 8, ms.interconnect("NVLink4")).time_s * 1e3))
number("nf-ar-ib-ms")(lambda: _sig(ms.collective("all_reduce", 1e9, 128, ms.interconnect("IB-NDR")).time_s * 1e3))


# Llama 3 pre-training saw 419 unexpected interruptions in a 54-day window on 16k H100s
# (Llama Team, "The Llama 3 Herd of Models", arXiv:2407.21783, Section 3.3.4).
LLAMA3_UNEXPECTED_INTERRUPTIONS, LLAMA3_WINDOW_DAYS = 419, 54


def _mtbf_s() -> float:
    return LLAMA3_WINDOW_DAYS * SECONDS_PER_DAY / LLAMA3_UNEXPECTED_INTERRUPTIONS


number("ft-mtbf-h")(lambda: _sig(_mtbf_s() / 3600))


number("is-70b-ttft-s")(lambda: _sig(serve_70b().ttft_s))
number("is-70b-tpot-ms")(lambda: _sig(serve_70b().tpot_s * 1e3))
number("is-70b-concurrency")(lambda: _sig(serve_70b().max_concurrency))
number("is-70b-tps")(lambda: _sig(serve_70b().tokens_per_s))


def _edge(hw_name: str):
    return ms.edge_fit(mdl("MobileNetV2"), hw(hw_name))


number("ei-orin-ms")(lambda: _sig(_edge("Jetson-Orin-Nano").latency_s * 1e3))
number("ei-coral-ms")(lambda: _sig(_edge("Coral-EdgeTPU").latency_s * 1e3))
number("ei-rpi5-ms")(lambda: _sig(_edge("RPi5").latency_s * 1e3))
number("ei-orin-mj")(lambda: _sig(_edge("Jetson-Orin-Nano").energy_j * 1e3))
number("ei-rpi5-mj")(lambda: _sig(_edge("RPi5").energy_j * 1e3))
number("ei-esp32-fits")(lambda: "fits" if _edge("ESP32-S3").fits else "does not fit")


# ---------------------------------------------------------------- figures
# Every mlsysim figure is drawn twice from the same data: on white for the light themes and in
# midnight's colours (light ink on its navy) for the dark theme, saved as <name>-dark.pdf.
_BASE_STYLE = {"font.size": 11, "figure.figsize": (6.4, 3.6), "axes.grid": True, "grid.alpha": 0.3,
               "svg.hashsalt": "mlsys"}
_DARK_BG, _DARK_INK = "#101828", "#E6EAF2"
STYLES = {
    "": {"axes.prop_cycle": "cycler('color', ['#A51C30', '#1F5F99', '#C77C02', '#2E7D4F', '#6B4C9A'])"},
    DARK_SUFFIX: {"figure.facecolor": _DARK_BG, "axes.facecolor": _DARK_BG, "savefig.facecolor": _DARK_BG,
                  "axes.edgecolor": _DARK_INK, "axes.labelcolor": _DARK_INK, "text.color": _DARK_INK,
                  "xtick.color": _DARK_INK, "ytick.color": _DARK_INK, "grid.color": "#8A93A6",
                  "legend.facecolor": _DARK_BG, "legend.edgecolor": "#8A93A6",
                  "axes.prop_cycle": "cycler('color', ['#F2B134', '#7FB2F0', '#F08A7E', '#7FD6A0', '#C9A7F0'])"},
}


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _ink() -> str:
    """The style's text colour: reference lines drawn in it stay visible on either background."""
    return _plt().rcParams["text.color"]


def draw_figure(name: str, suffix: str = ""):
    """Draw one registered figure in the light ("") or dark ("-dark") style; return the matplotlib figure."""
    plt = _plt()
    # rcParams parse the "cycler(...)" strings themselves (matplotlib's own validator).
    with plt.rc_context({**_BASE_STYLE, **STYLES[suffix]}):
        fig = FIGURES[name]()
        fig.tight_layout()
    return fig


def _save(fig, path: Path) -> None:
    # No creation date: identical inputs give identical bytes, so the deck cache holds.
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    _plt().close(fig)


@figure("fig-intro-compute-budget")
def _fig_intro_compute_budget():
    # Compute-optimal runs (Chinchilla tokens) at 6*N*D FLOPs on H100s at the stated MFU.
    plt = _plt()
    names = ["GPT-2", "Llama-2-7B", "Llama-3-8B", "Llama-2-13B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"]
    peak = hw("H100-SXM").peak_flops("bf16") * MODEL_UTILIZATION
    days = [6 * mdl(n).params * ms.chinchilla_tokens(mdl(n).params) / peak / SECONDS_PER_DAY for n in names]
    fig, ax = plt.subplots()
    ax.bar(names, days)
    ax.set_yscale("log")
    ax.set_ylabel("H100 GPU-days (compute-optimal, 40% MFU)")
    ax.tick_params(axis="x", rotation=25, labelsize=8)
    return fig


@figure("fig-mls-latency-energy")
def _fig_mls_latency_energy():
    # One model (MobileNetV2, int8) on every edge-class device: time and energy per inference.
    plt = _plt()
    names = ["Jetson-AGX-Orin", "Jetson-Orin-Nano", "Coral-EdgeTPU", "RPi5", "RPi4", "ESP32-S3", "STM32H747"]
    fig, ax = plt.subplots()
    for name in names:
        fit = _mobilenet_on(name)
        ax.scatter(fit.latency_s * 1e3, fit.energy_j * 1e3, s=50, marker="o" if fit.fits else "x", zorder=3)
        ax.annotate(name + ("" if fit.fits else " (does not fit)"), (fit.latency_s * 1e3, fit.energy_j * 1e3),
                    textcoords="offset points", xytext=(5, 3), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(right=3e4)  # room for the device names
    ax.set_xlabel("latency per image (ms, MobileNetV2 int8)")
    ax.set_ylabel("energy per image (mJ)")
    return fig


@figure("fig-wf-iteration")
def _fig_wf_iteration():
    # Experiments a week can hold, back to back, for fine-tunes of three sizes on growing allocations.
    plt = _plt()
    gpus = [8, 16, 32, 64, 128]
    fig, ax = plt.subplots()
    for tokens, label in [(1e8, "0.1 B tokens"), (1e9, "1 B tokens"), (1e10, "10 B tokens")]:
        per_week = [7 / ms.time_to_train(mdl("Llama-3-8B"), tokens, "DGX-H100", n_devices=n, global_batch=256,
                                         seq_len=4096, zero_stage=3).days for n in gpus]
        ax.plot(gpus, per_week, marker="o", label=f"Llama-3-8B, {label}")
    ax.axhline(1, color=_ink(), linestyle=":", label="one per week")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("H100 GPUs allocated")
    ax.set_ylabel("experiments per week")
    ax.legend(fontsize=8)
    return fig


@figure("fig-de-ingest")
def _fig_de_ingest():
    # What 8 H100s eat when training three CNNs, against what the host's CPUs can decode.
    plt = _plt()
    names = ["ResNet-50", "EfficientNet-B0", "MobileNetV2"]
    fig, ax = plt.subplots()
    ax.bar(names, [train_images_per_s(n) for n in names], width=0.5)
    ax.axhline(HOST_CORES * DECODE_IMAGES_PER_CORE, color=_ink(), linestyle="--",
               label=f"host supply: {HOST_CORES} cores x {DECODE_IMAGES_PER_CORE:.0f} images/s")
    ax.set_yscale("log")
    ax.set_ylabel("images/s to keep 8 H100s busy (40% MFU)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


@figure("fig-nn-utilization-batch")
def _fig_nn_utilization_batch():
    # Share of peak a 4096x4096 dense layer reaches as the batch grows, on two devices.
    plt = _plt()
    batches = [2**i for i in range(0, 13)]
    fig, ax = plt.subplots()
    for name, dtype in [("H100-SXM", "bf16"), ("Jetson-Orin-Nano", "fp16")]:
        ax.plot(batches, [100 * ms.matmul(hw(name), b, 4096, 4096, dtype=dtype).utilization for b in batches],
                marker="o", label=f"{name} ({dtype})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size (rows of the 4096 x 4096 layer)")
    ax.set_ylabel("share of peak FLOP/s (%)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-na-attention-share")
def _fig_na_attention_share():
    # Share of a transformer's per-token FLOPs spent in attention scores, as context grows.
    plt = _plt()
    lengths = [512 * 2**i for i in range(9)]
    fig, ax = plt.subplots()
    for name in ["Llama-3-8B", "Llama-3-70B"]:
        ax.plot(lengths, [100 * _attention_flop_share(name, n) for n in lengths], marker="o", label=name)
    ax.axhline(50, color=_ink(), linestyle=":", label="attention = linear layers")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("context length (tokens)")
    ax.set_ylabel("attention share of FLOPs per token (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    return fig


@figure("fig-fw-fusion")
def _fig_fw_fusion():
    # Time of a chain of element-wise ops on an H100, one kernel per op against one fused kernel.
    plt = _plt()
    ops = list(range(1, 11))
    fig, ax = plt.subplots()
    for elements in [FFN_TOKENS * FFN_WIDTH, 1024 * 1024]:
        label = f"{elements / 1e6:,.0f} M elements"
        line, = ax.plot(ops, [chain_time_s(elements, k, False) * 1e6 for k in ops], marker="o",
                        label=f"{label}: unfused")
        ax.plot(ops, [chain_time_s(elements, k, True) * 1e6 for k in ops], marker="s", linestyle="--",
                color=line.get_color(), label=f"{label}: fused")
    ax.set_yscale("log")
    ax.set_xlabel("element-wise operations in the chain")
    ax.set_ylabel("time on one H100 (us, bf16)")
    ax.legend(fontsize=7)
    return fig


@figure("fig-tr-zero-stages")
def _fig_tr_zero_stages():
    # Per-GPU memory of Llama-3-8B training on 8 GPUs with recomputation, by ZeRO stage. Linear axis, so the
    # stacked segments keep their true heights.
    plt = _plt()
    parts = ["weights_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"]
    stages = [0, 1, 2, 3]
    fig, ax = plt.subplots()
    bottom = [0.0] * len(stages)
    for part in parts:
        values = [getattr(tr_mem(z, TR_GPUS, True), part) / GB for z in stages]
        ax.bar([f"ZeRO-{z}" for z in stages], values, bottom=bottom, label=part.replace("_bytes", ""), width=0.55)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color=_ink(), linestyle="--", label="one H100 (80 GB)")
    ax.set_ylabel("GB per GPU (Llama-3-8B, 8 GPUs, recompute)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-deff-net-savings")
def _fig_deff_net_savings():
    # Net GPU-hours saved by pruning, after the cost of scoring every token, for three scorer sizes.
    plt = _plt()
    pruned = [0.05 * i for i in range(0, 11)]
    fig, ax = plt.subplots()
    for ratio in (10, 2, 1):
        label = "scored by the model itself" if ratio == 1 else f"proxy {ratio}x smaller"
        ax.plot([100 * f for f in pruned], [_deff_net_gpu_hours(1 - f, ratio) / 1e3 for f in pruned], marker="o",
                label=label)
    ax.axhline(0, color=_ink(), linewidth=0.8)
    ax.set_xlabel("share of tokens pruned (%)")
    ax.set_ylabel("net H100 GPU-hours saved (thousands)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-deployment-spectrum")
def _fig_spectrum():
    plt = _plt()
    names = ["Jetson-Orin-Nano", "Coral-EdgeTPU", "RPi5", "ESP32-S3"]
    latencies = [_edge(n).latency_s * 1e3 for n in names]
    fig, ax = plt.subplots()
    ax.bar(names, latencies, color="C0")
    ax.set_yscale("log")
    ax.set_ylabel("MobileNetV2 latency (ms, int8)")
    return fig


@figure("fig-training-memory")
def _fig_training_memory():
    # Grouped, not stacked: on a log axis a stacked segment's height depends on what lies below it,
    # and a small model's weights would shrink to a sliver. Each component gets its own bar from 1 GB.
    plt = _plt()
    models = ["Llama-2-7B", "Llama-2-13B", "Llama-3-70B"]
    parts = ["weights_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"]
    fig, ax = plt.subplots()
    width = 0.8 / (len(parts) + 1)
    for i, part in enumerate([*parts, "total_bytes"]):
        values = [getattr(train_mem(m), part) / GB for m in models]
        ax.bar([j + i * width for j in range(len(models))], values, width=width,
               label=part.replace("_bytes", ""), hatch="//" if part == "total_bytes" else None)
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color=_ink(), linestyle="--", label="one H100 (80 GB)")
    ax.set_yscale("log")
    ax.set_ylim(1, 3e4)
    ax.set_xticks([j + 2 * width for j in range(len(models))], models)
    ax.set_ylabel("GB (Adam, bf16, batch 1, 4k tokens)")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    return fig


@figure("fig-kv-cache")
def _fig_kv():
    plt = _plt()
    lengths = [1024 * 2**i for i in range(8)]
    fig, ax = plt.subplots()
    for name in ["Llama-3-8B", "Llama-3-70B"]:
        kv = [ms.kv_cache_bytes(mdl(name), 1, n) / GB for n in lengths]
        line, = ax.loglog(lengths, kv, marker="o", label=f"{name} KV cache")
        ax.axhline(weights_gb(name, "bf16"), color=line.get_color(), linestyle="--", label=f"{name} weights")
    ax.set_xlabel("context length (tokens, batch 1)")
    ax.set_ylabel("GB (bf16)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-serving-batch")
def _fig_serving():
    plt = _plt()
    batches = [1, 2, 4, 8, 16, 32, 64, 128]
    runs = [serve_8b(b) for b in batches]
    fig, ax = plt.subplots()
    ax.plot([r.tpot_s * 1e3 for r in runs], [r.tokens_per_s for r in runs], marker="o")
    for b, r in zip(batches, runs):
        ax.annotate(str(b), (r.tpot_s * 1e3, r.tokens_per_s), textcoords="offset points", xytext=(4, 2), fontsize=8)
    ax.set_xlabel("time per output token (ms)")
    ax.set_ylabel("tokens/s (Llama-3-8B, one H100)")
    return fig


@figure("fig-queue-latency")
def _fig_queue():
    plt = _plt()
    capacity = _saturation_rate()
    loads = [0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95]
    stats = [queue_8b(f * capacity) for f in loads]
    fig, ax = plt.subplots()
    ax.plot(loads, [s.p50_s for s in stats], marker="o", label="p50")
    ax.plot(loads, [s.p99_s for s in stats], marker="s", label="p99")
    ax.set_xlabel("offered load (fraction of replica capacity)")
    ax.set_ylabel("request latency (s)")
    ax.legend()
    return fig


@figure("fig-scaling")
def _fig_scaling():
    plt = _plt()
    nodes = [1, 2, 4, 8, 16, 32]
    steps = [ms.train_step(mdl("Llama-3-8B"), ms.cluster("DGX-H100", nodes=n), 8 * n, 64 * n, 4096, zero_stage=1)
             for n in nodes]
    fig, ax = plt.subplots()
    ax.plot([8 * n for n in nodes], [s.tokens_per_s / 1e6 for s in steps], marker="o", label="modelled")
    ideal = steps[0].tokens_per_s / 1e6
    ax.plot([8 * n for n in nodes], [ideal * n for n in nodes], linestyle="--", label="linear")
    ax.set_xlabel("H100 GPUs (Llama-3-8B, data parallel, ZeRO-1)")
    ax.set_ylabel("million tokens/s")
    ax.legend()
    return fig


@figure("fig-edge-fit")
def _fig_edge_fit():
    from matplotlib.ticker import NullFormatter

    plt = _plt()
    models = ["DS-CNN-KWS", "MobileNet-PersonDet", "MobileNetV2"]
    fig, ax = plt.subplots()
    for name in models:
        fit = ms.edge_fit(mdl(name), hw("ESP32-S3"))
        ax.scatter(fit.flash_bytes / KB, fit.sram_bytes / KB, s=60, label=name, zorder=3)
    low = 10.0
    for mcu, style in [("nRF52840", "--"), ("ESP32-S3", ":")]:
        h = hw(mcu)
        flash, sram = h.flash_bytes / KB, h.sram_bytes / KB
        # The region a model must fall inside: below the SRAM line and left of the flash line.
        ax.plot([low, flash, flash], [sram, sram, low], linestyle=style, color=_ink())
        ax.annotate(f"{mcu} capacity", (flash, sram), textcoords="offset points", xytext=(-70, 5), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, 1e5)
    ax.set_ylim(low, 1e4)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("flash needed (kB, int8)")
    ax.set_ylabel("SRAM needed (kB)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


@figure("fig-precision-bytes")
def _fig_precision():
    plt = _plt()
    models = ["Llama-3-8B", "Llama-2-13B", "Llama-3-70B"]
    dtypes = ["bf16", "int8", "int4"]
    fig, ax = plt.subplots()
    width = 0.25
    for i, dtype in enumerate(dtypes):
        ax.bar([j + i * width for j in range(len(models))], [weights_gb(m, dtype) for m in models],
               width=width, label=dtype)
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color=_ink(), linestyle="--", label="one H100")
    ax.set_xticks([j + width for j in range(len(models))], models)
    ax.set_ylabel("weight memory (GB)")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------- writers
def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    # Write beside the target, then rename: readers never see a half-written file.
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, path)
    return True


def render_numbers() -> str:
    lines = ["% Generated by mlsysbook slides from mlsysim; do not edit (tools/mlsysbook/slides/assets.py)."]
    for key in sorted(NUMBERS):
        value = NUMBERS[key]()
        lines.append(f"\\expandafter\\def\\csname mlsysnum@{key}\\endcsname{{{value}}}")
    return "\n".join(lines) + "\n"


# Inverts lightness and turns hues back by 180 degrees (feColorMatrix: -H * rgb + 1), so black text
# turns light, white boxes turn dark and a blue stays blue: the book's diagrams on midnight's background.
_DARK_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="{vb}">
<defs><filter id="mlsys-dark" color-interpolation-filters="sRGB"><feColorMatrix type="matrix"
 values="0.574 -1.43 -0.144 0 1  -0.426 -0.43 -0.144 0 1  -0.426 -1.43 0.856 0 1  0 0 0 1 0"/></filter></defs>
<g filter="url(#mlsys-dark)">{body}</g></svg>"""


def dark_svg(svg_text: str) -> str:
    """The same SVG with lightness inverted, for dark slides (the background stays transparent)."""
    import re

    root = re.search(r"<svg\b[^>]*>", svg_text).group(0)
    width = re.search(r'\bwidth="([^"]+)"', root).group(1)
    height = re.search(r'\bheight="([^"]+)"', root).group(1)
    viewbox = re.search(r'\bviewBox="([^"]+)"', root)
    body = re.sub(r"^<\?xml[^>]*>\s*", "", svg_text.strip())
    return _DARK_SVG.format(w=width, h=height, vb=viewbox.group(1) if viewbox else f"0 0 {width} {height}",
                            body=body)


def generate(out_dir: Path, repo_root: Path) -> Path:
    """Write mlsysnumbers.tex and every figure (light and dark) into out_dir; return out_dir."""
    with locked(out_dir):
        _write_if_changed(out_dir / "mlsysnumbers.tex", render_numbers().encode())
        for name in FIGURES:
            for suffix in STYLES:
                with tempfile.TemporaryDirectory() as scratch_dir:
                    scratch = Path(scratch_dir) / f"{name}.pdf"
                    _save(draw_figure(name, suffix), scratch)
                    _write_if_changed(out_dir / f"{name}{suffix}.pdf", scratch.read_bytes())
        converter = shutil.which("rsvg-convert")
        for name, svg in BOOK_SVGS.items():
            source = repo_root / svg
            if not source.exists():
                raise FileNotFoundError(f"book figure {svg} is missing; decks reuse it as {name}.pdf")
            if converter is None:
                raise RuntimeError("rsvg-convert not found: install it with "
                                   "`tools/ensure-apt.sh librsvg2-bin` (make slides does this)")
            for suffix in STYLES:
                target = out_dir / f"{name}{suffix}.pdf"
                if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
                    continue
                with tempfile.TemporaryDirectory() as scratch_dir:
                    svg_file = Path(scratch_dir) / "figure.svg"
                    text = source.read_text()
                    svg_file.write_text(dark_svg(text) if suffix else text)
                    scratch = Path(scratch_dir) / f"{name}.pdf"
                    subprocess.run([converter, "-f", "pdf", "-o", str(scratch), str(svg_file)], check=True)
                    _write_if_changed(target, scratch.read_bytes())
    return out_dir


# Decks written since the lecture bar keep their numbers and figures in their own module
# (deck_assets/<volume>_<chapter>.py), so this file stops growing and each deck has one owner.
from . import deck_assets  # noqa: E402  (needs the registry and helpers above)

DECK_MODULES = deck_assets.load_all()

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

from .build import locked

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


def _sci(x: float) -> str:
    exponent = int(math.floor(math.log10(abs(x))))
    return f"${x / 10**exponent:.1f}\\times10^{{{exponent}}}$"


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


@functools.cache
def resnet_images_per_s(n_gpus: int = 8) -> float:
    # Training costs ~3x the forward FLOPs (forward + backward) per image.
    per_image = 3 * mdl("ResNet-50").flops_per_sample
    return n_gpus * hw("H100-SXM").peak_flops("bf16") * MODEL_UTILIZATION / per_image


JPEG_BYTES = 110e3        # typical ImageNet JPEG, stated on the slide
DECODE_IMAGES_PER_CORE = 400.0  # decode+augment rate per CPU core, stated on the slide
number("de-images-per-s")(lambda: _sig(resnet_images_per_s()))
number("de-read-mbs")(lambda: _sig(resnet_images_per_s() * JPEG_BYTES / MB))
number("de-decode-cores")(lambda: _sig(math.ceil(resnet_images_per_s() / DECODE_IMAGES_PER_CORE)))


def _mlp(batch: int):
    return ms.matmul(hw("H100-SXM"), batch, 4096, 4096)


number("mlp-ai-b1")(lambda: _sig(_mlp(1).arithmetic_intensity))
number("mlp-bound-b1")(lambda: _mlp(1).bound)
number("mlp-ai-b512")(lambda: _sig(_mlp(512).arithmetic_intensity))
number("mlp-bound-b512")(lambda: _mlp(512).bound)
number("mlp-b1-us")(lambda: _sig(_mlp(1).time_s * 1e6))
number("mlp-b512-us")(lambda: _sig(_mlp(512).time_s * 1e6))

number("kv-8b-8k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, 8192) / GB))
number("kv-8b-128k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-8B"), 1, 131072) / GB))
number("kv-70b-8k-gb")(lambda: _sig(ms.kv_cache_bytes(mdl("Llama-3-70B"), 1, 8192) / GB))

ELEMENTWISE_TENSOR = 4096 * 4096  # elements, bf16


def _eltwise_us(n_ops: int) -> float:
    # Each unfused op reads and writes the whole tensor once; fused, the chain does so once.
    one = ms.roofline(hw("H100-SXM"), ELEMENTWISE_TENSOR, 2 * 2 * ELEMENTWISE_TENSOR)
    return n_ops * one.time_s * 1e6


number("fw-tensor-mb")(lambda: _sig(2 * ELEMENTWISE_TENSOR / MB))
number("fw-eltwise-us")(lambda: _sig(_eltwise_us(1)))
number("fw-chain5-us")(lambda: _sig(_eltwise_us(5)))

number("tm-weights-gb")(lambda: _sig(train_mem("Llama-3-8B").weights_bytes / GB))
number("tm-grads-gb")(lambda: _sig(train_mem("Llama-3-8B").grads_bytes / GB))
number("tm-opt-gb")(lambda: _sig(train_mem("Llama-3-8B").optimizer_bytes / GB))
number("tm-act-gb")(lambda: _sig(train_mem("Llama-3-8B").activations_bytes / GB))
number("tm-total-gb")(lambda: _sig(train_mem("Llama-3-8B").total_bytes / GB))
number("tm-z3-8-gb")(lambda: _sig(train_mem("Llama-3-8B", 3, 8).total_bytes / GB))


@functools.cache
def run_8b(tokens: float):
    return ms.time_to_train(mdl("Llama-3-8B"), tokens, "DGX-H100", n_devices=1024, global_batch=1024,
                            seq_len=4096, zero_stage=1)


number("chin-8b-btokens")(lambda: _sig(ms.chinchilla_tokens(mdl("Llama-3-8B").params) / 1e9))
number("deff-8b-15t-days")(lambda: _sig(run_8b(15e12).days))
number("deff-8b-pruned-days")(lambda: _sig(run_8b(15e12 * 0.7).days))
number("deff-8b-saved-musd")(lambda: _sig((run_8b(15e12).cost_usd - run_8b(15e12 * 0.7).cost_usd) / 1e6))

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

# ---------------------------------------------------------------- Vol II
@functools.cache
def llama405_run():
    return ms.time_to_train(mdl("Llama-3.1-405B"), 15.6e12, "DGX-H100", n_devices=16384, global_batch=2048,
                            seq_len=8192, tp=8, pp=16, zero_stage=1, recompute=True,
                            allow_uneven_pipeline=True)


number("v2-405b-flop")(lambda: _sci(ms.training_flop(mdl("Llama-3.1-405B"), 15.6e12)))
number("v2-405b-days")(lambda: _sig(llama405_run().days))
number("v2-405b-gwh")(lambda: _sig(llama405_run().energy_j / 3.6e12))


def _node_kw() -> float:
    node = ms.node("DGX-H100")
    return node.count * hw("H100-SXM").tdp_w / 1e3


number("ci-node-gpu-kw")(lambda: _sig(_node_kw()))
number("ci-1024-mw")(lambda: _sig(128 * _node_kw() * 1.1 / 1e3))
number("ci-tco-usd-h")(lambda: _sig(ms.tco(hw("H100-SXM"), 8).usd_per_device_hour))
number("ci-cloud-usd-h")(lambda: _sig(ms.cloud_price(hw("H100-SXM"))))

number("nf-nvlink-gbs")(lambda: _sig(ms.interconnect("NVLink4").bandwidth_bytes_per_s / GB))
number("nf-ib-gbs")(lambda: _sig(ms.interconnect("IB-NDR").bandwidth_bytes_per_s / GB))
number("nf-ar-nvlink-ms")(lambda: _sig(ms.collective("all_reduce", 1e9, 8, ms.interconnect("NVLink4")).time_s * 1e3))
number("nf-ar-ib-ms")(lambda: _sig(ms.collective("all_reduce", 1e9, 128, ms.interconnect("IB-NDR")).time_s * 1e3))

STORAGE_WRITE_BYTES_PER_S = 100e9   # aggregate parallel file-system write rate, stated on the slide


def _ckpt_bytes() -> float:
    mem = train_mem("Llama-3-70B")
    return mem.weights_bytes + mem.optimizer_bytes


number("ds-ckpt-tb")(lambda: _sig(_ckpt_bytes() / TB))
number("ds-ckpt-write-s")(lambda: _sig(_ckpt_bytes() / STORAGE_WRITE_BYTES_PER_S))
number("ds-ingest-mbs")(lambda: _sig(llama70_step().tokens_per_s * 4 / MB))
number("ds-tokens-per-s")(lambda: _sig(llama70_step().tokens_per_s / 1e3) + "\\,k")

number("dt-70b-single-tb")(lambda: _sig(train_mem("Llama-3-70B").total_bytes / TB))
number("dt-70b-z3-64-gb")(lambda: _sig(train_mem("Llama-3-70B", 3, 64).total_bytes / GB))
number("dt-step-s")(lambda: _sig(llama70_step().step_time_s))
number("dt-compute-s")(lambda: _sig(llama70_step().compute_s))
number("dt-comm-s")(lambda: _sig(llama70_step().exposed_comm_s))
number("dt-bubble-s")(lambda: _sig(llama70_step().bubble_s))


def _allreduce(size: float):
    return ms.collective("all_reduce", size, 8, ms.interconnect("NVLink4"))


number("cc-1mb-us")(lambda: _sig(_allreduce(1e6).time_s * 1e6))
number("cc-1mb-busbw")(lambda: _sig(_allreduce(1e6).bus_bw / GB))
number("cc-1gb-ms")(lambda: _sig(_allreduce(1e9).time_s * 1e3))
number("cc-1gb-busbw")(lambda: _sig(_allreduce(1e9).bus_bw / GB))

# Llama 3 pre-training saw 419 unexpected interruptions in a 54-day window on 16k H100s
# (Llama Team, "The Llama 3 Herd of Models", arXiv:2407.21783, Section 3.3.4).
LLAMA3_UNEXPECTED_INTERRUPTIONS, LLAMA3_WINDOW_DAYS = 419, 54


def _mtbf_s() -> float:
    return LLAMA3_WINDOW_DAYS * SECONDS_PER_DAY / LLAMA3_UNEXPECTED_INTERRUPTIONS


def _young_daly_s() -> float:
    return math.sqrt(2 * (_ckpt_bytes() / STORAGE_WRITE_BYTES_PER_S) * _mtbf_s())


number("ft-mtbf-h")(lambda: _sig(_mtbf_s() / 3600))
number("ft-interval-min")(lambda: _sig(_young_daly_s() / 60))
number("ft-overhead-pct")(lambda: _sig(100 * ((_ckpt_bytes() / STORAGE_WRITE_BYTES_PER_S) / _young_daly_s()
                                              + _young_daly_s() / (2 * _mtbf_s())), 2))

number("fo-idle-usd-year")(lambda: _sig(0.3 * 1024 * HOURS_PER_YEAR * ms.cloud_price(hw("H100-SXM")) / 1e6))
number("pe-mfu-pct")(lambda: _sig(llama70_step().mfu * 100, 2))
number("pe-tokens-s")(lambda: _sig(llama70_step().tokens_per_s / 1e3) + "\\,k")
number("pe-10pt-saved-days")(lambda: _sig(llama70_run().days * (1 - llama70_step().mfu / (llama70_step().mfu + 0.1))))

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

number("sp-exfil-1g-h")(lambda: _sig(weights_gb("Llama-3-70B", "bf16") * 8 / 1.0 / 3600))
number("sp-exfil-100m-h")(lambda: _sig(weights_gb("Llama-3-70B", "bf16") * 8 / 0.1 / 3600))

number("ra-steps-per-day")(lambda: _sig(SECONDS_PER_DAY / llama70_step().step_time_s))
number("ra-2pct-gpu-hours")(lambda: _sig(0.02 * llama70_run().gpu_hours / 1e3) + "\\,k")


def _run_tco2(region: str) -> float:
    return ms.carbon(llama70_run().energy_j, region=region) / 1e6


number("sa-70b-mwh")(lambda: _sig(llama70_run().energy_j / 3.6e9))
number("sa-tco2-uswest")(lambda: _sig(_run_tco2("us-west")))
number("sa-tco2-norway")(lambda: _sig(_run_tco2("norway")))
number("sa-tco2-india")(lambda: _sig(_run_tco2("india")))

AUDIT_PROMPTS, AUDIT_GROUPS, AUDIT_OUTPUT_TOKENS = 10_000, 8, 256
number("rai-audit-gpu-hours")(lambda: _sig(
    AUDIT_PROMPTS * AUDIT_GROUPS * AUDIT_OUTPUT_TOKENS / serve_70b().tokens_per_s / 3600 * 8))


# ---------------------------------------------------------------- figures
def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 11, "figure.figsize": (6.4, 3.6), "axes.grid": True,
                         "grid.alpha": 0.3, "svg.hashsalt": "mlsys"})
    return plt


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    # No creation date: identical inputs give identical bytes, so the deck cache holds.
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    import matplotlib.pyplot as plt
    plt.close(fig)


@figure("fig-roofline-h100")
def _fig_roofline(path: Path) -> None:
    import numpy as np
    plt = _plt()
    fig, ax = plt.subplots()
    for name in ["H100-SXM", "A100-80GB"]:
        h = hw(name)
        ai = np.logspace(-1, 4, 200)
        ax.loglog(ai, np.minimum(h.peak_flops("bf16"), ai * h.memory_bw_bytes_per_s) / 1e12, label=name)
    for batch in [1, 16, 128, 1024]:
        r = ms.matmul(hw("H100-SXM"), batch, 4096, 4096)
        ax.plot(r.arithmetic_intensity, r.attainable_flops / 1e12, "o", color="black")
        ax.annotate(f"batch {batch}", (r.arithmetic_intensity, r.attainable_flops / 1e12),
                    textcoords="offset points", xytext=(4, -12), fontsize=9)
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("attainable TFLOP/s (bf16)")
    ax.legend()
    _save(fig, path)


@figure("fig-deployment-spectrum")
def _fig_spectrum(path: Path) -> None:
    plt = _plt()
    names = ["Jetson-Orin-Nano", "Coral-EdgeTPU", "RPi5", "ESP32-S3"]
    latencies = [_edge(n).latency_s * 1e3 for n in names]
    fig, ax = plt.subplots()
    ax.bar(names, latencies, color="#A51C30")
    ax.set_yscale("log")
    ax.set_ylabel("MobileNetV2 latency (ms, int8)")
    _save(fig, path)


@figure("fig-training-memory")
def _fig_training_memory(path: Path) -> None:
    plt = _plt()
    models = ["Llama-2-7B", "Llama-2-13B", "Llama-3-70B"]
    parts = ["weights_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"]
    fig, ax = plt.subplots()
    bottom = [0.0] * len(models)
    for part in parts:
        values = [getattr(train_mem(m), part) / GB for m in models]
        ax.bar(models, values, bottom=bottom, label=part.replace("_bytes", ""))
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color="black", linestyle="--", label="one H100 (80 GB)")
    ax.set_yscale("log")
    ax.set_ylabel("GB (Adam, bf16, batch 1, 4k tokens)")
    ax.legend(fontsize=8)
    _save(fig, path)


@figure("fig-kv-cache")
def _fig_kv(path: Path) -> None:
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
    _save(fig, path)


@figure("fig-collective-time")
def _fig_collective(path: Path) -> None:
    import numpy as np
    plt = _plt()
    sizes = np.logspace(3, 10, 30)
    fig, ax = plt.subplots()
    for link, n in [("NVLink4", 8), ("IB-NDR", 128)]:
        bus = [ms.collective("all_reduce", s, n, ms.interconnect(link)).bus_bw / GB for s in sizes]
        ax.semilogx(sizes, bus, label=f"{link}, {n} GPUs")
    ax.set_xlabel("all-reduce message size (bytes)")
    ax.set_ylabel("bus bandwidth (GB/s)")
    ax.legend()
    _save(fig, path)


@figure("fig-serving-batch")
def _fig_serving(path: Path) -> None:
    plt = _plt()
    batches = [1, 2, 4, 8, 16, 32, 64, 128]
    runs = [serve_8b(b) for b in batches]
    fig, ax = plt.subplots()
    ax.plot([r.tpot_s * 1e3 for r in runs], [r.tokens_per_s for r in runs], marker="o")
    for b, r in zip(batches, runs):
        ax.annotate(str(b), (r.tpot_s * 1e3, r.tokens_per_s), textcoords="offset points", xytext=(4, 2), fontsize=8)
    ax.set_xlabel("time per output token (ms)")
    ax.set_ylabel("tokens/s (Llama-3-8B, one H100)")
    _save(fig, path)


@figure("fig-queue-latency")
def _fig_queue(path: Path) -> None:
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
    _save(fig, path)


@figure("fig-scaling")
def _fig_scaling(path: Path) -> None:
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
    _save(fig, path)


@figure("fig-edge-fit")
def _fig_edge_fit(path: Path) -> None:
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
        ax.plot([low, flash, flash], [sram, sram, low], linestyle=style, color="black")
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
    _save(fig, path)


@figure("fig-carbon-region")
def _fig_carbon(path: Path) -> None:
    plt = _plt()
    regions = ms.list_regions()
    values = [_run_tco2(r) for r in regions]
    fig, ax = plt.subplots()
    ax.bar(regions, values, color="#2E6B3F")
    ax.set_ylabel("t CO$_2$ (Llama-3-70B, 15T tokens)")
    ax.tick_params(axis="x", rotation=30)
    _save(fig, path)


@figure("fig-precision-bytes")
def _fig_precision(path: Path) -> None:
    plt = _plt()
    models = ["Llama-3-8B", "Llama-2-13B", "Llama-3-70B"]
    dtypes = ["bf16", "int8", "int4"]
    fig, ax = plt.subplots()
    width = 0.25
    for i, dtype in enumerate(dtypes):
        ax.bar([j + i * width for j in range(len(models))], [weights_gb(m, dtype) for m in models],
               width=width, label=dtype)
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color="black", linestyle="--", label="one H100")
    ax.set_xticks([j + width for j in range(len(models))], models)
    ax.set_ylabel("weight memory (GB)")
    ax.legend(fontsize=8)
    _save(fig, path)


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


def generate(out_dir: Path, repo_root: Path) -> Path:
    """Write mlsysnumbers.tex and every figure into out_dir; return out_dir."""
    with locked(out_dir):
        _write_if_changed(out_dir / "mlsysnumbers.tex", render_numbers().encode())
        for name, draw in FIGURES.items():
            with tempfile.TemporaryDirectory() as scratch_dir:
                scratch = Path(scratch_dir) / f"{name}.pdf"
                draw(scratch)
                _write_if_changed(out_dir / f"{name}.pdf", scratch.read_bytes())
        converter = shutil.which("rsvg-convert")
        for name, svg in BOOK_SVGS.items():
            source = repo_root / svg
            if not source.exists():
                raise FileNotFoundError(f"book figure {svg} is missing; decks reuse it as {name}.pdf")
            if converter is None:
                raise RuntimeError("rsvg-convert not found: install it with "
                                   "`tools/ensure-apt.sh librsvg2-bin` (make slides does this)")
            target = out_dir / f"{name}.pdf"
            if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
                continue
            with tempfile.TemporaryDirectory() as scratch_dir:
                scratch = Path(scratch_dir) / f"{name}.pdf"
                subprocess.run([converter, "-f", "pdf", "-o", str(scratch), str(source)], check=True)
                _write_if_changed(target, scratch.read_bytes())
    return out_dir

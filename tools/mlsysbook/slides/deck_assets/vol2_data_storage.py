"""Volume II, Data Storage: loader bandwidth, storage tiers, checkpoint size, write bandwidth and intervals.

Same scenarios and engine calls as book/vol2/data_storage/data_storage.qmd: Llama 3 8B's per-GPU token rate from
ms.train_step on 64 H100s (ZeRO-1, selective recomputation, 8,192-token sequences), 100 KB JPEGs of 576 patch tokens
and 4 Mb/s video at one sampled frame per second, the 405B checkpoint from ms.training_memory, the Llama 3
interruption rate over 16,384 GPUs, a 10-minute restart and ms.checkpoint_interval at 2 TB/s, 200 GB/s and 20 GB/s.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms

from ..assets import GB, KB, MB, TB, _ink, _plt, _sig, figure, mdl, number

FLEET = 16384
TOKENS_LLAMA3 = 15.6e12
IMG_SIDE, PATCH = 336, 14
IMG_BYTES = 100e3                 # a compressed web JPEG at this resolution (stated assumption)
VIDEO_BYTES_PER_S = 4e6 / 8       # a 4 Mb/s stream, one frame sampled per second (stated assumption)
BIG = "Llama-3.1-405B"
SNAP_GPU_DAYS, UNEXPECTED = 54 * 16384, 419
RESTART_S = 600.0
BANDWIDTHS = {"2tbs": 2e12, "200gbs": 200e9, "20gbs": 20e9}
NODE_NVME = 8
NVME_TB_PER_NODE = 30.0
# The check question (chapter exercise 3): Llama 3 70B on 4,096 GPUs at 100 GB/s, 5-minute restart.
Q_MODEL, Q_GPUS, Q_BW, Q_RESTART_S = "Llama-3-70B", 4096, 100e9, 300.0

PCIE4, PCIE5, IB = ms.interconnect("PCIe4"), ms.interconnect("PCIe5"), ms.interconnect("IB-NDR")


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


@functools.cache
def run8():
    return ms.train_step(mdl("Llama-3-8B"), "DGX-H100", 64, 512, 8192, zero_stage=1, recompute="selective")


def tok_s_gpu() -> float:
    return run8().tokens_per_s / run8().n_devices


def token_bytes() -> int:
    return 2 if mdl("Llama-3-8B").vocab <= 2 ** 16 else 4


def tok_per_img() -> int:
    return (IMG_SIDE // PATCH) ** 2


def img_s_gpu() -> float:
    return tok_s_gpu() / tok_per_img()


@functools.cache
def ckpt_parts(name: str):
    mem = ms.training_memory(name, 1, 2048)
    return mem.weights_bytes, mem.optimizer_bytes


def ckpt(name: str = BIG) -> float:
    return sum(ckpt_parts(name))


def job_mtbf_s(gpus: int = FLEET) -> float:
    return ms.job_mtbf(gpus, device_mtbf_s=SNAP_GPU_DAYS * 86400 / UNEXPECTED)


@functools.cache
def plan(key: str):
    return ms.checkpoint_interval(ckpt() / BANDWIDTHS[key], job_mtbf_s(), RESTART_S)


def snap_s() -> float:
    return ckpt() / FLEET / PCIE5.bandwidth_bytes_per_s


@functools.cache
def plan_async():
    return ms.checkpoint_interval(snap_s(), job_mtbf_s(), RESTART_S)


def async_lost(bw: float) -> float:
    """Asynchronous checkpoints: the pause is the snapshot, but a checkpoint cannot start before the last persisted."""
    return plan_async().lost_at(max(plan_async().interval_s, ckpt() / bw))


def nvme_bw() -> float:
    return PCIE4.bandwidth_bytes_per_s / 4          # an x4 PCIe Gen4 NVMe drive


@functools.cache
def q_plan():
    return ms.checkpoint_interval(ckpt(Q_MODEL) / Q_BW, job_mtbf_s(Q_GPUS), Q_RESTART_S)


# loader bandwidth
number("v2ds-tok-s-gpu")(lambda: _count(tok_s_gpu()))
number("v2ds-mfu8")(lambda: _sig(100 * run8().mfu, 2))
number("v2ds-vocab")(lambda: _count(mdl("Llama-3-8B").vocab))
number("v2ds-token-bytes")(lambda: str(token_bytes()))
number("v2ds-text-kbs-gpu")(lambda: _sig(tok_s_gpu() * token_bytes() / KB))
number("v2ds-text-mbs-fleet")(lambda: _sig(tok_s_gpu() * token_bytes() * FLEET / MB))
number("v2ds-corpus-tb")(lambda: _sig(TOKENS_LLAMA3 * token_bytes() / TB))
number("v2ds-tok-per-img")(lambda: str(tok_per_img()))
number("v2ds-img-s-gpu")(lambda: _sig(img_s_gpu()))
number("v2ds-img-mbs-gpu")(lambda: f"{img_s_gpu() * IMG_BYTES / MB:.1f}")
number("v2ds-img-gbs-fleet")(lambda: _sig(img_s_gpu() * IMG_BYTES * FLEET / GB))
number("v2ds-img-vs-text")(lambda: _sig(IMG_BYTES / tok_per_img() / token_bytes()))
number("v2ds-vid-mbs-gpu")(lambda: f"{img_s_gpu() * VIDEO_BYTES_PER_S / MB:.1f}")
number("v2ds-vid-gbs-fleet")(lambda: _count(img_s_gpu() * VIDEO_BYTES_PER_S * FLEET / GB))
number("v2ds-nvme-gbs")(lambda: f"{nvme_bw() / GB:.1f}")
number("v2ds-node-nvme-gbs")(lambda: _sig(NODE_NVME * nvme_bw() / GB))

# checkpoint size
number("v2ds-p405-b")(lambda: _sig(mdl(BIG).params / 1e9))
number("v2ds-w405-tb")(lambda: f"{ckpt_parts(BIG)[0] / TB:.2f}")
number("v2ds-o405-tb")(lambda: f"{ckpt_parts(BIG)[1] / TB:.2f}")
number("v2ds-ck405-tb")(lambda: f"{ckpt() / TB:.2f}")
number("v2ds-bytes-per-param")(lambda: _sig(ckpt() / mdl(BIG).params, 2))
number("v2ds-ck-per-gpu-mb")(lambda: _sig(ckpt() / FLEET / MB))

# interval and lost time
number("v2ds-job-mtbf-h")(lambda: f"{job_mtbf_s() / 3600:.1f}")
number("v2ds-restart-min")(lambda: _sig(RESTART_S / 60))
for _k in BANDWIDTHS:
    number(f"v2ds-ck-time-{_k}")(lambda k=_k: _sig(ckpt() / BANDWIDTHS[k]))
    number(f"v2ds-plan-min-{_k}")(lambda k=_k: _sig(plan(k).interval_s / 60))
    number(f"v2ds-lost-{_k}")(lambda k=_k: f"{100 * plan(k).lost_fraction:.1f}")
number("v2ds-young-min-2tbs")(lambda: _sig(math.sqrt(2 * ckpt() / BANDWIDTHS["2tbs"] * job_mtbf_s()) / 60))
number("v2ds-pcie5-gbs")(lambda: _sig(PCIE5.bandwidth_bytes_per_s / GB))
number("v2ds-snap-ms")(lambda: _sig(snap_s() * 1e3))
number("v2ds-async-interval-s")(lambda: _count(max(plan_async().interval_s, ckpt() / 200e9)))
number("v2ds-async-lost")(lambda: f"{100 * async_lost(200e9):.1f}")
number("v2ds-local-write-s")(lambda: f"{ckpt() / FLEET * 8 / (NODE_NVME * nvme_bw()):.2f}")
number("v2ds-restart-floor")(lambda: f"{100 * (1 - math.exp(-RESTART_S / job_mtbf_s())):.1f}")

# write path and serving
number("v2ds-fe-nic-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2ds-node-share-gb")(lambda: f"{ckpt() / FLEET * 8 / GB:.1f}")
number("v2ds-fe-time-s")(lambda: f"{ckpt() / FLEET * 8 / IB.bandwidth_bytes_per_s:.2f}")
number("v2ds-fe-aggregate-tbs")(lambda: _sig(FLEET / 8 * IB.bandwidth_bytes_per_s / TB))
number("v2ds-nodes")(lambda: _count(FLEET // 8))
number("v2ds-cache-pb")(lambda: _sig(FLEET // 8 * NVME_TB_PER_NODE / 1e3))
number("v2ds-serve-nvme-s")(lambda: _sig(ckpt_parts(BIG)[0] / (NODE_NVME * nvme_bw())))
number("v2ds-serve-nic-s")(lambda: _sig(ckpt_parts(BIG)[0] / IB.bandwidth_bytes_per_s))

# the check question
number("v2ds-q-ckpt-tb")(lambda: f"{ckpt(Q_MODEL) / TB:.2f}")
number("v2ds-q-write-s")(lambda: _sig(ckpt(Q_MODEL) / Q_BW))
number("v2ds-q-mtbf-h")(lambda: f"{job_mtbf_s(Q_GPUS) / 3600:.1f}")
number("v2ds-q-interval-min")(lambda: _sig(q_plan().interval_s / 60))
number("v2ds-q-lost")(lambda: f"{100 * q_plan().lost_fraction:.1f}")


# ------------------------------------------------------------ figures
@figure("fig-v2ds-demand")
def _fig_demand():
    plt = _plt()
    gpus = [64, 256, 1024, 4096, 16384, 65536]
    per_gpu = {"tokenized text": tok_s_gpu() * token_bytes(), "image-text": img_s_gpu() * IMG_BYTES,
               "video-text": img_s_gpu() * VIDEO_BYTES_PER_S}
    fig, ax = plt.subplots()
    for label, rate in per_gpu.items():
        ax.plot(gpus, [g * rate / GB for g in gpus], "-o", markersize=4, label=label)
    ax.axhline(nvme_bw() / GB, color=_ink(), ls=":", label="one PCIe Gen4 x4 NVMe drive")
    ax.axhline(2000, color=_ink(), ls="--", label="Llama 3 storage, sustained (2 TB/s)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(gpus)
    ax.set_xticklabels([f"{g:,}" for g in gpus])
    ax.set_xlabel("GPUs in the training job")
    ax.set_ylabel("aggregate read bandwidth (GB/s)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ds-lost")
def _fig_lost():
    plt = _plt()
    bws = [10 ** (k / 4) for k in range(36, 53)]
    fig, ax = plt.subplots()
    ax.plot([b / GB for b in bws],
            [100 * ms.checkpoint_interval(ckpt() / b, job_mtbf_s(), RESTART_S).lost_fraction for b in bws],
            "-", label="synchronous checkpoint")
    ax.plot([b / GB for b in bws], [100 * async_lost(b) for b in bws], "--", label="asynchronous (snapshot to host)")
    ax.axhline(100 * (1 - math.exp(-RESTART_S / job_mtbf_s())), color=_ink(), ls=":", label="restart time alone")
    ax.set_xscale("log")
    ax.set_xlabel("aggregate checkpoint write bandwidth (GB/s)")
    ax.set_ylabel("wall-clock time lost (%)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ds-ckpt-size")
def _fig_ckpt_size():
    plt = _plt()
    names = ["Llama-3-8B", "Llama-2-13B", "Llama-3-70B", "GPT-3-175B", BIG]
    weights = [ckpt_parts(n)[0] / TB for n in names]
    states = [ckpt_parts(n)[1] / TB for n in names]
    xs = range(len(names))
    fig, ax = plt.subplots()
    # Side by side, not stacked: stacked bars on a log axis hide the smaller part.
    ax.bar([x - 0.2 for x in xs], weights, width=0.4, label="weights (BF16)")
    ax.bar([x + 0.2 for x in xs], states, width=0.4, label="optimizer state (FP32 master + 2 moments)")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, fontsize=8, rotation=15)
    ax.set_ylabel("TB (log)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    return fig

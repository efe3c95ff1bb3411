"""Volume II, Collective Communication: primitives, ring and tree, bus bandwidth, message size, hierarchy, overlap.

Same scenarios and engine calls as book/vol2/collective_communication/collective_communication.qmd: the 16 GB BF16
gradient of Llama 3 8B all-reduced on 8 GPUs of NVLink 4 (ring and NCCL's automatic choice), a 64 KiB and a 1 GiB
all-reduce on 512 ranks of InfiniBand (ring against tree), a 1 GiB all-reduce on 128 DGX H100 nodes (hierarchical
against a flat ring), overlap with the backward pass on 16 nodes in 25 MiB buckets, and a 256 MiB all-to-all.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, _ink, _plt, _sig, figure, hw, mdl, number

NVL4, IB = ms.interconnect("NVLink4"), ms.interconnect("IB-NDR")
KIB, MIB, GIB = 2 ** 10, 2 ** 20, 2 ** 30
N1 = 8
N3, S3_SMALL, S3_BIG = 512, 64 * KIB, GIB
NODES4, S4 = 128, GIB
N5, SEQS5, SEQ5 = 128, 4, 8192
BUCKET = 25 * MIB
A2A_BYTES = 256 * MIB
# The check question (chapter exercise on reading nccl-tests): a 4 GiB all-gather on 8 GPUs finishing in a given time.
Q_SIZE, Q_N = 4 * GIB, 8


def _dgx():
    return ms.node("DGX-H100")


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


def grad_bytes() -> float:
    return mdl("Llama-3-8B").params * 2


@functools.cache
def ar8(algorithm: str):
    return ms.collective("all_reduce", grad_bytes(), N1, NVL4, algorithm=algorithm)


def hand1_bw() -> float:
    return 2 * (N1 - 1) / N1 * grad_bytes() / NVL4.bandwidth_bytes_per_s


@functools.cache
def ring8(size: float, link: str = "NVLink4"):
    return ms.collective("all_reduce", size, 8, ms.interconnect(link), algorithm="ring")


@functools.cache
def ib_ar(size: float, n: int, algorithm: str):
    return ms.collective("all_reduce", size, n, IB, algorithm=algorithm)


def crossover(n: int):
    for s in (2 ** k for k in range(10, 36)):
        if ib_ar(s, n, "ring").time_s <= ib_ar(s, n, "tree").time_s:
            return s
    return None


def _size(s) -> str:
    if s is None:
        return "beyond 32\\,GiB"
    return f"{s / MIB:,.0f}\\,MiB" if s >= MIB else f"{s / KIB:,.0f}\\,KiB"


@functools.cache
def hier(nodes: int, size: float = S4):
    return ms.collective("all_reduce", size, nodes * 8, _dgx())


@functools.cache
def flat(nodes: int, size: float = S4):
    return ms.collective("all_reduce", size, nodes * 8, IB, algorithm="ring")


def bwd_s() -> float:
    rate = hw("H100-SXM").peak_flops("bf16") * A.MATMUL_EFFICIENCY["datacenter"]
    return 4 * mdl("Llama-3-8B").params * SEQS5 * SEQ5 / rate


@functools.cache
def ar5():
    return ms.collective("all_reduce", grad_bytes(), N5, _dgx())


@functools.cache
def bucket_c():
    return ms.collective("all_reduce", BUCKET, N5, _dgx())


def n_buckets() -> int:
    return math.ceil(grad_bytes() / BUCKET)


@functools.cache
def q_ag():
    return ms.collective("all_gather", Q_SIZE, Q_N, NVL4, algorithm="ring")


# links
number("v2cc-nvl4-gbs")(lambda: _sig(NVL4.bandwidth_bytes_per_s / GB))
number("v2cc-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2cc-nvl4-alpha-us")(lambda: f"{NVL4.latency_s * 1e6:g}")
number("v2cc-ib-alpha-us")(lambda: f"{IB.latency_s * 1e6:g}")
number("v2cc-nvl4-eff")(lambda: _sig(100 * NVL4.peak_efficiency, 2))
number("v2cc-nvl4-eff-frac")(lambda: f"{NVL4.peak_efficiency:g}")
number("v2cc-nvls-peak-gbs")(lambda: _sig(NVL4.bandwidth_bytes_per_s * ms.collective_bandwidth.NVLS_PEAK_EFFICIENCY / GB))

# napkin 1: 8B gradient in one node
number("v2cc-m8-b")(lambda: f"{mdl('Llama-3-8B').params / 1e9:.1f}")
number("v2cc-grad-gb")(lambda: f"{grad_bytes() / GB:.1f}")
number("v2cc-hand1-lat-us")(lambda: _sig(2 * (N1 - 1) * NVL4.latency_s * 1e6))
number("v2cc-hand1-bw-ms")(lambda: f"{hand1_bw() * 1e3:.1f}")
number("v2cc-hand1-eff-ms")(lambda: f"{hand1_bw() / NVL4.peak_efficiency * 1e3:.1f}")
number("v2cc-ar8-ring-ms")(lambda: f"{ar8('ring').time_s * 1e3:.1f}")
number("v2cc-ar8-ring-eff")(lambda: _sig(100 * ar8("ring").efficiency, 2))
number("v2cc-ar8-auto-ms")(lambda: f"{ar8('auto').time_s * 1e3:.1f}")
number("v2cc-ar8-auto-algo")(lambda: ar8("auto").algorithm.upper())
number("v2cc-nvls-speedup")(lambda: f"{ar8('ring').time_s / ar8('auto').time_s:.2f}")

# napkin 2: algorithm and bus bandwidth
number("v2cc-algbw")(lambda: _sig(ar8("ring").algo_bw / GB))
number("v2cc-busbw")(lambda: _sig(ar8("ring").bus_bw / GB))
number("v2cc-factor8")(lambda: f"{2 * 7 / 8:.3f}")
number("v2cc-factor1024")(lambda: f"{2 * 1023 / 1024:.3f}")

# message-size regimes on 8 GPUs of NVLink 4
number("v2cc-small-us")(lambda: _sig(ring8(64 * KIB).time_s * 1e6))
number("v2cc-small-eff")(lambda: f"{100 * ring8(64 * KIB).efficiency:.1f}")
number("v2cc-small-lat-share")(lambda: _sig(100 * ring8(64 * KIB).latency_term_s / ring8(64 * KIB).time_s, 2))
number("v2cc-big-eff")(lambda: _sig(100 * ring8(8 * GIB).efficiency, 2))
number("v2cc-half-size-mb")(lambda: _count(next(s for s in (2 ** k for k in range(10, 34))
                                                if ring8(s).bus_bw >= 0.5 * ring8(8 * GIB).bus_bw) / MIB))
number("v2cc-bw-ratio")(lambda: _count(ring8(8 * GIB).bus_bw / ring8(64 * KIB).bus_bw))

# napkin 3: ring against tree on 512 ranks
number("v2cc-r3-lat-hand-us")(lambda: _count(2 * (N3 - 1) * IB.latency_s * 1e6))
number("v2cc-t3-lat-hand-us")(lambda: _count(2 * math.ceil(math.log2(N3)) * IB.latency_s * 1e6))
number("v2cc-log2n3")(lambda: str(math.ceil(math.log2(N3))))
number("v2cc-r3-us")(lambda: _count(ib_ar(S3_SMALL, N3, "ring").time_s * 1e6))
number("v2cc-t3-us")(lambda: _count(ib_ar(S3_SMALL, N3, "tree").time_s * 1e6))
number("v2cc-tree-speedup")(lambda: _sig(ib_ar(S3_SMALL, N3, "ring").time_s / ib_ar(S3_SMALL, N3, "tree").time_s, 2))
number("v2cc-r3b-ms")(lambda: _sig(ib_ar(S3_BIG, N3, "ring").time_s * 1e3))
number("v2cc-t3b-ms")(lambda: _sig(ib_ar(S3_BIG, N3, "tree").time_s * 1e3))
number("v2cc-xo512")(lambda: _size(crossover(512)))

# napkin 4: hierarchical against flat on 1,024 GPUs
number("v2cc-s4-gb")(lambda: f"{S4 / GB:.2f}")
number("v2cc-hand-flat-ms")(lambda: f"{2 * (NODES4 * 8 - 1) / (NODES4 * 8) * S4 / IB.bandwidth_bytes_per_s * 1e3:.1f}")
number("v2cc-hand-flat-lat-ms")(lambda: f"{2 * (NODES4 * 8 - 1) * IB.latency_s * 1e3:.1f}")
number("v2cc-hand-intra-ms")(lambda: f"{2 * 7 / 8 * S4 / NVL4.bandwidth_bytes_per_s * 1e3:.1f}")
number("v2cc-hand-inter-ms")(lambda: f"{2 * (NODES4 - 1) / NODES4 * S4 / 8 / IB.bandwidth_bytes_per_s * 1e3:.1f}")
number("v2cc-hand-hier-ms")(lambda: f"{(2 * 7 / 8 * S4 / NVL4.bandwidth_bytes_per_s + 2 * (NODES4 - 1) / NODES4 * S4 / 8 / IB.bandwidth_bytes_per_s) * 1e3:.1f}")
number("v2cc-hier-ms")(lambda: f"{hier(NODES4).time_s * 1e3:.1f}")
number("v2cc-flat-ms")(lambda: f"{flat(NODES4).time_s * 1e3:.1f}")
number("v2cc-hier-speedup")(lambda: f"{flat(NODES4).time_s / hier(NODES4).time_s:.1f}")

# napkin 5: overlap with the backward pass
number("v2cc-tokens5")(lambda: _count(SEQS5 * SEQ5))
number("v2cc-gemm-eff")(lambda: f"{A.MATMUL_EFFICIENCY['datacenter']:g}")
number("v2cc-bwd-ms")(lambda: _count(bwd_s() * 1e3))
number("v2cc-ar5-ms")(lambda: _count(ar5().time_s * 1e3))
number("v2cc-nb")(lambda: str(n_buckets()))
number("v2cc-bucket-us")(lambda: _count(bucket_c().time_s * 1e6))
number("v2cc-bucket-total-ms")(lambda: _count(n_buckets() * bucket_c().time_s * 1e3))
number("v2cc-bucket-vs-one")(lambda: f"{n_buckets() * bucket_c().time_s / ar5().time_s:.1f}")
number("v2cc-bucket-exposed")(lambda: ("only the last bucket, " + f"{bucket_c().time_s * 1e3:.2f}" + "\\,ms, is exposed"
                                       if n_buckets() * bucket_c().time_s <= bwd_s() else
                                       _count((n_buckets() * bucket_c().time_s - bwd_s()) * 1e3)
                                       + "\\,ms are exposed, plus the last bucket"))

# all-to-all
number("v2cc-a2a-mb")(lambda: _count(A2A_BYTES / MIB))
number("v2cc-a2a-in-ms")(lambda: f"{ms.collective('all_to_all', A2A_BYTES, 8, NVL4).time_s * 1e3:.2f}")
number("v2cc-a2a-x-ms")(lambda: f"{ms.collective('all_to_all', A2A_BYTES, 64, _dgx()).time_s * 1e3:.1f}")
number("v2cc-a2a-ratio")(lambda: _sig(ms.collective("all_to_all", A2A_BYTES, 64, _dgx()).time_s
                                      / ms.collective("all_to_all", A2A_BYTES, 8, NVL4).time_s, 2))

# the check question: read an nccl-tests line for a 4 GiB all-gather on 8 GPUs
number("v2cc-q-ms")(lambda: f"{q_ag().time_s * 1e3:.1f}")
number("v2cc-q-algbw")(lambda: _sig(Q_SIZE / q_ag().time_s / GB))
number("v2cc-q-busbw")(lambda: _sig(Q_SIZE / q_ag().time_s * 7 / 8 / GB))


# ------------------------------------------------------------ figures
@figure("fig-v2cc-ring-tree")
def _fig_ring_tree():
    plt = _plt()
    ranks = [8, 16, 32, 64, 128, 256, 512, 1024]
    fig, ax = plt.subplots()
    for size, label in ((64 * KIB, "64 KiB"), (256 * MIB, "256 MiB")):
        for algorithm, style in (("ring", "-o"), ("tree", "--s")):
            ax.plot(ranks, [ib_ar(size, n, algorithm).time_s * 1e3 for n in ranks], style, markersize=4,
                    label=f"{algorithm}, {label}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(ranks)
    ax.set_xticklabels([str(n) for n in ranks])
    ax.set_xlabel("ranks on one InfiniBand NDR tier")
    ax.set_ylabel("all-reduce time (ms)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2cc-busbw")
def _fig_busbw():
    plt = _plt()
    sizes = [2 ** k for k in range(10, 34)]
    fig, ax = plt.subplots()
    ax.plot(sizes, [ring8(s).bus_bw / GB for s in sizes], label="ring, NVLink 4")
    ax.plot(sizes, [ms.collective("all_reduce", s, 8, NVL4, algorithm="nvls").bus_bw / GB for s in sizes],
            label="NVLS, NVLink 4")
    ax.plot(sizes, [ring8(s, "IB-NDR").bus_bw / GB for s in sizes], label="ring, InfiniBand NDR")
    for link in (NVL4, IB):
        ax.axhline(link.bandwidth_bytes_per_s / GB, color=_ink(), ls=":", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks([2 ** 10, 2 ** 16, 2 ** 20, 2 ** 26, 2 ** 30, 2 ** 33])
    ax.set_xticklabels(["1 KiB", "64 KiB", "1 MiB", "64 MiB", "1 GiB", "8 GiB"])
    ax.set_xlabel("message size (8 GPUs)")
    ax.set_ylabel("all-reduce bus bandwidth (GB/s)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2cc-hier-scale")
def _fig_hier_scale():
    plt = _plt()
    nodes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    fig, ax = plt.subplots()
    ax.plot(nodes, [hier(k).time_s * 1e3 for k in nodes], "-o", markersize=4, label="hierarchical (NVLink + 8 NICs)")
    ax.plot(nodes, [flat(k).time_s * 1e3 for k in nodes], "--s", markersize=4, label="flat ring, one NIC per GPU")
    ax.set_xscale("log", base=2)
    ax.set_xticks(nodes)
    ax.set_xticklabels([str(k) for k in nodes])
    ax.set_xlabel("DGX H100 nodes")
    ax.set_ylabel("1 GiB all-reduce (ms)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig

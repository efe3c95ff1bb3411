"""Volume II, Network Fabrics: links, the alpha-beta model, topologies, oversubscription, tails, in-network reduction.

Same scenarios and engine calls as book/vol2/network_fabrics/network_fabrics.qmd: one InfiniBand NDR transfer of
64 KB and 1 GB, the BF16 gradient all-reduce of Llama 3 8B across 16 DGX H100 nodes on fat trees at 1:1, 2:1 and
4:1, a 1 GB all-reduce inside one node by ring and by NVLink SHARP, a 1 GB-per-GPU all-to-all over 64 GPUs,
fat trees from radix-64 switches, and the optics of a 16,384-GPU three-tier tree.
"""
from __future__ import annotations

import functools

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, KB, MB, _ink, _plt, _sig, figure, hw, mdl, number

IB, NVL4, ROCE = ms.interconnect("IB-NDR"), ms.interconnect("NVLink4"), ms.interconnect("RoCE-400G")
SMALL, BIG = 64e3, 1e9
DP_NODES = 16
TOK_PER_GPU = 8192
SHARP_MSG = 1e9
A2A_BYTES, A2A_GPUS = 1e9, 64
RADIX = 64
CLUSTER_GPUS = 16384
XCVR_W = 15.0                     # a 400G/800G-class pluggable optical module draws roughly 12-18 W
OPTICAL_TIERS = 2                 # host-leaf in copper inside the rack; leaf-spine and spine-core optical
XCVR_PER_GPU = 2 * OPTICAL_TIERS + 1
# The check question (chapter exercise 1): InfiniBand generations at the same latency.
Q_LINKS = ("IB-HDR", "IB-NDR", "IB-XDR")


def _dgx():
    return ms.node("DGX-H100")


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


@functools.cache
def p2p(size: float):
    return ms.collective("send_recv", size, 2, IB)


def grad_bytes() -> float:
    return mdl("Llama-3-8B").params * 2


def dp_gpus() -> int:
    return DP_NODES * _dgx().count


@functools.cache
def dp_allreduce(oversubscription: int):
    cluster = ms.cluster("DGX-H100", nodes=DP_NODES, topology="fat-tree", oversubscription=oversubscription)
    return ms.collective("all_reduce", grad_bytes(), dp_gpus(), cluster)


def step_compute_s() -> float:
    return 6 * mdl("Llama-3-8B").params * TOK_PER_GPU / (hw("H100-SXM").peak_flops("bf16") * A.DEFAULT_MFU)


def node_bw() -> float:
    return _dgx().nics_per_node * IB.bandwidth_bytes_per_s


@functools.cache
def in_node(algorithm: str):
    return ms.collective("all_reduce", SHARP_MSG, 8, NVL4, algorithm=algorithm)


@functools.cache
def a2a_cross():
    return ms.collective("all_to_all", A2A_BYTES, A2A_GPUS, ms.cluster("DGX-H100", nodes=A2A_GPUS // 8))


def a2a_nodes() -> int:
    return A2A_GPUS // _dgx().count


def optics_kw() -> float:
    return CLUSTER_GPUS * XCVR_PER_GPU * XCVR_W / 1e3


def cluster_it_kw() -> float:
    return CLUSTER_GPUS / _dgx().count * _dgx().power_w / 1e3


# links and alpha-beta
number("v2nf-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2nf-ib-gbit")(lambda: _sig(IB.bandwidth_bytes_per_s * 8 / 1e9))
number("v2nf-ib-lat-us")(lambda: _sig(IB.latency_s * 1e6))
number("v2nf-nvl4-gbs")(lambda: _sig(NVL4.bandwidth_bytes_per_s / GB))
number("v2nf-nvl4-bidir")(lambda: _sig(2 * NVL4.bandwidth_bytes_per_s / GB))
number("v2nf-nvl4-lat-us")(lambda: _sig(NVL4.latency_s * 1e6))
number("v2nf-nvl-vs-ib")(lambda: _sig(NVL4.bandwidth_bytes_per_s / IB.bandwidth_bytes_per_s, 2))
number("v2nf-nhalf-ib-kb")(lambda: _sig(IB.latency_s * IB.bandwidth_bytes_per_s / KB))
number("v2nf-nhalf-nvl-kb")(lambda: _sig(NVL4.latency_s * NVL4.bandwidth_bytes_per_s / KB))
number("v2nf-small-kb")(lambda: _sig(SMALL / KB))
number("v2nf-launch-us")(lambda: f"{(p2p(SMALL).latency_term_s - IB.latency_s) * 1e6:.1f}")
number("v2nf-hand-small-us")(lambda: f"{(IB.latency_s + SMALL / IB.bandwidth_bytes_per_s) * 1e6:.1f}")
number("v2nf-eng-small-us")(lambda: f"{p2p(SMALL).time_s * 1e6:.1f}")
number("v2nf-eng-small-eff")(lambda: _sig(100 * p2p(SMALL).efficiency, 2))
number("v2nf-hand-big-ms")(lambda: f"{(IB.latency_s + BIG / IB.bandwidth_bytes_per_s) * 1e3:.1f}")
number("v2nf-eng-big-ms")(lambda: f"{p2p(BIG).time_s * 1e3:.1f}")
number("v2nf-eng-big-eff")(lambda: _sig(100 * p2p(BIG).efficiency, 2))

# data-parallel gradient all-reduce across 16 nodes
number("v2nf-m8-params-b")(lambda: f"{mdl('Llama-3-8B').params / 1e9:.1f}")
number("v2nf-grad-gb")(lambda: f"{grad_bytes() / GB:.1f}")
number("v2nf-node-bw-gbs")(lambda: _sig(node_bw() / GB))
number("v2nf-hand-intra-ms")(lambda: _sig(2 * 7 / 8 * grad_bytes() / NVL4.bandwidth_bytes_per_s * 1e3))
number("v2nf-hand-inter-ms")(lambda: _sig(2 * (DP_NODES - 1) / DP_NODES * grad_bytes() / node_bw() * 1e3))
for _o in (1, 2, 4):
    number(f"v2nf-ar{_o}-ms")(lambda o=_o: _sig(dp_allreduce(o).time_s * 1e3))
number("v2nf-os2-ratio")(lambda: f"{dp_allreduce(2).time_s / dp_allreduce(1).time_s:.2f}")
number("v2nf-os4-ratio")(lambda: f"{dp_allreduce(4).time_s / dp_allreduce(1).time_s:.2f}")
number("v2nf-step-compute-ms")(lambda: _sig(step_compute_s() * 1e3))
number("v2nf-mfu-pct")(lambda: _sig(100 * A.DEFAULT_MFU))
number("v2nf-comm-frac1")(lambda: _sig(100 * dp_allreduce(1).time_s / step_compute_s(), 2))
number("v2nf-comm-frac4")(lambda: _sig(100 * dp_allreduce(4).time_s / step_compute_s(), 2))

# in-network reduction
number("v2nf-ring-bytes-gb")(lambda: f"{2 * 7 / 8 * SHARP_MSG / GB:.2f}")
number("v2nf-ring-hand-ms")(lambda: f"{2 * 7 / 8 * SHARP_MSG / NVL4.bandwidth_bytes_per_s * 1e3:.2f}")
number("v2nf-nvls-hand-ms")(lambda: f"{SHARP_MSG / NVL4.bandwidth_bytes_per_s * 1e3:.2f}")
number("v2nf-ring-ms")(lambda: f"{in_node('ring').time_s * 1e3:.2f}")
number("v2nf-nvls-ms")(lambda: f"{in_node('nvls').time_s * 1e3:.2f}")
number("v2nf-nvls-speedup")(lambda: f"{in_node('ring').time_s / in_node('nvls').time_s:.2f}")
number("v2nf-ring-busbw")(lambda: _sig(in_node("ring").bus_bw / GB))
number("v2nf-nvls-busbw")(lambda: _sig(in_node("nvls").bus_bw / GB))

# expert-parallel all-to-all
number("v2nf-a2a-nodes")(lambda: str(a2a_nodes()))
number("v2nf-a2a-cross-mb")(lambda: _sig(A2A_BYTES * (a2a_nodes() - 1) / a2a_nodes() / MB))
number("v2nf-a2a-hand-ms")(lambda: _sig(A2A_BYTES * (a2a_nodes() - 1) / a2a_nodes() / IB.bandwidth_bytes_per_s * 1e3))
number("v2nf-a2a-ms")(lambda: _sig(a2a_cross().time_s * 1e3))
number("v2nf-a2a-nvl-ms")(lambda: _sig(ms.collective("all_to_all", A2A_BYTES, 8, NVL4).time_s * 1e3))

# fat trees from radix-64 switches
number("v2nf-radix")(lambda: str(RADIX))
number("v2nf-ft2-hosts")(lambda: _count(RADIX ** 2 // 2))
number("v2nf-ft2-sw")(lambda: _count(RADIX + RADIX // 2))
number("v2nf-ft3-hosts")(lambda: _count(RADIX ** 3 // 4))
number("v2nf-ft3-sw")(lambda: _count(5 * RADIX ** 2 // 4))

# optics of a 16,384-GPU three-tier fat tree
number("v2nf-xcvr-per-gpu")(lambda: str(XCVR_PER_GPU))
number("v2nf-xcvr-count")(lambda: _count(CLUSTER_GPUS * XCVR_PER_GPU))
number("v2nf-xcvr-w")(lambda: _sig(XCVR_W))
number("v2nf-optics-kw")(lambda: _count(optics_kw()))
number("v2nf-cluster-it-mw")(lambda: f"{cluster_it_kw() / 1e3:.1f}")
number("v2nf-optics-frac")(lambda: f"{100 * optics_kw() / cluster_it_kw():.1f}")

# the check question: n_1/2 across InfiniBand generations
for _link in Q_LINKS:
    _key = _link.split("-")[1].lower()
    number(f"v2nf-q-{_key}-gbit")(lambda n=_link: _sig(ms.interconnect(n).bandwidth_bytes_per_s * 8 / 1e9))
    number(f"v2nf-q-{_key}-nhalf-kb")(lambda n=_link: _sig(ms.interconnect(n).latency_s
                                                           * ms.interconnect(n).bandwidth_bytes_per_s / KB))


number("v2nf-q-ndr-lat-us")(lambda: _sig(ms.interconnect("IB-NDR").latency_s * 1e6))


# ------------------------------------------------------------ figures
@figure("fig-v2nf-busbw")
def _fig_busbw():
    plt = _plt()
    sizes = [2 ** k for k in range(10, 34)]
    fig, ax = plt.subplots()
    for label, link in (("InfiniBand NDR, send/recv", IB), ("RoCE 400G, send/recv", ROCE), ("NVLink 4, send/recv", NVL4)):
        ax.plot(sizes, [ms.collective("send_recv", s, 2, link).bus_bw / GB for s in sizes], label=label)
    ax.plot(sizes, [ms.collective("all_reduce", s, 8, NVL4).bus_bw / GB for s in sizes],
            label="NVLink 4, 8-GPU all-reduce (NVLS)")
    ax.plot(sizes, [s / (IB.latency_s + s / IB.bandwidth_bytes_per_s) / GB for s in sizes], "--", color=_ink(),
            label="alpha-beta model, InfiniBand NDR")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks([2 ** 10, 2 ** 16, 2 ** 20, 2 ** 26, 2 ** 30, 2 ** 33])
    ax.set_xticklabels(["1 KiB", "64 KiB", "1 MiB", "64 MiB", "1 GiB", "8 GiB"])
    ax.set_xlabel("message size")
    ax.set_ylabel("achieved GB/s per direction")
    ax.legend(fontsize=7, loc="lower right")
    return fig


@figure("fig-v2nf-oversub")
def _fig_oversub():
    plt = _plt()
    nodes = [2, 4, 8, 16, 32, 64, 128, 256]
    fig, ax = plt.subplots()
    for o, style in ((1, "-o"), (2, "-s"), (4, "-^")):
        times = [ms.collective("all_reduce", grad_bytes(), n * 8,
                               ms.cluster("DGX-H100", nodes=n, topology="fat-tree", oversubscription=o)).time_s * 1e3
                 for n in nodes]
        ax.plot(nodes, times, style, label=f"{o}:1 oversubscription", markersize=4)
    ax.axhline(step_compute_s() * 1e3, color=_ink(), ls=":", label="compute per step")
    ax.set_xscale("log", base=2)
    ax.set_xticks(nodes)
    ax.set_xticklabels([str(n) for n in nodes])
    ax.set_xlabel("DGX H100 nodes (8 GPUs each)")
    ax.set_ylabel("gradient all-reduce (ms)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2nf-tail")
def _fig_tail():
    plt = _plt()
    flows = [2 ** k for k in range(0, 18)]
    base_ms = dp_allreduce(1).time_s * 1e3

    def harmonic(n: int) -> float:
        return sum(1.0 / i for i in range(1, n + 1))

    p_event = 1e-4
    fig, ax = plt.subplots()
    ax.plot(flows, [base_ms * (1 + 0.02 * harmonic(n)) for n in flows], "-o", markersize=3,
            label="exponential jitter, mean 2% per flow")
    ax.plot(flows, [base_ms * (2 - (1 - p_event) ** n) for n in flows], "-s", markersize=3,
            label="rare events: p = 1e-4 per flow of 2x time")
    ax.axhline(base_ms, color=_ink(), ls=":", label="nominal (MLSys·im)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("flows that must all finish")
    ax.set_ylabel("expected collective time (ms)")
    ax.legend(fontsize=8)
    return fig

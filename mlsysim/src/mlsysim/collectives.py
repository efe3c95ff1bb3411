"""Collective communication per link tier: launch + per-step latency + bytes over the achieved bus bandwidth.

time = launch + steps x alpha + bus_factor x bytes / bus_bw(bytes, algorithm)

``bus_bw`` comes from mlsysim.collective_bandwidth: it rises with message size the way NCCL's
measured curves do (fitted on published nccl-tests runs) and reaches the link's ``peak_efficiency``
only for the largest messages. ``algorithm="auto"`` picks what NCCL picks: NVLink SHARP (``nvls``)
for all-reduce on NVLink4/5 switch systems, rings otherwise, and a hierarchical scheme across nodes.
Bandwidths are per direction and per device (see the interconnect catalog).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import Cluster, Link, Node, interconnect, is_interconnect_name, is_node_name, node as get_node
from .collective_bandwidth import CURVES, achieved_bus_bandwidth, supports_nvls
from .errors import ValidationError, choice, positive, positive_int
from .results import Result
from .units import fmt_bytes, fmt_rate, fmt_time

OPS = ("all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast", "send_recv")
ALGORITHMS = ("auto", "ring", "tree", "nvls", "hierarchical")


@dataclass(frozen=True)
class Collective(Result):
    op: str
    algorithm: str
    message_bytes: float
    n: int
    link: str
    time_s: float
    latency_term_s: float
    bandwidth_term_s: float
    algo_bw: float
    bus_bw: float
    link_bw_bytes_per_s: float
    formula: str

    @property
    def efficiency(self) -> float:
        """Achieved bus bandwidth as a fraction of the link's per-direction bandwidth."""
        return self.bus_bw / self.link_bw_bytes_per_s if self.link_bw_bytes_per_s else 0.0

    _derived = ("efficiency",)

    def _explain_lines(self) -> list[str]:
        bound = "latency (alpha)" if self.latency_term_s > self.bandwidth_term_s else "bandwidth (beta)"
        return [f"{self.op} of {fmt_bytes(self.message_bytes)} over {self.n} devices, {self.algorithm} on {self.link}: "
                f"{fmt_time(self.time_s)}, {bound}-bound",
                self.formula,
                f"bus bandwidth {fmt_rate(self.bus_bw, 'B/s')} = {self.efficiency:.1%} of the link's "
                f"{fmt_rate(self.link_bw_bytes_per_s, 'B/s')} per direction"
                + (" (all NICs of a node)" if self.algorithm == "hierarchical" else "")]


def _bus_factor(op: str, n: int) -> float:
    """Bytes each device sends per byte of message (NCCL's busBw/algBw ratio)."""
    if op == "all_reduce":
        return 2.0 * (n - 1) / n
    if op in ("all_gather", "reduce_scatter", "all_to_all"):
        return (n - 1) / n
    return 1.0


def _flat(op: str, size: float, n: int, link: Link, algorithm: str) -> tuple[float, float, str]:
    """(latency term without the launch, bandwidth term, formula) on a single link tier."""
    if n == 1:
        return 0.0, 0.0, "n = 1: nothing to communicate"
    if algorithm == "auto":
        algorithm = "nvls" if supports_nvls(link.name, op, n) else "ring"
    bw = achieved_bus_bandwidth(link.bandwidth_bytes_per_s, link.peak_efficiency, size,
                                "nvls" if algorithm == "nvls" else "ring", n)
    alpha = link.latency_s
    factor = _bus_factor(op, n)
    if algorithm == "nvls":
        steps = 2  # into the switch (reduce) and back out (multicast)
    elif algorithm == "tree" and op in ("all_reduce", "broadcast"):
        steps = (2 if op == "all_reduce" else 1) * math.ceil(math.log2(n))
    elif op == "all_reduce":
        steps = 2 * (n - 1)
    elif op == "send_recv":
        steps = 1
    else:
        steps = n - 1
    latency = steps * alpha
    bandwidth = factor * size / bw
    formula = (f"{algorithm} on {link.name}: {steps} steps x {alpha * 1e6:.3g} us + {factor:.3g} x {fmt_bytes(size)} / "
               f"bus bandwidth {fmt_rate(bw, 'B/s')} ({bw / link.bandwidth_bytes_per_s:.0%} of "
               f"{fmt_rate(link.bandwidth_bytes_per_s, 'B/s')} at this size) = {fmt_time(latency)} + {fmt_time(bandwidth)}")
    return latency, bandwidth, formula


def collective(op: str, message_bytes: float, n: int, link, algorithm: str = "auto",
               gpus_per_node: int | None = None) -> Collective:
    """Time of a collective on ``n`` devices.

    ``algorithm``: ``auto`` (what NCCL picks: NVLS all-reduce on NVLink4/5 switches, else ring),
    ``ring``, ``tree``, ``nvls`` (NVLink SHARP; NVLink4/5 all-reduce only) or ``hierarchical``.
    Every collective pays one launch (mlsysim.collective_bandwidth) on top of its per-step latency.

    ``message_bytes`` is the full buffer each rank ends with (all-reduce/all-gather output,
    reduce-scatter input, all-to-all send buffer). ``link`` is a Link (or its name) for a single tier,
    or a Node/Cluster/node name: then groups larger than a node use a hierarchical algorithm
    (intra-node reduce-scatter, inter-node all-reduce of 1/g of the data on every NIC in parallel,
    intra-node all-gather), or with ``algorithm="ring"`` one flat ring over all devices (what
    NCCL_ALGO=RING runs), whose bus bandwidth is the slower tier's: each device's own NIC.
    """
    op = choice("op", op, OPS)
    algorithm = choice("algorithm", algorithm, ALGORITHMS)
    size = positive("message_bytes", message_bytes)
    n = positive_int("n", n)
    if op == "send_recv" and n != 2:
        raise ValidationError("n", f"send_recv is between exactly 2 devices; got n={n}")

    tiers = _resolve_tiers(link, gpus_per_node)
    single_tier = isinstance(tiers, Link) or n <= tiers[2]
    first = tiers if isinstance(tiers, Link) else tiers[0]
    if algorithm == "nvls" and not (single_tier and supports_nvls(first.name, op, n)):
        raise ValidationError("algorithm", f"nvls (NVLink SHARP) is an all-reduce of more than 2 devices within one "
                              f"NVLink4/5 switch domain; got {op} over {n} devices on {first.name}. Use 'auto' or 'ring'")
    if algorithm == "hierarchical" and isinstance(tiers, Link):
        raise ValidationError("algorithm", "hierarchical needs a Node or Cluster (two link tiers), not a single Link")
    if algorithm == "auto":
        algorithm = ("nvls" if supports_nvls(first.name, op, n) else "ring") if single_tier else "hierarchical"
    elif algorithm == "hierarchical" and single_tier:
        algorithm = "ring"
    if isinstance(tiers, Link):
        lat, bwt, formula = _flat(op, size, n, tiers, algorithm)
        link_bw, link_name = tiers.bandwidth_bytes_per_s, tiers.name
    else:
        intra, inter, g = tiers
        if single_tier:
            lat, bwt, formula = _flat(op, size, n, intra, algorithm)
            link_bw, link_name = intra.bandwidth_bytes_per_s, intra.name
        else:
            if n % g:
                raise ValidationError("n", f"a group spanning nodes must be a multiple of the {g} devices per node; got {n}")
            nodes = n // g
            if algorithm == "ring" and op != "send_recv":
                lat, bwt, formula = _flat_ring_across_nodes(op, size, n, intra, inter, nodes)
                link_bw, link_name = inter.bandwidth_bytes_per_s, f"{intra.name}+{inter.name}"
            elif op == "all_reduce":
                parts = [_flat("reduce_scatter", size, g, intra, "ring"),
                         _flat("all_reduce", size / g, nodes, inter, "tree" if algorithm == "tree" else "ring"),
                         _flat("all_gather", size, g, intra, "ring")]
            elif op in ("all_gather", "reduce_scatter"):
                parts = [_flat(op, size / g, nodes, inter, "ring"), _flat(op, size, g, intra, "ring")]
            elif op == "all_to_all":
                # (nodes-1)/nodes of every buffer leaves the node; each GPU's NIC carries its own share
                cross = size * (nodes - 1) / nodes
                cross_bw = achieved_bus_bandwidth(inter.bandwidth_bytes_per_s, inter.peak_efficiency, size / nodes, "ring")
                inter_part = ((nodes - 1) * inter.latency_s, cross / cross_bw,
                              f"inter-node: {fmt_bytes(cross)} per GPU over {inter.name} at {fmt_rate(cross_bw, 'B/s')}")
                parts = [_flat("all_to_all", size / nodes, g, intra, "ring"), inter_part]
            else:
                parts = [_flat(op, size, nodes, inter, "ring"), _flat(op, size, g, intra, "ring")]
            if algorithm != "ring" or op == "send_recv":
                lat = sum(p[0] for p in parts)
                bwt = sum(p[1] for p in parts)
                formula = "hierarchical (" + f"{g} per node x {nodes} nodes): " + " | ".join(p[2] for p in parts)
                # compare with the node's whole scale-out bandwidth: every GPU drives its own NIC
                link_bw, link_name = g * inter.bandwidth_bytes_per_s, f"{intra.name}+{g}x {inter.name}"
                algorithm = "hierarchical"
    launch = CURVES["nvls" if algorithm == "nvls" else "ring"].launch_s if n > 1 else 0.0
    lat += launch
    if n > 1:
        formula += f"; plus one launch {fmt_time(launch)}"
    time = lat + bwt
    algo_bw = size / time if time > 0 else math.inf
    bus_bw = algo_bw * _bus_factor(op, n) if time > 0 else math.inf
    return Collective(op=op, algorithm=algorithm, message_bytes=size, n=n, link=link_name, time_s=time,
                      latency_term_s=lat, bandwidth_term_s=bwt, algo_bw=algo_bw, bus_bw=bus_bw,
                      link_bw_bytes_per_s=link_bw, formula=formula)


def _flat_ring_across_nodes(op: str, size: float, n: int, intra: Link, inter: Link,
                            nodes: int) -> tuple[float, float, str]:
    """One ring over every device of several nodes (NCCL_ALGO=RING): NCCL builds one ring per NIC, each
    leaving every node once through its own NIC, so every byte a device sends crosses the network once per
    node boundary and the slower tier sets the bus bandwidth."""
    bw_intra = achieved_bus_bandwidth(intra.bandwidth_bytes_per_s, intra.peak_efficiency, size, "ring")
    bw_inter = achieved_bus_bandwidth(inter.bandwidth_bytes_per_s, inter.peak_efficiency, size, "ring")
    bw = min(bw_intra, bw_inter)
    steps = 2 * (n - 1) if op == "all_reduce" else n - 1
    # of every n hops around the ring, `nodes` cross the network
    alpha = ((n - nodes) * intra.latency_s + nodes * inter.latency_s) / n
    factor = _bus_factor(op, n)
    latency, bandwidth = steps * alpha, factor * size / bw
    formula = (f"flat ring over {n} devices on {nodes} nodes: {steps} steps x {alpha * 1e6:.3g} us + {factor:.3g} x "
               f"{fmt_bytes(size)} / bus bandwidth {fmt_rate(bw, 'B/s')} (the slower of {intra.name} "
               f"{fmt_rate(bw_intra, 'B/s')} and {inter.name} {fmt_rate(bw_inter, 'B/s')} per device at this size) = "
               f"{fmt_time(latency)} + {fmt_time(bandwidth)}")
    return latency, bandwidth, formula


def _resolve_tiers(link, gpus_per_node):
    if isinstance(link, Cluster):
        return link.node.intra_link, link.scale_out_link, gpus_per_node or link.node.count
    if isinstance(link, Node):
        return link.intra_link, link.inter_link, gpus_per_node or link.count
    if isinstance(link, Link):
        return link
    if is_interconnect_name(link):
        return interconnect(link)
    if not is_node_name(link):
        from .errors import UnknownNameError
        from .catalog import list_interconnects, list_nodes
        raise UnknownNameError("link or node", link, list_interconnects() + list_nodes())
    n = get_node(link)
    return n.intra_link, n.inter_link, gpus_per_node or n.count

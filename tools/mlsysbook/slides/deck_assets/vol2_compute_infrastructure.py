"""Volume II, Compute Infrastructure: accelerators, nodes, racks, power, reliability and cost of owning.

Same scenarios and engine calls as book/vol2/compute_infrastructure/compute_infrastructure.qmd: the datacenter
accelerators of the catalog, a DGX H100 node, tensor parallelism of Llama 3 70B (8,192-token micro-batches) inside
and outside the NVLink domain, 10,000 GPUs of facility power, the Llama 3 failure log, and ms.tco with the
chapter's ownership assumptions (catalog price + 50%, 4 years, 70% useful hours, 0.08 USD/kWh, default PUE).
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, MB, TB, _ink, _plt, _sig, figure, hw, mdl, number
from .vol2_introduction import run405

H100, B200, MI300, G3, TPU4 = "H100-SXM", "B200", "MI300X", "Gaudi3", "TPUv4"
FLEET = ("A100-80GB", "H100-SXM", "H200", "B200", "MI300X", "Gaudi2", "Gaudi3", "TPUv4", "TPUv5p")
UPTIME_PUE = 1.58                 # Uptime Institute Global Data Center Survey 2023, industry average
FLEET_GPUS = 10_000
RACK_AIR_KW = 40                  # an air-cooled rack budget often quoted for GPU halls (stated on the slide)
TP, SEQ = 8, 8192
BUDGET_FLOP = 1e24
OWN_YEARS, OWN_UTIL, KWH_USD, OVERHEAD = 4, 0.7, 0.08, 0.5
HOURS = OWN_YEARS * 365.25 * 24
# Llama 3 405B's 54-day snapshot on 16,384 GPUs (Dubey et al. 2024, Table 5).
SNAP_GPU_DAYS = 54 * 16384
FAULTY_GPU, UNEXPECTED = 148, 419
GPU_CAUSED = 148 + 72 + 19 + 17 + 6
DESIGN_GPUS = 4096
# The check question (chapter exercise 2): a hall with 2 MW of IT power.
Q_HALL_W = 2e6

NVL4, NVL5, IB, PCIE5 = (ms.interconnect(n) for n in ("NVLink4", "NVLink5", "IB-NDR", "PCIe5"))


def _dgx():
    return ms.node("DGX-H100")


def tf(name: str, dtype: str = "bf16") -> float:
    return hw(name).peak_flops(dtype) / 1e12


def pj_per_flop(name: str) -> float:
    return hw(name).tdp_w * A.TRAINING_POWER_FRACTION / hw(name).peak_flops("bf16") * 1e12


def mfu_ref() -> float:
    """The MFU MLSys·im models for the introduction's 405B run (its deck module holds the layout search)."""
    return run405().step.mfu


def mwh_for(name: str) -> float:
    return BUDGET_FLOP / (hw(name).peak_flops("bf16") * mfu_ref()) * hw(name).tdp_w * A.TRAINING_POWER_FRACTION / 3.6e9


# ------------------------------------------------------------ tensor parallelism inside and outside the domain
def act_bytes() -> float:
    return SEQ * mdl("Llama-3-70B").hidden * 2


def n_allreduce() -> int:
    return 4 * mdl("Llama-3-70B").layers


@functools.cache
def tp_allreduce(link: str):
    return ms.collective("all_reduce", act_bytes(), TP, ms.interconnect(link))


def mb_compute_s() -> float:
    rate = hw(H100).peak_flops("bf16") * A.MATMUL_EFFICIENCY["datacenter"]
    return 6 * mdl("Llama-3-70B").params * SEQ / TP / rate


# ------------------------------------------------------------ power
def facility_mw(node: str, gpus: int = FLEET_GPUS, pue: float = A.DEFAULT_PUE) -> float:
    nd = ms.node(node)
    return gpus / nd.count * nd.power_w * pue / 1e6


def dgx_per_rack() -> int:
    return int(RACK_AIR_KW * 1e3 // _dgx().power_w)


# ------------------------------------------------------------ ownership
@functools.cache
def own():
    return ms.tco(hw(H100), n_devices=FLEET_GPUS, years=OWN_YEARS, utilization=OWN_UTIL, usd_per_kwh=KWH_USD,
                  pue=A.DEFAULT_PUE)


def capex_gpu() -> float:
    return hw(H100).price_usd * (1 + OVERHEAD)


def energy_gpu_usd() -> float:
    return hw(H100).tdp_w * OWN_UTIL * HOURS * A.DEFAULT_PUE / 1e3 * KWH_USD


def breakeven() -> float:
    return (capex_gpu() / HOURS) / (ms.cloud_price(hw(H100)) - hw(H100).tdp_w * A.DEFAULT_PUE / 1e3 * KWH_USD)


def slot_mtbf_h() -> float:
    return SNAP_GPU_DAYS * 24 / UNEXPECTED


def design_nodes() -> int:
    return DESIGN_GPUS // _dgx().count


@functools.cache
def design_tco():
    return ms.tco(hw(H100), n_devices=DESIGN_GPUS, years=OWN_YEARS, utilization=OWN_UTIL, usd_per_kwh=KWH_USD,
                  pue=A.DEFAULT_PUE)


def _count(n: float) -> str:
    return f"{n:,.0f}".replace(",", "{,}")


# datasheet rows
for _name, _key in ((H100, "h100"), ("H200", "h200"), (B200, "b200"), (MI300, "mi300"), (G3, "g3"), (TPU4, "tpu4")):
    number(f"v2ci-{_key}-bf16")(lambda n=_name: _sig(tf(n)))
    number(f"v2ci-{_key}-gb")(lambda n=_name: _sig(hw(n).memory_bytes / GB))
    number(f"v2ci-{_key}-tbs")(lambda n=_name: _sig(hw(n).memory_bw_bytes_per_s / TB))
    number(f"v2ci-{_key}-tdp")(lambda n=_name: _sig(hw(n).tdp_w))
    number(f"v2ci-{_key}-ridge")(lambda n=_name: _sig(hw(n).ridge_point("bf16")))
    number(f"v2ci-{_key}-pj")(lambda n=_name: f"{pj_per_flop(n):.2f}")
number("v2ci-h100-fp8")(lambda: _sig(tf(H100, "fp8")))
number("v2ci-b200-vs-h100")(lambda: f"{tf(B200) / tf(H100):.2f}")
number("v2ci-b200-tdp-vs-h100")(lambda: f"{hw(B200).tdp_w / hw(H100).tdp_w:.2f}")
number("v2ci-power-frac")(lambda: _sig(A.TRAINING_POWER_FRACTION))
number("v2ci-mfu-ref")(lambda: _sig(100 * mfu_ref(), 2))
number("v2ci-h100-mwh")(lambda: _sig(mwh_for(H100)))
number("v2ci-b200-mwh")(lambda: _sig(mwh_for(B200)))
number("v2ci-mi300-mwh")(lambda: _sig(mwh_for(MI300)))

# the node
number("v2ci-dgx-kw")(lambda: _sig(_dgx().power_w / 1e3))
number("v2ci-dgxb-kw")(lambda: _sig(ms.node("DGX-B200").power_w / 1e3))
number("v2ci-gpu-share")(lambda: _sig(100 * _dgx().count * hw(H100).tdp_w / _dgx().power_w, 2))
number("v2ci-nvl4-gbs")(lambda: _sig(NVL4.bandwidth_bytes_per_s / GB))
number("v2ci-nvl5-gbs")(lambda: _sig(NVL5.bandwidth_bytes_per_s / GB))
number("v2ci-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2ci-ib-gbit")(lambda: _sig(IB.bandwidth_bytes_per_s * 8 / 1e9))
number("v2ci-pcie5-gbs")(lambda: _sig(PCIE5.bandwidth_bytes_per_s / GB))
number("v2ci-nvl-vs-ib")(lambda: _sig(NVL4.bandwidth_bytes_per_s / IB.bandwidth_bytes_per_s, 2))
number("v2ci-node-nvl-tbs")(lambda: _sig(_dgx().count * NVL4.bandwidth_bytes_per_s / TB, 2))
number("v2ci-node-nic-gbs")(lambda: _sig(_dgx().nics_per_node * IB.bandwidth_bytes_per_s / GB))
number("v2ci-ifab-gbs")(lambda: _sig(ms.interconnect("InfinityFabric-MI300X").bandwidth_bytes_per_s / GB))
number("v2ci-ici4-gbs")(lambda: _sig(ms.interconnect("TPUv4-ICI").bandwidth_bytes_per_s / GB))

# tensor parallelism
number("v2ci-m70-hidden")(lambda: _count(mdl("Llama-3-70B").hidden))
number("v2ci-m70-layers")(lambda: _count(mdl("Llama-3-70B").layers))
number("v2ci-act-mb")(lambda: _sig(act_bytes() / MB))
number("v2ci-n-ar")(lambda: _count(n_allreduce()))
number("v2ci-ar-hand-ms")(lambda: f"{2 * (TP - 1) / TP * act_bytes() / NVL4.bandwidth_bytes_per_s * 1e3:.2f}")
number("v2ci-ar-nvl-ms")(lambda: f"{tp_allreduce('NVLink4').time_s * 1e3:.2f}")
number("v2ci-ar-nvl-total-ms")(lambda: _sig(n_allreduce() * tp_allreduce("NVLink4").time_s * 1e3))
number("v2ci-ar-ib-total-ms")(lambda: _sig(n_allreduce() * tp_allreduce("IB-NDR").time_s * 1e3))
number("v2ci-ar-pcie-total-ms")(lambda: _sig(n_allreduce() * tp_allreduce("PCIe5").time_s * 1e3))
number("v2ci-mb-compute-ms")(lambda: _sig(mb_compute_s() * 1e3))
number("v2ci-gemm-eff")(lambda: _sig(A.MATMUL_EFFICIENCY["datacenter"]))
number("v2ci-tp-ib-vs-compute")(lambda: _sig(n_allreduce() * tp_allreduce("IB-NDR").time_s / mb_compute_s(), 2))

# power and racks
number("v2ci-pue")(lambda: _sig(A.DEFAULT_PUE))
number("v2ci-it-mw")(lambda: _sig(FLEET_GPUS / _dgx().count * _dgx().power_w / 1e6))
number("v2ci-fac-mw")(lambda: _sig(facility_mw("DGX-H100")))
number("v2ci-fac-uptime-mw")(lambda: _sig(facility_mw("DGX-H100", pue=UPTIME_PUE)))
number("v2ci-b200-fac-mw")(lambda: _sig(facility_mw("DGX-B200")))
number("v2ci-gwh-year")(lambda: _sig(ms.energy(FLEET_GPUS / _dgx().count * _dgx().power_w, 365.25 * 86400,
                                               A.DEFAULT_PUE) / 3.6e12))
number("v2ci-rack-air-kw")(lambda: _sig(RACK_AIR_KW))
number("v2ci-dgx-per-rack")(lambda: str(dgx_per_rack()))
number("v2ci-gpus-per-rack")(lambda: str(dgx_per_rack() * _dgx().count))
number("v2ci-racks-10k")(lambda: _count(math.ceil(FLEET_GPUS / (dgx_per_rack() * _dgx().count))))
number("v2ci-nvl72-racks")(lambda: _count(math.ceil(FLEET_GPUS / 72)))

# reliability
number("v2ci-gpu-fail")(lambda: str(GPU_CAUSED))
number("v2ci-gpu-fail-pct")(lambda: _sig(100 * GPU_CAUSED / UNEXPECTED, 2))
number("v2ci-faulty-per-day")(lambda: _sig(FAULTY_GPU / SNAP_GPU_DAYS * FLEET_GPUS, 2))
number("v2ci-all-per-day")(lambda: _sig(UNEXPECTED / SNAP_GPU_DAYS * FLEET_GPUS, 2))
number("v2ci-job-mtbf-10k-h")(lambda: _sig(ms.job_mtbf(FLEET_GPUS, device_mtbf_s=slot_mtbf_h() * 3600) / 3600, 2))
number("v2ci-gpu-afr")(lambda: _sig(FAULTY_GPU / SNAP_GPU_DAYS * 365.25 * 100, 2))

# ownership
number("v2ci-h100-price")(lambda: _count(hw(H100).price_usd))
number("v2ci-capex-gpu")(lambda: _count(capex_gpu()))
number("v2ci-energy-gpu")(lambda: _count(energy_gpu_usd()))
number("v2ci-hours")(lambda: _count(HOURS))
number("v2ci-own-hand")(lambda: f"{(capex_gpu() + energy_gpu_usd()) / (HOURS * OWN_UTIL):.2f}")
number("v2ci-own-hour")(lambda: f"{own().usd_per_device_hour:.2f}")
number("v2ci-energy-share")(lambda: _sig(100 * own().energy_usd / own().total_usd, 2))
number("v2ci-cloud-h")(lambda: f"{ms.cloud_price(hw(H100)):.2f}")
number("v2ci-own-total-musd")(lambda: _sig(own().total_usd / 1e6))
number("v2ci-cloud-total-musd")(lambda: _count(own().cloud_usd / 1e6))
number("v2ci-breakeven-pct")(lambda: _sig(100 * breakeven(), 2))

# the 4,096-GPU design
number("v2ci-design-nodes")(lambda: _count(design_nodes()))
number("v2ci-design-pflops")(lambda: _count(DESIGN_GPUS * hw(H100).peak_flops("bf16") / 1e15))
number("v2ci-design-hbm-tb")(lambda: _sig(DESIGN_GPUS * hw(H100).memory_bytes / TB))
number("v2ci-design-state-t")(lambda: _sig(DESIGN_GPUS * hw(H100).memory_bytes / 16 / 1e12, 2))
number("v2ci-design-nics")(lambda: _count(design_nodes() * _dgx().nics_per_node))
number("v2ci-design-fabric-tbs")(lambda: _sig(design_nodes() * _dgx().nics_per_node * IB.bandwidth_bytes_per_s / TB))
number("v2ci-design-it-mw")(lambda: _sig(design_nodes() * _dgx().power_w / 1e6, 2))
number("v2ci-design-fac-mw")(lambda: _sig(design_nodes() * _dgx().power_w * A.DEFAULT_PUE / 1e6, 2))
number("v2ci-design-racks")(lambda: _count(math.ceil(design_nodes() / dgx_per_rack())))
number("v2ci-design-capex-musd")(lambda: _sig(design_tco().capex_usd / 1e6))
number("v2ci-design-energy-musd")(lambda: _sig(design_tco().energy_usd / 1e6, 2))

# the check question: a 2 MW hall
number("v2ci-q-dgx-nodes")(lambda: str(int(Q_HALL_W // _dgx().power_w)))
number("v2ci-q-dgx-gpus")(lambda: _count(int(Q_HALL_W // _dgx().power_w) * _dgx().count))
number("v2ci-q-dgxb-nodes")(lambda: str(int(Q_HALL_W // ms.node("DGX-B200").power_w)))
number("v2ci-q-dgxb-gpus")(lambda: _count(int(Q_HALL_W // ms.node("DGX-B200").power_w) * ms.node("DGX-B200").count))
number("v2ci-q-pflops-h100")(lambda: _count(int(Q_HALL_W // _dgx().power_w) * _dgx().count * tf(H100) / 1e3))
number("v2ci-q-pflops-b200")(lambda: _count(int(Q_HALL_W // ms.node("DGX-B200").power_w) * ms.node("DGX-B200").count
                                            * tf(B200) / 1e3))


# Bar lengths (cm) for the deck's TikZ comparison of one micro-batch's tensor-parallel traffic with its compute:
# plain decimals, so they can be TikZ coordinates (1 cm = 250 ms).
def _cm(seconds: float) -> str:
    return f"{seconds * 1e3 / 250:.2f}"


number("v2ci-bar-compute")(lambda: _cm(mb_compute_s()))
number("v2ci-bar-nvl")(lambda: _cm(n_allreduce() * tp_allreduce("NVLink4").time_s))
number("v2ci-bar-pcie")(lambda: _cm(n_allreduce() * tp_allreduce("PCIe5").time_s))
number("v2ci-bar-ib")(lambda: _cm(n_allreduce() * tp_allreduce("IB-NDR").time_s))


# ------------------------------------------------------------ figures
@figure("fig-v2ci-accelerators")
def _fig_accelerators():
    plt = _plt()
    fig, ax = plt.subplots()
    for name in FLEET:
        h = hw(name)
        ax.scatter(tf(name), h.memory_bw_bytes_per_s / TB, s=h.memory_bytes / GB * 1.5, alpha=0.75, zorder=3)
        ax.annotate(name, (tf(name), h.memory_bw_bytes_per_s / TB), textcoords="offset points", xytext=(6, 4),
                    fontsize=8)
    xs = [100, 2600]
    for ridge in (150, 300, 600):
        ax.plot(xs, [x * 1e12 / ridge / 1e12 for x in xs], ":", color=_ink(), lw=0.8)
        ax.annotate(f"ridge {ridge}", (2300, 2300 / ridge), fontsize=7)
    ax.set_xlim(100, 2700)
    ax.set_ylim(0, 9)
    ax.set_xlabel("dense BF16 peak (TFLOP/s)")
    ax.set_ylabel("HBM bandwidth (TB/s)")
    return fig


@figure("fig-v2ci-megawatts")
def _fig_megawatts():
    plt = _plt()
    names = ["DGX-A100", "DGX-H100", "HGX-H200", "DGX-B200", "MI300X-8", "Gaudi3-8"]
    xs = range(len(names))
    fig, ax = plt.subplots()
    ax.bar([x - 0.2 for x in xs], [facility_mw(n) for n in names], width=0.4, label=f"PUE {A.DEFAULT_PUE:g} (default)")
    ax.bar([x + 0.2 for x in xs], [facility_mw(n, pue=UPTIME_PUE) for n in names], width=0.4,
           label=f"PUE {UPTIME_PUE:g} (2023 survey average)")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel("MW for 10,000 accelerators")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ci-tco")
def _fig_tco():
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    plt = _plt()
    utils = [u / 100 for u in range(5, 101, 5)]
    curve = [ms.tco(hw(H100), n_devices=1, years=OWN_YEARS, utilization=u, usd_per_kwh=KWH_USD,
                    pue=A.DEFAULT_PUE).usd_per_device_hour for u in utils]
    cloud = ms.cloud_price(hw(H100))
    fig, ax = plt.subplots()
    ax.plot([100 * u for u in utils], curve, "o-", label="own (ms.tco)")
    ax.axhline(cloud, color="C1", ls="--", label=f"on-demand rent ({cloud:.2f} USD/h)")
    ax.set_yscale("log")
    ax.set_yticks([1, 2, 5, 10, 20, 50])
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hours doing useful work (%)")
    ax.set_ylabel("USD per useful H100-hour")
    ax.legend(fontsize=8)
    return fig

"""How much of a link's bandwidth a collective reaches, as a function of message size and algorithm.

NCCL does not reach its best bus bandwidth until messages are hundreds of megabytes: small buffers
use fewer channels and low-latency protocols, and every collective pays a kernel launch. Measured
curves (nccl-tests ``busbw`` against size) rise smoothly over four decades of size, which a single
alpha (per-step latency) term cannot reproduce. This module models the achieved bus bandwidth as

    bus_bw(S) = link bandwidth x peak_efficiency x ramp(S) / ramp(8 GiB),   ramp(S) = 1 / (1 + (S_half / S)^k)

so ``peak_efficiency`` keeps its catalog meaning (the fraction reached on the largest messages) and
the curve only says how fast a message of size S approaches it; a collective also pays ``launch_s``.
``S`` is the message each rank holds (the nccl-tests "size" column).

Two curves were fitted (least squares on log busbw, messages from 64 KiB to 8 GiB) on published
8-GPU all-reduce measurements and are validated on different ones (see mlsysim.validation):

* ``ring``: 8x A100-SXM4-80GB on NVLink3 through NVSwitch, NCCL 2.18.5 (Azure ND A100 v4). Also used
  for all-gather, reduce-scatter, all-to-all and for scale-out tiers, where no measurement is in the
  validation set yet (a stated limit).
* ``nvls``: NVLink SHARP (in-switch reduction, NCCL's default all-reduce on NVLink4/5 NVSwitch
  systems), 8x H200 on NVLink4, NCCL 2.20.5 (Azure ND H200 v5). Its bus bandwidth exceeds the
  per-direction link rate (about 480 GB/s on 450 GB/s links) because the switch does the reduction.
  On fewer GPUs its large-message bus bandwidth scales with the ring convention 2(n-1)/n, because the
  algorithm bandwidth does not depend on n (:func:`nvls_peak_efficiency`); validated on 4-8 of the
  GPUs of one H100 server (NVIDIA/nccl#1455).
"""
from __future__ import annotations

from dataclasses import dataclass

#: Size at which ``peak_efficiency`` in the interconnect catalog is reached (the largest size
#: nccl-tests runs in the measurements the catalog cites).
REFERENCE_SIZE_BYTES = 8 * 2**30

AZURE_GUIDE = ("Microsoft Azure AI benchmarking guide, https://github.com/Azure/AI-benchmarking-guide, "
               "Azure_Results/{page}: NCCL all-reduce bus bandwidth (nccl-tests, in-place, 8 GPUs, 1 KB to 8 GB)")


@dataclass(frozen=True)
class BusBandwidthCurve:
    """Achieved bus bandwidth against message size for one collective algorithm."""

    algorithm: str
    half_size_bytes: float   # S_half: the ramp reaches half its height here
    exponent: float          # k: how sharply the ramp rises with size
    launch_s: float          # fixed cost of one collective (kernel launch, synchronisation)
    source: str

    def ramp(self, size_bytes: float) -> float:
        """Fraction of the link's large-message bus bandwidth reached at ``size_bytes`` (1 at 8 GiB)."""
        def shape(size: float) -> float:
            return 1.0 / (1.0 + (self.half_size_bytes / size) ** self.exponent)
        return shape(size_bytes) / shape(REFERENCE_SIZE_BYTES)


#: ring (and every non-NVLS algorithm): fitted on Azure ND A100 v4 (8x A100 80GB, NCCL 2.18.5);
#: launch_s is the fitted 37.5 us fixed cost minus the 14 ring steps x 2 us the link catalog charges.
RING = BusBandwidthCurve("ring", half_size_bytes=7.34e6, exponent=0.332, launch_s=9.5e-6,
                         source=AZURE_GUIDE.format(page="ND_A100_v4_results.md") + "; fitted, see module docstring")

#: NVLink SHARP all-reduce: fitted on Azure ND H200 v5 (8x H200, NCCL 2.20.5); launch_s is the fitted
#: 28 us fixed cost minus two 2 us switch traversals (reduce, multicast).
NVLS = BusBandwidthCurve("nvls", half_size_bytes=2.24e6, exponent=0.372, launch_s=24e-6,
                         source=AZURE_GUIDE.format(page="ND_H200_v5_results.md") + "; fitted, see module docstring")

#: Large-message NVLS bus bandwidth as a fraction of the per-direction NVLink rate: 480 GB/s on 450 GB/s
#: NVLink4 (8x H200, 8 GiB, Azure ND H200 v5 table; NCCL's maintainer quotes "a peak busBw of ~480GB/s"
#: on 8 GPUs in https://github.com/NVIDIA/nccl-tests/issues/212).
NVLS_PEAK_EFFICIENCY = 480.0 / 450.0

#: Links whose NVSwitch performs NVLink SHARP reductions (third-generation NVSwitch and later).
NVLS_LINKS = ("NVLink4", "NVLink5")

CURVES = {"ring": RING, "tree": RING, "nvls": NVLS}


def supports_nvls(link_name: str, op: str, n: int) -> bool:
    """NCCL picks NVLS for all-reduce on NVLink4/5 switch systems when more than two GPUs take part."""
    return op == "all_reduce" and n > 2 and link_name in NVLS_LINKS


#: The GPU count NVLS_PEAK_EFFICIENCY was measured at.
NVLS_REFERENCE_GPUS = 8


def nvls_peak_efficiency(n: int) -> float:
    """Large-message NVLS bus bandwidth on ``n`` GPUs as a fraction of the per-direction link rate.

    With NVLS each GPU writes its S bytes into the switch once and reads the result once, so the time,
    and with it the algorithm bandwidth S / time, does not depend on n; the bus bandwidth nccl-tests
    reports is that times the ring convention 2(n-1)/n. Scaling the 8-GPU measurement by
    ((n-1)/n) / (7/8) follows; no constant is fitted for it. NCCL's maintainer gives "a peak busBw of
    ~480GB/s (algbw ~275GB/s)" on 8 GPUs (nvidia/nccl-tests#212): 480 / 275 = 1.75 = 2 x 7/8.
    """
    ref = NVLS_REFERENCE_GPUS
    return NVLS_PEAK_EFFICIENCY * ((n - 1) / n) / ((ref - 1) / ref)


def achieved_bus_bandwidth(link_bw_bytes_per_s: float, peak_efficiency: float, size_bytes: float,
                           algorithm: str, n: int = NVLS_REFERENCE_GPUS) -> float:
    """Bus bandwidth (bytes/s) a collective of ``size_bytes`` per rank on ``n`` devices reaches on one tier."""
    curve = CURVES[algorithm]
    peak = nvls_peak_efficiency(n) if algorithm == "nvls" else peak_efficiency
    return link_bw_bytes_per_s * peak * curve.ramp(size_bytes)

"""Edge and microcontroller deployment: does a model fit flash and SRAM, how long, how much energy."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import assumptions
from .catalog import hardware, model as get_model
from .errors import ValidationError
from .results import Result
from .units import DTYPE_BYTES, dtype_name, fmt_bytes, fmt_count, fmt_rate, fmt_time

#: Bytes the TFLite Micro interpreter and kernels occupy in flash, and its runtime arena overhead.
RUNTIME_FLASH_BYTES = 100e3
RUNTIME_SRAM_BYTES = 20e3


@dataclass(frozen=True)
class EdgeFit(Result):
    model: str
    hardware: str
    dtype: str
    fits: bool
    fits_flash: bool
    fits_sram: bool
    flash_bytes: float
    flash_capacity_bytes: float
    sram_bytes: float
    sram_capacity_bytes: float
    latency_s: float
    energy_j: float
    compute_s: float
    memory_s: float
    bound: str
    weights_bytes: float
    activation_bytes: float
    flop: float
    sustained_ops: float
    power_w: float

    def _explain_lines(self) -> list[str]:
        verdict = "fits" if self.fits else "does NOT fit"
        why = [] if self.fits else [n for n, ok in (("flash", self.fits_flash), ("SRAM", self.fits_sram)) if not ok]
        return [f"{self.model} ({self.dtype}) on {self.hardware}: {verdict}" + (f" ({', '.join(why)} too small)" if why else ""),
                (f"weights {fmt_bytes(self.weights_bytes)} stay on the host; "
                 f"{fmt_bytes(max(0.0, self.weights_bytes - self.sram_capacity_bytes))} beyond the "
                 f"{fmt_bytes(self.sram_capacity_bytes)} on-chip cache cross the link every inference"
                 if math.isinf(self.flash_capacity_bytes) else
                 f"flash: weights {fmt_bytes(self.weights_bytes)} (+ runtime) = {fmt_bytes(self.flash_bytes)} of "
                 f"{fmt_bytes(self.flash_capacity_bytes)}"),
                f"SRAM: peak live activations {fmt_bytes(self.activation_bytes)} (+ arena) = {fmt_bytes(self.sram_bytes)} of "
                f"{fmt_bytes(self.sram_capacity_bytes)}",
                f"compute = {fmt_count(self.flop, 'OP')} / {fmt_rate(self.sustained_ops, 'OP/s')} sustained = {fmt_time(self.compute_s)}",
                f"latency = max(compute {fmt_time(self.compute_s)}, memory {fmt_time(self.memory_s)}) = "
                f"{fmt_time(self.latency_s)} ({self.bound}-bound); energy = {self.power_w:g} W x latency = {self.energy_j * 1e3:.3g} mJ"]


def edge_fit(model, hw, dtype: str = "int8") -> EdgeFit:
    """Fit and single-inference latency/energy of a CNN (or small transformer) on an edge device or MCU.

    On MCUs the weights stay in flash (execute-in-place) and the activations live in SRAM; on boards
    with DRAM both count against ``memory_bytes``.
    """
    m = get_model(model)
    device = hardware(hw)
    dtype = dtype_name(dtype)
    if not device.supports(dtype):
        raise ValidationError("dtype", f"{device.name} has no {dtype} peak; supported: {', '.join(device.peak_flops_by_dtype)}")
    size = DTYPE_BYTES[dtype]
    weights = m.params * size
    if m.kind == "cnn":
        acts = m.peak_activation_elements * size
        flop = m.flops_per_sample
    elif m.kind == "transformer":
        seq = min(m.max_seq_len, 128)
        acts = seq * (m.hidden + m.ffn_hidden) * size
        flop = m.flops_per_token(seq) * seq
    else:
        raise ValidationError("model", f"edge_fit covers CNNs and transformers; {m.name} is a {m.kind}")
    host_attached = device.category != "mcu" and device.memory_bytes <= (device.sram_bytes or 0.0)
    if device.category == "mcu":
        flash_need, flash_cap = weights + RUNTIME_FLASH_BYTES, device.flash_bytes or 0.0
        sram_need, sram_cap = acts + RUNTIME_SRAM_BYTES, device.sram_bytes or 0.0
    elif host_attached:
        # the host keeps the model; whatever exceeds the on-chip cache streams in on every inference
        flash_need, flash_cap = weights, math.inf
        sram_need, sram_cap = acts, device.sram_bytes
    else:
        flash_need, flash_cap = weights, device.memory_bytes + (device.sram_bytes or 0.0)
        sram_need, sram_cap = weights + acts, device.memory_bytes + (device.sram_bytes or 0.0)
    fraction = device.sustained_fraction or assumptions.MATMUL_EFFICIENCY[device.category]
    sustained = device.peak_flops(dtype) * fraction
    compute_s = flop / sustained
    if device.category == "mcu":
        # weights execute in place from flash; activations stream through SRAM
        moved = acts * 2
    elif host_attached:
        # a host-attached accelerator (Coral): the model is cached in on-chip SRAM, parameters beyond it
        # and the input/output tensors cross the host link on every inference
        first, last = m.cnn_layers[0].input_elements if m.kind == "cnn" else acts, \
            m.cnn_layers[-1].output_elements if m.kind == "cnn" else 0
        moved = max(0.0, weights - device.sram_bytes) + (first + last) * size
    elif device.sram_bytes is not None and weights + acts <= device.sram_bytes:
        moved = acts * 2
    else:
        moved = weights + acts * 2
    memory_s = moved / (device.memory_bw_bytes_per_s * assumptions.MEMORY_EFFICIENCY[device.category])
    latency = max(compute_s, memory_s)
    power = device.tdp_w if device.tdp_w is not None else 0.0
    fits_flash, fits_sram = flash_need <= flash_cap, sram_need <= sram_cap
    return EdgeFit(model=m.name, hardware=device.name, dtype=dtype, fits=fits_flash and fits_sram,
                   fits_flash=fits_flash, fits_sram=fits_sram, flash_bytes=flash_need, flash_capacity_bytes=flash_cap,
                   sram_bytes=sram_need, sram_capacity_bytes=sram_cap, latency_s=latency, energy_j=power * latency,
                   compute_s=compute_s, memory_s=memory_s, bound="compute" if compute_s >= memory_s else "memory",
                   weights_bytes=weights, activation_bytes=acts, flop=flop, sustained_ops=sustained, power_w=power)

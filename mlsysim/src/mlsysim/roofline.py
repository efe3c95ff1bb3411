"""Roofline model: attainable throughput is min(peak compute, bandwidth x arithmetic intensity)."""
from __future__ import annotations

from dataclasses import dataclass

from .catalog import Hardware, hardware
from .errors import ValidationError, positive, positive_int
from .results import Result
from .units import dtype_bytes, dtype_name, fmt_bytes, fmt_count, fmt_rate, fmt_time


@dataclass(frozen=True)
class Roofline(Result):
    hardware: str
    dtype: str
    flop: float
    bytes_moved: float
    peak_flops: float
    memory_bw_bytes_per_s: float
    arithmetic_intensity: float
    ridge_point: float
    attainable_flops: float
    compute_time_s: float
    memory_time_s: float
    time_s: float
    bound: str

    @property
    def utilization(self) -> float:
        """Attainable throughput as a fraction of peak."""
        return self.attainable_flops / self.peak_flops

    _derived = ("utilization",)

    def _explain_lines(self) -> list[str]:
        ai = self.arithmetic_intensity
        return [
            f"{self.bound}-bound on {self.hardware} ({self.dtype}): intensity {ai:.3g} FLOP/B "
            f"{'<' if self.bound == 'memory' else '>='} ridge {self.ridge_point:.3g} FLOP/B",
            f"intensity = flop / bytes = {fmt_count(self.flop, 'FLOP')} / {fmt_bytes(self.bytes_moved)} = {ai:.3g} FLOP/B",
            f"ridge = peak / bandwidth = {fmt_rate(self.peak_flops)} / {fmt_rate(self.memory_bw_bytes_per_s, 'B/s')} = {self.ridge_point:.3g} FLOP/B",
            f"attainable = min(peak, bandwidth x intensity) = min({fmt_rate(self.peak_flops)}, "
            f"{fmt_rate(self.memory_bw_bytes_per_s * ai)}) = {fmt_rate(self.attainable_flops)} ({self.utilization:.1%} of peak)",
            f"time = max(compute {fmt_time(self.compute_time_s)}, memory {fmt_time(self.memory_time_s)}) = {fmt_time(self.time_s)}",
        ]


def roofline(hw, flop: float, bytes_moved: float, dtype: str = "bf16") -> Roofline:
    """Roofline for a kernel doing ``flop`` operations while moving ``bytes_moved`` bytes of memory."""
    device: Hardware = hardware(hw)
    flop = positive("flop", flop)
    bytes_moved = positive("bytes_moved", bytes_moved)
    dtype = dtype_name(dtype)
    peak = device.peak_flops(dtype)
    bw = device.memory_bw_bytes_per_s
    intensity = flop / bytes_moved
    compute_s, memory_s = flop / peak, bytes_moved / bw
    bound = "compute" if compute_s >= memory_s else "memory"
    return Roofline(hardware=device.name, dtype=dtype, flop=flop, bytes_moved=bytes_moved, peak_flops=peak,
                    memory_bw_bytes_per_s=bw, arithmetic_intensity=intensity, ridge_point=peak / bw,
                    attainable_flops=min(peak, bw * intensity), compute_time_s=compute_s, memory_time_s=memory_s,
                    time_s=max(compute_s, memory_s), bound=bound)


def matmul(hw, m: int, n: int, k: int, dtype: str = "bf16") -> Roofline:
    """(m x k) @ (k x n): 2mnk FLOPs; reads A and B and writes C once each (ideal tiling)."""
    m, n, k = positive_int("m", m), positive_int("n", n), positive_int("k", k)
    size = dtype_bytes(dtype)
    return roofline(hw, 2.0 * m * n * k, size * (m * k + k * n + m * n), dtype)


PHASES = ("prefill", "decode", "training", "inference")


def model_roofline(model, hw, phase: str = "decode", batch: int = 1, seq_len: int = 2048, dtype: str = "bf16") -> Roofline:
    """Roofline of a whole model phase on one device (no parallelism, ideal caching of activations).

    ``prefill``/``decode`` (decoder transformers): one forward over the prompt, or one new token per
    sequence reading all weights and the KV cache of ``seq_len`` tokens. ``inference`` (any model):
    one forward of ``batch`` samples. ``training``: forward + backward + reading/writing activations,
    weights read three times and gradients written once.
    """
    from .catalog import model as get_model
    from .errors import choice

    m = get_model(model)
    phase = choice("phase", phase, PHASES)
    batch, seq_len = positive_int("batch", batch), positive_int("seq_len", seq_len)
    size = dtype_bytes(dtype)
    weights = m.params * size
    if m.kind == "transformer":
        per_token_acts = (m.hidden * 4 + m.ffn_hidden * m.active_experts * m.ffn_matrices) * m.layers * size
        if phase == "decode":
            if m.encoder:
                raise ValidationError("phase", f"{m.name} is an encoder; it has no decode phase (use 'inference')")
            flop = batch * m.flops_per_token(seq_len)
            moved = weights + batch * seq_len * m.kv_bytes_per_token(dtype)
        elif phase in ("prefill", "inference"):
            flop = batch * seq_len * m.flops_per_token(max(1, seq_len // 2))
            kv = 0.0 if m.encoder else batch * seq_len * m.kv_bytes_per_token(dtype)
            moved = weights + kv + batch * seq_len * m.hidden * size * 2
        else:
            flop = 3 * batch * seq_len * m.flops_per_token(seq_len)
            moved = 4 * weights + 2 * batch * seq_len * per_token_acts
    else:
        if phase in ("prefill", "decode"):
            raise ValidationError("phase", f"{m.name} is a {m.kind}; use phase='inference' or 'training'")
        acts = sum(l.input_elements + l.output_elements for l in m.cnn_layers) * size if m.kind == "cnn" else \
            (len(m.table_rows) + 1) * m.embedding_dim * size
        if m.kind == "dlrm":
            # each sample gathers one row per table: the tables are not streamed whole
            weights = (m.mlp_params + len(m.table_rows) * m.embedding_dim / max(1, batch)) * size
        flop = batch * m.flops_per_sample * (3 if phase == "training" else 1)
        moved = (4 if phase == "training" else 1) * weights + batch * acts * (2 if phase == "training" else 1)
    return roofline(hw, flop, moved, dtype)

"""Benchmark harness: warm-up, timed iterations, latency percentiles, throughput, memory."""

from __future__ import annotations

import json
import platform
import resource
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if platform.system() == "Darwin" else peak * 1024


def pick_device(requested: str = "auto") -> str:
    """'cuda' on a Jetson (or any CUDA GPU) when available, else 'cpu'."""
    import torch

    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {requested!r}")
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA requested but torch.cuda.is_available() is False: on a Jetson install "
                           "NVIDIA's JetPack PyTorch wheel, elsewhere use --device cpu")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def synchronize(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


@dataclass
class BenchResult:
    name: str
    device: str
    batch: int
    iterations: int
    latency_ms: dict
    throughput_per_s: float
    peak_rss_mb: float
    gpu_peak_mb: float | None = None
    extra: dict = field(default_factory=dict)
    latency_label: str = "latency"
    throughput_unit: str = "items/s"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def summary(self) -> str:
        lat = self.latency_ms
        text = (f"{self.name} on {self.device}, batch {self.batch}: {self.latency_label} p50 {lat['p50']:.2f} ms, "
                f"p90 {lat['p90']:.2f} ms, p99 {lat['p99']:.2f} ms; {self.throughput_per_s:.1f} {self.throughput_unit}; "
                f"peak RSS {self.peak_rss_mb:.0f} MB")
        if self.gpu_peak_mb is not None:
            text += f"; GPU peak {self.gpu_peak_mb:.0f} MB"
        return text


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        raise ValueError("no timings to summarise")
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def run_benchmark(name: str, step: Callable[[], object], *, batch: int, device: str = "cpu",
                  warmup: int = 3, iterations: int = 20, extra: dict | None = None) -> BenchResult:
    """Time `step` (one batch) `iterations` times after `warmup` untimed calls."""
    if iterations < 1 or warmup < 0:
        raise ValueError("need iterations >= 1 and warmup >= 0")
    gpu = device == "cuda"
    if gpu:
        import torch

        torch.cuda.reset_peak_memory_stats()
    for _ in range(warmup):
        step()
    synchronize(device)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    ordered = sorted(t * 1000 for t in times)
    gpu_peak = None
    if gpu:
        import torch

        gpu_peak = torch.cuda.max_memory_allocated() / 2**20
    return BenchResult(name, device, batch, iterations,
                       {"p50": percentile(ordered, 0.5), "p90": percentile(ordered, 0.9),
                        "p99": percentile(ordered, 0.99), "mean": statistics.fmean(ordered)},
                       batch / (statistics.fmean(times)), peak_rss_bytes() / 2**20, gpu_peak, extra or {})

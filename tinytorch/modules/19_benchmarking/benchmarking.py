# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 19: Benchmarking
#
# A speed claim means nothing without its conditions. MLPerf Inference [Reddi et al., "MLPerf
# Inference Benchmark", ISCA 2020, arXiv:1911.02549] fixes them with *scenarios* and a *quality
# target*: a system only counts if it keeps at least a stated fraction (e.g. 99%) of the reference
# model's accuracy, and each scenario reports the metric its use case cares about. We build a harness
# in that spirit with three scenarios:
#
# - **SingleStream**: one query at a time (a phone app); metric: 90th-percentile latency.
# - **Offline**: all queries available at once (batch processing); metric: throughput (samples/s).
# - **Server**: queries arrive at random (Poisson) times at a given rate; metric: 99th-percentile
#   latency including queueing, which explodes as the arrival rate nears the service rate.
#
# **Systems lens.** Latency and throughput pull in opposite directions: batching raises throughput
# by amortising per-call overhead but makes each query wait. Tail percentiles, not means, decide user
# experience, and a benchmark must report them with the number of samples they rest on.

# %%
#| default_exp benchmarking.harness
#| requires: 01 14
#| public: BenchmarkConfig, BenchmarkResult, run_benchmark, percentile_latency

# %%
#| export
import time
from dataclasses import asdict, dataclass, field

import numpy as np

SCENARIOS = ("SingleStream", "Offline", "Server")


@dataclass(frozen=True)
class BenchmarkConfig:
    scenario: str = "SingleStream"
    queries: int = 200
    warmup: int = 5
    batch_size: int = 64
    arrival_rate_per_s: float = 100.0
    quality_fraction: float = 0.99
    seed: int = 0

    def __post_init__(self):
        if self.scenario not in SCENARIOS:
            raise ValueError(f"BenchmarkConfig: scenario must be one of {SCENARIOS}, got '{self.scenario}'")
        if self.queries <= 0 or self.batch_size <= 0 or self.arrival_rate_per_s <= 0:
            raise ValueError("BenchmarkConfig: queries, batch_size and arrival_rate_per_s must be positive")
        if not 0 < self.quality_fraction <= 1:
            raise ValueError(f"BenchmarkConfig: quality_fraction must be in (0, 1], got {self.quality_fraction}")


@dataclass
class BenchmarkResult:
    scenario: str
    queries: int
    accuracy: float
    reference_accuracy: float
    quality_met: bool
    metrics: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.quality_met

    def to_dict(self) -> dict:
        return asdict(self)

    def report(self) -> str:
        status = "VALID" if self.valid else "INVALID (quality target missed)"
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in self.metrics.items())
        return (f"{self.scenario}: {status}; accuracy {self.accuracy:.4f} vs reference {self.reference_accuracy:.4f}; "
                f"{metrics} over {self.queries} queries")


def percentile_latency(latencies, q: float) -> float:
    """The q-th percentile using the nearest-rank rule (no interpolation between samples)."""
    values = np.sort(np.asarray(latencies, dtype=float))
    if values.size == 0:
        raise ValueError("percentile_latency: no latency samples")
    ### BEGIN SOLUTION
    rank = max(1, int(np.ceil(q / 100.0 * values.size)))
    return float(values[rank - 1])
    ### END SOLUTION

# %% [markdown]
# ## The harness
#
# `run_benchmark(predict, inputs, labels, reference_accuracy, config)` measures the scenario's
# metric and checks quality on every prediction it made. The Server scenario simulates a single
# server queue: arrival times are drawn from an exponential distribution and each query starts when
# both it has arrived and the previous one has finished, so latency = waiting + service.

# %%
#| export
def run_benchmark(predict, inputs: np.ndarray, labels: np.ndarray, reference_accuracy: float, config: BenchmarkConfig) -> BenchmarkResult:
    n = min(config.queries, len(inputs))
    inputs, labels = inputs[:n], labels[:n]
    for i in range(min(config.warmup, n)):
        predict(inputs[i:i + 1])
    predictions = np.empty(n, dtype=np.int64)
    metrics = {}
    ### BEGIN SOLUTION
    ### HINT: SingleStream times each query alone; Offline times batches; Server adds simulated queueing to service times
    if config.scenario == "Offline":
        start = time.perf_counter()
        for i in range(0, n, config.batch_size):
            predictions[i:i + config.batch_size] = predict(inputs[i:i + config.batch_size])
        metrics["samples_per_s"] = n / (time.perf_counter() - start)
    else:
        service = np.empty(n)
        for i in range(n):
            start = time.perf_counter()
            predictions[i] = predict(inputs[i:i + 1])[0]
            service[i] = time.perf_counter() - start
        if config.scenario == "SingleStream":
            metrics["p50_latency_s"] = percentile_latency(service, 50)
            metrics["p90_latency_s"] = percentile_latency(service, 90)
        else:
            arrivals = np.cumsum(np.random.default_rng(config.seed).exponential(1.0 / config.arrival_rate_per_s, n))
            finish = np.empty(n)
            for i in range(n):
                begin = max(arrivals[i], finish[i - 1] if i else 0.0)
                finish[i] = begin + service[i]
            latency = finish - arrivals
            metrics["p99_latency_s"] = percentile_latency(latency, 99)
            metrics["utilisation"] = float(service.sum() / (finish[-1] - arrivals[0]))
    ### END SOLUTION
    accuracy = float((predictions == labels).mean())
    return BenchmarkResult(config.scenario, n, accuracy, reference_accuracy,
                           accuracy >= config.quality_fraction * reference_accuracy, metrics)

# %% [markdown]
# ## Systems analysis: the queueing knee
#
# With a fixed model we raise the Server scenario's arrival rate towards the service rate and watch
# the p99 latency: flat at first, then climbing steeply, which is why production systems run well
# below full utilisation.

# %%
def queueing_knee(rates=(50, 200, 400, 800)) -> list:
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((64, 10)).astype(np.float32)
    inputs = rng.standard_normal((300, 64)).astype(np.float32)
    labels = (inputs @ weights).argmax(axis=1)

    def predict(x):
        return (x @ weights).argmax(axis=1)

    rows = []
    for rate in rates:
        result = run_benchmark(predict, inputs, labels, 1.0, BenchmarkConfig("Server", queries=300, arrival_rate_per_s=rate))
        rows.append({"rate": rate, **result.metrics})
    return rows


if __name__ == "__main__":
    for row in queueing_knee():
        print(f"arrivals {row['rate']:5d}/s: p99 latency {row['p99_latency_s'] * 1e3:8.3f} ms, utilisation {row['utilisation']:.2f}")

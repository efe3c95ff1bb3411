"""Module 19 tests: percentiles, scenarios, quality gating, configuration validation."""
import numpy as np
import pytest

from tinytorch.benchmarking.harness import BenchmarkConfig, run_benchmark, percentile_latency

RNG = np.random.default_rng(0)
W = RNG.standard_normal((8, 3))
X = RNG.standard_normal((100, 8))
Y = (X @ W).argmax(axis=1)


def exact(x):
    return (x @ W).argmax(axis=1)


def test_nearest_rank_percentile():
    assert percentile_latency([5, 1, 4, 2, 3], 50) == 3
    assert percentile_latency(range(1, 101), 90) == 90
    assert percentile_latency([7], 99) == 7
    with pytest.raises(ValueError, match="no latency"):
        percentile_latency([], 50)


@pytest.mark.parametrize("scenario, metric", [("SingleStream", "p90_latency_s"), ("Offline", "samples_per_s"), ("Server", "p99_latency_s")])
def test_scenarios_report_their_metric(scenario, metric):
    result = run_benchmark(exact, X, Y, 1.0, BenchmarkConfig(scenario, queries=50, batch_size=16))
    assert result.valid and result.accuracy == 1.0 and result.metrics[metric] > 0
    assert scenario in result.report() and result.to_dict()["queries"] == 50


def test_quality_target_invalidates_a_degraded_system():
    def noisy(x):
        out = exact(x)
        out[::3] = (out[::3] + 1) % 3
        return out

    result = run_benchmark(noisy, X, Y, 1.0, BenchmarkConfig("Offline", queries=99))
    assert not result.valid and "INVALID" in result.report()


def test_server_latency_grows_with_arrival_rate():
    def slow(x):
        # ~1 ms of service, so that one scheduling hiccup on a busy machine (a few ms) cannot match the
        # queueing of 100 back-to-back arrivals, which is what the assertion below is about
        total = 0.0
        for _ in range(20000):
            total += 1.0
        return exact(x)

    low = run_benchmark(slow, X, Y, 1.0, BenchmarkConfig("Server", queries=100, arrival_rate_per_s=10))
    high = run_benchmark(slow, X, Y, 1.0, BenchmarkConfig("Server", queries=100, arrival_rate_per_s=1e6))
    assert high.metrics["p99_latency_s"] > 5 * low.metrics["p99_latency_s"]
    assert high.metrics["utilisation"] > low.metrics["utilisation"]


def test_config_validation():
    with pytest.raises(ValueError, match="scenario"):
        BenchmarkConfig("Batch")
    with pytest.raises(ValueError, match="quality_fraction"):
        BenchmarkConfig(quality_fraction=1.5)

"""Discrete-event simulation of an LLM server with continuous (iteration-level) batching.

Requests arrive as a Poisson process. Each iteration the server admits waiting requests up to its
KV-cache-limited concurrency (paying their prefill), then runs one decode step for every active
request. A step of n active sequences takes ``Serving.decode_step_s(n)``, the time serve() gives a
decode step at batch n (its TPOT there): flat in n while the linear layers are memory-bound on the
weights, growing once they are compute-bound, plus attention over the n sequences' KV cache at the
configuration's mean context. A full batch therefore steps at exactly serve(batch=cap).tpot_s.
"""
from __future__ import annotations

import math
import random
import statistics
from collections import deque
from dataclasses import dataclass

from .errors import ValidationError, positive, positive_int
from .results import Result
from .serving import Serving
from .units import fmt_time


@dataclass(frozen=True)
class QueueStats(Result):
    arrival_rate: float
    n_requests: int
    p50_s: float
    p90_s: float
    p99_s: float
    mean_s: float
    ttft_p50_s: float
    ttft_p99_s: float
    throughput_rps: float
    mean_batch: float
    max_concurrency: int
    utilization: float
    stable: bool
    capacity_rps: float

    def _explain_lines(self) -> list[str]:
        return [f"{self.arrival_rate:g} req/s, {self.n_requests} requests: latency p50 {fmt_time(self.p50_s)}, "
                f"p99 {fmt_time(self.p99_s)}; TTFT p50 {fmt_time(self.ttft_p50_s)}, p99 {fmt_time(self.ttft_p99_s)}",
                f"served {self.throughput_rps:.3g} req/s with {self.mean_batch:.1f} sequences per decode step on average "
                f"(limit {self.max_concurrency}); server busy {self.utilization:.0%} of the time",
                f"Little's law: requests in the system = arrival rate x mean latency = {self.arrival_rate:g} x "
                f"{fmt_time(self.mean_s)} = {self.arrival_rate * self.mean_s:.3g}",
                f"capacity at the concurrency limit: {self.max_concurrency} / ({self.max_concurrency} prefills + "
                f"decode steps of {self.max_concurrency}) = {self.capacity_rps:.3g} req/s",
                "stable: arrivals are served as fast as they come" if self.stable else
                "UNSTABLE: arrivals outpace the server or the queue grows; latency percentiles depend on how long "
                "you run it"]


def poisson_arrivals(rate: float, n_requests: int, seed: int = 0) -> list[float]:
    """Arrival times of a Poisson process: cumulative sums of exponential gaps with mean 1/rate.

    Drawn with Python's ``random.Random(seed)`` (Mersenne Twister), so a seed gives the same stream on
    every platform, Pyodide included, without NumPy.
    """
    draw = random.Random(seed).expovariate
    clock, times = 0.0, []
    for _ in range(n_requests):
        clock += draw(rate)
        times.append(clock)
    return times


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile of ascending values with linear interpolation between the closest ranks
    (the default method of NumPy's ``percentile``)."""
    position = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def simulate_queue(serving: Serving, arrival_rate: float, n_requests: int = 1000, seed: int = 0,
                   max_concurrency: int | None = None) -> QueueStats:
    """Simulate ``n_requests`` Poisson arrivals at ``arrival_rate`` requests/s against ``serving``'s step model.

    Prefill costs ``prefill_per_token_s x prompt_len`` per admitted request; a decode step of n active
    sequences costs ``serving.decode_step_s(n)`` (serve()'s decode step at batch n, memoized per n), so
    the simulated saturated throughput at a concurrency cap c is c / (prefill of c requests + (output_len
    - 1) decode steps at c) per c requests, the same as serve(batch=c)'s TPOT implies.

    That rate is ``capacity_rps``, the most the server can complete (a step of n sequences costs more per
    sequence at smaller n). ``stable`` is False when ``arrival_rate`` exceeds it, however short the run, or
    when the second half of the requests takes much longer than the first (the queue grew during the run).
    """
    if not isinstance(serving, Serving):
        raise ValidationError("serving", f"expected the result of mlsysim.serve(...), got {type(serving).__name__}")
    rate = positive("arrival_rate", arrival_rate)
    n_requests = positive_int("n_requests", n_requests)
    limit = positive_int("max_concurrency", max_concurrency if max_concurrency is not None else max(1, serving.max_concurrency))
    arrival_at = poisson_arrivals(rate, n_requests, seed)
    out_len = serving.output_len
    prefill_per_request = serving.prefill_per_token_s * serving.prompt_len
    decode_step_s = serving.decode_step_s
    capacity_rps = limit / (prefill_per_request * limit + (out_len - 1) * decode_step_s(limit))
    step_by_size: dict[int, float] = {}   # a plain dict lookup per event keeps the loop as fast as a formula

    # Every request needs the same out_len - 1 decode steps and all active requests step together, so
    # requests finish in admission order. Each active entry stores the global decode-step count at which
    # it finishes; the front of the deque is always the next to finish, which makes every event O(1).
    clock = 0.0
    decode_steps_done = 0
    waiting: deque[int] = deque()
    active: deque[tuple[int, int]] = deque()
    first_token = [math.nan] * n_requests
    done = [math.nan] * n_requests
    next_arrival = 0
    busy = 0.0
    batch_sum = 0.0
    while next_arrival < n_requests or waiting or active:
        while next_arrival < n_requests and arrival_at[next_arrival] <= clock:
            waiting.append(next_arrival)
            next_arrival += 1
        if not waiting and not active:
            clock = arrival_at[next_arrival]
            continue
        room = limit - len(active)
        if waiting and room > 0:
            n_admit = min(room, len(waiting))
            step = prefill_per_request * n_admit
            clock += step
            busy += step
            finish_at = decode_steps_done + out_len - 1
            for _ in range(n_admit):
                request = waiting.popleft()
                first_token[request] = clock
                active.append((request, finish_at))
        while active and active[0][1] <= decode_steps_done:
            done[active.popleft()[0]] = clock
        if not active:
            continue
        n_active = len(active)
        step = step_by_size.get(n_active)
        if step is None:
            step = step_by_size[n_active] = decode_step_s(n_active)
        # the active set only changes when a request finishes or (with room to spare) one arrives,
        # so advance all the identical decode steps up to that event at once
        jump = active[0][1] - decode_steps_done
        if n_active < limit:
            if waiting:
                jump = 1
            elif next_arrival < n_requests:
                jump = min(jump, max(1, math.ceil((arrival_at[next_arrival] - clock) / step)))
        clock += jump * step
        busy += jump * step
        batch_sum += n_active * jump
        decode_steps_done += jump
        while active and active[0][1] <= decode_steps_done:
            done[active.popleft()[0]] = clock
    steps = decode_steps_done
    latency = [end - start for end, start in zip(done, arrival_at)]
    ttft = [first - start for first, start in zip(first_token, arrival_at)]
    span = max(done) - arrival_at[0]
    # stable if arrivals do not outpace the full server and the second half of requests does not wait much
    # longer than the first half (a short run above capacity can still look calm: the batch is still filling)
    half = n_requests // 2
    stable = rate <= capacity_rps and (
        (statistics.median(latency[half:]) <= 1.5 * statistics.median(latency[:half]) + 1e-9) if half else True)
    latency_sorted, ttft_sorted = sorted(latency), sorted(ttft)
    return QueueStats(arrival_rate=rate, n_requests=n_requests, p50_s=percentile(latency_sorted, 50),
                      p90_s=percentile(latency_sorted, 90), p99_s=percentile(latency_sorted, 99),
                      mean_s=math.fsum(latency) / n_requests, ttft_p50_s=percentile(ttft_sorted, 50),
                      ttft_p99_s=percentile(ttft_sorted, 99), throughput_rps=n_requests / span,
                      mean_batch=batch_sum / steps if steps else 0.0, max_concurrency=limit,
                      utilization=busy / span, stable=stable, capacity_rps=capacity_rps)

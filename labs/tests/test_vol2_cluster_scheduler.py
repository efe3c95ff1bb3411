"""Physics of the Fleet Orchestration lab (cluster_scheduler): a seeded gang-scheduling simulation whose
utilization and queueing respond to load, job sizes, backfill and preemption the way the chapter says."""
from __future__ import annotations

from labkit.harness import error_messages, output_text, run_lab

GANGS = "gang-heavy (8-512 GPUs)"
SMALL = "mostly small (8-64 GPUs)"


def _mean_wait(result, keep=lambda size, high: True):
    chosen = [w for size, high, w, _, _ in result["jobs"] if keep(size, high)]
    return sum(chosen) / len(chosen)


def test_cluster_scheduler_backfill_recovers_the_gpus_a_blocked_gang_leaves_idle():
    outputs, fifo = run_lab("cluster_scheduler", mix=GANGS, load=0.9)
    _, easy = run_lab("cluster_scheduler", mix=GANGS, load=0.9, backfill=True)
    assert fifo["current"]["useful"] < 0.9 - 0.04  # strict FIFO cannot keep up with 90 % offered load
    assert "head-of-line blocking" in output_text(outputs)
    assert easy["current"]["useful"] > fifo["current"]["useful"] + 0.05
    assert _mean_wait(easy["current"]) < _mean_wait(fifo["current"])


def test_cluster_scheduler_small_jobs_need_no_backfill_and_utilization_follows_load():
    _, fifo = run_lab("cluster_scheduler", mix=SMALL, load=0.8)
    _, easy = run_lab("cluster_scheduler", mix=SMALL, load=0.8, backfill=True)
    assert abs(easy["current"]["useful"] - fifo["current"]["useful"]) < 0.01
    assert abs(fifo["current"]["useful"] - 0.8) < 0.04
    _, light = run_lab("cluster_scheduler", mix=SMALL, load=0.5)
    assert light["current"]["useful"] < fifo["current"]["useful"]
    assert _mean_wait(light["current"]) <= _mean_wait(fifo["current"])


def test_cluster_scheduler_preemption_serves_the_high_band_at_the_cost_of_redone_work():
    _, plain = run_lab("cluster_scheduler", backfill=True)
    _, preempt = run_lab("cluster_scheduler", backfill=True, preemption=True)
    high = lambda size, is_high: is_high  # noqa: E731
    assert _mean_wait(preempt["current"], high) < _mean_wait(plain["current"], high) / 5
    assert plain["current"]["wasted"] == 0 and preempt["current"]["wasted"] > 0
    assert any(evictions for *_, evictions in preempt["current"]["jobs"])


def test_cluster_scheduler_gangs_larger_than_the_cluster_are_cut_to_it():
    outputs, small = run_lab("cluster_scheduler", cluster=256)
    assert "Adjusted" in output_text(outputs) and error_messages(outputs) == []
    assert max(size for size, *_ in small["current"]["jobs"]) == 256


def test_cluster_scheduler_the_same_seed_gives_the_same_workload():
    _, a = run_lab("cluster_scheduler", load=0.6)
    _, b = run_lab("cluster_scheduler", load=0.6, backfill=True)
    assert [(s, h, d) for s, h, _, d, _ in a["current"]["jobs"]] == [(s, h, d) for s, h, _, d, _ in b["current"]["jobs"]]


def test_cluster_scheduler_reveal_reads_back_the_guess():
    outputs, _ = run_lab("cluster_scheduler", guess="about 80%")
    text = output_text(outputs)
    assert "You said about 80%" in text and "Right." in text

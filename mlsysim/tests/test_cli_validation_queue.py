import json
import statistics

import pytest
from click.testing import CliRunner

import mlsysim as ms
from mlsysim.cli import main
from mlsysim.queueing import percentile, poisson_arrivals
from mlsysim.validation import CASES, run_validation, summary

COMMANDS = [
    ["list", "hardware", "--category", "edge"],
    ["list", "models", "--family", "cnn"],
    ["list", "interconnects"],
    ["list", "nodes"],
    ["list", "regions"],
    ["show", "Llama-3-70B"],
    ["show", "nvlink4"],
    ["roofline", "--hw", "H100-SXM", "--matmul", "1", "8192", "8192"],
    ["roofline", "--hw", "A100-80GB", "--flop", "1e12", "--bytes", "1e9"],
    ["roofline", "--hw", "H100-SXM", "--model", "Llama-3-8B", "--phase", "decode", "--batch", "8"],
    ["memory", "--model", "Llama-3-70B", "--mode", "inference", "--hw", "H100-SXM"],
    ["memory", "--model", "Llama-2-7B", "--zero-stage", "3", "--dp", "8", "--recompute", "selective"],
    ["train", "--model", "Llama-3-8B", "--system", "DGX-H100", "--devices", "16", "--global-batch", "64", "--seq-len", "4096", "--tp", "2"],
    ["serve", "--model", "Llama-3-8B", "--hw", "H100-SXM", "--batch", "4"],
    ["collective", "--bytes", "1e8", "--n", "16", "--link", "DGX-H100"],
    ["train", "--model", "Llama-3.1-70B", "--system", "DGX-H100", "--devices", "64", "--global-batch", "64", "--seq-len",
     "32768", "--tp", "8", "--cp", "2", "--sp", "--recompute", "full", "--zero-stage", "1"],
    ["queue", "--model", "Llama-3-8B", "--hw", "H100-SXM", "--rate", "2", "--requests", "100"],
    ["edge", "--model", "DS-CNN-KWS", "--hw", "nRF52840"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_command_prints_tables_and_json(args):
    runner = CliRunner()
    human = runner.invoke(main, args)
    assert human.exit_code == 0, human.output
    assert human.output.strip()
    machine = runner.invoke(main, args + ["--json"])
    assert machine.exit_code == 0, machine.output
    json.loads(machine.output)


def test_cli_errors_are_clear_and_nonzero():
    result = CliRunner().invoke(main, ["serve", "--model", "Llama-2-70B", "--hw", "H100-SXM", "--dtype", "fp16"])
    assert result.exit_code == 2 and "n_devices" in result.output
    result = CliRunner().invoke(main, ["show", "H100SXM"])
    assert result.exit_code == 2 and "H100-SXM" in result.output


@pytest.fixture(scope="module")
def validation():
    outcomes = run_validation()
    table = "\n".join(f"{o.split:8s} {o.name}: measured {o.measured:.4g} predicted {o.predicted:.4g} ({o.error:+.1%})"
                      for o in outcomes)
    return outcomes, summary(outcomes), table


def test_validation_suite_holds_its_measured_accuracy(validation):
    """Non-regression at the accuracy reached when issue #13 was worked (see mlsysim/README.md)."""
    outcomes, stats, table = validation
    held, fit = stats["splits"]["held-out"], stats["splits"]["fit"]
    assert held["median_abs_error"] <= 0.07, table
    assert fit["median_abs_error"] <= 0.08, table
    assert held["categories"]["collectives"]["median_abs_error"] <= 0.09, table
    assert held["categories"]["collectives"]["max_abs_error"] <= 0.30, table
    # batch-1 first-token latency: 2048-token prompts within 20%; 128-token prompts on the 2023 TensorRT-LLM
    # FP8 engine on H100 stay up to 30% fast (kernel launches and the FP8 shape law explain part of it)
    ttft = [o for o in outcomes if o.name.startswith("TTFT")]
    assert ttft and all(abs(o.error) <= 0.20 for o in ttft if "2048-token" in o.name or "A100" in o.name), table
    assert all(abs(o.error) <= 0.30 for o in ttft), table
    # FP8 training (Megatron-Bridge, Transformer Engine fused attention): within 20% on H100 and B200
    assert all(abs(o.error) <= 0.20 for o in outcomes if o.name.startswith("Megatron-Bridge")), table
    throughput = [abs(o.error) for o in outcomes if o.name.startswith("TensorRT-LLM") and o.split == "held-out"]
    assert statistics.median(throughput) <= 0.09 and max(throughput) <= 0.20, table
    # every case within 30% (the last five over 25% sit at 27-30%, see mlsysim/README.md)
    assert stats["max_abs_error"] <= 0.30, table


@pytest.mark.xfail(strict=True, reason="issue #13 target not fully met: the held-out median is within 8% but cases remain "
                   "above 25%: MPT-30B at 8K tokens on 8 H100 (+30%), batch-1 TTFT of a 128-token prompt of Llama 2 7B "
                   "on H100 FP8 (-27%), 1 MiB all-reduce on 4x GB200 (-28%), and the fit rows MPT-13B (+29%) and "
                   "MPT-760M (+29%) at 2K; strict, so this fails (and must be un-marked) once the target is reached")
def test_validation_suite_meets_issue_13_targets(validation):
    outcomes, stats, table = validation
    assert stats["splits"]["held-out"]["median_abs_error"] <= 0.08, table
    assert stats["max_abs_error"] <= 0.25, table


def test_validation_cases_cite_sources_and_conditions():
    from mlsysim.validation import CATEGORIES, SPLITS
    assert len(CASES) >= 70
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert "arXiv:" in case.source or "http" in case.source
        assert case.split in SPLITS and case.category in CATEGORIES
        # every case states the hardware it ran on and its conditions
        assert any(hw in case.name for hw in ("V100", "A100", "H100", "H200", "B200", "TPU v4"))
        assert len(case.conditions) > 40 and case.measured > 0
    for category in CATEGORIES:
        assert any(c.category == category and c.split == "held-out" for c in CASES), category
    # serving: constants fitted on the H100 rows; the H200 rows are held out
    serving = [c for c in CASES if c.name.startswith("TensorRT-LLM")]
    assert all(("H100" in c.name) == (c.split == "fit") for c in serving)
    # FP8 training: the DGX-H100 rows calibrated FP8_MATMUL_DERATE (fit); the DGX-B200 rows are held out
    fp8 = [c for c in CASES if c.name.startswith("Megatron-Bridge")]
    assert any("B200" in c.name for c in fp8) and any("H100" in c.name for c in fp8)
    assert all(("B200" in c.name) == (c.split == "held-out") for c in fp8)
    # collectives: the bus-bandwidth curves were fitted on H200 (NVLS) and A100 (ring); H100 is held out
    assert all(c.split == "held-out" for c in CASES if c.category == "collectives" and "H100" in c.name)


def test_validate_command_json():
    result = CliRunner().invoke(main, ["validate", "--json"])
    data = json.loads(result.output)
    assert data["summary"]["cases"] == len(CASES)
    splits = data["summary"]["splits"]
    assert set(splits) == {"fit", "held-out"}
    assert splits["fit"]["cases"] + splits["held-out"]["cases"] == len(CASES)
    assert {"median_abs_error", "p90_abs_error", "max_abs_error"} <= set(splits["held-out"])


def test_cli_rejects_a_sequence_beyond_the_context():
    result = CliRunner().invoke(main, ["train", "--model", "Llama-3-8B", "--system", "DGX-H100", "--devices", "8",
                                       "--global-batch", "8", "--seq-len", "65536"])
    assert result.exit_code == 2 and "context of 8192" in result.output


def test_cli_rejects_inference_tp_that_does_not_divide_heads():
    result = CliRunner().invoke(main, ["memory", "--model", "Llama-3-8B", "--mode", "inference", "--tp", "3"])
    assert result.exit_code == 2 and "must divide heads=32" in result.output


def test_queue_simulation_behaves_like_a_queue():
    serving = ms.serve("Llama-3-8B", "H100-SXM", 16, 512, 64)
    light = ms.simulate_queue(serving, 1.0, 300, seed=1)
    heavy = ms.simulate_queue(serving, 40.0, 300, seed=1)
    assert light.p99_s >= light.p50_s >= serving.ttft_s
    assert heavy.p50_s > light.p50_s and heavy.mean_batch > light.mean_batch
    again = ms.simulate_queue(serving, 1.0, 300, seed=1)
    assert again.p99_s == light.p99_s
    # a request alone on the server takes about TTFT + (output-1) decode steps
    alone = ms.simulate_queue(serving, 0.01, 20, seed=3)
    one_step = serving.decode_step_s(1)
    assert alone.p50_s == pytest.approx(serving.prefill_per_token_s * 512 + 63 * one_step, rel=0.05)


def test_overloaded_queue_is_flagged():
    serving = ms.serve("Llama-3-70B", "H100-SXM", 1, 1024, 256, dtype="fp8")
    overload = ms.simulate_queue(serving, 50.0, 400, seed=0, max_concurrency=4)
    assert not overload.stable
    with pytest.raises(ms.ValidationError, match="arrival_rate"):
        ms.simulate_queue(serving, -1.0, 10)


@pytest.mark.slow
def test_queue_long_run_percentiles_converge():
    serving = ms.serve("Llama-3-8B", "H100-SXM", 16, 512, 64)
    a = ms.simulate_queue(serving, 5.0, 5000, seed=1)
    b = ms.simulate_queue(serving, 5.0, 5000, seed=2)
    assert a.p50_s == pytest.approx(b.p50_s, rel=0.1)


def test_queue_obeys_littles_law():
    serving = ms.serve("Llama-3-8B", "H100-SXM", 16, 512, 64)
    stats = ms.simulate_queue(serving, 5.0, 2000, seed=4)
    # average number of requests in service = throughput x mean time in system (decode dominates here)
    assert stats.mean_batch == pytest.approx(stats.throughput_rps * stats.mean_s, rel=0.2)


def test_decode_step_model_is_serves_step_at_every_batch():
    # memory-bound at batch 1, compute-bound in the linear layers at several hundred sequences (FP8 on H100)
    config = ("Llama-3-8B", "H100-SXM")
    small = ms.serve(*config, 1, 512, 256, dtype="fp8")
    for batch in (1, 2, 64, 400, 780):
        assert small.decode_step_s(batch) == ms.serve(*config, batch, 512, 256, dtype="fp8").tpot_s
    assert small.decode_bound == "memory" and ms.serve(*config, 780, 512, 256, dtype="fp8").decode_bound == "compute"
    # tensor-parallel all-reduces and eager kernel launches are part of the step too
    tp = ms.serve("Llama-3-70B", "H100-SXM", 1, 512, 256, dtype="fp8", n_devices=4, cuda_graphs=False)
    assert tp.decode_step_s(96) == ms.serve("Llama-3-70B", "H100-SXM", 96, 512, 256, dtype="fp8", n_devices=4,
                                            cuda_graphs=False).tpot_s
    with pytest.raises(ms.ValidationError, match="n_sequences"):
        small.decode_step_s(0)


def test_saturated_queue_at_a_compute_bound_cap_runs_at_serves_rate():
    # Flooded, the server admits a full batch, prefills it, decodes it output_len - 1 steps and repeats, so
    # it completes cap requests per (cap prefills + (output_len - 1) x serve's TPOT at the cap). A step
    # model that stays memory-bound at the cap (a line through batch 1 and 2) is ~16% faster here.
    cap, prompt_len, output_len = 780, 512, 256
    serving = ms.serve("Llama-3-8B", "H100-SXM", cap, prompt_len, output_len, dtype="fp8")
    assert serving.decode_bound == "compute"
    per_batch_s = cap * serving.prefill_per_token_s * prompt_len + (output_len - 1) * serving.tpot_s
    analytic_rps = cap / per_batch_s
    flooded = ms.simulate_queue(serving, 4 * analytic_rps, n_requests=4 * cap, seed=1, max_concurrency=cap)
    assert flooded.throughput_rps == pytest.approx(analytic_rps, rel=0.02)
    assert flooded.capacity_rps == pytest.approx(analytic_rps, rel=1e-12) and not flooded.stable


def test_a_short_run_above_capacity_is_unstable_though_its_queue_has_not_built_up():
    # BF16 Llama-3-8B, KV cap 555: arrivals a little above what a full batch completes leave slots free for
    # the whole run (the batch is still filling), so the TTFT stays low; the rate is still unsustainable
    serving = ms.serve("Llama-3-8B", "H100-SXM", 64, 512, 256)
    capacity = ms.simulate_queue(serving, 1.0, 10).capacity_rps
    over = ms.simulate_queue(serving, 1.05 * capacity, n_requests=2000, seed=1)
    assert over.ttft_p99_s < 0.5 and over.max_concurrency == serving.max_concurrency and not over.stable
    assert ms.simulate_queue(serving, 0.8 * capacity, n_requests=2000, seed=1).stable


def _step_by_step_latencies(serving, arrival_rate, n_requests, seed, limit):
    """Reference simulator: one decode step per loop iteration, no event skipping, plain lists."""
    arrivals = poisson_arrivals(arrival_rate, n_requests, seed)
    prefill = serving.prefill_per_token_s * serving.prompt_len
    clock, nxt, waiting, active, done = 0.0, 0, [], [], [None] * n_requests
    while nxt < n_requests or waiting or active:
        while nxt < n_requests and arrivals[nxt] <= clock:
            waiting.append(nxt)
            nxt += 1
        if not waiting and not active:
            clock = arrivals[nxt]
            continue
        admit = waiting[:limit - len(active)]
        waiting = waiting[len(admit):]
        if admit:
            clock += prefill * len(admit)
            active += [[r, serving.output_len - 1] for r in admit]
        if active:
            if all(left > 0 for _, left in active):
                clock += serving.decode_step_s(len(active))
                for entry in active:
                    entry[1] -= 1
            for r, left in active:
                if left <= 0:
                    done[r] = clock
            active = [entry for entry in active if entry[1] > 0]
    return [end - start for end, start in zip(done, arrivals)]


@pytest.mark.parametrize("rate, limit, output_len", [(1.0, 16, 64), (30.0, 16, 64), (50.0, 4, 16), (5.0, 3, 1)])
def test_event_skipping_queue_matches_a_step_by_step_simulation(rate, limit, output_len):
    serving = ms.serve("Llama-3-8B", "H100-SXM", 16, 512, output_len)
    stats = ms.simulate_queue(serving, rate, 150, seed=5, max_concurrency=limit)
    latency = _step_by_step_latencies(serving, rate, 150, 5, limit)
    assert stats.p50_s == pytest.approx(statistics.median(latency), rel=1e-6)
    assert stats.p99_s == pytest.approx(percentile(sorted(latency), 99), rel=1e-6)
    assert stats.mean_s == pytest.approx(statistics.fmean(latency), rel=1e-6)


def test_poisson_arrivals_are_reproducible_and_have_the_requested_rate():
    a, b = poisson_arrivals(4.0, 20000, seed=3), poisson_arrivals(4.0, 20000, seed=3)
    assert a == b and a != poisson_arrivals(4.0, 20000, seed=4)
    gaps = [later - earlier for earlier, later in zip([0.0] + a, a)]
    assert all(g > 0 for g in gaps)
    # exponential gaps: mean 1/rate and standard deviation 1/rate (within sampling error at n = 20000)
    assert statistics.fmean(gaps) == pytest.approx(0.25, rel=0.03)
    assert statistics.pstdev(gaps) == pytest.approx(0.25, rel=0.05)


def test_percentile_interpolates_between_ranks():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 10.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 90) == pytest.approx(4.0 + 0.6 * 6.0)
    assert percentile([7.0], 99) == 7.0


def test_show_prints_engineering_units_and_an_aligned_peak_table():
    text = CliRunner().invoke(main, ["show", "H100-SXM"]).output
    assert "66900000000000" not in text and "{'fp64'" not in text
    assert "80 GB" in text and "3.35 TB/s" in text and "700 W" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()[:1] in (["fp64"], ["fp8"], ["bf16"])}
    assert rows["fp64"].split()[1] == "33.5" and rows["fp8"].split()[1] == "1,978.9"
    # right-aligned: the peak column ends at the same character for every dtype
    ends = {line.index(line.split()[1]) + len(line.split()[1]) for line in rows.values()}
    assert len(ends) == 1
    assert "TFLOP/s" in text
    mcu = CliRunner().invoke(main, ["show", "nRF52840"]).output
    assert "256 KiB" in mcu and "1 MiB" in mcu and "MFLOP/s" in mcu


def test_show_json_stays_raw_si():
    data = json.loads(CliRunner().invoke(main, ["show", "H100-SXM", "--json"]).output)
    assert data["peak_flops_by_dtype"]["fp64"] == 33.5e12 and data["memory_bytes"] == 80e9

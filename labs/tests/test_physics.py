"""For every lab: move its controls to two values and check the outputs move the way physics says.

Each test drives the lab through marimo's ``app.run(defs=...)`` with widgets rebuilt at the chosen
values (labkit.harness.run_lab), then reads the lab's own variables and rendered output.
"""
from __future__ import annotations

import math

import mlsysim as ms
import pytest

from labkit.harness import error_messages, output_text, run_lab


def test_roofline_larger_batch_raises_intensity_and_crosses_the_ridge():
    _, small = run_lab("roofline", batch=1)
    _, large = run_lab("roofline", batch=4096)
    assert large["op"].arithmetic_intensity > 100 * small["op"].arithmetic_intensity
    assert small["op"].bound == "memory" and large["op"].bound == "compute"
    _, fp8 = run_lab("roofline", dtype="fp8")
    _, bf16 = run_lab("roofline", dtype="bf16")
    # half the bytes per element doubles intensity; the crossing batch stays put because the ridge doubles too
    assert fp8["op"].arithmetic_intensity == pytest.approx(2 * bf16["op"].arithmetic_intensity)
    assert fp8["crossing"] == bf16["crossing"]


def test_roofline_unsupported_precision_moves_to_the_nearest_one_the_device_has():
    outputs, d = run_lab("roofline", hardware="A100-80GB", dtype="fp8")
    assert error_messages(outputs) == [] and d["dtype"] == "int8"
    assert "A100-80GB has no published fp8 peak" in output_text(outputs)
    outputs, jetson = run_lab("roofline", hardware="Jetson-AGX-Orin", dtype="bf16")
    assert error_messages(outputs) == [] and jetson["dtype"] == "fp16"
    assert jetson["peak_flops"] == ms.hardware("Jetson-AGX-Orin").peak_flops("fp16")


def test_kernel_fusion_jetson_without_bf16_runs_in_fp16():
    outputs, d = run_lab("kernel_fusion", hardware="Jetson-Orin-Nano", dtype="bf16")
    assert error_messages(outputs) == [] and d["dtype"] == "fp16" and "Adjusted" in output_text(outputs)
    assert d["current"]["fused_s"] < d["current"]["unfused_s"]


def test_memory_planner_zero3_shrinks_with_more_gpus_and_recompute_cuts_activations():
    _, few = run_lab("memory_planner", zero_stage=3, dp=2)
    _, many = run_lab("memory_planner", zero_stage=3, dp=64)
    assert many["memory"].total_bytes < few["memory"].total_bytes
    assert many["memory"].weights_bytes == pytest.approx(few["memory"].weights_bytes / 32)
    _, zero0_few = run_lab("memory_planner", zero_stage=0, dp=2)
    _, zero0_many = run_lab("memory_planner", zero_stage=0, dp=64)
    assert zero0_few["memory"].total_bytes == pytest.approx(zero0_many["memory"].total_bytes)
    _, plain = run_lab("memory_planner", recompute=False)
    _, recompute = run_lab("memory_planner", recompute=True)
    assert recompute["memory"].activations_bytes < plain["memory"].activations_bytes / 4
    assert recompute["memory"].weights_bytes == plain["memory"].weights_bytes


def test_memory_planner_reports_the_oom_moment():
    outputs, oom = run_lab("memory_planner", model="Llama-3-70B", dp=1, zero_stage=0)
    assert not oom["fits"] and "Limit hit" in output_text(outputs)
    outputs, fits = run_lab("memory_planner", model="GPT-2", micro_batch=1, seq_len=512)
    assert fits["fits"] and "Within limits" in output_text(outputs)


def test_parallelism_3d_deeper_pipeline_grows_the_bubble_and_tp_cuts_memory():
    _, shallow = run_lab("parallelism_3d", pp=2)
    _, deep = run_lab("parallelism_3d", pp=16)
    assert deep["result"].bubble_s > shallow["result"].bubble_s
    _, tp2 = run_lab("parallelism_3d", tp=2, pp=4)
    _, tp8 = run_lab("parallelism_3d", tp=8, pp=4)
    assert tp8["memory"].total_bytes < tp2["memory"].total_bytes


def test_parallelism_3d_schedules_trade_the_bubble_against_memory_and_sends():
    _, gpipe = run_lab("parallelism_3d", schedule="GPipe")
    _, one_f = run_lab("parallelism_3d", schedule="1F1B")
    _, inter = run_lab("parallelism_3d", schedule="interleaved 1F1B, 4 chunks")
    # GPipe and 1F1B idle for the same (pp - 1) micro-batch times; GPipe keeps all m micro-batches in flight
    assert gpipe["result"].bubble_s == pytest.approx(one_f["result"].bubble_s)
    m, pp = one_f["result"].n_micro_batches, one_f["result"].pp
    assert gpipe["activations"] == pytest.approx(one_f["activations"] * m / pp)
    assert not gpipe["fits"] and one_f["fits"]
    # interleaving divides the bubble by the chunks and multiplies the stage-to-stage sends
    assert inter["used"]["chunks"] == 4
    assert inter["result"].bubble_s < one_f["result"].bubble_s / 3
    assert inter["result"].pp_comm_s == pytest.approx(4 * one_f["result"].pp_comm_s)


def test_parallelism_3d_zero_stages_shard_state_and_stage_three_adds_traffic():
    runs = {z: run_lab("parallelism_3d", zero_stage=z)[1] for z in (0, 1, 2, 3)}
    state = {z: d["memory"].total_bytes - d["memory"].activations_bytes for z, d in runs.items()}
    assert state[0] > state[1] > state[2] > state[3]
    assert runs[1]["memory"].optimizer_bytes == pytest.approx(runs[0]["memory"].optimizer_bytes / runs[0]["dp"])
    assert runs[3]["result"].dp_comm_s > runs[1]["result"].dp_comm_s
    assert runs[2]["result"].dp_comm_s == pytest.approx(runs[1]["result"].dp_comm_s)


def test_collectives_tree_wins_small_messages_and_bandwidth_binds_large_ones():
    _, small = run_lab("collectives", message=2.0**10, n=256)
    _, large = run_lab("collectives", message=2.0**32, n=256)
    assert small["current"]["tree"].value.time_s < small["current"]["ring"].value.time_s / 5
    assert small["latency_bound"] and not large["latency_bound"]
    assert large["current"]["ring"].value.bus_bw > 100 * small["current"]["ring"].value.bus_bw
    assert large["fastest"] == "hierarchical"


def test_collectives_bus_bandwidth_is_algorithm_bandwidth_times_the_bytes_each_gpu_moves():
    for n in (8, 1024):
        _, d = run_lab("collectives", message=2.0**30, n=n)
        ring = d["current"]["ring"].value
        assert ring.bus_bw == pytest.approx(ring.algo_bw * 2 * (n - 1) / n)
    _, few = run_lab("collectives", message=2.0**30, n=8)
    _, many = run_lab("collectives", message=2.0**30, n=1024)
    # the per-GPU bytes approach 2x the message: algorithm bandwidth falls more than bus bandwidth
    algo_drop = many["current"]["ring"].value.algo_bw / few["current"]["ring"].value.algo_bw
    bus_drop = many["current"]["ring"].value.bus_bw / few["current"]["ring"].value.bus_bw
    assert algo_drop < bus_drop


def test_collectives_in_switch_reduction_only_inside_one_server_and_tree_lead_fades_with_size():
    outputs, one_node = run_lab("collectives", n=8)
    assert one_node["current"]["in-switch (NVLS)"].ok
    assert one_node["fastest"] == "in-switch (NVLS)"
    outputs, spans = run_lab("collectives", n=64)
    assert not spans["current"]["in-switch (NVLS)"].ok and error_messages(outputs) == []
    # the tree's lead is latency: it fades from some size on a small group, never within range on 1,024 GPUs
    _, small_group = run_lab("collectives", n=8)
    _, big_group = run_lab("collectives", n=1024)
    assert small_group["tree_until"] is not None and big_group["tree_until"] is None


def test_kv_cache_serving_gqa_and_context_set_concurrency():
    _, mha = run_lab("kv_cache_serving", model="Llama-2-7B", prompt_len=1024, output_len=1024)
    _, gqa = run_lab("kv_cache_serving", model="Llama-3-8B", prompt_len=1024, output_len=1024)
    assert gqa["kv_per_request"] == pytest.approx(mha["kv_per_request"] / 4)
    assert gqa["max_concurrency"] > 3 * mha["max_concurrency"]
    _, short = run_lab("kv_cache_serving", prompt_len=1024, output_len=1024)
    _, long = run_lab("kv_cache_serving", prompt_len=4096, output_len=4096)
    assert long["max_concurrency"] < short["max_concurrency"] / 3
    _, calm = run_lab("kv_cache_serving", prompt_len=512, output_len=256, load=30)
    _, busy = run_lab("kv_cache_serving", prompt_len=512, output_len=256, load=95)
    assert busy["queue"].p99_s > calm["queue"].p99_s


def test_latency_percentiles_tail_grows_with_load_faster_than_median():
    _, light = run_lab("latency_percentiles", load=40)
    _, heavy = run_lab("latency_percentiles", load=98)
    assert heavy["current"].p99_s > light["current"].p99_s
    assert heavy["current"].p99_s / heavy["current"].p50_s >= light["current"].p99_s / light["current"].p50_s
    _, small = run_lab("latency_percentiles", batch=1)
    _, big = run_lab("latency_percentiles", batch=32)
    assert big["capacity"] > 5 * small["capacity"]


def test_attention_cost_share_and_kv_cache_grow_with_context():
    _, short = run_lab("attention_cost", seq_len=1024)
    _, long = run_lab("attention_cost", seq_len=131072)
    assert long["attention_share"] > 0.5 > short["attention_share"]
    assert long["kv_bytes"] == pytest.approx(128 * short["kv_bytes"])
    assert short["crossover"] == pytest.approx(long["crossover"])


def test_mlp_cost_params_scale_with_width_squared_and_batch_raises_intensity():
    _, narrow = run_lab("mlp_cost", width=1024, depth=3)
    _, wide = run_lab("mlp_cost", width=2048, depth=3)
    hidden = lambda defs: sum(layer["params"] for layer in defs["layers"][1:-1])
    assert hidden(wide) / hidden(narrow) == pytest.approx(4, rel=0.01)
    _, b1 = run_lab("mlp_cost", batch=1)
    _, b4k = run_lab("mlp_cost", batch=4096)
    assert b4k["layers"][1]["op"].arithmetic_intensity > 100 * b1["layers"][1]["op"].arithmetic_intensity
    assert b1["layers"][1]["op"].bound == "memory"


def test_kernel_fusion_speedup_grows_with_ops_and_launches_bind_tiny_tensors():
    _, two = run_lab("kernel_fusion", ops=2)
    _, twelve = run_lab("kernel_fusion", ops=12)
    assert twelve["speedup"] > two["speedup"] > 1
    _, tiny = run_lab("kernel_fusion", tensor_bytes=2**10)
    _, huge = run_lab("kernel_fusion", tensor_bytes=2**30)
    launch_share = lambda d: d["params"]["ops"] * d["launch_s"] / d["current"]["unfused_s"]
    assert launch_share(tiny) > 0.9 > 0.1 > launch_share(huge)


def test_quantization_mcu_int8_quarters_flash_and_two_bits_collapse_accuracy():
    _, fp32 = run_lab("quantization_mcu", dtype="fp32")
    _, int8 = run_lab("quantization_mcu", dtype="int8")
    # flash holds the weights plus a fixed runtime: INT8 removes three quarters of the weight bytes
    saved = fp32["deployed"].flash_bytes - int8["deployed"].flash_bytes
    assert saved == pytest.approx(0.75 * fp32["model"].params * 4)
    assert int8["deployed"].sram_bytes < fp32["deployed"].sram_bytes
    assert int8["deployed"].latency_s < fp32["deployed"].latency_s
    assert int8["accuracy"][8] > 0.9 and int8["accuracy"][2] < 0.5
    outputs, big = run_lab("quantization_mcu", model="MobileNetV2", mcu="nRF52840")
    assert not big["deployed"].fits and "does not fit" in output_text(outputs)


def test_deployment_spectrum_network_round_trip_only_slows_the_cloud():
    _, near = run_lab("deployment_spectrum", rtt_ms=0)
    _, far = run_lab("deployment_spectrum", rtt_ms=200)
    assert far["seen_latency"]["cloud"] - near["seen_latency"]["cloud"] == pytest.approx(0.2)
    assert far["seen_latency"]["edge"] == near["seen_latency"]["edge"]
    _, resnet = run_lab("deployment_spectrum", model="ResNet-50")
    assert not resnet["fits"]["tiny"].value.fits


def test_compute_budget_more_gpus_fewer_days_but_sublinear():
    _, small = run_lab("compute_budget", gpus=512)
    _, big = run_lab("compute_budget", gpus=4096)
    assert big["current"].days < small["current"].days
    assert big["current"].days > small["current"].days / 8  # scaling efficiency below 100 %
    _, more = run_lab("compute_budget", token_multiple=2)
    _, base = run_lab("compute_budget", token_multiple=1)
    assert more["current"].days == pytest.approx(2 * base["current"].days, rel=1e-6)


def test_iteration_loop_more_gpus_faster_turnaround_fewer_total():
    _, narrow = run_lab("iteration_loop", gpus_per_experiment=4)
    _, wide = run_lab("iteration_loop", gpus_per_experiment=64)
    assert wide["current"].seconds < narrow["current"].seconds
    assert wide["weekly"] < narrow["weekly"]
    # a model that does not fit is moved to the nearest setting that does, never blanked
    outputs, big = run_lab("iteration_loop", gpus_per_experiment=1, model="Llama-2-13B", zero3=False)
    assert error_messages(outputs) == [] and big["used_gpus"] > 1 and big["notes"]
    assert big["current"].step.memory.total_bytes <= ms.hardware("H100-SXM").memory_bytes
    outputs, one = run_lab("iteration_loop", gpus_per_experiment=1, zero3=False)
    assert error_messages(outputs) == [] and "Adjusted" in output_text(outputs)
    outputs, capped = run_lab("iteration_loop", gpus_per_experiment=128, pool=16)
    assert error_messages(outputs) == [] and capped["used_gpus"] == 16


def test_data_pruning_saves_compute_and_eventually_undertrains():
    _, keep = run_lab("data_pruning", prune=0.0)
    _, half = run_lab("data_pruning", prune=0.5)
    assert half["current"]["total"] < keep["current"]["total"]
    _, small_scorer = run_lab("data_pruning", scorer="GPT-2")
    _, big_scorer = run_lab("data_pruning", scorer="Llama-3-8B")
    assert big_scorer["current"]["total"] > small_scorer["current"]["total"]
    _, tight = run_lab("data_pruning", corpus_multiple=1, prune=0.5)
    assert tight["current"]["kept"] < tight["optimal_tokens"]


def test_data_pruning_a_model_too_big_for_pure_data_parallelism_is_split_not_blanked():
    outputs, d = run_lab("data_pruning", model="Llama-2-13B")
    assert error_messages(outputs) == [] and d["notes"] and d["run"].step.tp > 1
    assert d["run"].step.memory.total_bytes <= ms.hardware("H100-SXM").memory_bytes
    _, small = run_lab("data_pruning", model="Llama-3-8B")
    assert small["notes"] == [] and small["run"].step.tp == 1


def test_checkpoint_interval_shrinks_with_scale_as_square_root():
    _, small = run_lab("checkpoint_interval", gpus=4096)
    _, big = run_lab("checkpoint_interval", gpus=16384)
    assert small["tau_young"] / big["tau_young"] == pytest.approx(2.0)
    assert big["waste"](big["tau_daly"]) > small["waste"](small["tau_daly"])
    _, slow_io = run_lab("checkpoint_interval", write_gbps=50)
    _, fast_io = run_lab("checkpoint_interval", write_gbps=2000)
    assert slow_io["tau_daly"] > fast_io["tau_daly"]
    # Daly's optimum is at least as good as any interval the learner can pick
    for defs in (small, big):
        best = defs["waste"](defs["tau_daly"])
        assert all(defs["waste"](m * 60) >= best - 1e-12 for m in defs["intervals_min"])
    # the lab's numbers are the engine's: same plan as calling MLSys·im directly
    engine = ms.checkpoint_interval(small["write_s"], small["cluster_mtbf_s"], restart_s=small["restart_s"])
    assert small["plan"].to_dict() == engine.to_dict() and small["tau_daly"] == engine.daly_interval_s
    assert small["waste"](engine.interval_s) == engine.lost_fraction


def test_checkpoint_interval_job_mtbf_adds_component_rates_and_async_shrinks_the_pause():
    _, base = run_lab("checkpoint_interval")
    # the default rates reproduce the Llama 3 log: 419 interruptions in 54 days on 16,384 GPUs
    assert base["cluster_mtbf_s"] / 3600 == pytest.approx(54 * 24 / 419)
    gpu_share = next(r for name, r in base["component_rates"].items() if name.startswith("GPU")) / base["slot_rate"]
    _, worse_gpus = run_lab("checkpoint_interval", gpu_rate_x=2)
    assert base["cluster_mtbf_s"] / worse_gpus["cluster_mtbf_s"] == pytest.approx(1 + gpu_share)
    _, sync = run_lab("checkpoint_interval", async_ckpt=False)
    _, hidden = run_lab("checkpoint_interval", async_ckpt=True)
    assert hidden["write_s"] < sync["write_s"] / 100
    assert hidden["waste"](hidden["tau_daly"]) < sync["waste"](sync["tau_daly"])
    # with slow storage the background write, not Daly's formula, sets the shortest useful interval
    _, slow = run_lab("checkpoint_interval", async_ckpt=True, write_gbps=25)
    assert slow["tau_daly"] == pytest.approx(slow["persist_s"])
    assert slow["persist_s"] > slow["plan"].daly_interval_s
    # at 64K GPUs restarts, not checkpoint pauses, are the larger term at Daly's optimum
    _, huge = run_lab("checkpoint_interval", gpus=65536, async_ckpt=True)
    assert huge["terms"]["restarts"] > huge["terms"]["checkpoint pauses"]


@pytest.mark.parametrize("seconds, text", [(999, "999 s"), (2840, "47.3 min"), (3600, "60.0 min"), (7200, "2.00 h")])
def test_checkpoint_interval_times_between_1000_s_and_2_h_read_in_minutes(seconds, text):
    import labkit as lk

    assert lk.fmt_time(seconds) == text


def test_retraining_cadence_optimum_follows_the_square_root_law():
    _, slow = run_lab("retraining_cadence", drift=0.5)
    _, fast = run_lab("retraining_cadence", drift=2.0)
    assert slow["optimum_weeks"] / fast["optimum_weeks"] == pytest.approx(2.0)
    _, weekly = run_lab("retraining_cadence", interval=1)
    _, yearly = run_lab("retraining_cadence", interval=52)
    assert weekly["current"]["retraining"] > yearly["current"]["retraining"]
    assert weekly["current"]["drift"] < yearly["current"]["drift"]


def test_serving_footprint_batching_saves_energy_and_grid_scales_emissions():
    _, b1 = run_lab("serving_footprint", batch=1)
    _, b32 = run_lab("serving_footprint", batch=32)
    assert b32["per_query_j"] < b1["per_query_j"] / 5
    by_region = b1["by_region"]
    assert by_region["india"] / by_region["norway"] == pytest.approx(713 / 30, rel=1e-6)


def test_carbon_clock_start_hour_matters_for_short_runs_only():
    _, short = run_lab("carbon_clock", tokens=1e9, gpus=64, swing=40)
    _, long = run_lab("carbon_clock", tokens=1e12, gpus=64, swing=40)
    spread = lambda d: max(d["by_hour"].values()) - min(d["by_hour"].values())
    assert spread(short) > 0.5 and spread(long) < 0.05
    _, flat = run_lab("carbon_clock", swing=0)
    assert max(flat["by_hour"].values()) == pytest.approx(min(flat["by_hour"].values()))
    _, dirty = run_lab("carbon_clock", region="india")
    _, clean = run_lab("carbon_clock", region="norway")
    assert dirty["current"] > 10 * clean["current"]


def test_data_pipeline_bottleneck_moves_as_stages_grow():
    _, few = run_lab("data_pipeline", workers=2)
    assert few["bottleneck"] == "CPU decode"
    _, many = run_lab("data_pipeline", workers=64, decode_rate=2000, storage_gbps=10, sample_kb=20)
    assert many["bottleneck"] == "accelerator"
    assert many["capacity"]["CPU decode"] == 32 * few["capacity"]["CPU decode"] * 2000 / 400
    _, slow_disk = run_lab("data_pipeline", storage_gbps=0.1, workers=64)
    assert slow_disk["bottleneck"] == "storage read"
    _, b200 = run_lab("data_pipeline", hardware="B200")
    _, a100 = run_lab("data_pipeline", hardware="A100-80GB")
    assert b200["workers_needed"] > a100["workers_needed"]


def test_design_study_traffic_precision_and_latency_move_the_bill():
    _, base = run_lab("design_study")
    _, busy = run_lab("design_study", requests_per_day=2e7)
    assert busy["gpus"] > base["gpus"] and busy["serving_usd"] > base["serving_usd"]
    _, int4 = run_lab("design_study", dtype="int4")
    assert int4["serving_usd"] < base["serving_usd"]
    assert base["serving_usd"] > 10 * base["finetune_usd"]
    outputs, tight = run_lab("design_study", model="Llama-3-70B", tpot_slo_ms=10)
    assert not tight["meets_slo"] and "latency target binds" in output_text(outputs)
    # a 70B model on A100s needs several GPUs per replica and still shows every output
    outputs, big = run_lab("design_study", model="Llama-3-70B", hardware="A100-80GB")
    assert error_messages(outputs) == [] and big["serving"].n_devices > 1


def test_every_lab_has_a_physics_test():
    """Each lab id has a test named test_<lab id>_… here or in another file of this suite."""
    import re
    from pathlib import Path

    import labkit as lk

    names = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        names.update(re.findall(r"^def (test_\w+)", path.read_text(), flags=re.M))
    for lab_id in lk.load_catalog():
        assert any(name.startswith(f"test_{lab_id}_") for name in names), f"no physics test for {lab_id}"

import math

import pytest

import mlsysim as ms


def test_70b_fp16_does_not_fit_one_80gb_gpu(h100):
    mem = ms.inference_memory("Llama-2-70B", batch=1, seq_len=1024, dtype="fp16")
    assert mem.weights_bytes > h100.memory_bytes
    assert not mem.fits(h100)
    with pytest.raises(ms.DoesNotFitError, match="n_devices"):
        ms.serve("Llama-2-70B", "H100-SXM", batch=1, prompt_len=512, output_len=128, dtype="fp16")
    two = ms.serve("Llama-2-70B", "H100-SXM", batch=1, prompt_len=512, output_len=128, dtype="fp16", n_devices=2)
    assert two.tpot_s > 0


def test_kv_cache_uses_kv_heads_and_head_dim():
    m = ms.model("Llama-3-70B")
    assert ms.kv_cache_bytes(m, 1, 1) == 2 * 80 * 8 * 128 * 2
    # grouped-query attention: 8x smaller than if every attention head kept K and V
    assert ms.kv_cache_bytes(m, 4, 1000) * 8 == pytest.approx(4 * 1000 * 2 * 80 * m.heads * m.head_dim * 2)
    assert ms.kv_cache_bytes(m, 1, 1, dtype="fp8") == 2 * 80 * 8 * 128


def test_roofline_regimes(h100):
    decode = ms.matmul(h100, 1, 8192, 8192)
    assert decode.bound == "memory"
    assert decode.time_s == pytest.approx(decode.bytes_moved / h100.memory_bw_bytes_per_s)
    big = ms.matmul(h100, 8192, 8192, 8192)
    assert big.bound == "compute"
    assert big.time_s == pytest.approx(2 * 8192**3 / 989.4e12)
    assert big.ridge_point == pytest.approx(989.4e12 / 3.35e12)
    assert "memory-bound" in decode.explain() and "ridge" in decode.explain()


def test_training_memory_accounting():
    m = ms.model("Llama-2-7B")
    base = ms.training_memory(m, 1, 2048)
    # mixed-precision Adam: 2 (bf16 weights) + 2 (grads) + 12 (fp32 master, m, v) bytes per parameter
    assert base.weights_bytes + base.grads_bytes + base.optimizer_bytes == pytest.approx(16 * m.params)
    z3 = ms.training_memory(m, 1, 2048, zero_stage=3, dp=8)
    assert z3.weights_bytes + z3.grads_bytes + z3.optimizer_bytes == pytest.approx(2 * m.params)
    recompute = ms.training_memory(m, 1, 2048, recompute=True)
    assert recompute.activations_bytes < base.activations_bytes / 5
    assert base.to_dict()["total_bytes"] == base.total_bytes


def test_activation_memory_matches_korthikanti_formula():
    # GPT-style layer without flash attention: s*b*h*(34 + 5*a*s/h) bytes (arXiv:2205.05198, eq. 1)
    gpt = ms.transformer("gpt", 1, 1024, 16, vocab=8, max_seq_len=512)
    from mlsysim.memory import activation_bytes_per_layer
    s, b, h, a = 512, 2, 1024, 16
    assert activation_bytes_per_layer(gpt, b, s, "bf16", 1, False, False) == pytest.approx(s * b * h * (34 + 5 * a * s / h))
    # with tensor and sequence parallelism everything is divided by t
    assert activation_bytes_per_layer(gpt, b, s, "bf16", 4, True, False) == pytest.approx(s * b * h * (34 + 5 * a * s / h) / 4)


def test_collective_efficiency_depends_on_message_size():
    from mlsysim.collective_bandwidth import RING
    link = ms.interconnect("NVLink4")
    small = ms.collective("all_gather", 64e3, 8, link)
    large = ms.collective("all_gather", 4e9, 8, link)
    assert small.algorithm == large.algorithm == "ring"
    assert small.efficiency < 0.05 < 0.7 < large.efficiency <= link.peak_efficiency
    assert small.latency_term_s > small.bandwidth_term_s
    # ring all-gather moves (n-1)/n of the buffer per GPU at the bus bandwidth reached at that size
    bus_bw = 450e9 * link.peak_efficiency * RING.ramp(4e9)
    assert large.bandwidth_term_s == pytest.approx(7 / 8 * 4e9 / bus_bw)


def test_bus_bandwidth_ramp_rises_with_size_and_reaches_the_catalog_peak_at_8_gib():
    from mlsysim.collective_bandwidth import NVLS, REFERENCE_SIZE_BYTES, RING
    for curve in (RING, NVLS):
        sizes = [2.0**k for k in range(10, 34)]
        ramps = [curve.ramp(s) for s in sizes]
        assert all(a < b for a, b in zip(ramps, ramps[1:]))
        assert curve.ramp(REFERENCE_SIZE_BYTES) == pytest.approx(1.0)
    # half of the large-message bandwidth needs messages of megabytes, not kilobytes (the gap in #13)
    assert RING.ramp(1e6) < 0.5 < RING.ramp(64e6)


def test_all_reduce_uses_nvlink_sharp_where_nccl_does():
    assert ms.collective("all_reduce", 64e6, 8, "NVLink4").algorithm == "nvls"
    assert ms.collective("all_reduce", 64e6, 8, "NVLink3").algorithm == "ring"
    assert ms.collective("all_reduce", 64e6, 2, "NVLink4").algorithm == "ring"
    assert ms.collective("all_gather", 64e6, 8, "NVLink4").algorithm == "ring"
    # 8x H100 NVLS measured 361.8 GB/s bus bandwidth at 64 MiB (Azure ND H100 v5); ring reaches less
    nvls = ms.collective("all_reduce", 2**26, 8, "NVLink4")
    ring = ms.collective("all_reduce", 2**26, 8, "NVLink4", algorithm="ring")
    assert nvls.bus_bw == pytest.approx(361.8e9, rel=0.1) and ring.bus_bw < nvls.bus_bw
    with pytest.raises(ms.ValidationError, match="nvls"):
        ms.collective("all_reduce", 64e6, 8, "NVLink3", algorithm="nvls")
    with pytest.raises(ms.ValidationError, match="nvls"):
        ms.collective("all_gather", 64e6, 8, "NVLink4", algorithm="nvls")


def test_hierarchical_collective_is_slower_than_in_node():
    inside = ms.collective("all_reduce", 1e9, 8, "DGX-H100")
    across = ms.collective("all_reduce", 1e9, 64, "DGX-H100")
    assert across.algorithm == "hierarchical" and across.time_s > inside.time_s
    with pytest.raises(ms.ValidationError, match="multiple"):
        ms.collective("all_reduce", 1e9, 12, "DGX-H100")


def test_train_step_breakdown_adds_up():
    run = ms.train_step("Llama-3-8B", "DGX-H100", 64, 256, 4096, tp=2, pp=2, micro_batch=1, zero_stage=1)
    assert run.step_time_s == pytest.approx(run.compute_s + run.exposed_comm_s + run.bubble_s + run.optimizer_s)
    assert 0 < run.mfu < 1 and run.hfu >= run.mfu
    assert run.bubble_s > 0 and run.tp_comm_s > 0
    assert run.tokens_per_s == pytest.approx(256 * 4096 / run.step_time_s)
    assert "dominant term" in run.explain()


def test_interleaving_shrinks_the_bubble():
    kwargs = dict(tp=8, pp=8, micro_batch=1, recompute=True, check_memory=False)
    plain = ms.train_step("GPT-3-175B", "DGX-A100", 512, 512, 2048, **kwargs)
    inter = ms.train_step("GPT-3-175B", "DGX-A100", 512, 512, 2048, virtual_stages=2, **kwargs)
    assert inter.bubble_s == pytest.approx(plain.bubble_s / 2, rel=0.05)


def test_expert_parallelism():
    run = ms.train_step("Mixtral-8x7B", "DGX-H100", 64, 256, 4096, tp=2, ep=8, zero_stage=1, check_memory=False)
    assert run.ep_comm_s > 0
    with pytest.raises(ms.ValidationError, match="ep"):
        ms.train_step("Llama-3-8B", "DGX-H100", 64, 256, 4096, ep=2)


def test_parallelism_validation_names_the_field():
    with pytest.raises(ms.ValidationError, match="tp=3 must divide heads=32"):
        ms.train_step("Llama-3-8B", "DGX-H100", 48, 48, 2048, tp=3)
    with pytest.raises(ms.ValidationError, match="pp=3 must divide layers=32"):
        ms.train_step("Llama-3-8B", "DGX-H100", 48, 48, 2048, pp=3)
    with pytest.raises(ms.ValidationError, match="global_batch"):
        ms.train_step("Llama-3-8B", "DGX-H100", 64, 100, 2048)
    with pytest.raises(ms.ValidationError, match="batch"):
        ms.training_memory("Llama-3-8B", -1, 2048)
    with pytest.raises(ms.UnknownNameError):
        ms.train_step("Llama-3-8B", "DGX-H1000", 8, 8, 2048)


def test_training_that_does_not_fit_is_refused():
    with pytest.raises(ms.DoesNotFitError, match="zero_stage"):
        ms.train_step("Llama-3-70B", "DGX-H100", 8, 8, 4096)
    what_if = ms.train_step("Llama-3-70B", "DGX-H100", 8, 8, 4096, check_memory=False)
    assert not what_if.fits


def test_serving_decode_is_memory_bound_at_batch_one(h100):
    s = ms.serve("Llama-3-8B", h100, batch=1, prompt_len=1024, output_len=256)
    assert s.decode_bound == "memory" and s.prefill_bound == "compute"
    floor = s.weights_bytes / h100.memory_bw_bytes_per_s
    assert floor < s.tpot_s < 2 * floor
    big = ms.serve("Llama-3-8B", h100, batch=64, prompt_len=1024, output_len=256)
    assert big.tokens_per_s > 10 * s.tokens_per_s
    assert big.tpot_s > s.tpot_s


def test_quantization_speeds_up_decode_and_raises_concurrency(h100):
    bf16 = ms.serve("Llama-3-8B", h100, 1, 512, 128)
    int4 = ms.serve("Llama-3-8B", h100, 1, 512, 128, dtype="int4")
    assert int4.tpot_s < bf16.tpot_s / 2.5
    assert int4.compute_dtype in ("fp8", "bf16", "int8") and int4.max_concurrency > bf16.max_concurrency


def test_kv_cache_limits_concurrency(h100):
    s = ms.serve("Llama-3-8B", h100, 1, 2048, 2048)
    per_seq = ms.kv_cache_bytes("Llama-3-8B", 1, 4096)
    expected = (0.9 * h100.memory_bytes - ms.model("Llama-3-8B").weight_bytes("bf16")) // per_seq
    assert s.max_concurrency == expected


def test_energy_carbon_cost():
    joules = ms.energy(700, 3600, pue=1.2)
    assert joules == pytest.approx(700 * 3600 * 1.2)
    assert ms.carbon(3.6e6, "france") == pytest.approx(ms.grid_intensity("france"))
    assert ms.carbon(3.6e6, "india") > ms.carbon(3.6e6, "norway")
    with pytest.raises(ms.UnknownNameError):
        ms.grid_intensity("atlantis")
    with pytest.raises(ms.ValidationError, match="pue"):
        ms.energy(100, 10, pue=0.9)
    assert ms.cloud_price("H100-SXM") > ms.cloud_price("A100-40GB")
    t = ms.tco("H100-SXM", 8, years=3)
    assert t.total_usd == pytest.approx(t.capex_usd + t.energy_usd)


def test_time_to_train_and_chinchilla():
    assert ms.chinchilla_tokens(70e9) == pytest.approx(1.4e12)
    # Chinchilla itself: 70B parameters on 1.4T tokens is about 5.9e23 FLOP
    point = ms.chinchilla_optimal(6 * 70e9 * 1.4e12)
    assert point.params == pytest.approx(70e9) and point.tokens == pytest.approx(1.4e12)
    run = ms.time_to_train("Llama-3-8B", 1e12, "DGX-H100", 256, 512, 4096, tp=1, zero_stage=1)
    assert run.days == pytest.approx(1e12 / run.step.tokens_per_s / 86400)
    assert run.gpu_hours == pytest.approx(run.days * 24 * 256)
    assert run.cost_usd == pytest.approx(run.gpu_hours * ms.cloud_price("H100-SXM"))


def test_edge_fit():
    kws = ms.edge_fit("DS-CNN-KWS", "nRF52840")
    assert kws.fits and kws.latency_s < 1.0
    resnet = ms.edge_fit("ResNet-50", "nRF52840")
    assert not resnet.fits and not resnet.fits_flash
    assert ms.edge_fit("DS-CNN-KWS", "STM32H747").latency_s < kws.latency_s
    assert kws.energy_j == pytest.approx(kws.latency_s * ms.hardware("nRF52840").tdp_w)
    with pytest.raises(ms.ValidationError, match="dtype"):
        ms.edge_fit("DS-CNN-KWS", "Coral-EdgeTPU", dtype="fp32")


def test_every_result_explains_and_serialises(h100):
    results = [ms.matmul(h100, 64, 64, 64), ms.training_memory("GPT-2", 4, 1024), ms.collective("all_gather", 1e6, 4, "NVLink3"),
               ms.serve("GPT-2", h100, 1, 128, 32), ms.edge_fit("MobileNet-PersonDet", "ESP32-S3"),
               ms.train_step("GPT-2", "H100-SXM", 8, 64, 1024), ms.tco("A100-80GB", 8)]
    import json
    for r in results:
        text = r.explain()
        assert "=" in text and len(text.splitlines()) >= 2
        json.dumps(r.to_dict())
        assert all(not isinstance(v, float) or math.isfinite(v) for v in r.to_dict().values())


def test_context_parallelism_trades_memory_for_kv_all_gathers():
    kwargs = dict(tp=8, pp=1, micro_batch=1, sp=True, check_memory=False)
    plain = ms.train_step("Llama-3.1-70B", "DGX-H100", 64, 64, 32768, **kwargs)
    split = ms.train_step("Llama-3.1-70B", "DGX-H100", 64, 64, 32768, cp=4, **kwargs)
    assert split.dp == plain.dp // 4 and split.cp == 4
    assert split.cp_comm_s > 0 and plain.cp_comm_s == 0
    assert split.memory.activations_bytes < plain.memory.activations_bytes / 3
    with pytest.raises(ms.ValidationError, match="cp"):
        ms.train_step("Llama-3-70B", "DGX-H100", 64, 64, 1000, cp=16, tp=4, check_memory=False)


def test_causal_flash_attention_halves_attention_time_not_model_flops():
    dense = ms.train_step("Llama-3.1-8B", "DGX-H100", 8, 8, 32768, flash_attention=False, check_memory=False)
    flash = ms.train_step("Llama-3.1-8B", "DGX-H100", 8, 8, 32768, flash_attention=True, check_memory=False)
    assert flash.model_flop_per_step == dense.model_flop_per_step
    assert flash.compute_s < dense.compute_s


def test_model_phase_rooflines(h100):
    decode = ms.model_roofline("Llama-3-8B", h100, "decode", batch=1, seq_len=1024)
    # one multiply-add per 2-byte weight: about 1 FLOP per byte, far below the ridge
    assert decode.bound == "memory" and 0.8 < decode.arithmetic_intensity < 1.3
    batched = ms.model_roofline("Llama-3-8B", h100, "decode", batch=64, seq_len=1024)
    assert batched.arithmetic_intensity > 20 * decode.arithmetic_intensity / 2
    assert ms.model_roofline("Llama-3-8B", h100, "prefill", batch=1, seq_len=4096).bound == "compute"
    with pytest.raises(ms.ValidationError, match="encoder"):
        ms.model_roofline("BERT-base", h100, "decode")
    with pytest.raises(ms.ValidationError, match="phase"):
        ms.model_roofline("ResNet-50", h100, "decode")
    assert ms.model_roofline("ResNet-50", h100, "training", batch=32).flop == pytest.approx(3 * 32 * ms.model("ResNet-50").flops_per_sample)


def test_kv_heads_are_replicated_beyond_their_count():
    m = ms.model("Llama-3-70B")  # 8 KV heads
    eight = ms.inference_memory(m, 4, 4096, n_devices=8)
    sixteen = ms.inference_memory(m, 4, 4096, n_devices=16)
    assert sixteen.kv_cache_bytes == pytest.approx(eight.kv_cache_bytes)
    assert sixteen.weights_bytes == pytest.approx(eight.weights_bytes / 2)


def test_host_attached_accelerator_streams_what_its_cache_cannot_hold():
    small = ms.edge_fit("MobileNetV2", "Coral-EdgeTPU")
    big = ms.edge_fit("ResNet-50", "Coral-EdgeTPU")
    assert small.fits and small.bound == "compute"
    coral = ms.hardware("Coral-EdgeTPU")
    streamed = ms.model("ResNet-50").params - coral.sram_bytes
    assert big.bound == "memory" and big.memory_s > streamed / coral.memory_bw_bytes_per_s
    assert coral.sustained_fraction and "benchmarks" in coral.sustained_fraction_source


def test_sequence_beyond_the_context_window_is_rejected():
    with pytest.raises(ms.ValidationError, match="context of 8192"):
        ms.train_step("Llama-3-8B", "DGX-H100", 8, 8, 65536, check_memory=False)
    with pytest.raises(ms.ValidationError, match="seq_len"):
        ms.training_memory("Llama-2-7B", 1, 8192)
    longer = ms.model("Llama-3-8B").replace(max_seq_len=65536)
    assert ms.train_step(longer, "DGX-H100", 8, 8, 65536, cp=8, check_memory=False).seq_len == 65536


def test_inference_tensor_parallel_degree_must_divide_heads():
    with pytest.raises(ms.ValidationError, match="n_devices=3 must divide heads=32"):
        ms.inference_memory("Llama-3-8B", 1, 2048, n_devices=3)
    assert ms.inference_memory("Llama-3-8B", 1, 2048, n_devices=4).n_devices == 4


def test_state_accounting_is_selectable_and_explained():
    zero = ms.training_memory("Llama-3-8B", 1, 2048)
    megatron = ms.training_memory("Llama-3-8B", 1, 2048, grad_accum_fp32=True)
    params = ms.model("Llama-3-8B").params
    assert (zero.weights_bytes + zero.grads_bytes + zero.optimizer_bytes) / params == pytest.approx(16)
    assert (megatron.weights_bytes + megatron.grads_bytes + megatron.optimizer_bytes) / params == pytest.approx(18)
    assert "16 B/param" in zero.explain() and "18 B/param" in megatron.explain()
    assert "fp32 gradient accumulation" in megatron.explain()


def test_interleaved_schedule_holds_more_micro_batches_in_flight():
    from mlsysim.memory import interleaved_activation_factor
    assert interleaved_activation_factor(8, 1) == 1.0
    assert interleaved_activation_factor(8, 4) == pytest.approx(1 + 7 / 32)
    plain = ms.training_memory("GPT-3-175B", 1, 2048, tp=8, pp=16, sp=True, recompute="selective")
    inter = ms.training_memory("GPT-3-175B", 1, 2048, tp=8, pp=16, sp=True, recompute="selective", virtual_stages=3)
    logits = 4.0 * 2048 * ms.model("GPT-3-175B").vocab / 8
    assert (inter.activations_bytes - logits) == pytest.approx((plain.activations_bytes - logits) * (1 + 15 / 48))
    run = ms.train_step("GPT-3-175B", "DGX-A100", 1024, 1024, 2048, tp=8, pp=16, sp=True, virtual_stages=3,
                        recompute="selective", check_memory=False)
    assert "micro-batches in flight" in run.memory.explain()


def test_gemm_efficiency_depends_on_shape_and_attention_on_length():
    from mlsysim.training import gemm_shape_factor
    assert gemm_shape_factor(16384, 16384, 16384) == pytest.approx(1.0)
    assert gemm_shape_factor(8192, 768, 768) < gemm_shape_factor(8192, 4096, 4096) < 1.0
    # the same model gets a lower MFU at long context (attention runs below the GEMM rate)
    long = ms.model("Llama-3-8B").replace(max_seq_len=131072)
    short_run = ms.train_step(long, "DGX-H100", 8, 64, 8192, check_memory=False)
    long_run = ms.train_step(long, "DGX-H100", 64, 8, 131072, cp=8, check_memory=False)
    assert long_run.mfu < short_run.mfu


def test_fp8_gemms_need_wider_shapes_and_fused_attention_is_faster():
    from mlsysim.training import gemm_shape_factor
    # the same skinny GEMM keeps less of the large-GEMM rate in FP8 than in 16 bit; large ones lose nothing
    assert gemm_shape_factor(128, 4096, 4096, dtype="fp8") < gemm_shape_factor(128, 4096, 4096, dtype="bf16")
    assert gemm_shape_factor(16384, 16384, 16384, dtype="fp8") == pytest.approx(1.0)
    # so a short FP8 prompt's prefill is farther from the FP8 peak than a long one's
    short = ms.serve("Llama-2-7B", "H100-SXM", 1, 128, 1, dtype="fp8")
    long = ms.serve("Llama-2-7B", "H100-SXM", 1, 2048, 1, dtype="fp8")
    assert short.prefill_layers_s / 128 > long.prefill_layers_s / 2048 * 0.9
    # Transformer Engine's fused attention (measured FlashAttention-2 rate) beats the 2023 PyTorch fit,
    # and only attention changes: at 8K tokens the step gets faster, more so at 32K
    default = ms.train_step("Llama-3-8B", "DGX-H100", 8, 64, 8192, check_memory=False)
    fused = ms.train_step("Llama-3-8B", "DGX-H100", 8, 64, 8192, check_memory=False, attention_kernel="fused")
    assert fused.step_time_s < default.step_time_s
    assert fused.model_flop_per_step == default.model_flop_per_step
    with pytest.raises(ms.ValidationError, match="attention_kernel"):
        ms.train_step("Llama-3-8B", "DGX-H100", 8, 64, 8192, check_memory=False, attention_kernel="flash9")


def test_shared_chapter_assumptions_come_from_the_catalogs():
    from mlsysim import assumptions as a
    assert a.GPU_HOUR_PRICE_USD == ms.cloud_price(a.GPU_HOUR_PRICE_HARDWARE) and a.GPU_HOUR_PRICE_AS_OF
    assert a.DEFAULT_GRID_INTENSITY_GCO2_PER_KWH == ms.grid_intensity(a.DEFAULT_GRID_REGION)
    assert 0 < a.DEFAULT_MFU < 1 and 0 < a.AVERAGE_POWER_FRACTION_OF_TDP <= 1 and 1 <= a.DEFAULT_PUE < a.INDUSTRY_AVERAGE_PUE


def test_prefill_runs_at_the_training_gemm_rate_and_pays_tensor_parallel_communication():
    from mlsysim import assumptions as a
    assert a.SERVING_PREFILL_EFFICIENCY["datacenter"] > a.SERVING_MATMUL_EFFICIENCY["datacenter"]
    one = ms.serve("Llama-3.1-70B", "H100-SXM", 1, 4096, 16, dtype="fp8", n_devices=1)
    two = ms.serve("Llama-3.1-70B", "H100-SXM", 1, 4096, 16, dtype="fp8", n_devices=2)
    assert one.prefill_bound == "compute" and one.prefill_comm_s == 0
    # 4096 tokens x 2 x 70B parameters at the FP8 training GEMM rate bounds the compute from below
    floor = 4096 * 2 * ms.model("Llama-3.1-70B").matmul_params / (
        ms.hardware("H100-SXM").peak_flops("fp8") * a.MATMUL_EFFICIENCY["datacenter"] * a.FP8_MATMUL_DERATE)
    assert floor < one.prefill_layers_s < 1.3 * floor
    # two devices halve the GEMMs but add 2 all-reduces per layer of 4096 x 8192 16-bit activations
    comm = 2 * 80 * ms.collective("all_reduce", 4096 * 8192 * 2, 2, "NVLink4").time_s
    assert two.prefill_comm_s == pytest.approx(comm, rel=1e-9)
    assert 0.45 < two.prefill_layers_s / one.prefill_layers_s < 0.6
    assert two.ttft_s == pytest.approx(two.prefill_layers_s + comm + two.prefill_launch_s, rel=1e-9)


def test_kernel_launches_cost_prefill_every_kernel_and_a_graphed_decode_one_launch():
    from mlsysim import assumptions as a
    from mlsysim.serving import KERNELS_PER_LAYER
    m = ms.model("Llama-2-7B")
    graphed = ms.serve(m, "H100-SXM", 1, 128, 64, dtype="fp8")
    eager = ms.serve(m, "H100-SXM", 1, 128, 64, dtype="fp8", cuda_graphs=False)
    per_pass = (m.layers * KERNELS_PER_LAYER + 1) * a.KERNEL_LAUNCH_S
    assert graphed.prefill_launch_s == pytest.approx(per_pass) and graphed.decode_launch_s == a.KERNEL_LAUNCH_S
    assert eager.ttft_s == graphed.ttft_s
    assert eager.tpot_s - graphed.tpot_s == pytest.approx(per_pass - a.KERNEL_LAUNCH_S, rel=1e-9)
    # a short prompt is a skinny GEMM: 16x fewer tokens take far more than 1/16 of the time
    long = ms.serve(m, "H100-SXM", 1, 2048, 1, dtype="fp8")
    assert graphed.prefill_layers_s > long.prefill_layers_s / 12


def test_formatters_round_before_choosing_the_unit():
    from mlsysim.units import fmt_bytes, fmt_count, fmt_rate, fmt_time
    assert fmt_time(999.6e-6) == "1 ms" and fmt_time(999.6e-6, keep_zeros=True) == "1.00 ms"
    assert fmt_bytes(999.7e9) == "1 TB" and fmt_bytes(999.7e9, keep_zeros=True) == "1.00 TB"
    assert fmt_time(0.9994) == "999 ms" and fmt_time(59.9996) == "60 s"
    assert fmt_rate(999.9e12) == "1 PFLOP/s" and fmt_count(1234) == "1.23 k"
    assert fmt_bytes(80e9) == "80 GB" and fmt_time(2.0) == "2 s" and fmt_time(100e-6, keep_zeros=True) == "100 µs"


def test_times_between_1000_s_and_2_h_read_in_minutes():
    from mlsysim.units import fmt_time
    assert fmt_time(999) == "999 s" and fmt_time(1000) == "16.7 min" and fmt_time(2840) == "47.3 min"
    assert fmt_time(2840, keep_zeros=True) == "47.3 min" and fmt_time(7199) == "2 h" and fmt_time(7200) == "2 h"
    assert "e+" not in "".join(fmt_time(s) for s in range(1, 200000, 997))


def test_a_tapered_fat_tree_is_never_faster_than_a_non_blocking_one():
    """Oversubscription divides the uplink bandwidth; the extra switch tiers cost the same latency either way."""
    for size in (2**10, 2**20, 2**30):
        times = [ms.collective("all_reduce", size, 128, ms.cluster("DGX-H100", nodes=16, topology="fat-tree",
                                                                   oversubscription=r)).time_s for r in (1, 2, 4)]
        assert times[0] <= times[1] <= times[2], (size, times)
    tapered = ms.cluster("DGX-H100", nodes=2, topology="fat-tree", oversubscription=2).scale_out_link
    flat = ms.cluster("DGX-H100", nodes=2, topology="fat-tree").scale_out_link
    assert tapered.latency_s == flat.latency_s and tapered.bandwidth_bytes_per_s == flat.bandwidth_bytes_per_s / 2


def test_fsdp_backward_post_exposes_one_parameter_all_gather_per_micro_batch():
    # MPT-13B-like FSDP run on one 8x H100 node: BACKWARD_POST waits for every backward all-gather
    from mlsysim.validation import mpt_model
    kwargs = dict(micro_batch=2, zero_stage=3, check_memory=False)
    system = ms.cluster("DGX-H100", nodes=1)
    pre = ms.train_step(mpt_model("13b", 2048), system, 8, 16, 2048, **kwargs)
    post = ms.train_step(mpt_model("13b", 2048), system, 8, 16, 2048, fsdp_backward_prefetch="post", **kwargs)
    gather = ms.collective("all_gather", mpt_model("13b", 2048).params * 2, 8, system).time_s
    assert post.step_time_s > pre.step_time_s
    assert post.step_time_s - pre.step_time_s == pytest.approx(gather, rel=0.05)
    # without sharded parameters there is nothing to prefetch: the option changes nothing
    dense = dict(micro_batch=2, zero_stage=1, check_memory=False)
    assert ms.train_step("Llama-3-8B", system, 8, 16, 2048, fsdp_backward_prefetch="post", **dense).step_time_s == \
        ms.train_step("Llama-3-8B", system, 8, 16, 2048, **dense).step_time_s
    with pytest.raises(ms.ValidationError, match="fsdp_backward_prefetch"):
        ms.train_step("Llama-3-8B", system, 8, 16, 2048, fsdp_backward_prefetch="early", **dense)


def test_serving_engine_build_options_slow_prefill_only():
    base = ms.serve("Llama-2-7B", "H100-SXM", 1, 2048, 1, dtype="fp8")
    fp16_attention = ms.serve("Llama-2-7B", "H100-SXM", 1, 2048, 1, dtype="fp8", context_attention_dtype="fp16")
    unfused = ms.serve("Llama-2-7B", "H100-SXM", 1, 2048, 1, dtype="fp8", fused_mlp=False)
    assert fp16_attention.ttft_s > base.ttft_s            # FP8 context FMHA runs at twice the 16-bit peak
    assert fp16_attention.tpot_s == base.tpot_s
    layers = ms.model("Llama-2-7B").layers
    assert unfused.prefill_launch_s - base.prefill_launch_s == pytest.approx(layers * ms.assumptions.KERNEL_LAUNCH_S)
    with pytest.raises(ms.ValidationError, match="context_attention_dtype"):
        ms.serve("Llama-2-7B", "A100-80GB", 1, 128, 1, dtype="fp16", context_attention_dtype="fp8")

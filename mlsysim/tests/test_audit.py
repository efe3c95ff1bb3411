"""Catalog and physics checks from the independent audit: each test recomputes a number from the public
document or first principles it comes from, so a wrong catalog row or formula fails here."""
import pytest

import mlsysim as ms

GBIT = 1e9 / 8  # bytes per second in one Gb/s


# ---- hardware peaks ------------------------------------------------------------------------------
def test_cortex_a76_int8_peak_uses_the_dot_product_instructions():
    # 4 cores x 2.4 GHz x 2 ASIMD pipes x SDOT (16 int8 MACs = 32 OP) per pipe per cycle
    rpi5 = ms.hardware("RPi5")
    assert rpi5.peak_flops("int8") == pytest.approx(4 * 2.4e9 * 2 * 32, rel=1e-3)
    # the same pipes do 4 fp32 FMAs each: int8 with SDOT is 4x fp32, not the 2x of widening MACs
    assert rpi5.peak_flops("int8") / rpi5.peak_flops("fp32") == pytest.approx(4.0, rel=1e-3)
    # the Cortex-A72 of the Pi 4 (Armv8.0) has no dot product: it stays at 2x
    rpi4 = ms.hardware("RPi4")
    assert rpi4.peak_flops("int8") / rpi4.peak_flops("fp32") == pytest.approx(2.0, rel=1e-3)


def test_b200_matches_the_hgx_b200_column_with_sparsity_halved():
    b200 = ms.hardware("B200")
    sparse_pflops = {"bf16": 4.5, "fp8": 9.0, "int8": 9.0, "tf32": 2.2}
    for dtype, sparse in sparse_pflops.items():
        assert b200.peak_flops(dtype) == pytest.approx(sparse * 1e15 / 2, rel=1e-3), dtype
    assert b200.peak_flops("fp32") == pytest.approx(75e12)
    assert b200.peak_flops("fp64") == pytest.approx(37e12)
    assert b200.memory_bytes == pytest.approx(180e9)
    assert b200.memory_bw_bytes_per_s == pytest.approx(7.7e12)


# ---- links and nodes -----------------------------------------------------------------------------
@pytest.mark.parametrize("link, bidirectional_gbytes", [("TPUv5e-ICI", 400), ("TPUv5p-ICI", 1200)])
def test_tpu_ici_is_half_of_googles_bidirectional_per_chip_figure(link, bidirectional_gbytes):
    assert ms.interconnect(link).bandwidth_bytes_per_s == pytest.approx(bidirectional_gbytes * 1e9 / 2)


@pytest.mark.parametrize("link, pod_allreduce_bytes_per_s, chips", [("TPUv4-ICI", 1.1e15, 4096),
                                                                     ("TPUv5e-ICI", 51.2e12, 256)])
def test_tpu_ici_agrees_with_the_pod_all_reduce_bandwidth_per_chip(link, pod_allreduce_bytes_per_s, chips):
    # one convention for every TPU generation: the pod's quoted all-reduce bandwidth per chip
    assert ms.interconnect(link).bandwidth_bytes_per_s == pytest.approx(pod_allreduce_bytes_per_s / chips, rel=0.02)


def test_every_node_counts_one_scale_out_link_per_accelerator():
    # inter_link is per accelerator (bundling all of that accelerator's ports), so a node has exactly
    # as many of them as accelerators; counting ports here multiplies the node's bandwidth
    for name in ms.list_nodes():
        n = ms.node(name)
        assert n.nics_per_node == n.count, name


@pytest.mark.parametrize("node, ports, gbit_per_port", [("DGX-A100", 8, 200), ("DGX-H100", 8, 400),
                                                        ("Gaudi2-8", 24, 100), ("Gaudi3-8", 24, 200)])
def test_node_scale_out_bandwidth_matches_its_ports(node, ports, gbit_per_port):
    assert ms.node(node).inter_node_bw_bytes_per_s == pytest.approx(ports * gbit_per_port * GBIT)


# ---- models ---------------------------------------------------------------------------------------
def test_ds_cnn_matches_hello_edge_memory_not_a_parameter_count():
    kws = ms.model("DS-CNN-KWS")
    # Hello Edge's 38.6 KB is 8-bit weights plus activation buffers; the weights alone are ~23K
    assert 20e3 < kws.params < 26e3
    int8_footprint = kws.weight_bytes("int8") + kws.peak_activation_elements * 1
    assert int8_footprint == pytest.approx(kws.published_memory_bytes, rel=0.05)
    # 5.4 M operations per inference in the paper = 2.7 M multiply-accumulates
    assert kws.flops_per_sample == pytest.approx(5.4e6, rel=0.03)


# ---- published reference results ----------------------------------------------------------------
def test_gpt3_training_compute_matches_the_paper():
    # Brown et al. 2020, Table D.1: 3.14e23 FLOP for 300B tokens, i.e. 6 N D without attention
    bare = ms.training_flop("GPT-3-175B", 300e9, seq_len=2048, attention=False)
    assert bare == pytest.approx(3.14e23, rel=0.01)
    # attention over 2048 positions adds under 3 percent at this width
    with_attention = ms.training_flop("GPT-3-175B", 300e9, seq_len=2048)
    assert 1.0 < with_attention / bare < 1.03


def test_llama2_70b_kv_cache_per_token_with_grouped_query_attention():
    assert ms.kv_cache_bytes("Llama-2-70B", 1, 1) == 2 * 80 * 8 * 128 * 2 == 327_680


def test_batch_one_decode_lower_bound_is_weights_over_bandwidth(h100):
    bound = ms.model_roofline("Llama-3-8B", h100, "decode", batch=1, seq_len=1)
    assert bound.bound == "memory"
    assert bound.time_s == pytest.approx(16.06e9 / 3.35e12, rel=0.01)  # about 4.8 ms per token


def test_mixture_of_experts_compute_uses_active_and_memory_uses_total_parameters():
    mixtral = ms.model("Mixtral-8x7B")
    # forward FLOPs per token ~ 2 x active matmul parameters (embedding lookups are free)
    assert mixtral.flops_per_token(1) == pytest.approx(2 * mixtral.active_params, rel=0.02)
    state = ms.training_memory(mixtral, 1, 1024, zero_stage=0)
    assert state.weights_bytes == pytest.approx(2 * mixtral.params)
    assert ms.inference_memory(mixtral, 1, 1).weights_bytes == pytest.approx(2 * 46.7e9, rel=0.01)


@pytest.mark.parametrize("pp, micro_batches", [(4, 8), (8, 32)])
def test_pipeline_bubble_is_p_minus_1_over_m_plus_p_minus_1(pp, micro_batches):
    run = ms.train_step("Llama-3-8B", "DGX-H100", 8 * pp, micro_batches, 2048, tp=8, pp=pp, check_memory=False)
    assert run.n_micro_batches == micro_batches
    pipeline = run.step_time_s - run.dp_comm_exposed_s - run.optimizer_s
    assert run.bubble_s / pipeline == pytest.approx((pp - 1) / (micro_batches + pp - 1))


def test_ring_all_reduce_is_2_n_minus_1_over_n_bytes_over_bandwidth():
    # at the reference size (8 GiB) the bus bandwidth is the link's peak; the rest is one launch
    from mlsysim.collective_bandwidth import REFERENCE_SIZE_BYTES, RING
    ideal = ms.interconnect("IB-NDR").replace(latency_s=0.0, peak_efficiency=1.0)
    size = REFERENCE_SIZE_BYTES
    for n in (2, 8, 64):
        result = ms.collective("all_reduce", size, n, ideal)
        assert result.algorithm == "ring"
        assert result.time_s == pytest.approx(RING.launch_s + 2 * (n - 1) / n * size / 50e9)

"""Physics of the Data Storage lab (storage_throughput): input demand against storage and loader supply,
and checkpoint stalls, moved through the lab's controls."""
from __future__ import annotations

import mlsysim as ms
import pytest

from labkit.harness import error_messages, output_text, run_lab

VIDEO = "video (4 Mb/s, 1 frame/s, 576 tokens)"


def test_storage_throughput_demand_scales_with_gpus_and_bytes_per_token():
    _, small = run_lab("storage_throughput", gpus=1024)
    _, large = run_lab("storage_throughput", gpus=16384)
    assert large["current"]["demand"] == pytest.approx(16 * small["current"]["demand"])
    _, text = run_lab("storage_throughput", data="text tokens")
    _, video = run_lab("storage_throughput", data=VIDEO)
    # Llama 3's 128K vocabulary needs 4-byte tokens; a 4 Mb/s frame of 576 tokens is ~870 bytes per token
    assert video["current"]["demand"] / text["current"]["demand"] == pytest.approx(500e3 / 576 / 4)
    # tokens/s per GPU = peak x MFU / (6 N)
    h100 = ms.hardware("H100-SXM")
    expected = h100.peak_flops("bf16") * ms.assumptions.DEFAULT_MFU / (6 * ms.model("Llama-3-8B").params)
    assert text["current"]["tok_s_gpu"] == pytest.approx(expected)


def test_storage_throughput_storage_then_loader_bind_as_they_shrink():
    outputs, video = run_lab("storage_throughput", data=VIDEO, shared_gbs=50)
    assert video["current"]["binding"] == "storage" and video["current"]["input_fraction"] < 1
    assert "the storage binds" in output_text(outputs)
    _, faster = run_lab("storage_throughput", data=VIDEO, shared_gbs=200)
    assert faster["current"]["input_fraction"] > video["current"]["input_fraction"]
    outputs, slow_loader = run_lab("storage_throughput", decode=50)
    assert slow_loader["current"]["binding"] == "loader" and "the loader binds" in output_text(outputs)


def test_storage_throughput_local_nvme_scales_with_nodes_and_ignores_the_shared_tier():
    outputs, nvme = run_lab("storage_throughput", tier="local NVMe cache", shared_gbs=10)
    _, nvme_small = run_lab("storage_throughput", tier="local NVMe cache", gpus=1024)
    assert nvme["current"]["storage"] == pytest.approx(16 * nvme_small["current"]["storage"])
    assert "Adjusted" in output_text(outputs) and error_messages(outputs) == []


def test_storage_throughput_checkpoint_stall_is_size_over_bandwidth_and_async_hides_it():
    _, sync = run_lab("storage_throughput", model="Llama-3.1-405B", write_gbs=200)
    mem = ms.training_memory("Llama-3.1-405B", 1, 2048)
    assert sync["ckpt"]["stall_s"] == pytest.approx((mem.weights_bytes + mem.optimizer_bytes) / 200e9)
    _, slower = run_lab("storage_throughput", model="Llama-3.1-405B", write_gbs=20)
    assert slower["ckpt"]["stall_s"] == pytest.approx(10 * sync["ckpt"]["stall_s"])
    assert slower["ckpt"]["lost"] > sync["ckpt"]["lost"]
    _, hidden = run_lab("storage_throughput", model="Llama-3.1-405B", write_gbs=20, async_ckpt=True)
    assert hidden["ckpt"]["stall_s"] < sync["ckpt"]["stall_s"] / 100
    assert hidden["ckpt"]["lost"] < slower["ckpt"]["lost"]
    # the next checkpoint cannot start before the previous one is persisted
    assert hidden["ckpt"]["interval_s"] >= hidden["ckpt"]["persist_s"]


def test_storage_throughput_reveal_reads_back_the_guess():
    outputs, _ = run_lab("storage_throughput", guess="about 30 seconds")
    text = output_text(outputs)
    assert "You said about 30 seconds" in text and "Right." in text

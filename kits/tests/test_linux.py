"""Linux-board labs: the harness measures what it says, the detector's post-processing is
correct, the KV cache changes cost but not results, and the CLI runs on a CPU."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from kits_host.cli import main
from kits_host.linux import harness, llm, vision


def test_percentiles_and_throughput():
    assert harness.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert harness.percentile([5.0], 0.99) == 5.0
    with pytest.raises(ValueError):
        harness.percentile([], 0.5)
    calls = []
    result = harness.run_benchmark("noop", lambda: calls.append(1), batch=4, warmup=2, iterations=5)
    assert len(calls) == 7
    assert result.latency_ms["p50"] <= result.latency_ms["p99"]
    assert result.throughput_per_s > 0 and result.peak_rss_mb > 10


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]], np.float32)
    scores = np.array([0.8, 0.9, 0.5, 0.3], np.float32)
    assert vision.nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert vision.nms(boxes, scores, 0.99).tolist() == [1, 0, 2, 3]  # by score when nothing overlaps enough
    assert vision.iou(boxes[0], boxes[2:3])[0] == 0.0


def test_detector_decodes_a_planted_detection():
    det = vision.GridDetector(num_classes=3)
    raw = torch.full((1, 8, 6, 6), -10.0)
    raw[0, 0, 2, 3] = 10.0                 # object in row 2, column 3
    raw[0, 1:3, 2, 3] = 0.0                # centred in the cell
    raw[0, 3:5, 2, 3] = torch.logit(torch.tensor(0.25))  # a quarter of the image wide and high
    raw[0, 5 + 2, 2, 3] = 10.0             # class 2
    (dets,) = det.decode(raw, image_size=96)
    assert dets.shape == (1, 6)
    np.testing.assert_allclose(dets[0, :4], [56 - 12, 40 - 12, 56 + 12, 40 + 12], atol=1e-3)
    assert dets[0, 5] == 2 and dets[0, 4] > 0.99


def test_synthetic_scenes_have_their_boxes():
    frame, boxes = vision.synthetic_scene(np.random.default_rng(0), 96)
    assert frame.shape == (96, 96, 3) and frame.dtype == np.uint8
    for x0, y0, x1, y1, cls in boxes.astype(int):
        assert frame[(y0 + y1) // 2, (x0 + x1) // 2, cls] == 220


def test_kv_cache_decoding_equals_full_recompute():
    model = llm.tiny_model(llm.TinyConfig(dim=32, layers=2, heads=4, max_seq=64)).eval()
    tokens = torch.tensor([[72, 101, 108, 108, 111, 32, 119, 111]])
    with torch.inference_mode():
        full, _ = model(tokens)
        logits, caches = model(tokens[:, :5])
        step6, caches = model(tokens[:, 5:6], caches, start=5)
        rest, _ = model(tokens[:, 6:], caches, start=6)  # two tokens at once against the cache
    torch.testing.assert_close(step6[:, 0], full[:, 5], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(rest, full[:, 6:], rtol=1e-4, atol=1e-5)
    assert llm.kv_cache_bytes(model.config, 8) == 2 * 2 * 8 * 32 * 4
    with pytest.raises(ValueError, match="exceeds max_seq"):
        model(torch.zeros((1, 65), dtype=torch.long))


def test_generate_is_deterministic_and_counts_tokens():
    model = llm.tiny_model(llm.TinyConfig(dim=32, layers=1, heads=2, max_seq=64)).eval()
    out1, ttft, decode = llm.generate(model, b"hello", 6)
    out2, _, _ = llm.generate(model, b"hello", 6)
    assert out1 == out2 and len(out1) == 6 and ttft > 0 and decode > 0


def test_cli_benchmarks_run_on_cpu():
    runner = CliRunner()
    result = runner.invoke(main, ["linux", "vision", "--task", "detect", "--device", "cpu", "--iterations", "2",
                                  "--batch", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["batch"] == 2 and data["device"] == "cpu" and "mean_detections_per_batch" in data["extra"]
    result = runner.invoke(main, ["linux", "llm", "--device", "cpu", "--new-tokens", "4", "--repeats", "1"])
    assert result.exit_code == 0, result.output
    assert "time to first token p50" in result.output and "decode tokens/s" in result.output
    result = runner.invoke(main, ["linux", "llm", "--prompt-tokens", "500", "--new-tokens", "100"])
    assert result.exit_code != 0 and "holds 512 tokens" in result.output


def test_missing_camera_or_gpu_is_explained():
    with pytest.raises(RuntimeError, match="OpenCV|camera"):
        next(vision.frame_source("camera", 96, camera_index=99))
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="JetPack"):
            harness.pick_device("cuda")


def test_detector_targets_place_boxes_in_their_cells():
    obj, box, cls = vision.detector_targets([np.array([[10, 20, 30, 60, 2]], np.float32)], grid=6, size=96)
    assert obj.sum() == 1 and obj[0, 2, 1] == 1          # centre (20, 40) lies in cell row 2, column 1
    np.testing.assert_allclose(box[0, :, 2, 1], [20 / 16 - 1, 40 / 16 - 2, 20 / 96, 40 / 96])
    assert cls[0, 2, 1] == 2 and (cls == -1).sum() == 35


def test_detector_training_reduces_the_loss():
    det, losses = vision.train_detector(steps=25, batch=8)
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])


@pytest.mark.slow
def test_trained_detector_finds_synthetic_objects():
    det, _ = vision.train_detector(steps=400, batch=32)
    scenes = [vision.synthetic_scene(np.random.default_rng(1000 + i), 96) for i in range(40)]
    assert vision.recall_at_iou(det, scenes, 96) >= 0.6


def test_cli_trains_a_detector_the_benchmark_loads(tmp_path):
    runner = CliRunner()
    weights = tmp_path / "det.pt"
    result = runner.invoke(main, ["linux", "train-detector", "--steps", "3", "--batch", "4", "--out", str(weights)])
    assert result.exit_code == 0, result.output
    assert "recall at IoU 0.5" in result.output and weights.exists()
    result = runner.invoke(main, ["linux", "vision", "--task", "detect", "--device", "cpu", "--iterations", "1",
                                  "--weights", str(weights)])
    assert result.exit_code == 0, result.output
    assert str(weights) in result.output

"""Exporter: framework modules convert faithfully, quantization keeps the model's
decisions, and the saved artefacts refuse to load when stale or of another version."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from kits_host import export
from kits_host.export import ExportError, QuantizedModel


def _torch_forward(model, x_hwc):
    with torch.no_grad():
        return model(torch.tensor(x_hwc[None].transpose(0, 3, 1, 2), dtype=torch.float32)).numpy()[0]


def test_pytorch_sequential_converts_exactly():
    torch.manual_seed(0)
    seq = nn.Sequential(
        nn.Conv2d(2, 6, 3, stride=2), nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=1, groups=6), nn.ReLU(),
        nn.Conv2d(6, 12, (1, 3), stride=(1, 2)), nn.ReLU(),
        nn.MaxPool2d((2, 1)), nn.AvgPool2d(1),
        nn.Flatten(), nn.Linear(12 * 3 * 2, 7), nn.ReLU(), nn.Linear(7, 3), nn.Softmax(dim=1))
    float_model = export.from_sequential(seq, name="probe", input_shape=(13, 11, 2), labels=["a", "b", "c"])
    x = np.random.default_rng(0).normal(size=(13, 11, 2))
    # The Flatten -> Linear re-ordering (CHW -> HWC) is what this comparison exercises.
    np.testing.assert_allclose(float_model.forward(x), _torch_forward(seq, x), rtol=1e-5, atol=1e-6)


def test_tinytorch_sequential_converts_exactly():
    import tinytorch
    from tinytorch.core.activations import ReLU, Softmax
    from tinytorch.core.layers import Linear, Sequential

    tinytorch.manual_seed(1)
    seq = Sequential(Linear(12, 8), ReLU(), Linear(8, 4), Softmax())
    model = export.from_sequential(seq, name="tiny", input_shape=(1, 1, 12), labels=list("wxyz"))
    x = np.random.default_rng(2).normal(size=12).astype(np.float32)
    expected = seq(tinytorch.Tensor(x[None])).data[0]
    np.testing.assert_allclose(model.forward(x), expected, rtol=1e-5, atol=1e-6)


def test_quantized_model_agrees_with_float(rng):
    torch.manual_seed(3)
    seq = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 3), nn.Softmax(dim=1))
    float_model = export.from_sequential(seq, name="agree", input_shape=(6, 6, 1), labels=list("abc"))
    calib = rng.integers(-128, 128, (64, 6, 6, 1))
    q = export.quantize(float_model, calib)
    agree = 0
    for sample in rng.integers(-128, 128, (100, 6, 6, 1)):
        f = float_model.forward(float_model.dequantize_input(sample))
        p = (q.run(sample).astype(int) + 128) / 256
        assert np.abs(p - f).max() < 0.12
        agree += int(np.argmax(p) == np.argmax(f))
    assert agree >= 90


def test_unsupported_layers_and_shapes_are_named():
    with pytest.raises(ExportError, match="Tanh has no INT8 kernel"):
        export.from_sequential(nn.Sequential(nn.Linear(4, 4), nn.Tanh()), name="x", input_shape=(1, 1, 4),
                               labels=["a"])
    with pytest.raises(ExportError, match="neither 'valid'"):
        export.from_sequential(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1)), name="x",
                               input_shape=(8, 8, 1), labels=["a"])
    with pytest.raises(ExportError, match="must be a C identifier"):
        export.FloatModel("Bad-Name", (1, 1, 1), [], ["a"])
    model = export.FloatModel("x", (1, 1, 4), [export.Dense(np.ones((2, 5)), np.zeros(2))], ["a", "b"])
    with pytest.raises(ExportError, match="Dense expects 5 inputs but receives 4"):
        model.forward(np.zeros(4))


def test_saved_model_round_trips_and_detects_tampering(tmp_path, models):
    model = models["motion"]
    paths = model.save(tmp_path)
    loaded = QuantizedModel.load(paths["manifest"])
    assert loaded.model_hash() == model.model_hash()
    x = np.random.default_rng(0).integers(-128, 128, model.input_size)
    np.testing.assert_array_equal(loaded.run(x), model.run(x))
    meta = json.loads(paths["manifest"].read_text())
    meta["format_version"] = 2
    paths["manifest"].write_text(json.dumps(meta))
    with pytest.raises(ExportError, match="format version 2, this kits reads version 1; re-export"):
        QuantizedModel.load(paths["manifest"])
    meta["format_version"] = 1
    meta["layers"][0]["output_offset"] += 1
    paths["manifest"].write_text(json.dumps(meta))
    with pytest.raises(ExportError, match="hash differs"):
        QuantizedModel.load(paths["manifest"])
    with pytest.raises(ExportError, match="run `kits export` first"):
        QuantizedModel.load(tmp_path / "missing.kmodel.json")


def test_committed_models_match_their_c_sources(models, tmp_path):
    from kits_host import KITS_ROOT
    for name, model in models.items():
        folder = KITS_ROOT / "models" / name
        assert (folder / f"{name}_model.c").read_text() == export.render_c(model)
        assert (folder / f"{name}_model.h").read_text() == export.render_header(model)
        assert json.loads((folder / "library.json").read_text())["name"] == f"kits-model-{name}"


def test_committed_models_are_accurate(models):
    for name, model in models.items():
        assert model.metrics["int8_accuracy"] >= 0.95, name
        assert model.metrics["int8_float_agreement"] >= 0.97, name


@pytest.mark.slow
def test_training_pipeline_motion_reproduces_the_committed_model(tmp_path, models):
    from kits_host import train

    model = train.train_and_export("motion", tmp_path, seed=0)
    assert model.metrics["int8_accuracy"] >= 0.9
    # Same seed, same data, same code: the same bytes as kits/models/motion (CPU PyTorch).
    assert model.model_hash() == models["motion"].model_hash()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["kws", "digits"])
def test_training_pipeline_slow(tmp_path, name):
    from kits_host import train

    model = train.train_and_export(name, tmp_path, seed=5)
    assert model.metrics["int8_accuracy"] >= 0.9


def test_learner_recordings_train_a_model_the_simulated_board_runs(tmp_path):
    """capture file -> train-capture -> C model -> firmware (host build) -> kits infer."""
    from click.testing import CliRunner

    from kits_host import datasets, firmware
    from kits_host.cli import main
    from kits_host.sim import start_simulated_board

    rng = np.random.default_rng(11)
    capture = tmp_path / "gestures.npz"
    for label in ("idle", "shake", "wave"):
        for _ in range(4):  # four recordings of ~7.7 s each, like `kits capture --seconds 8`
            stream = np.concatenate([datasets.synth_motion(label, rng) for _ in range(6)])
            datasets.append_capture(capture, label, 6, stream, "test")
    out = tmp_path / "gestures"
    result = CliRunner().invoke(main, ["train-capture", str(capture), "--kind", "imu", "--name", "gestures",
                                       "--epochs", "25", "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = QuantizedModel.load(out / "gestures.kmodel.json")
    assert model.labels == ["idle", "shake", "wave"] and model.metrics["int8_accuracy"] >= 0.85
    assert (out / "library.json").exists() and (out / "gestures_model.c").exists()

    board = start_simulated_board(firmware.build_host_sim(model, tmp_path / "sim"))
    try:
        clip = datasets.synth_motion("shake", rng)
        np.save(tmp_path / "shake.npy", clip)
        result = CliRunner().invoke(main, ["infer", board.port, str(tmp_path / "shake.npy"),
                                           "--model", str(out / "gestures.kmodel.json")])
    finally:
        board.close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("shake") and "identical scores" in result.output


def test_capture_training_rejects_thin_data(tmp_path):
    from kits_host import datasets, train

    capture = tmp_path / "one.npz"
    datasets.append_capture(capture, "idle", 6, np.zeros((200, 6), np.int16), "test")
    with pytest.raises(ValueError, match="at least two classes"):
        train.capture_examples(capture, "imu")
    datasets.append_capture(capture, "wave", 6, np.zeros((70, 6), np.int16), "test")
    with pytest.raises(ValueError, match="too few examples per class"):
        train.capture_examples(capture, "imu")
    datasets.append_capture(tmp_path / "a.npz", "x", 3, np.zeros((200, 3), np.int16), "t")
    datasets.append_capture(tmp_path / "a.npz", "y", 3, np.zeros((200, 3), np.int16), "t")
    with pytest.raises(ValueError, match="need 6 axes"):
        train.capture_examples(tmp_path / "a.npz", "imu")


def test_speech_commands_download_verifies_its_checksum(tmp_path, monkeypatch):
    import urllib.request

    from kits_host import datasets

    def fake_download(url, dest):
        assert url == datasets.SPEECH_COMMANDS_URL
        Path(dest).write_bytes(b"not the real archive")

    monkeypatch.setattr(urllib.request, "urlretrieve", fake_download)
    with pytest.raises(IOError, match="checksum mismatch"):
        datasets.download_speech_commands(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the corrupt partial file is removed


def test_wav_loader_pads_and_checks_format(tmp_path):
    import wave

    from kits_host import datasets

    def write(path, rate, channels, samples):
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(np.asarray(samples, "<i2").tobytes())

    write(tmp_path / "short.wav", 16000, 1, np.arange(100))
    audio = datasets.load_wav_int16(tmp_path / "short.wav")
    assert audio.shape == (16000,) and audio[99] == 99 and audio[100:].max() == 0
    write(tmp_path / "cd.wav", 44100, 2, np.zeros(200))
    with pytest.raises(ValueError, match="need mono 16-bit 16000 Hz"):
        datasets.load_wav_int16(tmp_path / "cd.wav")

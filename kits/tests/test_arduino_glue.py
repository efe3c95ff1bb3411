"""The Arduino-side lab code (kits/boards/arduino_app), compiled for the host against a
test double of the Arduino core, classifies streamed sensor data exactly like the host
reference: sliding windows, unit conversion and the serial framing included."""

import subprocess
from pathlib import Path

import numpy as np

from kits_host import BOARDS_DIR, CORE_DIR, datasets, firmware
from kits_host.native import core_sources
from kits_host.protocol import FrameDecoder, MsgType, Result
from kits_host.train import front_end

DOUBLE = Path(__file__).parent / "arduino_double"


def build(model, out: Path) -> Path:
    gen = out / "gen"
    firmware.generate_sources(model, gen, firmware.selftest_clips(model)[:1])
    exe = out / "harness"
    includes = ["-I", str(DOUBLE), "-I", str(BOARDS_DIR / "arduino_app" / "src"), "-I", str(CORE_DIR / "include"),
                "-I", str(gen)]
    objects = []
    for source in [*core_sources(), gen / f"{model.name}_model.c"]:  # C, as PlatformIO compiles them
        obj = out / (source.stem + ".o")
        result = subprocess.run(["gcc", "-std=c99", "-O1", "-Wall", "-Werror", "-c", str(source), *includes,
                                 "-o", str(obj)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        objects.append(str(obj))
    cmd = ["g++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", str(DOUBLE / "harness.cpp"),
           *map(str, (BOARDS_DIR / "arduino_app" / "src").glob("*.cpp")), *objects, *includes, "-o", str(exe)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return exe


def live_results(exe: Path, mode: str, stream: np.ndarray, tmp_path: Path) -> list[Result]:
    data = tmp_path / "stream.bin"
    stream.astype("<i2").tofile(data)
    out = subprocess.run([str(exe), mode, str(data)], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    frames, errors = FrameDecoder().feed(out.stdout)
    assert errors == []
    assert frames[0].type == MsgType.HELLO
    return [Result.parse(f.body) for f in frames if f.type == MsgType.RESULT]


def test_motion_lab_windows_match_reference(models, tmp_path):
    model = models["motion"]
    rng = np.random.default_rng(4)
    stream = np.concatenate([datasets.synth_motion(label, rng) for label in ("wave", "idle", "shake", "circle")])
    results = live_results(build(model, tmp_path), "motion", stream, tmp_path)
    n, hop = model.input_samples, model.input_samples // 2
    starts = range(0, len(stream) - n + 1, hop)
    assert len(results) == len(starts) == 7
    for result, start in zip(results, starts):
        expected = model.run(front_end(model, stream[start:start + n]))
        assert result.scores == tuple(int(s) for s in expected)
        assert result.source == Result.LIVE


def test_audio_lab_windows_match_reference(models, tmp_path):
    model = models["kws"]
    rng = np.random.default_rng(5)
    stream = np.concatenate([datasets.synth_keyword(label, rng) for label in ("rise", "buzz")])
    results = live_results(build(model, tmp_path), "audio", stream, tmp_path)
    n, hop = model.input_samples, model.input_samples // 2
    starts = list(range(0, len(stream) - n + 1, hop))
    assert len(results) == len(starts) == 3
    for result, start in zip(results, starts):
        expected = model.run(front_end(model, stream[start:start + n]))
        assert result.scores == tuple(int(s) for s in expected)
    assert model.labels[results[0].label_index] == "rise" and model.labels[results[2].label_index] == "buzz"

"""Data for the kit labs.

* Synthetic keyword and motion sets generated on the fly (no downloads), used by the
  tests and the emulated firmware. They stand in for real recordings with the same
  shapes: 1 s of 16 kHz int16 audio, and 64 samples of 6-axis int16 IMU data.
* Google Speech Commands v0.02 (Warden 2018, arXiv:1804.03209) for learners with
  internet, fetched with a SHA-256 check.
* The dataset file `kits capture` appends to (.npz).
"""

from __future__ import annotations

import hashlib
import tarfile
import urllib.request
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import SAMPLE_RATE

KWS_LABELS = ["silence", "rise", "fall", "buzz"]
KWS_SAMPLES = SAMPLE_RATE  # one second
MOTION_LABELS = ["idle", "wave", "shake", "circle"]
MOTION_RATE_HZ = 50
MOTION_WINDOW = 64
MOTION_AXES = 6
# Accelerometer at +-4 g full scale (8192 LSB/g) and gyroscope at +-2000 dps (16.4 LSB/dps),
# the ranges the firmware configures; >> 8 maps them onto int8.
ACCEL_LSB_PER_G = 8192.0
GYRO_LSB_PER_DPS = 16.4
MOTION_SHIFT = 8

SPEECH_COMMANDS_URL = "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz"
SPEECH_COMMANDS_SHA256 = "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def synth_keyword(label: str, rng: np.random.Generator) -> np.ndarray:
    """One second of int16 audio for a synthetic keyword class."""
    if label not in KWS_LABELS:
        raise ValueError(f"unknown keyword {label!r}; choose from {KWS_LABELS}")
    t = np.arange(KWS_SAMPLES) / SAMPLE_RATE
    noise_level = rng.uniform(50, 400)
    audio = rng.normal(0.0, noise_level, KWS_SAMPLES)
    if label != "silence":
        start = rng.uniform(0.1, 0.45)
        duration = rng.uniform(0.3, 0.45)
        amplitude = rng.uniform(3000, 14000)
        inside = (t >= start) & (t < start + duration)
        local = np.clip((t - start) / duration, 0.0, 1.0)
        envelope = np.sin(np.pi * local) * inside
        if label in ("rise", "fall"):
            f0, f1 = rng.uniform(300, 600), rng.uniform(1800, 3000)
            if label == "fall":
                f0, f1 = f1, f0
            freq = f0 + (f1 - f0) * local
            phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
            audio += amplitude * envelope * np.sin(phase)
        else:  # buzz: a harmonic-rich low tone
            f = rng.uniform(120, 220)
            tone = sum(np.sin(2 * np.pi * f * k * t + rng.uniform(0, 6.28)) / k for k in range(1, 8))
            audio += amplitude * 0.5 * envelope * tone
    return _to_int16(audio)


def synth_motion(label: str, rng: np.random.Generator) -> np.ndarray:
    """One window [MOTION_WINDOW, 6] of int16 IMU samples (ax, ay, az, gx, gy, gz)."""
    if label not in MOTION_LABELS:
        raise ValueError(f"unknown motion {label!r}; choose from {MOTION_LABELS}")
    t = np.arange(MOTION_WINDOW) / MOTION_RATE_HZ
    accel_g = rng.normal(0, 0.03, (MOTION_WINDOW, 3))
    gyro_dps = rng.normal(0, 3, (MOTION_WINDOW, 3))
    accel_g[:, 2] += 1.0  # gravity on z while the board lies flat
    phase = rng.uniform(0, 2 * np.pi)
    if label == "wave":
        f, a = rng.uniform(1.0, 2.0), rng.uniform(0.5, 1.2)
        accel_g[:, 0] += a * np.sin(2 * np.pi * f * t + phase)
        gyro_dps[:, 2] += 120 * a * np.cos(2 * np.pi * f * t + phase)
    elif label == "shake":
        f, a = rng.uniform(5.0, 8.0), rng.uniform(0.8, 2.0)
        accel_g += a * np.sin(2 * np.pi * f * t[:, None] + rng.uniform(0, 6.28, 3))
        gyro_dps += 250 * a * np.sin(2 * np.pi * f * t[:, None] + rng.uniform(0, 6.28, 3))
    elif label == "circle":
        f, a = rng.uniform(0.8, 1.5), rng.uniform(0.4, 1.0)
        accel_g[:, 0] += a * np.sin(2 * np.pi * f * t + phase)
        accel_g[:, 1] += a * np.cos(2 * np.pi * f * t + phase)
        gyro_dps[:, 0] += 90 * a * np.cos(2 * np.pi * f * t + phase)
        gyro_dps[:, 1] -= 90 * a * np.sin(2 * np.pi * f * t + phase)
    return _to_int16(np.concatenate([accel_g * ACCEL_LSB_PER_G, gyro_dps * GYRO_LSB_PER_DPS], axis=1))


@dataclass
class RawSet:
    samples: np.ndarray  # int16 [N, ...]
    labels: np.ndarray   # int [N]
    names: list[str]


def synthetic_set(kind: str, per_class: int, seed: int) -> RawSet:
    """A balanced synthetic set: kind is 'kws' or 'motion'."""
    gen, names = {"kws": (synth_keyword, KWS_LABELS), "motion": (synth_motion, MOTION_LABELS)}[kind]
    rng = np.random.default_rng(seed)
    samples, labels = [], []
    for index, name in enumerate(names):
        for _ in range(per_class):
            samples.append(gen(name, rng))
            labels.append(index)
    order = rng.permutation(len(labels))
    return RawSet(np.stack(samples)[order], np.array(labels)[order], list(names))


# ---- Speech Commands (needs internet; not used by the offline tests) -----------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_speech_commands(dest: Path) -> Path:
    """Download and verify the Speech Commands v0.02 archive (2.3 GB), then extract it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "speech_commands_v0.02.tar.gz"
    if not archive.exists() or sha256_of(archive) != SPEECH_COMMANDS_SHA256:
        partial = archive.with_suffix(".part")
        urllib.request.urlretrieve(SPEECH_COMMANDS_URL, partial)
        got = sha256_of(partial)
        if got != SPEECH_COMMANDS_SHA256:
            partial.unlink()
            raise IOError(f"checksum mismatch for {SPEECH_COMMANDS_URL}: got {got}, expected "
                          f"{SPEECH_COMMANDS_SHA256}; the download was corrupted, run again")
        partial.rename(archive)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return dest


def load_wav_int16(path: Path, length: int | None = KWS_SAMPLES) -> np.ndarray:
    """A mono 16-bit WAV at 16 kHz, padded or cut to `length` samples (one second; None keeps
    the whole recording)."""
    with wave.open(str(path), "rb") as handle:
        if handle.getnchannels() != 1 or handle.getsampwidth() != 2 or handle.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path}: need mono 16-bit {SAMPLE_RATE} Hz audio, got {handle.getnchannels()} ch, "
                             f"{8 * handle.getsampwidth()} bit, {handle.getframerate()} Hz")
        audio = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.int16)
    if length is None:
        return audio
    out = np.zeros(length, np.int16)
    out[:min(audio.size, length)] = audio[:length]
    return out


def speech_commands_set(root: Path, words: list[str], per_class: int, seed: int = 0) -> RawSet:
    """Clips of the chosen words from an extracted Speech Commands folder."""
    rng = np.random.default_rng(seed)
    samples, labels = [], []
    for index, word in enumerate(words):
        files = sorted((Path(root) / word).glob("*.wav"))
        if not files:
            raise FileNotFoundError(f"no clips for {word!r} under {root}; run download_speech_commands first")
        for f in rng.choice(files, size=min(per_class, len(files)), replace=False):
            samples.append(load_wav_int16(f))
            labels.append(index)
    return RawSet(np.stack(samples), np.array(labels), list(words))


# ---- capture files -----------------------------------------------------------------------------------

def append_capture(path: Path, label: str, channels: int, samples: np.ndarray, board: str) -> int:
    """Append one recording to a capture dataset (.npz); returns the recording count."""
    path = Path(path)
    records: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as old:
            records = {k: old[k] for k in old.files}
        if int(records["channels"][0]) != channels:
            raise ValueError(f"{path} holds {int(records['channels'][0])}-channel data, this capture has "
                             f"{channels}; use another --out file")
    n = sum(1 for k in records if k.startswith("rec"))
    records[f"rec{n:05d}"] = np.asarray(samples, np.int16).reshape(-1, channels)
    labels = list(records.get("labels", np.array([], dtype="U32"))) + [label]
    boards = list(records.get("boards", np.array([], dtype="U32"))) + [board]
    records["labels"] = np.array(labels, dtype="U32")
    records["boards"] = np.array(boards, dtype="U32")
    records["channels"] = np.array([channels])
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **records)
    tmp.replace(path)
    return n + 1


def read_capture(path: Path) -> list[tuple[str, np.ndarray]]:
    with np.load(path, allow_pickle=False) as data:
        recs = sorted(k for k in data.files if k.startswith("rec"))
        return [(str(data["labels"][i]), data[k]) for i, k in enumerate(recs)]

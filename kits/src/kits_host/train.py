"""Train the reference keyword-spotting and motion models on the synthetic sets and
export them with kits_host.export. Training uses PyTorch (the `train` extra); a learner's
TinyTorch Sequential goes through the same `from_sequential` converter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import BUILD_DIR, datasets, export, features
from .protocol import InputKind
from .quant import rounding_divide_by_pot

MODELS_DIR = BUILD_DIR / "models"


def kws_inputs(audio: np.ndarray) -> np.ndarray:
    """int16 clips [N, 16000] -> int8 log-mel [N, 49, 20] (the firmware front end)."""
    return np.stack([features.logmel_s8(clip) for clip in np.asarray(audio, np.int16)])


def motion_inputs(windows: np.ndarray) -> np.ndarray:
    """int16 IMU windows [N, 64, 6] -> int8 [N, 64, 6] (raw >> 8, rounded, clamped)."""
    q = rounding_divide_by_pot(np.asarray(windows, np.int64), datasets.MOTION_SHIFT)
    return np.clip(q, -128, 127).astype(np.int8)


def image_inputs(pixels: np.ndarray) -> np.ndarray:
    """8-bit grayscale pixels -> int8 (value - 128), as the firmware's image front end."""
    return np.clip(np.asarray(pixels, np.int64) - 128, -128, 127).astype(np.int8)


def front_end(model, raw: np.ndarray) -> np.ndarray:
    """The int8 model input the firmware computes from one raw recording (any input kind)."""
    values = np.asarray(raw).reshape(-1)
    if model.input_kind == InputKind.AUDIO:
        return kws_inputs(values[None])[0]
    if model.input_kind == InputKind.IMU:
        return motion_inputs(values.reshape(1, model.input_samples, model.input_axes))[0]
    return image_inputs(values).reshape(model.input_shape)


def digits_set(seed: int, test: bool) -> datasets.RawSet:
    """scikit-learn's 8x8 handwritten digits (shipped with the package) as 8-bit pixels;
    a fixed 75/25 split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.int16)
    order = np.random.default_rng(seed).permutation(len(pixels))
    cut = int(0.75 * len(order))
    chosen = order[cut:] if test else order[:cut]
    return datasets.RawSet(pixels[chosen].reshape(len(chosen), -1), digits.target[chosen],
                           [str(d) for d in range(10)])


@dataclass
class Spec:
    name: str
    kind: str
    per_class: int
    epochs: int


SPECS = {
    "kws": Spec("kws", "kws", per_class=120, epochs=25),
    "motion": Spec("motion", "motion", per_class=100, epochs=40),
    "digits": Spec("digits", "digits", per_class=0, epochs=30),
}


def _torch_model(name: str):
    import torch.nn as nn

    if name == "kws":
        # DS-CNN in miniature: strided conv, a depthwise-separable block, then pooling over
        # frequency and short time spans only; global pooling would discard the temporal
        # order that tells a rising chirp from a falling one.
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(),
            nn.Conv2d(8, 16, 1), nn.ReLU(),
            nn.AvgPool2d((3, 9)), nn.Flatten(), nn.Linear(128, 4), nn.Softmax(dim=1))
    if name == "digits":
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128, 10), nn.Softmax(dim=1))
    return nn.Sequential(
        nn.Conv2d(6, 12, (1, 5), stride=(1, 2)), nn.ReLU(), nn.MaxPool2d((1, 2)),
        nn.Flatten(), nn.Linear(180, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=1))


def build_dataset(spec: Spec, seed: int, test: bool = False):
    if spec.kind == "digits":
        raw = digits_set(0, test)
        return raw, image_inputs(raw.samples).reshape(-1, 8, 8, 1)
    raw = datasets.synthetic_set(spec.kind, spec.per_class, seed + (1 if test else 0))
    if spec.kind == "kws":
        x = kws_inputs(raw.samples)[..., None]  # HWC with C = 1
    else:
        x = motion_inputs(raw.samples)[None].transpose(1, 0, 2, 3)  # [N, 1, 64, 6]
    return raw, x


def train_and_export(name: str, out_dir: Path | None = None, seed: int = 0) -> export.QuantizedModel:
    import torch

    spec = SPECS[name]
    torch.manual_seed(seed)
    raw, x_q = build_dataset(spec, seed)
    test_raw, x_test_q = build_dataset(Spec(name, spec.kind, max(spec.per_class // 4, 10), 0), seed, test=True)
    scale = 1.0 / 64
    to_nchw = lambda q: torch.tensor(q.astype(np.float32) * scale).permute(0, 3, 1, 2)  # noqa: E731
    x, y = to_nchw(x_q), torch.tensor(raw.labels)
    model = _torch_model(name)
    body = model[:-1]  # train on logits; the Softmax stays for export
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for _ in range(spec.epochs):
        for batch in torch.randperm(len(y), generator=generator).split(32):
            optimiser.zero_grad()
            loss_fn(body(x[batch]), y[batch]).backward()
            optimiser.step()
    model.eval()
    h, w, c = x_q.shape[1:]
    kind, samples, axes, shift = {
        "kws": (InputKind.AUDIO, datasets.KWS_SAMPLES, 1, 0),
        "motion": (InputKind.IMU, datasets.MOTION_WINDOW, datasets.MOTION_AXES, datasets.MOTION_SHIFT),
        "digits": (InputKind.IMAGE, 64, 1, 0),
    }[spec.kind]
    float_model = export.from_sequential(
        model, name=name, input_shape=(h, w, c), labels=raw.names, input_kind=kind, input_samples=samples,
        input_axes=axes, input_shift=shift, input_scale=scale, input_zero_point=0)
    qmodel = export.quantize(float_model, x_q[:200])
    with torch.no_grad():
        torch_pred = model(to_nchw(x_test_q)).argmax(1).numpy()
    float_pred = np.array([np.argmax(float_model.forward(float_model.dequantize_input(s))) for s in x_test_q])
    int8_pred = np.array([qmodel.predict(s) for s in x_test_q])
    qmodel.metrics = {
        "test_samples": int(len(test_raw.labels)),
        "torch_accuracy": float((torch_pred == test_raw.labels).mean()),
        "float_accuracy": float((float_pred == test_raw.labels).mean()),
        "int8_accuracy": float((int8_pred == test_raw.labels).mean()),
        "int8_float_agreement": float((int8_pred == float_pred).mean()),
        "seed": seed,
    }
    qmodel.save(Path(out_dir or MODELS_DIR))
    return qmodel


def ensure_models(out_dir: Path | None = None, names=("kws", "motion", "digits")) -> dict[str, Path]:
    """Train and export the reference models unless their manifests already exist."""
    out_dir = Path(out_dir or MODELS_DIR)
    manifests = {}
    for name in names:
        manifest = out_dir / f"{name}.kmodel.json"
        if not manifest.exists():
            train_and_export(name, out_dir)
        manifests[name] = manifest
    return manifests

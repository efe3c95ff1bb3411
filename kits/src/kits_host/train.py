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


IMAGE_SIDE_PERSON = 32
CAPTURE_SIDE = 32  # camera firmware streams 32x32 frames (kits::kCaptureSide)


def _torch_model(name: str, n_classes: int = 4, image_side: int = 8):
    import torch.nn as nn

    if name in ("kws", "audio"):
        # DS-CNN in miniature: strided conv, a depthwise-separable block, then pooling over
        # frequency and short time spans only; global pooling would discard the temporal
        # order that tells a rising chirp from a falling one.
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(),
            nn.Conv2d(8, 16, 1), nn.ReLU(),
            nn.AvgPool2d((3, 9)), nn.Flatten(), nn.Linear(128, n_classes), nn.Softmax(dim=1))
    if name == "digits":
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128, n_classes), nn.Softmax(dim=1))
    if name == "image":
        # Visual-wake-word style: strided conv, depthwise-separable block, pooled features.
        side = (image_side - 3) // 2 + 1
        pooled = side // 3
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(),
            nn.Conv2d(8, 16, 1), nn.ReLU(), nn.AvgPool2d(3),
            nn.Flatten(), nn.Linear(16 * pooled * pooled, n_classes), nn.Softmax(dim=1))
    return nn.Sequential(
        nn.Conv2d(6, 12, (1, 5), stride=(1, 2)), nn.ReLU(), nn.MaxPool2d((1, 2)),
        nn.Flatten(), nn.Linear(180, 16), nn.ReLU(), nn.Linear(16, n_classes), nn.Softmax(dim=1))


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


# input kind, raw samples per example, axes, IMU shift
FRONT_ENDS = {
    "audio": (InputKind.AUDIO, datasets.KWS_SAMPLES, 1, 0),
    "imu": (InputKind.IMU, datasets.MOTION_WINDOW, datasets.MOTION_AXES, datasets.MOTION_SHIFT),
}


def fit_and_export(name: str, model, x_q: np.ndarray, y: np.ndarray, x_test_q: np.ndarray, y_test: np.ndarray,
                   labels: list[str], front_end_spec: tuple, epochs: int, seed: int,
                   out_dir: Path | None) -> export.QuantizedModel:
    """Train `model` (a channel-first Sequential ending in Softmax) on int8 inputs [N, H, W, C],
    quantize it with the training inputs as calibration, measure, and save it."""
    import torch

    threads = torch.get_num_threads()
    # These models are tiny: one thread is as fast, deterministic, and does not thrash a busy machine.
    torch.set_num_threads(1)
    try:
        return _fit(name, model, x_q, y, x_test_q, y_test, labels, front_end_spec, epochs, seed, out_dir)
    finally:
        torch.set_num_threads(threads)


def _fit(name, model, x_q, y, x_test_q, y_test, labels, front_end_spec, epochs, seed, out_dir):
    import torch

    torch.manual_seed(seed)
    scale = 1.0 / 64
    to_nchw = lambda q: torch.tensor(q.astype(np.float32) * scale).permute(0, 3, 1, 2)  # noqa: E731
    x, y_t = to_nchw(x_q), torch.tensor(np.asarray(y), dtype=torch.long)
    body = model[:-1]  # train on logits; the Softmax stays for export
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(y_t), generator=generator).split(32):
            optimiser.zero_grad()
            loss_fn(body(x[batch]), y_t[batch]).backward()
            optimiser.step()
    model.eval()
    h, w, c = x_q.shape[1:]
    kind, samples, axes, shift = front_end_spec
    float_model = export.from_sequential(
        model, name=name, input_shape=(h, w, c), labels=labels, input_kind=kind, input_samples=samples,
        input_axes=axes, input_shift=shift, input_scale=scale, input_zero_point=0)
    qmodel = export.quantize(float_model, x_q[:200])
    with torch.no_grad():
        torch_pred = model(to_nchw(x_test_q)).argmax(1).numpy()
    float_pred = np.array([np.argmax(float_model.forward(float_model.dequantize_input(s))) for s in x_test_q])
    int8_pred = np.array([qmodel.predict(s) for s in x_test_q])
    y_test = np.asarray(y_test)
    qmodel.metrics = {
        "test_samples": int(len(y_test)),
        "torch_accuracy": float((torch_pred == y_test).mean()),
        "float_accuracy": float((float_pred == y_test).mean()),
        "int8_accuracy": float((int8_pred == y_test).mean()),
        "int8_float_agreement": float((int8_pred == float_pred).mean()),
        "seed": seed,
    }
    qmodel.save(Path(out_dir or MODELS_DIR))
    return qmodel


def train_and_export(name: str, out_dir: Path | None = None, seed: int = 0) -> export.QuantizedModel:
    """Train a reference model on its built-in data set and export it."""
    spec = SPECS[name]
    raw, x_q = build_dataset(spec, seed)
    test_raw, x_test_q = build_dataset(Spec(name, spec.kind, max(spec.per_class // 4, 10), 0), seed, test=True)
    front = {"kws": FRONT_ENDS["audio"], "motion": FRONT_ENDS["imu"],
             "digits": (InputKind.IMAGE, 64, 1, 0)}[spec.kind]
    import torch

    torch.manual_seed(seed)
    model = _torch_model(name, n_classes=len(raw.names))
    return fit_and_export(name, model, x_q, raw.labels, x_test_q, test_raw.labels, raw.names, front,
                          spec.epochs, seed, out_dir)


def capture_examples(capture: Path, kind: str, image_side: int = IMAGE_SIDE_PERSON):
    """Cut `kits capture` recordings into model inputs: 1 s audio windows (hop 0.5 s),
    64-sample IMU windows (hop 32), or single image frames. Returns (x_q, y, labels)."""
    recordings = datasets.read_capture(capture)
    if not recordings:
        raise ValueError(f"{capture} holds no recordings; record some with `kits capture`")
    labels = sorted({label for label, _ in recordings})
    if len(labels) < 2:
        raise ValueError(f"{capture} has only the label {labels}; record at least two classes")
    xs, ys = [], []
    for label, data in recordings:
        values = np.asarray(data, np.int16)
        if kind == "audio":
            if values.shape[1] != 1:
                raise ValueError(f"audio recordings must be mono, '{label}' has {values.shape[1]} channels")
            clip, hop = datasets.KWS_SAMPLES, datasets.KWS_SAMPLES // 2
            windows = [values[s:s + clip, 0] for s in range(0, len(values) - clip + 1, hop)]
            batch = kws_inputs(np.array(windows))[..., None] if windows else []
        elif kind == "imu":
            if values.shape[1] != datasets.MOTION_AXES:
                raise ValueError(f"IMU recordings need {datasets.MOTION_AXES} axes, '{label}' has {values.shape[1]}")
            n, hop = datasets.MOTION_WINDOW, datasets.MOTION_WINDOW // 2
            windows = [values[s:s + n] for s in range(0, len(values) - n + 1, hop)]
            batch = motion_inputs(np.array(windows))[:, None] if windows else []
        elif kind == "image":
            cap = CAPTURE_SIDE
            if image_side > cap or cap % image_side:
                raise ValueError(f"image side must divide the {cap}-pixel capture size (e.g. 8, 16, 32), "
                                 f"got {image_side}")
            frames = values.reshape(-1)[: (values.size // cap**2) * cap**2].reshape(-1, cap, cap)
            k = cap // image_side  # block-average captured frames down to the model's size
            frames = np.round(frames.reshape(-1, image_side, k, image_side, k).mean(axis=(2, 4)))
            batch = image_inputs(frames).reshape(-1, image_side, image_side, 1)
        else:
            raise ValueError(f"kind must be audio, imu or image, got {kind!r}")
        xs.extend(batch)
        ys.extend([labels.index(label)] * len(batch))
    counts = {l: ys.count(i) for i, l in enumerate(labels)}
    if min(counts.values()) < 4:
        raise ValueError(f"too few examples per class {counts}; record longer (`kits capture --seconds`)")
    return np.array(xs, np.int8), np.array(ys), labels


def train_from_capture(capture: Path, name: str, kind: str, out_dir: Path | None = None, epochs: int = 30,
                       seed: int = 0, image_side: int = IMAGE_SIDE_PERSON) -> export.QuantizedModel:
    """Train a model on the learner's own recordings and export it for the firmware."""
    import torch

    x_q, y, labels = capture_examples(capture, kind, image_side)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = max(1, int(0.8 * len(order)))
    train_idx, test_idx = order[:cut], order[cut:] if cut < len(order) else order[:1]
    torch.manual_seed(seed)
    arch = {"audio": "audio", "imu": "motion", "image": "image"}[kind]
    model = _torch_model(arch, n_classes=len(labels), image_side=image_side)
    front = FRONT_ENDS.get(kind, (InputKind.IMAGE, image_side * image_side, 1, 0))
    return fit_and_export(name, model, x_q[train_idx], y[train_idx], x_q[test_idx], y[test_idx], labels,
                          front, epochs, seed, out_dir)


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

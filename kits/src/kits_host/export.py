"""Exporter: a float model (NumPy weights, a TinyTorch or PyTorch Sequential) ->
post-training INT8 quantization -> C source for kits/core (weights + layer table with a
format-version header), a JSON manifest and an .npz the host reference runs.

Float layers use NHWC activations, like the C kernels. Conversions from the
channel-first frameworks transpose kernels and re-order the first Dense after a Flatten.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field, asdict
from pathlib import Path

import numpy as np

from . import quant
from .protocol import MODEL_FORMAT_VERSION, InputKind
from .quant import Window

OP_CONV2D, OP_DEPTHWISE, OP_FC, OP_MAXPOOL, OP_AVGPOOL, OP_SOFTMAX = range(1, 7)
OP_NAMES = {OP_CONV2D: "conv2d", OP_DEPTHWISE: "depthwise_conv2d", OP_FC: "fully_connected",
            OP_MAXPOOL: "max_pool", OP_AVGPOOL: "avg_pool", OP_SOFTMAX: "softmax"}


class ExportError(ValueError):
    """The model cannot be exported; the message names the layer and the fix."""


# ---- float model description ------------------------------------------------------------------

@dataclass
class Conv2D:
    weights: np.ndarray  # [out_c, kh, kw, in_c]
    bias: np.ndarray
    stride: int | tuple[int, int] = 1
    padding: str = "valid"
    relu: bool = False


@dataclass
class DepthwiseConv2D:
    weights: np.ndarray  # [kh, kw, in_c * depth_multiplier]
    bias: np.ndarray
    depth_multiplier: int = 1
    stride: int | tuple[int, int] = 1
    padding: str = "valid"
    relu: bool = False


@dataclass
class Dense:
    weights: np.ndarray  # [out, in]
    bias: np.ndarray
    relu: bool = False


@dataclass
class MaxPool2D:
    size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: str = "valid"


@dataclass
class AvgPool2D:
    size: int | tuple[int, int] | None = None  # None: global average over the whole feature map
    stride: int | tuple[int, int] | None = None
    padding: str = "valid"


@dataclass
class Softmax:
    pass


@dataclass
class FloatModel:
    """A float network on int8 front-end features.

    The front end hands the network int8 values q; the float network sees
    ``(q - input_zero_point) * input_scale``. ``input_shape`` is (H, W, C).
    """

    name: str
    input_shape: tuple[int, int, int]
    layers: list
    labels: list[str]
    input_kind: int = InputKind.AUDIO
    input_samples: int = 0
    input_axes: int = 1
    input_shift: int = 0
    input_scale: float = 1.0 / 64
    input_zero_point: int = 0

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ExportError(f"model name {self.name!r} must be a C identifier in lower case "
                              "(letters, digits, underscores), e.g. 'kws'")
        if not self.labels:
            raise ExportError("a model needs at least one label")

    def dequantize_input(self, q: np.ndarray) -> np.ndarray:
        return (np.asarray(q, np.float64) - self.input_zero_point) * self.input_scale

    def forward(self, x: np.ndarray, collect: list | None = None) -> np.ndarray:
        """Float forward pass on one NHWC sample (no batch axis)."""
        shape = tuple(self.input_shape)
        x = np.asarray(x, np.float64).reshape(shape)
        for layer in self.layers:
            x, shape = _float_layer(layer, x, shape)
            if collect is not None:
                collect.append(x)
        return x.reshape(-1)


def _hw(value) -> tuple[int, int]:
    """An int or an (h, w) pair as (h, w)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ExportError(f"expected a size or an (h, w) pair, got {value}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _geometry(layer, shape) -> Window:
    h, w, c = shape
    if isinstance(layer, Conv2D):
        out_c, kh, kw, in_c = layer.weights.shape
        if in_c != c:
            raise ExportError(f"Conv2D expects {in_c} input channels but receives {c} (input {shape})")
        return Window.for_input(h, w, c, out_c, kh, kw, *_hw(layer.stride), layer.padding)
    if isinstance(layer, DepthwiseConv2D):
        kh, kw, out_c = layer.weights.shape
        if out_c != c * layer.depth_multiplier:
            raise ExportError(f"DepthwiseConv2D has {out_c} channels, expected {c} x {layer.depth_multiplier}")
        return Window.for_input(h, w, c, out_c, kh, kw, *_hw(layer.stride), layer.padding)
    if isinstance(layer, (MaxPool2D, AvgPool2D)):
        if layer.size is None:
            return Window.for_input(h, w, c, c, h, w, 1, 1, "valid")
        kh, kw = _hw(layer.size)
        return Window.for_input(h, w, c, c, kh, kw, *_hw(layer.stride or layer.size), layer.padding)
    raise ExportError(f"unsupported layer {type(layer).__name__}")


def _float_layer(layer, x, shape):
    if isinstance(layer, Dense):
        flat = x.reshape(-1)
        if layer.weights.shape[1] != flat.size:
            raise ExportError(f"Dense expects {layer.weights.shape[1]} inputs but receives {flat.size} "
                              f"(previous output shape {shape})")
        y = layer.weights @ flat + layer.bias
        y = np.maximum(y, 0) if layer.relu else y
        return y, (1, 1, y.size)
    if isinstance(layer, Softmax):
        flat = x.reshape(-1)
        e = np.exp(flat - flat.max())
        return e / e.sum(), (1, 1, flat.size)
    w = _geometry(layer, shape)
    if isinstance(layer, (Conv2D, DepthwiseConv2D)):
        patches, valid = quant._patches(x, w)
        if isinstance(layer, Conv2D):
            y = patches.reshape(w.out_h * w.out_w, -1) @ layer.weights.reshape(w.out_c, -1).T
        else:
            rep = np.repeat(patches, layer.depth_multiplier, axis=-1)
            y = (rep * layer.weights[None, None]).sum(axis=(2, 3))
        y = y.reshape(w.out_h, w.out_w, w.out_c) + layer.bias
        y = np.maximum(y, 0) if layer.relu else y
    elif isinstance(layer, MaxPool2D):
        patches, valid = quant._patches(x, w, fill=-np.inf)
        y = patches.max(axis=(2, 3))
    else:
        patches, valid = quant._patches(x, w)
        y = patches.sum(axis=(2, 3)) / valid.sum(axis=(2, 3))[..., None]
    return y, (w.out_h, w.out_w, w.out_c)


# ---- quantized model ----------------------------------------------------------------------------

@dataclass
class QLayer:
    op: int
    window: Window
    input_offset: int = 0
    output_offset: int = 0
    act_min: int = -128
    act_max: int = 127
    depth_multiplier: int = 1
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    multiplier: np.ndarray | None = None
    shift: np.ndarray | None = None
    exp_lut: np.ndarray | None = None
    output_scale: float = 1.0
    output_zero_point: int = 0

    def run(self, x: np.ndarray) -> np.ndarray:
        w = self.window
        args = (self.multiplier, self.shift, self.input_offset, self.output_offset, self.act_min, self.act_max)
        if self.op == OP_CONV2D:
            return quant.conv2d_s8(x, w, self.weights, self.bias, *args)
        if self.op == OP_DEPTHWISE:
            return quant.depthwise_conv2d_s8(x, w, self.depth_multiplier, self.weights, self.bias, *args)
        if self.op == OP_FC:
            return quant.fully_connected_s8(x, self.weights, self.bias, *args)
        if self.op == OP_MAXPOOL:
            return quant.max_pool_s8(x, w, self.act_min, self.act_max)
        if self.op == OP_AVGPOOL:
            return quant.avg_pool_s8(x, w, self.act_min, self.act_max)
        return quant.softmax_s8(x, self.exp_lut)

    @property
    def output_size(self) -> int:
        return self.window.out_h * self.window.out_w * self.window.out_c


@dataclass
class QuantizedModel:
    name: str
    layers: list[QLayer]
    labels: list[str]
    input_kind: int
    input_samples: int
    input_axes: int
    input_shift: int
    input_shape: tuple[int, int, int]
    input_scale: float
    input_zero_point: int
    format_version: int = MODEL_FORMAT_VERSION
    metrics: dict = field(default_factory=dict)

    @property
    def input_size(self) -> int:
        h, w, c = self.input_shape
        return h * w * c

    @property
    def arena_bytes(self) -> int:
        biggest = max(layer.output_size for layer in self.layers)
        return 2 * ((biggest + 3) // 4 * 4)

    def run(self, x_q: np.ndarray) -> np.ndarray:
        """Integer reference inference: int8 input -> int8 scores."""
        x = np.asarray(x_q, np.int8)
        if x.size != self.input_size:
            raise ValueError(f"model {self.name!r} expects {self.input_size} int8 inputs, got {x.size}")
        for layer in self.layers:
            x = layer.run(x)
        return np.asarray(x, np.int8).reshape(-1)

    def predict(self, x_q: np.ndarray) -> int:
        # First maximum wins, the tie-break kits_argmax_s8 uses too.
        return int(np.argmax(self.run(x_q)))

    def weight_bytes(self) -> int:
        total = 0
        for l in self.layers:
            for arr in (l.weights, l.bias, l.multiplier, l.shift, l.exp_lut):
                if arr is not None:
                    total += arr.size * (1 if arr.dtype == np.int8 else 4)
        return total

    def model_hash(self) -> int:
        """CRC-32 over the layer table and every constant, in export order."""
        crc = 0
        header = struct.pack("<IIIIi", self.format_version, self.input_kind, self.input_samples,
                             self.input_axes, self.input_shift)
        crc = zlib.crc32(header, crc)
        for l in self.layers:
            w = l.window
            crc = zlib.crc32(struct.pack("<B12i4iB", l.op, w.in_h, w.in_w, w.in_c, w.out_h, w.out_w, w.out_c,
                                         w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_top, w.pad_left,
                                         l.input_offset, l.output_offset, l.act_min, l.act_max,
                                         l.depth_multiplier), crc)
            for arr in (l.weights, l.bias, l.multiplier, l.shift, l.exp_lut):
                if arr is not None:
                    crc = zlib.crc32(np.ascontiguousarray(arr).tobytes(), crc)
        crc = zlib.crc32("\n".join(self.labels).encode(), crc)
        return crc

    # -- persistence --
    def save(self, directory: Path) -> dict[str, Path]:
        """Writes <name>_model.c/.h, <name>.kmodel.json (manifest) and <name>.kmodel.npz."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {
            "c": directory / f"{self.name}_model.c",
            "h": directory / f"{self.name}_model.h",
            "manifest": directory / f"{self.name}.kmodel.json",
            "npz": directory / f"{self.name}.kmodel.npz",
        }
        paths["c"].write_text(render_c(self))
        paths["h"].write_text(render_header(self))
        paths["manifest"].write_text(json.dumps(self.manifest(), indent=2) + "\n")
        arrays = {}
        for i, l in enumerate(self.layers):
            for key in ("weights", "bias", "multiplier", "shift", "exp_lut"):
                value = getattr(l, key)
                if value is not None:
                    arrays[f"{i}.{key}"] = value
        np.savez(paths["npz"], **arrays)
        return paths

    def manifest(self) -> dict:
        return {
            "name": self.name, "format_version": self.format_version,
            "model_hash": self.model_hash(), "labels": self.labels,
            "input_kind": int(self.input_kind), "input_samples": self.input_samples,
            "input_axes": self.input_axes, "input_shift": self.input_shift,
            "input_shape": list(self.input_shape), "input_scale": self.input_scale,
            "input_zero_point": self.input_zero_point, "arena_bytes": self.arena_bytes,
            "weight_bytes": self.weight_bytes(), "metrics": self.metrics,
            "layers": [{
                "op": OP_NAMES[l.op], "window": asdict(l.window), "input_offset": l.input_offset,
                "output_offset": l.output_offset, "act_min": l.act_min, "act_max": l.act_max,
                "depth_multiplier": l.depth_multiplier, "output_scale": l.output_scale,
                "output_zero_point": l.output_zero_point,
            } for l in self.layers],
        }

    @classmethod
    def load(cls, manifest_path: Path) -> "QuantizedModel":
        manifest_path = Path(manifest_path)
        try:
            meta = json.loads(manifest_path.read_text())
        except FileNotFoundError:
            raise ExportError(f"model manifest {manifest_path} not found; run `kits export` first") from None
        except json.JSONDecodeError as exc:
            raise ExportError(f"model manifest {manifest_path} is not valid JSON: {exc}") from None
        version = meta.get("format_version")
        if version != MODEL_FORMAT_VERSION:
            raise ExportError(f"model {manifest_path.name} has format version {version}, this kits "
                              f"reads version {MODEL_FORMAT_VERSION}; re-export it with `kits export`")
        npz_path = manifest_path.with_name(manifest_path.name.replace(".kmodel.json", ".kmodel.npz"))
        arrays = np.load(npz_path)
        layers = []
        for i, spec in enumerate(meta["layers"]):
            op = {v: k for k, v in OP_NAMES.items()}[spec["op"]]
            extra = {key: arrays[f"{i}.{key}"] for key in ("weights", "bias", "multiplier", "shift", "exp_lut")
                     if f"{i}.{key}" in arrays}
            layers.append(QLayer(op=op, window=Window(**spec["window"]), input_offset=spec["input_offset"],
                                 output_offset=spec["output_offset"], act_min=spec["act_min"],
                                 act_max=spec["act_max"], depth_multiplier=spec["depth_multiplier"],
                                 output_scale=spec["output_scale"],
                                 output_zero_point=spec["output_zero_point"], **extra))
        model = cls(meta["name"], layers, meta["labels"], meta["input_kind"], meta["input_samples"],
                    meta["input_axes"], meta["input_shift"], tuple(meta["input_shape"]),
                    meta["input_scale"], meta["input_zero_point"], version, meta.get("metrics", {}))
        if model.model_hash() != meta["model_hash"]:
            raise ExportError(f"{npz_path.name} does not match {manifest_path.name} (hash differs); "
                              "re-export the model")
        return model


def _activation_qparams(lo: float, hi: float) -> tuple[float, int]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)  # zero must be exactly representable
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zero_point = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return scale, zero_point


def quantize(model: FloatModel, calibration: np.ndarray) -> QuantizedModel:
    """Post-training static quantization from a calibration set of int8 inputs [N, ...]."""
    calibration = np.asarray(calibration)
    if calibration.ndim < 2 or calibration.shape[0] == 0:
        raise ExportError("calibration data must be a non-empty batch of int8 inputs [N, ...]")
    lows = [np.inf] * len(model.layers)
    highs = [-np.inf] * len(model.layers)
    for sample in calibration:
        outputs: list = []
        model.forward(model.dequantize_input(sample), collect=outputs)
        for i, out in enumerate(outputs):
            lows[i] = min(lows[i], float(out.min()))
            highs[i] = max(highs[i], float(out.max()))

    layers: list[QLayer] = []
    in_scale, in_zp = model.input_scale, model.input_zero_point
    shape = tuple(model.input_shape)
    for i, layer in enumerate(model.layers):
        label = f"layer {i} ({type(layer).__name__})"
        if isinstance(layer, Softmax):
            n = int(np.prod(shape))
            layers.append(QLayer(OP_SOFTMAX, Window(1, 1, n, 1, 1, n, 1, 1),
                                 exp_lut=quant.softmax_exp_lut(in_scale), output_scale=1 / 256,
                                 output_zero_point=-128))
            in_scale, in_zp, shape = 1 / 256, -128, (1, 1, n)
            continue
        if isinstance(layer, (MaxPool2D, AvgPool2D)):
            w = _geometry(layer, shape)
            layers.append(QLayer(OP_MAXPOOL if isinstance(layer, MaxPool2D) else OP_AVGPOOL, w,
                                 output_scale=in_scale, output_zero_point=in_zp))
            shape = (w.out_h, w.out_w, w.out_c)
            continue
        out_scale, out_zp = _activation_qparams(lows[i], highs[i])
        if isinstance(layer, Dense):
            n_in = int(np.prod(shape))
            w = Window(1, 1, n_in, 1, 1, layer.weights.shape[0], 1, 1)
            per_channel = layer.weights.reshape(layer.weights.shape[0], -1)
            op = OP_FC
        elif isinstance(layer, Conv2D):
            w = _geometry(layer, shape)
            per_channel = layer.weights.reshape(layer.weights.shape[0], -1)
            op = OP_CONV2D
        else:
            w = _geometry(layer, shape)
            per_channel = layer.weights.reshape(-1, layer.weights.shape[-1]).T
            op = OP_DEPTHWISE
        w_scale = np.abs(per_channel).max(axis=1) / 127.0
        w_scale = np.where(w_scale > 0, w_scale, 1.0)
        q_flat = np.clip(np.round(per_channel / w_scale[:, None]), -127, 127).astype(np.int8)
        if op == OP_DEPTHWISE:
            q_weights = q_flat.T.reshape(layer.weights.shape)
        else:
            q_weights = q_flat.reshape(layer.weights.shape)
        bias_q = np.round(np.asarray(layer.bias, np.float64) / (in_scale * w_scale))
        if np.abs(bias_q).max(initial=0) >= 2**31:
            raise ExportError(f"{label}: bias does not fit int32 at this scale; check the calibration data")
        worst = np.abs(q_flat.astype(np.int64)).sum(axis=1) * 256 + np.abs(bias_q)
        if worst.max() >= 2**31:
            raise ExportError(f"{label}: int32 accumulator could overflow ({int(worst.max())}); "
                              "split the layer or reduce its fan-in")
        mults = [quant.quantize_multiplier(in_scale * s / out_scale) for s in w_scale]
        act_min = out_zp if layer.relu else -128
        layers.append(QLayer(op, w, input_offset=-in_zp, output_offset=out_zp, act_min=act_min, act_max=127,
                             depth_multiplier=getattr(layer, "depth_multiplier", 1), weights=q_weights,
                             bias=bias_q.astype(np.int32),
                             multiplier=np.array([m for m, _ in mults], np.int32),
                             shift=np.array([s for _, s in mults], np.int32),
                             output_scale=out_scale, output_zero_point=out_zp))
        in_scale, in_zp, shape = out_scale, out_zp, (w.out_h, w.out_w, w.out_c)
    return QuantizedModel(model.name, layers, list(model.labels), int(model.input_kind), model.input_samples,
                          model.input_axes, model.input_shift, tuple(model.input_shape), model.input_scale,
                          model.input_zero_point)


# ---- C rendering ------------------------------------------------------------------------------

def c_array(ctype: str, name: str, values: np.ndarray) -> str:
    flat = np.asarray(values).reshape(-1)
    items = [str(int(v)) + ("u" if ctype.startswith("uint") else "") for v in flat]
    if ctype == "int32_t":
        items = [f"(int32_t){v}" if int(v) == -(2**31) else str(int(v)) for v in flat]
    lines = ",\n".join("    " + ", ".join(items[i:i + 16]) for i in range(0, len(items), 16))
    return f"static const {ctype} {name}[{len(items)}] = {{\n{lines}\n}};\n"


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_header(model: QuantizedModel) -> str:
    guard = f"KITS_MODEL_{model.name.upper()}_H"
    return (f"/* Generated by `kits export`; do not edit. Model {model.name!r}, hash 0x{model.model_hash():08x}. */\n"
            f"#ifndef {guard}\n#define {guard}\n\n#include \"kits_model.h\"\n\n"
            f"#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n"
            f"#define KITS_MODEL_{model.name.upper()}_ARENA_BYTES {model.arena_bytes}u\n"
            f"#define KITS_MODEL_{model.name.upper()}_INPUT_SIZE {model.input_size}u\n"
            f"#define KITS_MODEL_{model.name.upper()}_INPUT_SAMPLES {model.input_samples}u\n"
            f"#define KITS_MODEL_{model.name.upper()}_INPUT_AXES {model.input_axes}u\n"
            f"#define KITS_MODEL_{model.name.upper()}_N_CLASSES {len(model.labels)}u\n"
            f"#define KITS_MODEL_{model.name.upper()}_INPUT_KIND {int(model.input_kind)}\n\n"
            f"extern const kits_model_t kits_model_{model.name};\n\n"
            f"#ifdef __cplusplus\n}}\n#endif\n#endif\n")


def render_layer(prefix: str, l: QLayer) -> tuple[list[str], str]:
    """The constant arrays of one layer and its kits_layer_t initializer ({...})."""
    arrays, refs = [], {}
    for key, ctype in (("weights", "int8_t"), ("bias", "int32_t"), ("multiplier", "int32_t"),
                       ("shift", "int32_t"), ("exp_lut", "uint32_t")):
        value = getattr(l, key)
        if value is not None:
            arrays.append(c_array(ctype, f"{prefix}_{key}", value))
            refs[key] = f"{prefix}_{key}"
        else:
            refs[key] = "0"
    w = l.window
    entry = (f"{{{l.op}, {l.depth_multiplier}, {{{w.in_h}, {w.in_w}, {w.in_c}, {w.out_h}, {w.out_w}, {w.out_c}, "
             f"{w.kernel_h}, {w.kernel_w}, {w.stride_h}, {w.stride_w}, {w.pad_top}, {w.pad_left}}}, "
             f"{{{l.input_offset}, {l.output_offset}, {l.act_min}, {l.act_max}}}, "
             f"{refs['weights']}, {refs['bias']}, {refs['multiplier']}, {refs['shift']}, {refs['exp_lut']}}}")
    return arrays, entry


def render_c(model: QuantizedModel) -> str:
    n = model.name
    out = [f"/* Generated by `kits export`; do not edit. Model {n!r}: {len(model.layers)} layers,\n"
           f" * {model.weight_bytes()} bytes of constants, {model.arena_bytes}-byte activation arena. */\n",
           f'#include "{n}_model.h"\n\n',
           f"#if KITS_MODEL_FORMAT_VERSION != {model.format_version}u\n"
           f"#error \"{n}_model.c was exported for model format {model.format_version}; "
           f"the firmware core expects another version: re-export with `kits export`\"\n#endif\n\n"]
    entries = []
    for i, l in enumerate(model.layers):
        arrays, entry = render_layer(f"{n}_l{i}", l)
        out += arrays
        entries.append(f"    {entry}, /* {OP_NAMES[l.op]} */")
    out.append(f"\nstatic const kits_layer_t {n}_layers[{len(entries)}] = {{\n" + "\n".join(entries) + "\n};\n")
    out.append(f"\nstatic const char *const {n}_labels[{len(model.labels)}] = {{"
               + ", ".join(_c_string(s) for s in model.labels) + "};\n")
    out.append(
        f"\nconst kits_model_t kits_model_{n} = {{\n"
        f"    KITS_MODEL_MAGIC, {model.format_version}u, 0x{model.model_hash():08x}u, {_c_string(n)},\n"
        f"    {int(model.input_kind)}, {model.input_samples}u, {model.input_axes}u, {model.input_shift}, "
        f"{model.input_size}u,\n"
        f"    {len(model.labels)}u, {n}_labels, {len(entries)}u, {n}_layers, {model.arena_bytes}u\n}};\n")
    return "".join(out)


# ---- from framework modules (TinyTorch or PyTorch Sequential) ---------------------------------

def _array(value) -> np.ndarray:
    data = getattr(value, "data", value)
    if hasattr(data, "detach"):  # torch tensor
        data = data.detach().cpu().numpy()
    return np.asarray(data, np.float64)


def _padding(module) -> str:
    pad = getattr(module, "padding", 0)
    if isinstance(pad, str):
        return pad
    p = _hw(pad)
    k = _hw(getattr(module, "kernel_size", 1))
    stride = _hw(getattr(module, "stride", None) or 1)
    if p == (0, 0):
        return "valid"
    # Channel-first frameworks pad symmetrically; that equals TFLite's SAME only at stride 1.
    if all(2 * pi == ki - 1 for pi, ki in zip(p, k)) and stride == (1, 1):
        return "same"
    raise ExportError(f"{type(module).__name__} padding={p} with kernel {k}, stride {stride} is neither "
                      "'valid' (0) nor 'same' ((k - 1) / 2 at stride 1); pick one of those")


def from_sequential(seq, *, name: str, input_shape: tuple[int, int, int], labels: list[str], **kwargs) -> FloatModel:
    """Convert a channel-first Sequential (TinyTorch or PyTorch) to a FloatModel.

    Recognised layers (by class name, the same in both frameworks): Linear, Conv2d
    (groups 1 or depthwise), MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Flatten, ReLU,
    Softmax, Dropout/Identity (skipped). ``input_shape`` is (H, W, C).
    """
    modules = list(getattr(seq, "layers", None) or list(seq))
    layers: list = []
    shape = tuple(input_shape)
    flattened_from: tuple | None = None
    for index, module in enumerate(modules):
        kind = type(module).__name__
        if kind in ("Dropout", "Identity"):
            continue
        if kind == "ReLU":
            if not layers or not hasattr(layers[-1], "relu"):
                raise ExportError(f"module {index}: ReLU must follow Linear or Conv2d to be fused")
            layers[-1].relu = True
            continue
        if kind == "Flatten":
            flattened_from = shape
            continue
        if kind == "Softmax":
            layers.append(Softmax())
            continue
        if kind == "Linear":
            weight = _array(module.weight)
            bias = _array(module.bias) if getattr(module, "bias", None) is not None else np.zeros(weight.shape[0])
            if flattened_from is not None and flattened_from[0] * flattened_from[1] > 1:
                h, w, c = flattened_from  # channel-first flatten order (c, h, w) -> ours (h, w, c)
                weight = weight.reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
            flattened_from = None
            layers.append(Dense(weight, bias))
        elif kind == "Conv2d":
            weight = _array(module.weight)  # [out, in/groups, kh, kw]
            bias = _array(module.bias) if getattr(module, "bias", None) is not None else np.zeros(weight.shape[0])
            groups = int(getattr(module, "groups", 1))
            stride, padding = _hw(getattr(module, "stride", 1)), _padding(module)
            if groups == 1:
                layers.append(Conv2D(weight.transpose(0, 2, 3, 1), bias, stride, padding))
            elif groups == shape[2] and weight.shape[1] == 1:
                layers.append(DepthwiseConv2D(weight[:, 0].transpose(1, 2, 0), bias,
                                              weight.shape[0] // groups, stride, padding))
            else:
                raise ExportError(f"module {index}: grouped Conv2d with groups={groups} is not supported "
                                  "(only 1 or depthwise)")
        elif kind == "MaxPool2d":
            k = _hw(module.kernel_size)
            layers.append(MaxPool2D(k, _hw(module.stride or k), _padding(module)))
        elif kind == "AvgPool2d":
            k = _hw(module.kernel_size)
            layers.append(AvgPool2D(k, _hw(module.stride or k), _padding(module)))
        elif kind == "AdaptiveAvgPool2d":
            if _hw(module.output_size) != (1, 1):
                raise ExportError(f"module {index}: AdaptiveAvgPool2d only with output_size=1")
            layers.append(AvgPool2D(None))
        else:
            raise ExportError(f"module {index}: {kind} has no INT8 kernel in kits/core; supported: Linear, "
                              "Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Flatten, ReLU, Softmax")
        if not isinstance(layers[-1], (Dense, Softmax)):
            w = _geometry(layers[-1], shape)
            shape = (w.out_h, w.out_w, w.out_c)
        elif isinstance(layers[-1], Dense):
            shape = (1, 1, layers[-1].weights.shape[0])
    return FloatModel(name=name, input_shape=tuple(input_shape), layers=layers, labels=list(labels), **kwargs)


def write_model_library(model: QuantizedModel, folder: Path) -> Path:
    """A PlatformIO library folder holding the C model (plus its manifest and .npz, so the
    host tool can check a board against it). Board projects list it in lib_deps."""
    folder = Path(folder)
    model.save(folder)
    manifest = {
        "name": f"kits-model-{model.name}",
        "version": "1.0.0",
        "description": f"INT8 model '{model.name}' exported by `kits export` "
                       f"(format v{model.format_version}, hash 0x{model.model_hash():08x})",
        "frameworks": "*",
        "platforms": "*",
        "build": {"srcDir": ".", "includeDir": ".", "srcFilter": ["+<*.c>"]},
    }
    (folder / "library.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return folder

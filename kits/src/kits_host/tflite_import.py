"""Import an int8 TensorFlow Lite flatbuffer (what the TFLite converter, TFLite Micro
workflows and Edge Impulse export) into the kits model format.

The flatbuffer is read with the schema-generated code of the `tflite` package. Supported
operators are the ones the C core runs: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
MAX_POOL_2D, AVERAGE_POOL_2D and SOFTMAX, plus RESHAPE (a no-op for a batch of one: it never
reorders memory) and a QUANTIZE / DEQUANTIZE at the model's float boundary. Anything else is
refused with the operator names listed.

The integer arithmetic is TFLite's: requantization multipliers are computed from the
flatbuffer's float32 scales exactly as TFLite's QuantizeMultiplier does, padding as in
ComputePaddingHeightWidth, and fused activations as CalculateActivationRangeQuantized, so
convolution, depthwise and pooling outputs match the TFLite interpreter's reference kernels
bit for bit. Fully connected outputs match too except on exact rounding ties: the LiteRT
interpreter's int8 fully connected kernel rounds the requantization once, while kits (like
gemmlowp, CMSIS-NN, TFLite Micro and LiteRT's own convolutions) rounds twice, so a tie can
land one step apart. Softmax uses the kits kernel (a Q16 exp table), which can differ from
TFLite's by one step of the 1/256 output scale.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .export import (OP_AVGPOOL, OP_CONV2D, OP_DEPTHWISE, OP_FC, OP_MAXPOOL, OP_SOFTMAX, QLayer,
                     QuantizedModel)
from .protocol import InputKind
from .quant import Window, quantize_multiplier, softmax_exp_lut


class TFLiteImportError(ValueError):
    """The flatbuffer cannot become a kits model; the message says which part and why."""


def _schema(name: str):
    # `import tflite` re-exports every class under the module's own name, hiding the
    # modules that hold the generated functions; load the module itself.
    try:
        return importlib.import_module(f"tflite.{name}")
    except ImportError as exc:
        raise TFLiteImportError("reading .tflite files needs the `tflite` and `flatbuffers` packages: "
                                "pip install tflite flatbuffers") from exc


def _enum_names(enum_module: str) -> dict[int, str]:
    cls = getattr(_schema(enum_module), enum_module)
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


SUPPORTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "AVERAGE_POOL_2D", "SOFTMAX",
             "RESHAPE")
BOUNDARY = ("QUANTIZE", "DEQUANTIZE")


@dataclass
class _Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: np.ndarray      # float32 scales (one, or one per channel)
    zero_point: np.ndarray
    data: np.ndarray | None


def _tensors(model, graph) -> list[_Tensor]:
    types = _enum_names("TensorType")
    out = []
    for i in range(graph.TensorsLength()):
        t = graph.Tensors(i)
        q = t.Quantization()
        scale = q.ScaleAsNumpy() if q is not None and q.ScaleLength() else np.zeros(0, np.float32)
        zp = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else np.zeros(0, np.int64)
        buf = model.Buffers(t.Buffer())
        raw = buf.DataAsNumpy() if buf is not None and buf.DataLength() else None
        dtype = types.get(t.Type(), str(t.Type()))
        data = None
        if raw is not None:
            np_type = {"INT8": np.int8, "INT32": np.int32, "UINT8": np.uint8, "FLOAT32": np.float32,
                       "INT64": np.int64, "INT16": np.int16}.get(dtype)
            if np_type is not None:
                data = np.frombuffer(raw.tobytes(), np_type)
        shape = tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        out.append(_Tensor(i, (t.Name() or b"").decode(), shape, dtype, np.asarray(scale, np.float32),
                           np.asarray(zp, np.int64), data))
    return out


def _one(values: np.ndarray, what: str) -> float:
    if values.size == 0:
        raise TFLiteImportError(f"{what} has no quantization parameters; export a fully int8-quantized model")
    return float(values[0])


def _round_half_away(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def _activation_range(fused: int, scale: float, zero_point: int) -> tuple[int, int]:
    """TFLite's CalculateActivationRangeQuantized for int8."""
    names = _enum_names("ActivationFunctionType")
    kind = names.get(fused, str(fused))
    lo, hi = -128, 127

    def q(v):
        return zero_point + _round_half_away(v / scale)

    if kind == "NONE":
        return lo, hi
    if kind == "RELU":
        return max(lo, q(0.0)), hi
    if kind == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if kind == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    raise TFLiteImportError(f"fused activation {kind} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)")


def _requant(input_scale: float, weight_scales: np.ndarray, output_scale: float, channels: int):
    # As TFLite's GetQuantizedConvolutionMultipler / PopulateConvolutionQuantizationParams:
    # the float32 scales widened to double, multiplied and divided in double.
    scales = np.broadcast_to(np.asarray(weight_scales, np.float32), (channels,))
    real = [float(input_scale) * float(s) / float(output_scale) for s in scales]
    pairs = [quantize_multiplier(r) for r in real]
    return (np.array([m for m, _ in pairs], np.int32), np.array([s for _, s in pairs], np.int32))


def _int8(t: _Tensor, role: str, op: str):
    if t.dtype != "INT8":
        raise TFLiteImportError(f"{op}: {role} tensor {t.name!r} is {t.dtype}, not INT8; convert with full "
                                "integer quantization (inference_input_type/inference_output_type tf.int8)")


def _hwc(shape: tuple[int, ...], op: str) -> tuple[int, int, int]:
    if len(shape) == 4 and shape[0] == 1:
        return shape[1], shape[2], shape[3]
    if len(shape) == 2 and shape[0] == 1:
        return 1, 1, shape[1]
    raise TFLiteImportError(f"{op}: tensor shape {shape} is not [1, H, W, C] (batch 1)")


def _padding(code: int) -> str:
    return {0: "same", 1: "valid"}[code]


def from_tflite(data: bytes, name: str, labels: list[str] | None = None, input_kind: int = InputKind.IMAGE,
                input_shift: int = 0) -> QuantizedModel:
    """The kits model for an int8 .tflite flatbuffer (its first subgraph)."""
    Model = getattr(_schema("Model"), "Model")
    if len(data) < 8 or not Model.ModelBufferHasIdentifier(data, 0):
        raise TFLiteImportError("not a TensorFlow Lite flatbuffer (file identifier 'TFL3' missing)")
    model = Model.GetRootAs(data, 0)
    if model.SubgraphsLength() != 1:
        raise TFLiteImportError(f"the model has {model.SubgraphsLength()} subgraphs; kits runs single-graph models")
    graph = model.Subgraphs(0)
    tensors = _tensors(model, graph)
    op_names = _enum_names("BuiltinOperator")

    ops = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        op_name = op_names.get(builtin, f"builtin {builtin}")
        if op_name == "CUSTOM" and code.CustomCode():
            op_name = f"CUSTOM ({code.CustomCode().decode()})"
        ops.append((op_name, op))
    unsupported = sorted({n for n, _ in ops if n not in SUPPORTED + BOUNDARY})
    if unsupported:
        raise TFLiteImportError(f"unsupported TFLite operator(s): {', '.join(unsupported)}; kits runs "
                                f"{', '.join(SUPPORTED)} (and QUANTIZE/DEQUANTIZE at the float boundary)")
    # A float model boundary: QUANTIZE first and DEQUANTIZE last are done by the kits front end
    # and the host; anywhere else they would change the arithmetic.
    for position, (op_name, _) in enumerate(ops):
        if (op_name == "QUANTIZE" and position != 0) or (op_name == "DEQUANTIZE" and position != len(ops) - 1):
            raise TFLiteImportError(f"{op_name} inside the graph (operator {position}); kits needs an int8 graph "
                                    "with at most a QUANTIZE first and a DEQUANTIZE last")
    core_ops = [(n, op) for n, op in ops if n not in BOUNDARY]
    if not core_ops:
        raise TFLiteImportError("the graph has no operators kits can run")

    layers: list[QLayer] = []
    first_input = tensors[core_ops[0][1].Inputs(0)]
    _int8(first_input, "input", core_ops[0][0])
    for op_name, op in core_ops:
        x = tensors[op.Inputs(0)]
        y = tensors[op.Outputs(0)]
        if op_name == "RESHAPE":
            continue
        _int8(x, "input", op_name)
        _int8(y, "output", op_name)
        in_scale, in_zp = _one(x.scale, f"{op_name} input {x.name!r}"), int(x.zero_point[0])
        out_scale, out_zp = _one(y.scale, f"{op_name} output {y.name!r}"), int(y.zero_point[0])
        opts = op.BuiltinOptions()

        def options(cls_name):
            cls = getattr(_schema(cls_name), cls_name)
            o = cls()
            o.Init(opts.Bytes, opts.Pos)
            return o

        if op_name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            w = tensors[op.Inputs(1)]
            _int8(w, "weight", op_name)
            if w.data is None:
                raise TFLiteImportError(f"{op_name}: weights {w.name!r} are not constant")
            if np.any(w.zero_point != 0):
                raise TFLiteImportError(f"{op_name}: weights {w.name!r} have a nonzero zero point; kits needs "
                                        "symmetric int8 weights (the TFLite int8 scheme)")
            bias = None
            if op.InputsLength() > 2 and op.Inputs(2) >= 0:
                b = tensors[op.Inputs(2)]
                if b.dtype != "INT32" or b.data is None:
                    raise TFLiteImportError(f"{op_name}: bias {b.name!r} must be constant INT32")
                bias = b.data.astype(np.int32)
            if op_name == "FULLY_CONNECTED":
                o = options("FullyConnectedOptions")
                out_f, in_f = w.shape
                if int(np.prod(x.shape)) != in_f:
                    raise TFLiteImportError(f"FULLY_CONNECTED: input {x.shape} does not flatten to {in_f} features")
                window = Window(1, 1, in_f, 1, 1, out_f, 1, 1, 1, 1, 0, 0)
                weights = w.data.reshape(out_f, in_f)
                channels, depth_multiplier, kind = out_f, 1, OP_FC
            else:
                in_h, in_w, in_c = _hwc(x.shape, op_name)
                if op_name == "CONV_2D":
                    o = options("Conv2DOptions")
                    out_c, kh, kw, w_in_c = w.shape
                    if w_in_c != in_c:
                        raise TFLiteImportError(f"CONV_2D: filter has {w_in_c} input channels, input has {in_c}")
                    depth_multiplier, kind = 1, OP_CONV2D
                    weights = w.data.reshape(out_c, kh, kw, in_c)
                else:
                    o = options("DepthwiseConv2DOptions")
                    _, kh, kw, out_c = w.shape
                    depth_multiplier, kind = out_c // in_c, OP_DEPTHWISE
                    weights = w.data.reshape(kh, kw, out_c)
                if o.DilationHFactor() not in (0, 1) or o.DilationWFactor() not in (0, 1):
                    raise TFLiteImportError(f"{op_name}: dilation {o.DilationHFactor()}x{o.DilationWFactor()} "
                                            "is not supported (kits kernels are undilated)")
                window = Window.for_input(in_h, in_w, in_c, out_c, kh, kw, o.StrideH(), o.StrideW(),
                                          _padding(o.Padding()))
                channels = out_c
            multiplier, shift = _requant(in_scale, w.scale, out_scale, channels)
            act_min, act_max = _activation_range(o.FusedActivationFunction(), out_scale, out_zp)
            layers.append(QLayer(kind, window, input_offset=-in_zp, output_offset=out_zp, act_min=act_min,
                                 act_max=act_max, depth_multiplier=depth_multiplier, weights=weights,
                                 bias=bias if bias is not None else np.zeros(channels, np.int32),
                                 multiplier=multiplier, shift=shift, output_scale=out_scale,
                                 output_zero_point=out_zp))
        elif op_name in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            o = options("Pool2DOptions")
            if not (math.isclose(in_scale, out_scale, rel_tol=1e-6) and in_zp == out_zp):
                raise TFLiteImportError(f"{op_name}: input and output quantization differ; TFLite int8 pooling "
                                        "keeps its input's")
            in_h, in_w, in_c = _hwc(x.shape, op_name)
            window = Window.for_input(in_h, in_w, in_c, in_c, o.FilterHeight(), o.FilterWidth(), o.StrideH(),
                                      o.StrideW(), _padding(o.Padding()))
            act_min, act_max = _activation_range(o.FusedActivationFunction(), out_scale, out_zp)
            layers.append(QLayer(OP_MAXPOOL if op_name == "MAX_POOL_2D" else OP_AVGPOOL, window,
                                 act_min=act_min, act_max=act_max, output_scale=out_scale, output_zero_point=out_zp))
        elif op_name == "SOFTMAX":
            o = options("SoftmaxOptions")
            if not math.isclose(o.Beta(), 1.0):
                raise TFLiteImportError(f"SOFTMAX: beta {o.Beta()} is not supported (kits softmax has beta 1)")
            if not (math.isclose(out_scale, 1 / 256, rel_tol=1e-6) and out_zp == -128):
                raise TFLiteImportError("SOFTMAX: output quantization must be TFLite's int8 softmax output "
                                        "(scale 1/256, zero point -128)")
            n = int(np.prod(x.shape))
            layers.append(QLayer(OP_SOFTMAX, Window(1, 1, n, 1, 1, n, 1, 1, 1, 1, 0, 0),
                                 exp_lut=softmax_exp_lut(in_scale), output_scale=out_scale, output_zero_point=out_zp))

    in_h, in_w, in_c = _hwc(first_input.shape, "input") if len(first_input.shape) in (2, 4) else (1, 1, 0)
    n_classes = layers[-1].output_size
    labels = list(labels) if labels else [str(i) for i in range(n_classes)]
    if len(labels) != n_classes:
        raise TFLiteImportError(f"{len(labels)} labels given for a model with {n_classes} outputs")
    if input_kind == InputKind.IMU:
        samples, axes = in_h * in_w, in_c
    else:
        samples, axes = in_h * in_w * in_c, 1
    return QuantizedModel(name=name, layers=layers, labels=labels, input_kind=int(input_kind),
                          input_samples=samples, input_axes=axes, input_shift=input_shift,
                          input_shape=(in_h, in_w, in_c),
                          input_scale=_one(first_input.scale, "model input"),
                          input_zero_point=int(first_input.zero_point[0]))


def load_tflite(path: Path, name: str | None = None, **kwargs) -> QuantizedModel:
    path = Path(path)
    return from_tflite(path.read_bytes(), name or path.stem.replace("-", "_"), **kwargs)

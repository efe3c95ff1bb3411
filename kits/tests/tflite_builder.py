"""Writes small int8 TensorFlow Lite flatbuffers for the importer tests, with the official
schema-generated builder functions of the `tflite` package (no TensorFlow needed)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import flatbuffers
import numpy as np


def _m(name):
    return importlib.import_module(f"tflite.{name}")


def _enum(name, member):
    return getattr(getattr(_m(name), name), member)


def _table(b, table_name, **fields):
    mod = _m(table_name)
    getattr(mod, f"{table_name}Start")(b)
    for key, value in fields.items():
        camel = "".join(part.capitalize() for part in key.split("_"))
        getattr(mod, f"{table_name}Add{camel}")(b, value)
    return getattr(mod, f"{table_name}End")(b)


def _offsets(b, offsets):
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str  # "INT8" or "INT32"
    scale: list[float]
    zero_point: list[int]
    data: np.ndarray | None = None
    quantized_dimension: int = 0


@dataclass
class Op:
    code: str                  # BuiltinOperator name
    inputs: list[int]
    outputs: list[int]
    options: tuple[str, dict] | None = None  # (options table name, fields)
    version: int = 1


@dataclass
class Graph:
    tensors: list[Tensor] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)

    def add(self, tensor: Tensor) -> int:
        self.tensors.append(tensor)
        return len(self.tensors) - 1


def build(graph: Graph, inputs: list[int], outputs: list[int]) -> bytes:
    b = flatbuffers.Builder(1024)
    # Buffer 0 is the conventional empty buffer; constant tensors get their own.
    buffer_offsets = [_table(b, "Buffer")]
    tensor_buffer = []
    for t in graph.tensors:
        if t.data is None:
            tensor_buffer.append(0)
            continue
        raw = np.ascontiguousarray(t.data).view(np.uint8).reshape(-1)
        data = b.CreateNumpyVector(raw)
        buffer_offsets.append(_table(b, "Buffer", data=data))
        tensor_buffer.append(len(buffer_offsets) - 1)
    tensor_offsets = []
    for t, buf in zip(graph.tensors, tensor_buffer):
        name = b.CreateString(t.name)
        shape = b.CreateNumpyVector(np.array(t.shape, np.int32))
        scale = b.CreateNumpyVector(np.array(t.scale, np.float32))
        zp = b.CreateNumpyVector(np.array(t.zero_point, np.int64))
        quant = _table(b, "QuantizationParameters", scale=scale, zero_point=zp,
                       quantized_dimension=t.quantized_dimension)
        tensor_offsets.append(_table(b, "Tensor", shape=shape, type=_enum("TensorType", t.dtype), buffer=buf,
                                     name=name, quantization=quant))
    codes = sorted({(op.code, op.version) for op in graph.ops})
    code_offsets = []
    for code, version in codes:
        value = _enum("BuiltinOperator", code)
        code_offsets.append(_table(b, "OperatorCode", deprecated_builtin_code=min(value, 127),
                                   builtin_code=value, version=version))
    op_offsets = []
    for op in graph.ops:
        ins = b.CreateNumpyVector(np.array(op.inputs, np.int32))
        outs = b.CreateNumpyVector(np.array(op.outputs, np.int32))
        fields = dict(opcode_index=codes.index((op.code, op.version)), inputs=ins, outputs=outs)
        if op.options is not None:
            opt_name, opt_fields = op.options
            opt_fields = dict(opt_fields)
            vectors = {k: b.CreateNumpyVector(np.array(v, np.int32)) for k, v in opt_fields.items()
                       if isinstance(v, (list, tuple))}
            opt_fields.update(vectors)
            fields["builtin_options_type"] = _enum("BuiltinOptions", opt_name)
            fields["builtin_options"] = _table(b, opt_name, **opt_fields)
        op_offsets.append(_table(b, "Operator", **fields))
    sub = _table(b, "SubGraph", tensors=_offsets(b, tensor_offsets),
                 inputs=b.CreateNumpyVector(np.array(inputs, np.int32)),
                 outputs=b.CreateNumpyVector(np.array(outputs, np.int32)),
                 operators=_offsets(b, op_offsets), name=b.CreateString("main"))
    model = _table(b, "Model", version=3, operator_codes=_offsets(b, code_offsets), subgraphs=_offsets(b, [sub]),
                   description=b.CreateString("kits test model"), buffers=_offsets(b, buffer_offsets))
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def small_cnn(rng, *, extra_op: str | None = None) -> bytes:
    """A 12x12x1 int8 image classifier: conv 3x3 (ReLU, per-channel) -> depthwise 3x3 stride 2
    (ReLU6) -> max pool 2x2 -> average pool -> reshape -> fully connected -> softmax.
    extra_op inserts an operator kits does not run (to test the refusal)."""
    g = Graph()

    def act(name, shape, scale, zp):
        return g.add(Tensor(name, shape, "INT8", [scale], [zp]))

    def weights(name, shape, scales, qdim):
        return g.add(Tensor(name, shape, "INT8", list(scales), [0] * len(scales),
                            rng.integers(-127, 128, shape).astype(np.int8), qdim))

    def bias(name, n, scale):
        return g.add(Tensor(name, (n,), "INT32", [scale], [0], rng.integers(-400, 400, n).astype(np.int32)))

    x = act("input", (1, 12, 12, 1), 0.02, -3)
    w1 = weights("conv/w", (6, 3, 3, 1), rng.uniform(0.002, 0.01, 6), 0)
    b1 = bias("conv/b", 6, 0.0001)
    c1 = act("conv", (1, 12, 12, 6), 0.05, -128)
    g.ops.append(Op("CONV_2D", [x, w1, b1], [c1], ("Conv2DOptions", dict(
        padding=0, stride_w=1, stride_h=1, fused_activation_function=1,
        dilation_w_factor=1, dilation_h_factor=1)), version=3))
    w2 = weights("dw/w", (1, 3, 3, 6), rng.uniform(0.002, 0.01, 6), 3)
    b2 = bias("dw/b", 6, 0.0001)
    c2 = act("dw", (1, 6, 6, 6), 0.04, -100)
    g.ops.append(Op("DEPTHWISE_CONV_2D", [c1, w2, b2], [c2], ("DepthwiseConv2DOptions", dict(
        padding=0, stride_w=2, stride_h=2, depth_multiplier=1, fused_activation_function=3,
        dilation_w_factor=1, dilation_h_factor=1)), version=3))
    p1 = act("maxpool", (1, 3, 3, 6), 0.04, -100)
    g.ops.append(Op("MAX_POOL_2D", [c2], [p1], ("Pool2DOptions", dict(
        padding=0, stride_w=2, stride_h=2, filter_width=2, filter_height=2, fused_activation_function=0)),
        version=2))
    last = p1
    if extra_op == "ADD":
        s = act("add", (1, 3, 3, 6), 0.08, -100)
        g.ops.append(Op("ADD", [p1, p1], [s], ("AddOptions", dict(fused_activation_function=0)), version=2))
        last = s
    p2 = act("avgpool", (1, 1, 1, 6), 0.04 if extra_op != "ADD" else 0.08, -100)
    g.ops.append(Op("AVERAGE_POOL_2D", [last], [p2], ("Pool2DOptions", dict(
        padding=1, stride_w=3, stride_h=3, filter_width=3, filter_height=3, fused_activation_function=0)),
        version=2))
    shape_t = g.add(Tensor("shape", (2,), "INT32", [], [], np.array([1, 6], np.int32)))
    r = act("flat", (1, 6), 0.04 if extra_op != "ADD" else 0.08, -100)
    g.ops.append(Op("RESHAPE", [p2, shape_t], [r], ("ReshapeOptions", dict(new_shape=[1, 6]))))
    w3 = weights("fc/w", (4, 6), [0.01], 0)
    b3 = bias("fc/b", 4, 0.0004)
    logits = act("logits", (1, 4), 0.1, 5)
    g.ops.append(Op("FULLY_CONNECTED", [r, w3, b3], [logits], ("FullyConnectedOptions", dict(
        fused_activation_function=0)), version=4))
    probs = act("probs", (1, 4), 1 / 256, -128)
    g.ops.append(Op("SOFTMAX", [logits], [probs], ("SoftmaxOptions", dict(beta=1.0)), version=2))
    return build(g, [x], [probs])

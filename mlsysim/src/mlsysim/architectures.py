"""Layer-by-layer builders for convolutional and recommendation models.

Each builder turns a handful of published hyper-parameters into a list of :class:`Layer` records, from
which parameter counts, multiply-accumulates and the peak activation footprint (what an MCU's SRAM
must hold) are summed. Batch-norm layers count their two trainable vectors (scale and shift) as
parameters, as torchvision and Keras do, and are folded into the preceding convolution for MACs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    kind: str
    params: int
    macs: int
    input_elements: int
    output_elements: int

    @property
    def live_elements(self) -> int:
        """Activations that must coexist while this layer runs (its input and its output)."""
        return self.input_elements + self.output_elements


class _Builder:
    def __init__(self, height: int, width: int, channels: int):
        self.h, self.w, self.c = height, width, channels
        self.layers: list[Layer] = []

    def conv(self, out_channels: int, kernel, stride: int = 1, groups: int = 1, bias: bool = False,
             batch_norm: bool = True) -> None:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        in_elements = self.h * self.w * self.c
        # "same" padding: output size is ceil(input / stride)
        self.h, self.w = math.ceil(self.h / stride), math.ceil(self.w / stride)
        weights = kh * kw * (self.c // groups) * out_channels
        params = weights + (out_channels if bias else 0) + (2 * out_channels if batch_norm else 0)
        macs = self.h * self.w * weights
        self.c = out_channels
        self.layers.append(Layer("conv" if groups == 1 else "dwconv", params, macs, in_elements, self.h * self.w * self.c))

    def depthwise(self, kernel, stride: int = 1) -> None:
        self.conv(self.c, kernel, stride, groups=self.c)

    def pool(self, stride: int) -> None:
        in_elements = self.h * self.w * self.c
        self.h, self.w = math.ceil(self.h / stride), math.ceil(self.w / stride)
        self.layers.append(Layer("pool", 0, 0, in_elements, self.h * self.w * self.c))

    def global_pool(self) -> None:
        in_elements = self.h * self.w * self.c
        self.h = self.w = 1
        self.layers.append(Layer("pool", 0, 0, in_elements, self.c))

    def dense(self, out_features: int, bias: bool = True) -> None:
        params = self.c * out_features + (out_features if bias else 0)
        self.layers.append(Layer("fc", params, self.c * out_features, self.c, out_features))
        self.c = out_features

    def squeeze_excite(self, reduced: int) -> None:
        """SE block: global pool, FC down with bias, FC up with bias; the rescale is elementwise."""
        c = self.c
        params = c * reduced + reduced + reduced * c + c
        self.layers.append(Layer("se", params, 2 * c * reduced + self.h * self.w * c, self.h * self.w * c, self.h * self.w * c))

    def residual_input(self) -> int:
        return self.h * self.w * self.c

    def hold(self, elements: int, start: int) -> None:
        """Keep a skip-connection tensor alive across layers[start:] (adds to their live set)."""
        self.layers[start:] = [Layer(l.kind, l.params, l.macs, l.input_elements + elements, l.output_elements)
                               for l in self.layers[start:]]


def resnet(spec: dict) -> list[Layer]:
    h, w, c = spec["input"]
    b = _Builder(h, w, c)
    b.conv(64, 7, stride=2)
    b.pool(2)
    for stage, repeats in enumerate(spec["blocks"]):
        width = 64 * 2**stage
        for i in range(repeats):
            stride = 2 if (i == 0 and stage > 0) else 1
            skip_c, skip_h, skip_w = b.c, b.h, b.w
            start = len(b.layers)
            skip = b.residual_input()
            b.conv(width, 1)
            b.conv(width, 3, stride=stride)
            b.conv(width * 4, 1)
            if i == 0:
                # 1x1 projection of the block input onto the new width and resolution
                proj = _Builder(skip_h, skip_w, skip_c)
                proj.conv(width * 4, 1, stride=stride)
                b.layers.extend(proj.layers)
            b.hold(skip, start)
    b.global_pool()
    b.dense(spec["classes"])
    return b.layers


def _make_divisible(value: float, divisor: int = 8) -> int:
    """Channel rounding used by the MobileNet/EfficientNet reference implementations."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def mobilenet_v2(spec: dict) -> list[Layer]:
    h, w, c = spec["input"]
    alpha = spec.get("width", 1.0)
    b = _Builder(h, w, c)
    b.conv(_make_divisible(32 * alpha), 3, stride=2)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    for expand, channels, repeats, first_stride in settings:
        out = _make_divisible(channels * alpha)
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            use_skip = stride == 1 and b.c == out
            start, skip = len(b.layers), b.residual_input()
            if expand != 1:
                b.conv(b.c * expand, 1)
            b.depthwise(3, stride)
            b.conv(out, 1)
            if use_skip:
                b.hold(skip, start)
    b.conv(_make_divisible(1280 * max(1.0, alpha)), 1)
    b.global_pool()
    b.dense(spec["classes"])
    return b.layers


def efficientnet(spec: dict) -> list[Layer]:
    """EfficientNet-B0 baseline (width and depth multipliers of 1)."""
    h, w, c = spec["input"]
    b = _Builder(h, w, c)
    b.conv(32, 3, stride=2)
    # (expand ratio, kernel, first stride, output channels, repeats) from Table 1 of the paper
    blocks = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
              (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
    for expand, kernel, first_stride, out, repeats in blocks:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            in_c = b.c
            use_skip = stride == 1 and in_c == out
            start, skip = len(b.layers), b.residual_input()
            if expand != 1:
                b.conv(in_c * expand, 1)
            b.depthwise(kernel, stride)
            b.squeeze_excite(max(1, int(in_c * 0.25)))
            b.conv(out, 1)
            if use_skip:
                b.hold(skip, start)
    b.conv(1280, 1)
    b.global_pool()
    b.dense(spec["classes"])
    return b.layers


def mobilenet_v1(spec: dict) -> list[Layer]:
    h, w, c = spec["input"]
    alpha = spec.get("width", 1.0)
    b = _Builder(h, w, c)
    b.conv(int(32 * alpha), 3, stride=2)
    for channels, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]:
        b.depthwise(3, stride)
        b.conv(int(channels * alpha), 1)
    b.global_pool()
    b.dense(spec["classes"])
    return b.layers


def ds_cnn(spec: dict) -> list[Layer]:
    """Depthwise-separable CNN for keyword spotting on a 49x10 MFCC map (Hello Edge, DS-CNN)."""
    h, w, c = spec["input"]
    channels = spec["channels"]
    b = _Builder(h, w, c)
    b.conv(channels, (10, 4), stride=2, bias=True)
    for _ in range(spec["ds_blocks"]):
        b.depthwise(3)
        b.conv(channels, 1, bias=True)
    b.global_pool()
    b.dense(spec["classes"])
    return b.layers


BUILDERS = {"resnet": resnet, "mobilenet_v2": mobilenet_v2, "efficientnet": efficientnet,
            "mobilenet_v1": mobilenet_v1, "ds_cnn": ds_cnn}

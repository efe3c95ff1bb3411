"""The fully connected, convolution and depthwise kernels run on the emulated Cortex-M4
(QEMU mps2-an386): a firmware image runs a list of cases through the kernels its build
selected (DSP extension or portable C, see KITS_NN_DSP in kits_nn.h), prints each output
and how long it took, and the host checks the outputs against the NumPy reference.

How instructions are counted: QEMU runs with `-icount shift=0`, which advances the
emulated clock by exactly 1 ns per executed guest instruction; the image reads the
25 MHz SysTick counter around each kernel call, so one tick is 40 instructions (the
count is exact to within one tick). The image first times a loop of a known number of
instructions and the host derives instructions per tick from it rather than assuming
the 40.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import BOARDS_DIR, BUILD_DIR, CORE_DIR
from .export import OP_CONV2D, OP_DEPTHWISE, OP_FC, OP_NAMES, QLayer, QuantizedModel, c_array, render_layer
from .firmware import ARM_CFLAGS, KERNEL_FLAGS, _compile, _stale, _write_if_changed, qemu_command, require_tool
from .native import core_headers, core_sources
from .quant import Window, quantize_multiplier

QEMU_BOARD = BOARDS_DIR / "qemu_mps2_an386"
CALIBRATION_INSTRUCTIONS = 1_000_000
VARIANTS = tuple(KERNEL_FLAGS)


@dataclass
class KernelCase:
    name: str
    layer: QLayer
    input: np.ndarray  # int8, the layer's input tensor

    def reference(self) -> np.ndarray:
        return np.asarray(self.layer.run(self.input), np.int8).reshape(-1)

    @property
    def macs(self) -> int:
        w = self.layer.window
        if self.layer.op == OP_FC:
            return w.in_c * w.out_c
        taps = _valid_taps(w)
        per_tap = w.in_c if self.layer.op == OP_CONV2D else 1
        return taps * w.out_c * per_tap


def _valid_taps(w: Window) -> int:
    """Kernel positions that fall inside the input, summed over output pixels (padding taps
    are skipped by both kernel families, so they are not multiply-accumulates)."""
    ys = [sum(0 <= oy * w.stride_h - w.pad_top + ky < w.in_h for ky in range(w.kernel_h)) for oy in range(w.out_h)]
    xs = [sum(0 <= ox * w.stride_w - w.pad_left + kx < w.in_w for kx in range(w.kernel_w)) for ox in range(w.out_w)]
    return sum(ys) * sum(xs)


def _requant(rng, n):
    pairs = [quantize_multiplier(v) for v in rng.uniform(1e-4, 0.02, n)]
    return np.array([m for m, _ in pairs], np.int64), np.array([s for _, s in pairs], np.int64)


def random_case(rng, op: int, name: str) -> KernelCase:
    """A random layer of the given kind with shapes that reach every code path: channel
    counts that are and are not multiples of four, odd row counts, padding and strides."""
    k = int(rng.integers(1, 4))
    stride = int(rng.integers(1, 3))
    padding = str(rng.choice(["same", "valid"]))
    h, wd = int(rng.integers(k, 9)), int(rng.integers(k, 9))
    in_c = int(rng.choice([1, 3, 4, 5, 8, 12]))
    if op == OP_FC:
        in_c, out_c = int(rng.integers(1, 70)), int(rng.integers(1, 12))
        window = Window(1, 1, in_c, 1, 1, out_c, 1, 1, 1, 1, 0, 0)
        weights = rng.integers(-127, 128, (out_c, in_c))
        x = rng.integers(-128, 128, in_c)
    elif op == OP_CONV2D:
        out_c = int(rng.integers(1, 7))
        window = Window.for_input(h, wd, in_c, out_c, k, k, stride, stride, padding)
        weights = rng.integers(-127, 128, (out_c, k, k, in_c))
        x = rng.integers(-128, 128, (h, wd, in_c))
    else:
        out_c = in_c
        window = Window.for_input(h, wd, in_c, out_c, k, k, stride, stride, padding)
        weights = rng.integers(-127, 128, (k, k, out_c))
        x = rng.integers(-128, 128, (h, wd, in_c))
    m, s = _requant(rng, window.out_c)
    out_off = int(rng.integers(-128, 128))
    layer = QLayer(op, window, input_offset=int(rng.integers(-127, 129)), output_offset=out_off,
                   act_min=int(rng.choice([-128, max(-128, out_off)])), act_max=127,
                   weights=weights.astype(np.int8), bias=rng.integers(-3000, 3000, window.out_c).astype(np.int32),
                   multiplier=m.astype(np.int32), shift=s.astype(np.int32))
    return KernelCase(name, layer, x.astype(np.int8))


def _shaped_case(rng, op: int, name: str, window: Window, full_range: bool = True) -> KernelCase:
    """A layer of the given shape with random values (weights, input, requantization)."""
    if op == OP_CONV2D:
        weights = rng.integers(-127, 128, (window.out_c, window.kernel_h, window.kernel_w, window.in_c))
    else:
        weights = rng.integers(-127, 128, (window.kernel_h, window.kernel_w, window.out_c))
    m, s = _requant(rng, window.out_c)
    out_off = int(rng.integers(-128, 128))
    layer = QLayer(op, window, input_offset=int(rng.integers(-127, 129)), output_offset=out_off,
                   act_min=-128 if full_range else max(-127, out_off), act_max=127,
                   weights=weights.astype(np.int8), bias=rng.integers(-3000, 3000, window.out_c).astype(np.int32),
                   multiplier=m.astype(np.int32), shift=s.astype(np.int32))
    return KernelCase(name, layer, rng.integers(-128, 128, (window.in_h, window.in_w, window.in_c)).astype(np.int8))


def path_cases(seed: int = 0) -> list[KernelCase]:
    """Shapes that reach each assembly path of the DSP kernels (which only the emulated core runs):
    depthwise 3x3 rows with and without a padding column at either end, rows of one and two
    pixels, stride 2, a channel tail, the clamped (not full-range) activation; small convolutions
    with one input channel (odd kernel sizes), lane-ordered channels, a channel tail and padding."""
    rng = np.random.default_rng(seed)
    cases = []
    for in_w in (1, 2, 3, 4, 7):
        for padding in ("same", "valid"):
            if padding == "valid" and in_w < 3:
                continue
            for in_c in (4, 6):
                w = Window.for_input(5, in_w, in_c, in_c, 3, 3, 1, 1, padding)
                cases.append(_shaped_case(rng, OP_DEPTHWISE, f"depthwise 5x{in_w}x{in_c} {padding}", w))
    cases.append(_shaped_case(rng, OP_DEPTHWISE, "depthwise 7x6x8 same, clamped",
                              Window.for_input(7, 6, 8, 8, 3, 3, 1, 1, "same"), full_range=False))
    cases.append(_shaped_case(rng, OP_DEPTHWISE, "depthwise 7x7x8 same, stride 2",
                              Window.for_input(7, 7, 8, 8, 3, 3, 2, 2, "same")))
    for in_c, k, stride, padding, out_c in ((1, 3, 1, "same", 8), (1, 3, 2, "valid", 5), (1, 5, 1, "same", 4),
                                            (3, 3, 1, "same", 6), (8, 1, 1, "valid", 16), (4, 3, 2, "same", 7)):
        w = Window.for_input(7, 9, in_c, out_c, k, k, stride, stride, padding)
        cases.append(_shaped_case(rng, OP_CONV2D, f"conv 7x9x{in_c} -> {out_c}, {k}x{k} /{stride} {padding}", w))
        cases.append(_shaped_case(rng, OP_CONV2D, f"conv 7x9x{in_c} -> {out_c}, {k}x{k} /{stride} {padding}, clamped",
                                  w, full_range=False))
    return cases


def random_cases(seed: int = 0, per_kind: int = 6) -> list[KernelCase]:
    rng = np.random.default_rng(seed)
    return [random_case(rng, op, f"random {OP_NAMES[op]} #{i}")
            for op in (OP_FC, OP_CONV2D, OP_DEPTHWISE) for i in range(per_kind)]


def model_cases(models: dict[str, QuantizedModel], seed: int = 0) -> list[KernelCase]:
    """Every FC/conv/depthwise layer of the shipped models, with its real weights and a
    random input: what `make bench-kits` times."""
    rng = np.random.default_rng(seed)
    cases = []
    for name, model in models.items():
        for i, layer in enumerate(model.layers):
            if layer.op in (OP_FC, OP_CONV2D, OP_DEPTHWISE):
                w = layer.window
                shape = (w.in_c,) if layer.op == OP_FC else (w.in_h, w.in_w, w.in_c)
                cases.append(KernelCase(f"{name} layer {i}", layer, rng.integers(-128, 128, shape).astype(np.int8)))
    return cases


def bench_cases() -> list[KernelCase]:
    """Larger layers in the shape of a keyword-spotting DS-CNN (49x10 log-mel input)."""
    rng = np.random.default_rng(1)
    cases = []
    for op, name, window, wshape in (
        (OP_CONV2D, "conv 25x5x32 -> 32, 3x3", Window.for_input(25, 5, 32, 32, 3, 3, 1, 1, "same"), (32, 3, 3, 32)),
        (OP_CONV2D, "pointwise 25x5x64 -> 64", Window.for_input(25, 5, 64, 64, 1, 1, 1, 1, "valid"), (64, 1, 1, 64)),
        (OP_DEPTHWISE, "depthwise 25x5x64, 3x3", Window.for_input(25, 5, 64, 64, 3, 3, 1, 1, "same"), (3, 3, 64)),
        (OP_FC, "fully connected 512 -> 64", Window(1, 1, 512, 1, 1, 64, 1, 1, 1, 1, 0, 0), (64, 512)),
    ):
        m, s = _requant(rng, window.out_c)
        layer = QLayer(op, window, input_offset=5, output_offset=-3, weights=rng.integers(-127, 128, wshape).astype(np.int8),
                       bias=rng.integers(-3000, 3000, window.out_c).astype(np.int32),
                       multiplier=m.astype(np.int32), shift=s.astype(np.int32))
        shape = (window.in_c,) if op == OP_FC else (window.in_h, window.in_w, window.in_c)
        cases.append(KernelCase(name, layer, rng.integers(-128, 128, shape).astype(np.int8)))
    return cases


def render_cases(cases: list[KernelCase]) -> tuple[str, str]:
    max_output = max(c.layer.output_size for c in cases)
    header = ("/* Generated by kits_host.kernel_check: kernel cases for the QEMU check image. */\n"
              "#ifndef KITS_KERNEL_CASES_H\n#define KITS_KERNEL_CASES_H\n#include \"kits_model.h\"\n"
              f"#define KITS_KERNEL_CASE_COUNT {len(cases)}u\n"
              f"#define KITS_KERNEL_CASES_MAX_OUTPUT {max_output}\n"
              "typedef struct {\n    kits_layer_t layer;\n    const int8_t *input;\n    int32_t output_size;\n"
              "} kits_kernel_case_t;\n"
              "extern const kits_kernel_case_t kits_kernel_cases[KITS_KERNEL_CASE_COUNT];\n#endif\n")
    body, entries = ["/* Generated by kits_host.kernel_check. */\n#include \"kernel_cases.h\"\n\n"], []
    for i, case in enumerate(cases):
        arrays, entry = render_layer(f"case{i}", case.layer)
        body += arrays
        body.append(c_array("int8_t", f"case{i}_input", case.input))
        entries.append(f"    {{{entry}, case{i}_input, {case.layer.output_size}}},")
    body.append("\nconst kits_kernel_case_t kits_kernel_cases[KITS_KERNEL_CASE_COUNT] = {\n"
                + "\n".join(entries) + "\n};\n")
    return header, "".join(body)


def build_image(cases: list[KernelCase], variant: str, out_dir: Path | None = None) -> Path:
    """The kernel check image for one kernel family ("dsp" or "portable")."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown kernel variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    gcc = require_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    out_dir = Path(out_dir or BUILD_DIR / "qemu" / "kernels") / variant
    out_dir.mkdir(parents=True, exist_ok=True)
    header, body = render_cases(cases)
    _write_if_changed(out_dir / "kernel_cases.h", header)
    _write_if_changed(out_dir / "kernel_cases.c", body)
    sources = core_sources() + [QEMU_BOARD / "startup.c", QEMU_BOARD / "kernel_check.c", out_dir / "kernel_cases.c"]
    elf = out_dir / "kernel_check.elf"
    if _stale(elf, sources + core_headers() + [out_dir / "kernel_cases.h", QEMU_BOARD / "mps2_an386.ld"]):
        _compile([gcc, *ARM_CFLAGS, *KERNEL_FLAGS[variant], "-I", str(CORE_DIR / "include"),
                  "-I", str(out_dir), *map(str, sources), "-T", str(QEMU_BOARD / "mps2_an386.ld"),
                  "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
                  "-o", str(elf)], f"Cortex-M4 kernel check image ({variant})")
    return elf


@dataclass
class KernelRun:
    variant: str
    instructions_per_tick: float
    outputs: list[np.ndarray]
    instructions: list[int]


def run_image(elf: Path, n_cases: int, timeout_s: float = 120.0) -> KernelRun:
    start = time.monotonic()
    p = subprocess.Popen(qemu_command(elf), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in p.stdout:
            lines.append(line.strip())
            if line.strip() == "done":
                break
            if time.monotonic() - start > timeout_s:
                raise TimeoutError(f"kernel check image ran past {timeout_s:.0f} s")
        else:
            raise RuntimeError(f"QEMU stopped before the image finished: {p.stderr.read()[-2000:]}")
    finally:
        p.kill()
        p.wait()
        p.stdout.close()
        p.stderr.close()
    calibration = next(l for l in lines if l.startswith("calibration "))
    _, insns, _, ticks = calibration.split()
    per_tick = int(insns) / int(ticks)
    variant = next(l for l in lines if l.startswith("kernels ")).split()[1]
    outputs, instructions = [], []
    for line in lines:
        if line.startswith("case "):
            _, _, _, ticks, _, *hex_out = line.split()
            data = bytes.fromhex(hex_out[0]) if hex_out else b""
            outputs.append(np.frombuffer(data, np.int8))
            instructions.append(round(int(ticks) * per_tick))
    if len(outputs) != n_cases:
        raise RuntimeError(f"kernel check image printed {len(outputs)} of {n_cases} cases")
    return KernelRun(variant, per_tick, outputs, instructions)


def run_cases(cases: list[KernelCase], variant: str, out_dir: Path | None = None) -> KernelRun:
    return run_image(build_image(cases, variant, out_dir), len(cases))

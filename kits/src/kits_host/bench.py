"""`make bench-kits`: speed of the kit code, each figure as a ratio to a reference measured
in the same run (never an absolute threshold).

1. The C kernels compiled for this machine against the NumPy reference of the same arithmetic.
2. Emulated Cortex-M4 instructions per multiply-accumulate (QEMU with -icount shift=0: the
   emulated clock advances 1 ns per executed instruction, so a timer read around a call is an
   instruction count, calibrated against a loop of known length; see kits_host.kernel_check),
   for the DSP-extension kernels and the portable kernels built for the same core: per kernel
   (the layers of the shipped models and larger DS-CNN-shaped layers) and per whole inference
   of each reference model. The reference is the layer's or model's own MAC count.
3. The Linux-board harness: throughput at batch 8 relative to batch 1 on this CPU.
"""

from __future__ import annotations

import time

import numpy as np
from rich.console import Console
from rich.table import Table

from . import KITS_ROOT, features, quant
from .export import OP_CONV2D, OP_DEPTHWISE, OP_FC, QuantizedModel
from .native import ToolchainError, core
from .quant import Window


def best_time(fn, repeats: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def kernel_rows(rng):
    c = core()
    w = Window.for_input(49, 20, 8, 16, 3, 3, 1, 1, "same")
    x = rng.integers(-128, 128, (49, 20, 8))
    k = rng.integers(-127, 128, (16, 3, 3, 8))
    b = rng.integers(-1000, 1000, 16)
    m = np.full(16, 1 << 30)
    s = np.full(16, -8)
    args = (m, s, 3, -5)
    dw = Window.for_input(49, 20, 8, 8, 3, 3, 1, 1, "same")
    kd = rng.integers(-127, 128, (3, 3, 8))
    fx = rng.integers(-128, 128, 980)
    fw = rng.integers(-127, 128, (64, 980))
    audio = rng.normal(0, 3000, 16000).astype(np.int16)
    cases = [
        ("conv2d 49x20x8 -> 16, 3x3", lambda: quant.conv2d_s8(x, w, k, b, *args),
         lambda: c.conv2d_s8(x, w, k, b, *args)),
        ("depthwise 49x20x8, 3x3", lambda: quant.depthwise_conv2d_s8(x, dw, 1, kd, b[:8], m[:8], s[:8], 3, -5),
         lambda: c.depthwise_conv2d_s8(x, dw, 1, kd, b[:8], m[:8], s[:8], 3, -5)),
        ("fully connected 980 -> 64", lambda: quant.fully_connected_s8(fx, fw, b.repeat(4), m.repeat(4),
                                                                       s.repeat(4), 3, -5),
         lambda: c.fully_connected_s8(fx, fw, b.repeat(4), m.repeat(4), s.repeat(4), 3, -5)),
        ("log-mel front end, 1 s audio", lambda: features.logmel_s8(audio), lambda: c.logmel_s8(audio)),
    ]
    rows = []
    for name, numpy_fn, c_fn in cases:
        t_numpy, t_c = best_time(numpy_fn), best_time(c_fn)
        rows.append((name, f"{t_numpy * 1e3:.2f}", f"{t_c * 1e3:.3f}", f"{t_numpy / t_c:.1f}x"))
    return rows


def model_macs(model: QuantizedModel) -> int:
    macs = 0
    for layer in model.layers:
        w = layer.window
        if layer.op == OP_CONV2D:
            macs += w.out_h * w.out_w * w.out_c * w.kernel_h * w.kernel_w * w.in_c
        elif layer.op == OP_DEPTHWISE:
            macs += w.out_h * w.out_w * w.out_c * w.kernel_h * w.kernel_w
        elif layer.op == OP_FC:
            macs += w.in_c * w.out_c
    return macs


def _shipped_models() -> dict[str, QuantizedModel]:
    return {name: QuantizedModel.load(KITS_ROOT / "models" / name / f"{name}.kmodel.json")
            for name in ("kws", "motion", "digits")}


def kernel_emulation_rows():
    from . import kernel_check

    cases = kernel_check.bench_cases() + kernel_check.model_cases(_shipped_models())
    runs = {v: kernel_check.run_cases(cases, v) for v in ("portable", "dsp")}
    rows = []
    for i, case in enumerate(cases):
        for v, run in runs.items():
            if not np.array_equal(run.outputs[i], case.reference()):
                raise RuntimeError(f"{v} kernels differ from the NumPy reference on {case.name}")
        portable, dsp = runs["portable"].instructions[i], runs["dsp"].instructions[i]
        rows.append((case.name, f"{case.macs:,}", f"{portable / case.macs:.2f}", f"{dsp / case.macs:.2f}",
                     f"{portable / dsp:.1f}x"))
    return rows


def emulation_rows():
    from . import firmware

    rows = []
    for name, model in _shipped_models().items():
        counts = {}
        for kernels in ("portable", "dsp"):
            run = firmware.run_selftest(firmware.build_qemu_image(model, kernels=kernels))
            counts[kernels] = int(np.median([r.latency_us for r in run.results])) * 1000
        macs = model_macs(model)
        rows.append((name, f"{macs:,}", f"{counts['portable'] / macs:.1f}", f"{counts['dsp'] / macs:.1f}",
                     f"{counts['portable'] / counts['dsp']:.2f}x"))
    return rows


def linux_rows():
    from .linux.vision import VisionConfig, benchmark

    one = benchmark(VisionConfig(device="cpu", batch=1, iterations=10))
    eight = benchmark(VisionConfig(device="cpu", batch=8, iterations=10))
    return [("classify 96x96, batch 1", f"{one.throughput_per_s:.1f}", "1.0x"),
            ("classify 96x96, batch 8", f"{eight.throughput_per_s:.1f}",
             f"{eight.throughput_per_s / one.throughput_per_s:.2f}x")]


def _print_table(console: Console, title: str, columns: tuple[str, ...], rows) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def main() -> None:
    console = Console(width=120)
    rng = np.random.default_rng(0)
    _print_table(console, "C kernels (host build) vs the NumPy reference of the same INT8 arithmetic",
                 ("operation", "NumPy ms", "C ms", "C speed-up"), kernel_rows(rng))
    try:
        kernel_rows_m4 = kernel_emulation_rows()
        rows = emulation_rows()
    except ToolchainError as exc:  # the emulator is optional for a benchmark run; say why it is missing
        console.print(f"[yellow]emulation skipped: {exc}[/yellow]")
    else:
        columns = ("MACs", "portable", "DSP (SMLAD)", "DSP speed-up")
        _print_table(console, "Cortex-M4 kernels (QEMU -icount): instructions per MAC, both outputs bit-exact "
                              "against NumPy", ("layer", *columns), kernel_rows_m4)
        console.print("Each output also costs a fixed requantization (six to eight instructions and a store in the "
                      "DSP kernels, more in the portable ones), which weighs most on layers with few MACs per output "
                      "(one-input-channel first convolutions and depthwise 3x3: nine) and on tiny layers, where the "
                      "call itself counts. MACs leave out padding taps.")
        _print_table(console, "Cortex-M4 whole inference (QEMU -icount): instructions per model MAC",
                     ("model", *columns), rows)
        console.print("Whole-inference ratios include the front ends (the keyword model's 49 FFTs), pooling "
                      "and softmax.")
    _print_table(console, "Linux-board harness on this CPU: throughput relative to batch 1",
                 ("workload", "items/s", "vs batch 1"), linux_rows())


if __name__ == "__main__":
    main()

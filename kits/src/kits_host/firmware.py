"""Builds and runs the firmware without hardware:

* the QEMU image: kits/core + the shared board loop + kits/boards/qemu_mps2_an386 glue,
  cross-compiled with Debian's arm-none-eabi-gcc for the Cortex-M4 (hard-float ABI, as the
  nRF52840's M4F), run on `qemu-system-arm -M mps2-an386`;
* the host simulator: the same C sources compiled for the host, talking over a pty;
* the flash/RAM report from `arm-none-eabi-size`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import BOARDS_DIR, BUILD_DIR, CORE_DIR
from .export import QuantizedModel
from .native import ToolchainError, core_headers, core_sources
from .protocol import FrameDecoder, InputKind, MsgType, Result

# What arm-none-eabi-gcc builds for each Cortex-M the kits run on: the nRF52840's M4F
# (single-precision FPU) and the STM32H747's M7 (double-precision FPU).
CPU_FLAGS = {
    "cortex-m4": ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-d16"],
}
ARM_COMMON_CFLAGS = ["-mthumb", "-O2", "-ffunction-sections", "-fdata-sections", "-std=c99", "-Wall", "-Wextra",
                     "-Werror"]
ARM_CFLAGS = CPU_FLAGS["cortex-m4"] + ARM_COMMON_CFLAGS
QEMU_BOARD = BOARDS_DIR / "qemu_mps2_an386"
COMMON = BOARDS_DIR / "common"
SELFTEST_PER_CLASS = 2
SELFTEST_SEED = 7


def _per_class(model: QuantizedModel) -> int:
    # A second of audio is 16,000 samples of C source per clip; one clip per class keeps the
    # image (and its compile time) small.
    return 1 if model.input_kind == InputKind.AUDIO else SELFTEST_PER_CLASS


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolchainError(f"{name} not found; install it with `tools/ensure-apt.sh {package}` "
                             f"(or `apt-get install {package}`)")
    return path


def selftest_clips(model: QuantizedModel) -> np.ndarray:
    """Raw int16 recordings embedded in the firmware: [clips, samples * axes]."""
    from .datasets import synthetic_set
    from .train import digits_set

    if model.input_kind == InputKind.IMAGE:
        test = digits_set(0, test=True)
        picks = np.concatenate([np.flatnonzero(test.labels == d)[:SELFTEST_PER_CLASS] for d in range(10)])
        return test.samples[picks].reshape(len(picks), -1)
    kind = "kws" if model.input_kind == InputKind.AUDIO else "motion"
    raw = synthetic_set(kind, _per_class(model), SELFTEST_SEED)
    return raw.samples.reshape(len(raw.samples), -1)


def selftest_truth(model: QuantizedModel) -> list[int]:
    """The true class of each self-test clip."""
    from .datasets import synthetic_set
    from .train import digits_set

    if model.input_kind == InputKind.IMAGE:
        return [d for d in range(10) for _ in range(SELFTEST_PER_CLASS)]
    kind = "kws" if model.input_kind == InputKind.AUDIO else "motion"
    return synthetic_set(kind, _per_class(model), SELFTEST_SEED).labels.tolist()


def reference_predictions(model: QuantizedModel, clips: np.ndarray) -> list[tuple[int, tuple[int, ...]]]:
    """What the board must print for each clip: the NumPy reference of the same arithmetic."""
    from .train import front_end

    out = []
    for clip in clips:
        scores = model.run(front_end(model, clip))
        out.append((int(np.argmax(scores)), tuple(int(s) for s in scores)))
    return out


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate_sources(model: QuantizedModel, gen_dir: Path, clips: np.ndarray) -> list[Path]:
    """model C files, model_select.h and selftest_clips.{c,h} for one firmware image."""
    gen_dir.mkdir(parents=True, exist_ok=True)
    model.save(gen_dir)
    up = model.name.upper()
    _write_if_changed(gen_dir / "model_select.h", (
        "/* Generated: the model this firmware image runs. */\n#ifndef KITS_MODEL_SELECT_H\n"
        f"#define KITS_MODEL_SELECT_H\n#include \"{model.name}_model.h\"\n"
        f"#define KITS_SELECTED_MODEL kits_model_{model.name}\n"
        f"#define KITS_SELECTED_ARENA_BYTES KITS_MODEL_{up}_ARENA_BYTES\n"
        f"#define KITS_SELECTED_INPUT_SIZE KITS_MODEL_{up}_INPUT_SIZE\n"
        f"#define KITS_SELECTED_INPUT_SAMPLES KITS_MODEL_{up}_INPUT_SAMPLES\n"
        f"#define KITS_SELECTED_INPUT_AXES KITS_MODEL_{up}_INPUT_AXES\n"
        f"#define KITS_SELECTED_INPUT_KIND KITS_MODEL_{up}_INPUT_KIND\n#endif\n"))
    _write_if_changed(gen_dir / "selftest_clips.h", (
        "/* Generated: recordings the emulated boards classify at boot. */\n#ifndef KITS_SELFTEST_CLIPS_H\n"
        "#define KITS_SELFTEST_CLIPS_H\n#include <stdint.h>\n#include \"model_select.h\"\n"
        f"#define KITS_SELFTEST_COUNT {len(clips)}u\n"
        "extern const int16_t kits_selftest_clips[KITS_SELFTEST_COUNT]"
        "[KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES];\n#endif\n"))
    rows = []
    for clip in clips:
        values = ",".join(str(int(v)) for v in clip)
        rows.append("    {" + values + "}")
    _write_if_changed(gen_dir / "selftest_clips.c", (
        "/* Generated: synthetic recordings (kits_host.datasets, seed "
        f"{SELFTEST_SEED}). */\n#include \"selftest_clips.h\"\n\n"
        "#if defined(__arm__)\n__attribute__((section(\".selftest\")))\n#endif\n"
        "const int16_t kits_selftest_clips[KITS_SELFTEST_COUNT]"
        "[KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES] = {\n" + ",\n".join(rows) + "\n};\n"))
    return [gen_dir / f"{model.name}_model.c", gen_dir / "selftest_clips.c"]


def _compile(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolchainError(f"{what} failed:\n{' '.join(cmd)}\n{result.stderr}")


def _stale(target: Path, inputs: list[Path]) -> bool:
    return not target.exists() or target.stat().st_mtime < max(p.stat().st_mtime for p in inputs)


@dataclass
class Image:
    model: QuantizedModel
    elf: Path
    clips: np.ndarray


KERNEL_FLAGS = {"dsp": ["-DKITS_NN_DSP=1"], "portable": ["-DKITS_NN_DSP=0"]}


def build_qemu_image(model: QuantizedModel, out_dir: Path | None = None, kernels: str = "dsp",
                     cpu: str = "cortex-m4") -> Image:
    """kernels: "dsp" (the Cortex-M4/M7 default, SMLAD/SXTB16 kernels) or "portable" (plain C).
    cpu "cortex-m7" builds the same image for the M7, for its size (QEMU runs the M4 build)."""
    if kernels not in KERNEL_FLAGS:
        raise ValueError(f"unknown kernels {kernels!r}; choose one of {', '.join(KERNEL_FLAGS)}")
    if cpu not in CPU_FLAGS:
        raise ValueError(f"unknown cpu {cpu!r}; choose one of {', '.join(CPU_FLAGS)}")
    gcc = require_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    variant = "" if (kernels, cpu) == ("dsp", "cortex-m4") else f"_{cpu}_{kernels}"
    out_dir = Path(out_dir or BUILD_DIR / "qemu" / model.name) if not variant else \
        Path(out_dir or BUILD_DIR / "qemu") / f"{model.name}{variant}"
    gen = out_dir / "gen"
    clips = selftest_clips(model)
    generated = generate_sources(model, gen, clips)
    sources = core_sources() + [COMMON / "board_main.c", QEMU_BOARD / "startup.c", QEMU_BOARD / "main.c"] + generated
    elf = out_dir / f"{model.name}.elf"
    inputs = sources + core_headers() + [COMMON / "board_main.h", QEMU_BOARD / "mps2_an386.ld",
                                         gen / "model_select.h", gen / f"{model.name}_model.h"]
    if _stale(elf, inputs):
        _compile([gcc, *CPU_FLAGS[cpu], *ARM_COMMON_CFLAGS, *KERNEL_FLAGS[kernels], "-I", str(CORE_DIR / "include"),
                  "-I", str(COMMON), "-I", str(gen), *map(str, sources), "-T", str(QEMU_BOARD / "mps2_an386.ld"),
                  "-nostartfiles",
                  "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
                  f"-Wl,-Map={out_dir / (model.name + '.map')}", "-o", str(elf)],
                 f"{cpu} build of {model.name}")
    return Image(model, elf, clips)


def build_host_sim(model: QuantizedModel, out_dir: Path | None = None, cc: str | None = None) -> Path:
    compiler = cc or os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise ToolchainError(f"C compiler {compiler!r} not found; install gcc")
    out_dir = Path(out_dir or BUILD_DIR / "sim" / model.name)
    gen = out_dir / "gen"
    generated = generate_sources(model, gen, selftest_clips(model))
    sources = core_sources() + [COMMON / "board_main.c", BOARDS_DIR / "host_sim" / "main.c"] + generated
    exe = out_dir / f"kits_sim_{model.name}"
    if _stale(exe, sources + core_headers() + [COMMON / "board_main.h", gen / "model_select.h"]):
        _compile([compiler, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(CORE_DIR / "include"),
                  "-I", str(COMMON), "-I", str(gen), *map(str, sources), "-o", str(exe)],
                 f"host simulator build of {model.name}")
    return exe


# ---- QEMU ------------------------------------------------------------------------------------

def qemu_command(elf: Path, serial: str = "stdio") -> list[str]:
    qemu = require_tool("qemu-system-arm", "qemu-system-arm")
    # -icount shift=0: one instruction per emulated nanosecond, so reported latencies are
    # deterministic instruction counts (/1000) rather than host timing noise.
    return [qemu, "-M", "mps2-an386", "-icount", "shift=0", "-nographic", "-monitor", "none", "-serial", serial,
            "-kernel", str(elf)]


@dataclass
class SelfTestRun:
    results: list[Result]
    logs: list[str]
    hello: bytes
    errors: list[str]
    wall_s: float


def run_selftest(image: Image, timeout_s: float = 60.0) -> SelfTestRun:
    """Boot the image in QEMU, read frames from the emulated UART until every self-test
    clip has been classified, then stop the emulator."""
    expected = len(image.clips)
    start = time.monotonic()
    proc = subprocess.Popen(qemu_command(image.elf), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    decoder = FrameDecoder()
    results, logs, errors, hello = [], [], [], b""
    os.set_blocking(proc.stdout.fileno(), False)
    try:
        while len(results) < expected:
            if time.monotonic() - start > timeout_s:
                raise TimeoutError(f"QEMU produced {len(results)} of {expected} results in {timeout_s:.0f} s; "
                                   "the firmware hung or crashed (see the .map file for the layout)")
            if proc.poll() is not None:
                raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
            chunk = proc.stdout.read(65536)
            if not chunk:
                time.sleep(0.02)
                continue
            frames, errs = decoder.feed(chunk)
            errors += [str(e) for e in errs]
            for frame in frames:
                if frame.type == MsgType.RESULT:
                    results.append(Result.parse(frame.body))
                elif frame.type == MsgType.LOG:
                    logs.append(frame.body.decode(errors="replace"))
                elif frame.type == MsgType.HELLO:
                    hello = frame.body
                elif frame.type == MsgType.ERROR:
                    errors.append(frame.body[1:].decode(errors="replace"))
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    return SelfTestRun(results, logs, hello, errors, time.monotonic() - start)


# ---- size report -------------------------------------------------------------------------------

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".data")
RAM_SECTIONS = (".data", ".bss", ".stack")


def section_sizes(elf: Path) -> dict[str, int]:
    size = require_tool("arm-none-eabi-size", "binutils-arm-none-eabi")
    out = subprocess.run([size, "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        match = re.match(r"^(\.\S+)\s+(\d+)\s+\d+", line)
        if match:
            sizes[match.group(1)] = int(match.group(2))
    return sizes


@dataclass
class SizeReport:
    """Flash and RAM of one firmware image (core + board loop + model; self-test clips excluded)."""
    model: str
    cpu: str
    kernels: str
    flash_bytes: int
    ram_bytes: int
    model_const_bytes: int
    arena_bytes: int
    selftest_bytes: int


def size_report(image: Image, cpu: str = "cortex-m4", kernels: str = "dsp") -> SizeReport:
    sizes = section_sizes(image.elf)
    flash = sum(sizes.get(s, 0) for s in FLASH_SECTIONS)
    ram = sum(sizes.get(s, 0) for s in RAM_SECTIONS)
    return SizeReport(image.model.name, cpu, kernels, flash, ram, image.model.weight_bytes(), image.model.arena_bytes,
                      sizes.get(".selftest", 0))


# The board's CPU -> how its size is obtained. Cortex-M4 and M7 are built with Debian's
# arm-none-eabi-gcc; no Xtensa compiler is packaged for Debian, so the ESP32-S3 row is an
# estimate from the Cortex-M4 build with the portable kernels it would select.
SIZE_METHODS = {
    "cortex-m4": ("cortex-m4", "dsp", True, "measured: arm-none-eabi-gcc -mcpu=cortex-m4, DSP kernels"),
    "cortex-m7": ("cortex-m7", "dsp", True, "measured: arm-none-eabi-gcc -mcpu=cortex-m7, DSP kernels"),
    "xtensa-lx7": ("cortex-m4", "portable", False,
                   "estimate: Cortex-M4 build with the portable kernels (no Xtensa compiler here)"),
}
KIB = 1024


def board_size_rows(model: QuantizedModel, out_dir: Path | None = None) -> list[dict]:
    """One row per board: the image size for that board's CPU (or its estimate and how it was
    made) beside the board's application limits and the MCU's totals, all in KiB."""
    from .boards import MCU_BOARDS

    reports: dict[tuple[str, str], SizeReport] = {}
    rows = []
    for board in MCU_BOARDS.values():
        cpu, kernels, measured, method = SIZE_METHODS[board.cpu]
        if (cpu, kernels) not in reports:
            image = build_qemu_image(model, out_dir and Path(out_dir) / f"{cpu}_{kernels}", kernels=kernels, cpu=cpu)
            reports[cpu, kernels] = size_report(image, cpu, kernels)
        report = reports[cpu, kernels]
        limits = board.mcu_limits()
        rows.append({
            "board": board.key, "cpu": board.cpu, "measured": measured, "method": method,
            "flash_bytes": report.flash_bytes, "ram_bytes": report.ram_bytes,
            "app_flash_limit": board.app_flash_bytes, "app_ram_limit": board.app_ram_bytes,
            "mcu_flash": limits["flash_bytes"], "mcu_sram": limits["sram_bytes"],
            "flash_pct": 100.0 * report.flash_bytes / board.app_flash_bytes,
            "ram_pct": 100.0 * report.ram_bytes / board.app_ram_bytes,
            "fits": report.flash_bytes <= board.app_flash_bytes and report.ram_bytes <= board.app_ram_bytes,
        })
    return rows


def kib(n_bytes: float) -> str:
    """Bytes in KiB, the one unit `kits size` prints (limits are binary: 960 KiB, not 983.04 kB)."""
    value = n_bytes / KIB
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"

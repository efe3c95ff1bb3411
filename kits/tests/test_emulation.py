"""The firmware built for a Cortex-M4 runs under QEMU (mps2-an386) and prints, over the
emulated UART, the same classifications as the NumPy reference of the same arithmetic."""

import numpy as np
import pytest

from kits_host import firmware
from kits_host.boards import MCU_BOARDS
from kits_host.protocol import Hello, MODEL_FORMAT_VERSION


@pytest.mark.parametrize("name", ["kws", "motion", "digits"])
def test_qemu_selftest_matches_host_reference(qemu_images, models, name):
    image = qemu_images[name]
    run = firmware.run_selftest(image, timeout_s=90)
    reference = firmware.reference_predictions(models[name], image.clips)
    assert run.errors == []
    assert [(r.label_index, r.scores) for r in run.results] == reference
    hello = Hello.parse(run.hello)
    assert hello.board == "qemu-mps2-an386"
    assert hello.model_hash == models[name].model_hash()
    assert hello.model_format_version == MODEL_FORMAT_VERSION
    # Two clips per class; the reference models get (nearly) all of them right.
    truth = firmware.selftest_truth(models[name])
    correct = sum(r.label_index == t for r, t in zip(run.results, truth))
    assert correct >= len(truth) - 1
    # -icount makes latency an instruction count: identical work gives near-identical numbers.
    latencies = np.array([r.latency_us for r in run.results])
    assert latencies.min() > 0 and latencies.max() < 1.2 * latencies.min()


@pytest.mark.parametrize("name", ["kws", "motion", "digits"])
def test_size_report_counts_model_and_arena(qemu_images, models, name):
    report = firmware.size_report(qemu_images[name])
    model = models[name]
    assert report.flash_bytes > model.weight_bytes()  # the constants are inside the image
    assert report.ram_bytes > model.arena_bytes
    assert report.selftest_bytes >= qemu_images[name].clips.nbytes  # kept out of the flash figure


def _fp_arch(elf):
    import subprocess

    attrs = subprocess.run(["arm-none-eabi-readelf", "-A", str(elf)], capture_output=True, text=True).stdout
    return next(line for line in attrs.splitlines() if "Tag_FP_arch" in line)


def test_size_rows_build_each_cpu_and_mark_estimates(qemu_images, models, tmp_path):
    rows = {row["board"]: row for row in firmware.board_size_rows(models["digits"], tmp_path)}
    assert set(rows) == set(MCU_BOARDS)
    m4 = firmware.size_report(qemu_images["digits"])
    # The Nano 33 BLE row is the Cortex-M4 image the emulator runs.
    assert (rows["nano33ble"]["flash_bytes"], rows["nano33ble"]["ram_bytes"]) == (m4.flash_bytes, m4.ram_bytes)
    # The Nicla Vision row is its own Cortex-M7 build: the STM32H747's double-precision FPU,
    # where the Nano's nRF52840 has a single-precision one.
    assert "FPv5" in _fp_arch(next((tmp_path / "cortex-m7_dsp").rglob("*.elf")))
    assert "VFPv4" in _fp_arch(qemu_images["digits"].elf)
    assert rows["nicla_vision"]["measured"] and rows["nicla_vision"]["method"].endswith("-mcpu=cortex-m7, DSP kernels")
    # No Xtensa compiler: the ESP32-S3 row says it is an estimate and how it was made.
    assert not rows["xiao_esp32s3"]["measured"] and rows["xiao_esp32s3"]["method"].startswith("estimate:")
    # The portable kernels need no im2col buffer: less RAM than the DSP build.
    assert rows["xiao_esp32s3"]["ram_bytes"] < rows["nano33ble"]["ram_bytes"]
    for row in rows.values():
        assert row["fits"], row
        assert row["app_flash_limit"] <= row["mcu_flash"] * 1.05 + 8 * 2**20


def test_model_of_another_format_version_fails_to_compile(tmp_path, models):
    import shutil
    import subprocess
    from kits_host import CORE_DIR

    models["motion"].save(tmp_path)
    header = (CORE_DIR / "include" / "kits_model.h").read_text()
    (tmp_path / "kits_model.h").write_text(header.replace(
        f"#define KITS_MODEL_FORMAT_VERSION {MODEL_FORMAT_VERSION}u", "#define KITS_MODEL_FORMAT_VERSION 99u"))
    shutil.copy(CORE_DIR / "include" / "kits_nn.h", tmp_path)
    result = subprocess.run(["cc", "-std=c99", "-c", "-I", str(tmp_path), str(tmp_path / "motion_model.c"),
                             "-o", str(tmp_path / "m.o")], capture_output=True, text=True)
    assert result.returncode != 0
    assert "re-export with `kits export`" in result.stderr


def test_cli_emulate_and_size_report(qemu_images):
    from click.testing import CliRunner
    from kits_host.cli import main

    result = CliRunner().invoke(main, ["emulate", "motion"])
    assert result.exit_code == 0, result.output
    assert result.output.count(" match ") == 8 and "MISMATCH" not in result.output
    result = CliRunner().invoke(main, ["size", "digits"])
    assert result.exit_code == 0, result.output
    for board in MCU_BOARDS:
        assert board in result.output
    # one unit system, the board's limit beside each size: "19.2 / 960 (2.0%)"
    assert "KiB" in result.output and " MB" not in result.output and " KB" not in result.output
    assert "/ 960 (" in result.output  # the Nano 33 BLE's 983,040-byte application flash
    assert "estimate" in result.output and "~" in result.output

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
def test_size_report_fits_every_board(qemu_images, models, name):
    report = firmware.size_report(qemu_images[name])
    model = models[name]
    assert report.flash_bytes > model.weight_bytes()  # the constants are inside the image
    assert report.ram_bytes > model.arena_bytes
    assert report.selftest_bytes >= qemu_images[name].clips.nbytes  # kept out of the flash figure
    rows = list(report.rows())
    assert {row["board"] for row in rows} == set(MCU_BOARDS)
    for row in rows:
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

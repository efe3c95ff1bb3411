import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kits_host import KITS_ROOT
from kits_host.export import QuantizedModel
from kits_host.native import core as load_core

MODELS = KITS_ROOT / "models"

# Test helpers that are modules of their own (tflite_builder) import from this folder.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def core():
    return load_core()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def models():
    """The committed reference models (kits/models), as PlatformIO users get them."""
    return {name: QuantizedModel.load(MODELS / name / f"{name}.kmodel.json") for name in ("kws", "motion", "digits")}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long runs kept out of `make test` (run by `make test-slow`)")


def _skip_without(exc):
    # Only reached when tools/ensure-apt.sh could not install the package (see component.mk).
    pytest.skip(f"TOOLCHAIN MISSING, emulation not verified: {exc}")


class LazyBuilds(dict):
    """Builds a firmware per model name on first use, so a test run compiles only what it needs."""

    def __init__(self, build, models, out):
        super().__init__()
        self.build, self.models, self.out = build, models, out

    def __missing__(self, name):
        self[name] = self.build(self.models[name], self.out / name)
        return self[name]


@pytest.fixture(scope="session")
def qemu_images(models, tmp_path_factory):
    from kits_host import firmware
    from kits_host.native import ToolchainError

    try:
        firmware.require_tool("qemu-system-arm", "qemu-system-arm")
        firmware.require_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    except ToolchainError as exc:
        _skip_without(exc)
    return LazyBuilds(firmware.build_qemu_image, models, tmp_path_factory.mktemp("qemu"))


@pytest.fixture(scope="session")
def sim_binaries(models, tmp_path_factory):
    from kits_host import firmware

    return LazyBuilds(firmware.build_host_sim, models, tmp_path_factory.mktemp("sim"))


@pytest.fixture
def sim_board(sim_binaries):
    """Start the simulated board (the firmware compiled for the host) on a pty;
    yields a function name -> port path."""
    from kits_host.sim import start_simulated_board

    boards = []

    def start(name: str) -> str:
        boards.append(start_simulated_board(sim_binaries[name]))
        return boards[-1].port

    yield start
    for board in boards:
        board.close()


@pytest.fixture
def qemu_pty(qemu_images):
    """Boot a QEMU image with its UART on a pty; yields a function name -> port path."""
    from kits_host import firmware

    procs = []

    def start(name: str) -> str:
        cmd = firmware.qemu_command(qemu_images[name].elf, serial="pty")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        procs.append(proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            match = re.search(r"(/dev/pts/\d+)", line or "")
            if match:
                return match.group(1)
            if proc.poll() is not None:
                break
        raise RuntimeError("QEMU did not report its pty")

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        proc.stdout.close()

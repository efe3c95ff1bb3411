"""The PlatformIO board projects pin their platform and Arduino core, and a board project
built against an unsupported core stops with a message that says what to do."""

import configparser
import shutil
import subprocess

import pytest

from kits_host import BOARDS_DIR
from kits_host.boards import MCU_BOARDS

CHECK_HEADER = BOARDS_DIR / "arduino_app" / "src" / "KitsCoreCheck.h"


def _ini(board_key):
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    parser.read(BOARDS_DIR / board_key / "platformio.ini")
    return parser


@pytest.mark.parametrize("key", sorted(MCU_BOARDS))
def test_every_environment_pins_platform_and_core(key):
    board = MCU_BOARDS[key]
    ini = _ini(key)
    envs = [s for s in ini.sections() if s.startswith("env:")]
    assert envs
    for section in envs:
        # Environments inherit [env] (as PlatformIO reads it); none may override the pins.
        for option, pin in (("platform", board.platform_pin), ("platform_packages", board.framework_pin)):
            value = ini[section].get(option, ini["env"].get(option))
            assert value is not None and value.strip() == pin, (section, option)
        name, _, version = board.platform_pin.partition(" @ ")
        assert name.startswith("platformio/") and version[0].isdigit(), "an exact platform version"
    assert ini["env"]["board"] == board.board


def _syntax_check(tmp_path, defines, esp_version=None):
    gxx = shutil.which("g++") or shutil.which("c++")
    if gxx is None:
        pytest.skip("TOOLCHAIN MISSING: no C++ compiler to check KitsCoreCheck.h")
    stub = tmp_path / "core"
    stub.mkdir(exist_ok=True)
    if esp_version is not None:
        major, minor, patch = esp_version
        (stub / "esp_arduino_version.h").write_text(
            f"#define ESP_ARDUINO_VERSION_MAJOR {major}\n#define ESP_ARDUINO_VERSION_MINOR {minor}\n"
            f"#define ESP_ARDUINO_VERSION_PATCH {patch}\n")
    src = tmp_path / "main.cpp"
    src.write_text('#include "KitsCoreCheck.h"\nint main() { return 0; }\n')
    cmd = [gxx, "-fsyntax-only", "-I", str(stub), "-I", str(CHECK_HEADER.parent), *[f"-D{d}" for d in defines],
           str(src)]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_xiao_builds_only_against_arduino_esp32_2x(tmp_path):
    board = MCU_BOARDS["xiao_esp32s3"]
    assert _syntax_check(tmp_path, [board.board_define], (2, 0, 17)).returncode == 0
    for version in [(3, 0, 7), (3, 3, 12)]:
        result = _syntax_check(tmp_path, [board.board_define], version)
        assert result.returncode != 0
        assert "needs the Arduino-ESP32 2.0.x core" in result.stderr
        assert "I2S.h" in result.stderr  # says why
        assert board.platform_pin in result.stderr and board.framework_pin in result.stderr  # and the fix
    (tmp_path / "core" / "esp_arduino_version.h").unlink()  # a core too old to say its version
    assert _syntax_check(tmp_path, [board.board_define]).returncode != 0


@pytest.mark.parametrize("key", ["nano33ble", "nicla_vision"])
def test_mbed_boards_need_the_mbed_core(tmp_path, key):
    board = MCU_BOARDS[key]
    assert _syntax_check(tmp_path, [board.board_define, "ARDUINO_ARCH_MBED"]).returncode == 0
    result = _syntax_check(tmp_path, [board.board_define, "ARDUINO_ARCH_ZEPHYR"])
    assert result.returncode != 0
    assert "needs the Arduino Mbed OS core" in result.stderr
    assert board.platform_pin in result.stderr and board.framework_pin in result.stderr


@pytest.mark.parametrize("key", sorted(MCU_BOARDS))
def test_every_sketch_runs_the_core_check(key):
    text = (BOARDS_DIR / key / "src" / "main.cpp").read_text()
    assert text.index('#include "KitsCoreCheck.h"') < text.index('#include "KitsLabs.h"')
    # the macro KitsCoreCheck.h keys on is the one in the board's PlatformIO manifest
    assert MCU_BOARDS[key].board_define in CHECK_HEADER.read_text()

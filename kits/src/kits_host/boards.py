"""The boards the kits support: PlatformIO environments, sensors, labs and memory limits.

Two kinds of limit are reported: the MCU totals from the mlsysim hardware catalog
(one source of truth for the book), and the application limits PlatformIO enforces
for the board's Arduino core (`upload.maximum_size` / `maximum_ram_size` in the
board manifests of platformio/platform-nordicnrf52, -ststm32 and -espressif32).
"""

from __future__ import annotations

from dataclasses import dataclass


class UnknownBoardError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


@dataclass(frozen=True)
class McuBoard:
    key: str               # folder under kits/boards/ and PlatformIO environment name
    name: str
    mcu_catalog_name: str  # mlsysim.hardware(...) entry
    platform: str
    board: str
    framework: str
    app_flash_bytes: int   # PlatformIO upload.maximum_size
    app_ram_bytes: int     # PlatformIO upload.maximum_ram_size
    sensors: tuple[str, ...]
    labs: tuple[str, ...]
    # PlatformIO pins (the same lines are in kits/boards/<key>/platformio.ini) and the macro the
    # board manifest defines, which KitsCoreCheck.h keys its core check on.
    platform_pin: str = ""
    framework_pin: str = ""
    board_define: str = ""
    cpu: str = ""          # what `kits size` builds for: "cortex-m4", "cortex-m7" or "xtensa-lx7"

    def mcu_limits(self) -> dict:
        """Flash and SRAM of the MCU from the mlsysim catalog."""
        try:
            import mlsysim as ms
        except ImportError:
            raise RuntimeError("MCU limits come from the repository's MLSys·im catalog: "
                               "pip install -e mlsysim (or `make venv`)") from None

        hw = ms.hardware(self.mcu_catalog_name)
        return {"flash_bytes": hw.flash_bytes, "sram_bytes": hw.sram_bytes, "source": hw.source}


@dataclass(frozen=True)
class LinuxBoard:
    key: str
    name: str
    catalog_name: str
    accelerator: str
    labs: tuple[str, ...]


MCU_BOARDS = {
    "nano33ble": McuBoard("nano33ble", "Arduino Nano 33 BLE Sense", "nRF52840", "nordicnrf52", "nano33ble",
                          "arduino", 983040, 262144, ("PDM microphone", "LSM9DS1 IMU"),
                          ("keyword-spotting", "motion"), "platformio/nordicnrf52 @ 10.11.0",
                          "platformio/framework-arduino-mbed @ ~4.5.0", "ARDUINO_ARDUINO_NANO33BLE", "cortex-m4"),
    "nicla_vision": McuBoard("nicla_vision", "Arduino Nicla Vision", "STM32H747", "ststm32", "nicla_vision",
                             "arduino", 786432, 523624, ("PDM microphone", "LSM6DSOX IMU", "GC2145 camera"),
                             ("keyword-spotting", "motion", "image-classification"), "platformio/ststm32 @ 19.6.0",
                             "platformio/framework-arduino-mbed @ ~4.5.0", "ARDUINO_NICLA_VISION", "cortex-m7"),
    "xiao_esp32s3": McuBoard("xiao_esp32s3", "Seeed XIAO ESP32S3 Sense", "ESP32-S3", "espressif32",
                             "seeed_xiao_esp32s3", "arduino", 8388608, 327680,
                             ("PDM microphone", "OV2640 camera"), ("keyword-spotting", "image-classification"),
                             "platformio/espressif32 @ 6.13.0", "platformio/framework-arduinoespressif32 @ ~3.20017.0",
                             "ARDUINO_XIAO_ESP32S3", "xtensa-lx7"),
}

LINUX_BOARDS = {
    "rpi": LinuxBoard("rpi", "Raspberry Pi 4 / 5", "RPi5", "Cortex-A72 / A76 CPU (NEON)",
                      ("pi-vision", "pi-detection", "pi-llm")),
    "jetson": LinuxBoard("jetson", "NVIDIA Jetson Orin Nano", "Jetson-Orin-Nano", "Ampere GPU (CUDA)",
                         ("jetson-vision", "jetson-llm")),
}


def mcu_board(key: str) -> McuBoard:
    try:
        return MCU_BOARDS[key]
    except KeyError:
        raise UnknownBoardError(f"unknown board {key!r}; choose one of {', '.join(MCU_BOARDS)}") from None

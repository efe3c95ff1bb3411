// Stops the build, with the fix, when a board project is compiled against an Arduino core
// the kit firmware was not written for. The supported versions are the ones pinned in each
// board's platformio.ini (and in kits_host.boards.MCU_BOARDS). Include it after Arduino.h.
#ifndef KITS_CORE_CHECK_H
#define KITS_CORE_CHECK_H

#if defined(ARDUINO_XIAO_ESP32S3)
#if defined(__has_include)
#if __has_include(<esp_arduino_version.h>)
#include <esp_arduino_version.h>
#endif
#endif
#if !defined(ESP_ARDUINO_VERSION_MAJOR) || ESP_ARDUINO_VERSION_MAJOR != 2
#error "kits: the XIAO ESP32S3 firmware needs the Arduino-ESP32 2.0.x core (2.0.17); core 3.x removed the I2S library (I2S.h) its microphone code uses. Build kits/boards/xiao_esp32s3 with its platformio.ini as shipped (platform = platformio/espressif32 @ 6.13.0, platformio/framework-arduinoespressif32 @ ~3.20017.0), not a newer espressif32 platform."
#endif

#elif defined(ARDUINO_ARDUINO_NANO33BLE) || defined(ARDUINO_NICLA_VISION)
#if !defined(ARDUINO_ARCH_MBED)
#error "kits: the Nano 33 BLE and Nicla Vision firmware needs the Arduino Mbed OS core (platformio/framework-arduino-mbed @ ~4.5.0, which provides PDM.h and the camera library). Build with the board's platformio.ini as shipped (platformio/nordicnrf52 @ 10.11.0 or platformio/ststm32 @ 19.6.0)."
#endif
#endif

#endif

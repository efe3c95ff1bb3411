// Test double of the few Arduino core functions the kit glue uses, so the board-side C++
// (kits/boards/arduino_app) compiles and runs on the host: Serial reads stdin and writes
// stdout (binary), and time advances only when the harness says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

extern uint32_t fake_micros;

inline uint32_t micros() { return fake_micros; }
inline uint32_t millis() { return fake_micros / 1000u; }

class SerialDouble {
  public:
    void begin(unsigned long) {}
    explicit operator bool() const { return true; }
    size_t write(const uint8_t *data, size_t length) { return fwrite(data, 1, length, stdout); }
    int available() { return 0; }
    int read() { return -1; }
};

extern SerialDouble Serial;

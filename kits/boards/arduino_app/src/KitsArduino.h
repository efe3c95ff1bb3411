// Arduino glue shared by every kit board: binds kits_app (the board-independent
// firmware in kits/core) to the USB serial port. Board sketches only read sensors.
#pragma once

#include <Arduino.h>

#include "kits_app.h"
#include "kits_image.h"
#include "kits_imu.h"

namespace kits {

struct Buffers {
    int16_t *samples;      // model->input_samples * model->input_axes
    int8_t *input;         // model->input_size
    int8_t *arena;
    size_t arena_bytes;
    kits_audio_scratch_t *audio_scratch;  // audio models, else nullptr
    int16_t *imu_storage;                 // IMU models, else nullptr
};

class SerialApp {
  public:
    SerialApp(const char *board, const kits_model_t &model, const Buffers &buffers);
    // Opens the serial port and says HELLO; false when the model cannot run.
    bool begin(unsigned long baud = 115200);
    // Handles any pending host request (PING, LOAD/RUN, STREAM); call every loop().
    void poll();
    // Runs the model on one recording from the sensor and sends a RESULT frame.
    void classifyLive(const int16_t *samples);
    // Forwards raw sensor samples while the host is capturing (`kits capture`).
    void stream(uint8_t channels, const int16_t *samples, size_t count);
    void log(const char *text);
    const kits_model_t &model() const { return *app_.model; }

  private:
    kits_app_t app_;
    uint16_t liveCount_ = 0;
};

}  // namespace kits

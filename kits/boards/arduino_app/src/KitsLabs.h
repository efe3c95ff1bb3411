// Sensor-side logic of the three labs, shared by the board sketches: sliding windows
// over audio and IMU samples, and the camera front end. Boards only fetch raw data.
#pragma once

#include "KitsArduino.h"
#include "kits_ring.h"

namespace kits {

// Keyword spotting: classify the most recent second of 16 kHz audio every half second.
class AudioLab {
  public:
    AudioLab(SerialApp &app, int16_t *history, int16_t *clip);
    // The microphone interrupt pushes raw PCM bytes here (lock-free ring buffer)...
    void pushFromInterrupt(const int16_t *pcm, size_t count);
    // ...and loop() moves them into the window, classifying when a hop completes.
    void service();

  private:
    SerialApp &app_;
    int16_t *clip_;
    kits_imu_window_t window_;
    kits_ring_t ring_;
    uint8_t ringStorage_[8192];
};

// Gestures: 6-axis samples at 50 Hz, a 64-sample window classified every 32 samples.
class MotionLab {
  public:
    static constexpr uint32_t kRateHz = 50;
    MotionLab(SerialApp &app, int16_t *history, int16_t *window);
    // Accelerometer in g and gyroscope in deg/s, converted to the training units.
    void push(float ax, float ay, float az, float gx, float gy, float gz);
    bool due();  // true every 1/kRateHz seconds

  private:
    SerialApp &app_;
    int16_t *window_;
    kits_imu_window_t imu_;
    uint32_t nextMicros_ = 0;
};

// Camera labs: a grayscale frame -> the model's square input (inverted, contrast-stretched).
// `pixels` must hold kCaptureSide * kCaptureSide values.
constexpr uint32_t kCaptureSide = 32;
void classifyFrame(SerialApp &app, const uint8_t *gray, uint32_t width, uint32_t height, int16_t *pixels);

}  // namespace kits

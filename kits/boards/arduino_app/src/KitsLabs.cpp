#include "KitsLabs.h"

namespace kits {

// Training units (see kits_host.datasets): +-4 g at 8192 LSB/g, +-2000 dps at 16.4 LSB/dps.
static int16_t toLsb(float value, float lsbPerUnit) {
    float v = value * lsbPerUnit;
    if (v > 32767.0f) return 32767;
    if (v < -32768.0f) return -32768;
    return (int16_t)(v >= 0 ? v + 0.5f : v - 0.5f);
}

AudioLab::AudioLab(SerialApp &app, int16_t *history, int16_t *clip) : app_(app), clip_(clip) {
    const uint32_t n = app.model().input_samples;
    kits_imu_window_init(&window_, history, 1, n, n / 2);
    kits_ring_init(&ring_, ringStorage_, sizeof(ringStorage_));
}

void AudioLab::pushFromInterrupt(const int16_t *pcm, size_t count) {
    kits_ring_push(&ring_, reinterpret_cast<const uint8_t *>(pcm), (uint32_t)(count * sizeof(int16_t)));
}

void AudioLab::service() {
    int16_t chunk[128];
    uint32_t bytes;
    while ((bytes = kits_ring_pop(&ring_, reinterpret_cast<uint8_t *>(chunk), sizeof(chunk))) > 0) {
        const size_t n = bytes / sizeof(int16_t);
        app_.stream(1, chunk, n);
        for (size_t i = 0; i < n; ++i) {
            if (kits_imu_window_push(&window_, &chunk[i])) {
                kits_imu_window_read_s16(&window_, clip_);
                app_.classifyLive(clip_);
            }
        }
    }
}

MotionLab::MotionLab(SerialApp &app, int16_t *history, int16_t *window) : app_(app), window_(window) {
    const uint32_t n = app.model().input_samples;
    kits_imu_window_init(&imu_, history, 6, n, n / 2);
}

bool MotionLab::due() {
    const uint32_t now = micros();
    if ((int32_t)(now - nextMicros_) < 0) return false;
    nextMicros_ = now + 1000000u / kRateHz;
    return true;
}

void MotionLab::push(float ax, float ay, float az, float gx, float gy, float gz) {
    const int16_t sample[6] = {toLsb(ax, 8192.0f), toLsb(ay, 8192.0f), toLsb(az, 8192.0f),
                               toLsb(gx, 16.4f),  toLsb(gy, 16.4f),  toLsb(gz, 16.4f)};
    app_.stream(6, sample, 6);
    if (kits_imu_window_push(&imu_, sample)) {
        kits_imu_window_read_s16(&imu_, window_);
        app_.classifyLive(window_);
    }
}

void classifyFrame(SerialApp &app, const uint8_t *gray, uint32_t width, uint32_t height, int16_t *pixels) {
    // Captures are always kCaptureSide square, whatever model is flashed, so recordings made
    // with one model can train another (`kits train-capture --kind image`).
    if (kits_image_downsample(gray, width, height, kCaptureSide, 1, pixels) == 0) {
        app.stream(1, pixels, kCaptureSide * kCaptureSide);
    }
    // The model's own input is a square image too: 8x8 for digits, 32x32 for person detection.
    uint32_t side = 1;
    while ((side + 1) * (side + 1) <= app.model().input_samples) ++side;
    if (kits_image_downsample(gray, width, height, side, 1, pixels) == 0) {
        app.classifyLive(pixels);
    }
}

}  // namespace kits

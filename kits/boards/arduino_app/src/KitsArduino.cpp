#include "KitsArduino.h"

namespace kits {

static void serialWrite(void *, const uint8_t *data, size_t length) {
    Serial.write(data, length);
}

static uint32_t boardMicros(void *) {
    return micros();
}

SerialApp::SerialApp(const char *board, const kits_model_t &model, const Buffers &buffers) {
    memset(&app_, 0, sizeof(app_));
    app_.write = serialWrite;
    app_.micros = boardMicros;
    app_.board = board;
    app_.model = &model;
    app_.samples = buffers.samples;
    app_.input = buffers.input;
    app_.arena = buffers.arena;
    app_.arena_bytes = buffers.arena_bytes;
    app_.audio_scratch = buffers.audio_scratch;
    app_.imu_storage = buffers.imu_storage;
}

bool SerialApp::begin(unsigned long baud) {
    Serial.begin(baud);
    // Native-USB boards enumerate after reset; wait briefly so HELLO is not lost.
    const unsigned long start = millis();
    while (!Serial && millis() - start < 2000) {
    }
    return kits_app_start(&app_) == KITS_MODEL_OK;
}

void SerialApp::poll() {
    uint8_t buffer[64];
    while (Serial.available() > 0) {
        size_t n = 0;
        while (n < sizeof(buffer) && Serial.available() > 0) {
            buffer[n++] = (uint8_t)Serial.read();
        }
        kits_app_receive(&app_, buffer, n);
    }
}

void SerialApp::classifyLive(const int16_t *samples) {
    kits_app_result_t result;
    kits_app_classify(&app_, samples, 2 /* live sensor */, liveCount_++, &result);
}

void SerialApp::stream(uint8_t channels, const int16_t *samples, size_t count) {
    kits_app_stream_samples(&app_, channels, samples, count);
}

void SerialApp::log(const char *text) {
    kits_app_log(&app_, text);
}

}  // namespace kits

// Seeed XIAO ESP32S3 Sense: keyword spotting (PDM microphone) or handwritten digits
// (OV2640 camera), chosen by the PlatformIO environment.
#include <Arduino.h>

#include "KitsCoreCheck.h"

#include "KitsLabs.h"

#if defined(KITS_LAB_IMAGE)
#include "esp_camera.h"
#include "digits_model.h"
#define MODEL kits_model_digits
#define ARENA_BYTES KITS_MODEL_DIGITS_ARENA_BYTES
#define INPUT_SIZE KITS_MODEL_DIGITS_INPUT_SIZE
#define SAMPLE_VALUES (KITS_MODEL_DIGITS_INPUT_SAMPLES * KITS_MODEL_DIGITS_INPUT_AXES)
#else
#include <I2S.h>  // Arduino-ESP32 2.x I2S library (PDM receive)
#include "kws_model.h"
#define MODEL kits_model_kws
#define ARENA_BYTES KITS_MODEL_KWS_ARENA_BYTES
#define INPUT_SIZE KITS_MODEL_KWS_INPUT_SIZE
#define SAMPLE_VALUES (KITS_MODEL_KWS_INPUT_SAMPLES * KITS_MODEL_KWS_INPUT_AXES)
#endif

static int8_t arena[ARENA_BYTES] __attribute__((aligned(4)));
static int8_t modelInput[INPUT_SIZE] __attribute__((aligned(4)));
static int16_t samples[SAMPLE_VALUES];
#if defined(KITS_LAB_IMAGE)
static int16_t framePixels[kits::kCaptureSide * kits::kCaptureSide];
#endif

#if defined(KITS_LAB_IMAGE)
static kits::SerialApp app("xiao_esp32s3", MODEL, {samples, modelInput, arena, sizeof(arena), nullptr, nullptr});

// OV2640 wiring of the Sense expansion board (Seeed's XIAO ESP32S3 Sense pin map).
static bool startCamera() {
    camera_config_t config = {};
    config.pin_pwdn = -1;
    config.pin_reset = -1;
    config.pin_xclk = 10;
    config.pin_sccb_sda = 40;
    config.pin_sccb_scl = 39;
    config.pin_d7 = 48;
    config.pin_d6 = 11;
    config.pin_d5 = 12;
    config.pin_d4 = 14;
    config.pin_d3 = 16;
    config.pin_d2 = 18;
    config.pin_d1 = 17;
    config.pin_d0 = 15;
    config.pin_vsync = 38;
    config.pin_href = 47;
    config.pin_pclk = 13;
    config.xclk_freq_hz = 20000000;
    config.ledc_timer = LEDC_TIMER_0;
    config.ledc_channel = LEDC_CHANNEL_0;
    config.pixel_format = PIXFORMAT_GRAYSCALE;
    config.frame_size = FRAMESIZE_QQVGA;  // 160 x 120
    config.fb_count = 1;
    config.fb_location = CAMERA_FB_IN_PSRAM;
    config.grab_mode = CAMERA_GRAB_LATEST;
    return esp_camera_init(&config) == ESP_OK;
}
#else
static int16_t history[SAMPLE_VALUES];
static kits_audio_scratch_t audioScratch;
static kits::SerialApp app("xiao_esp32s3", MODEL, {samples, modelInput, arena, sizeof(arena), &audioScratch, nullptr});
static kits::AudioLab lab(app, history, samples);
#endif

void setup() {
    if (!app.begin()) {
        return;
    }
#if defined(KITS_LAB_IMAGE)
    if (!startCamera()) {
        app.log("OV2640 camera failed to start: is the Sense expansion board attached?");
    }
#else
    I2S.setAllPins(-1, 42, 41, -1, -1);  // PDM clock GPIO42, data GPIO41 on the Sense board
    if (!I2S.begin(PDM_MONO_MODE, KITS_AUDIO_SAMPLE_RATE, 16)) {
        app.log("PDM microphone failed to start");
    }
#endif
}

void loop() {
    app.poll();
#if defined(KITS_LAB_IMAGE)
    static uint32_t last = 0;
    if (millis() - last >= 500) {
        last = millis();
        camera_fb_t *fb = esp_camera_fb_get();
        if (fb) {
            kits::classifyFrame(app, fb->buf, fb->width, fb->height, framePixels);
            esp_camera_fb_return(fb);
        }
    }
#else
    // No microphone callback on this core: drain the I2S driver's DMA buffers from loop().
    int16_t pcm[128];
    int bytes = I2S.available() > 0 ? I2S.read(pcm, sizeof(pcm)) : 0;
    if (bytes > 0) {
        lab.pushFromInterrupt(pcm, (size_t)bytes / sizeof(int16_t));
    }
    lab.service();
#endif
}

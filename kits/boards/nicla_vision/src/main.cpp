// Arduino Nicla Vision: keyword spotting (PDM microphone), gestures (LSM6DSOX IMU) or
// handwritten digits (GC2145 camera), chosen by the PlatformIO environment.
#include <Arduino.h>

#include "KitsCoreCheck.h"

#include "KitsLabs.h"

#if defined(KITS_LAB_IMAGE)
#include "camera.h"
#include "gc2145.h"
#include "digits_model.h"
#define MODEL kits_model_digits
#define ARENA_BYTES KITS_MODEL_DIGITS_ARENA_BYTES
#define INPUT_SIZE KITS_MODEL_DIGITS_INPUT_SIZE
#define SAMPLE_VALUES (KITS_MODEL_DIGITS_INPUT_SAMPLES * KITS_MODEL_DIGITS_INPUT_AXES)
#elif defined(KITS_LAB_MOTION)
#include <Arduino_LSM6DSOX.h>
#include "motion_model.h"
#define MODEL kits_model_motion
#define ARENA_BYTES KITS_MODEL_MOTION_ARENA_BYTES
#define INPUT_SIZE KITS_MODEL_MOTION_INPUT_SIZE
#define SAMPLE_VALUES (KITS_MODEL_MOTION_INPUT_SAMPLES * KITS_MODEL_MOTION_INPUT_AXES)
#else
#include <PDM.h>
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
static kits::SerialApp app("nicla_vision", MODEL, {samples, modelInput, arena, sizeof(arena), nullptr, nullptr});
static GC2145 sensor;
static Camera camera(sensor);
static FrameBuffer frame;
static uint8_t gray[160 * 120];
#elif defined(KITS_LAB_MOTION)
static int16_t history[SAMPLE_VALUES];
static int16_t imuStorage[SAMPLE_VALUES];
static kits::SerialApp app("nicla_vision", MODEL, {samples, modelInput, arena, sizeof(arena), nullptr, imuStorage});
static kits::MotionLab lab(app, history, samples);
#else
static int16_t history[SAMPLE_VALUES];
static kits_audio_scratch_t audioScratch;
static kits::SerialApp app("nicla_vision", MODEL, {samples, modelInput, arena, sizeof(arena), &audioScratch, nullptr});
static kits::AudioLab lab(app, history, samples);

static void onPdmData() {
    int16_t pcm[256];
    int bytes = PDM.available();
    if (bytes > (int)sizeof(pcm)) bytes = sizeof(pcm);
    PDM.read(pcm, bytes);
    lab.pushFromInterrupt(pcm, (size_t)bytes / sizeof(int16_t));
}
#endif

void setup() {
    if (!app.begin()) {
        return;
    }
#if defined(KITS_LAB_IMAGE)
    if (!camera.begin(CAMERA_R160x120, CAMERA_RGB565, 30)) {
        app.log("camera failed to start");
    }
#elif defined(KITS_LAB_MOTION)
    if (!IMU.begin()) {
        app.log("LSM6DSOX IMU not found");
    }
#else
    PDM.onReceive(onPdmData);
    if (!PDM.begin(1, KITS_AUDIO_SAMPLE_RATE)) {
        app.log("PDM microphone failed to start");
    }
#endif
}

void loop() {
    app.poll();
#if defined(KITS_LAB_IMAGE)
    static uint32_t last = 0;
    if (millis() - last >= 500 && camera.grabFrame(frame, 3000) == 0) {
        last = millis();
        kits_rgb565_to_gray(reinterpret_cast<const uint16_t *>(frame.getBuffer()), 160 * 120, gray);
        kits::classifyFrame(app, gray, 160, 120, framePixels);
    }
#elif defined(KITS_LAB_MOTION)
    float ax, ay, az, gx, gy, gz;
    if (lab.due() && IMU.accelerationAvailable() && IMU.gyroscopeAvailable()) {
        IMU.readAcceleration(ax, ay, az);
        IMU.readGyroscope(gx, gy, gz);
        lab.push(ax, ay, az, gx, gy, gz);
    }
#else
    lab.service();
#endif
}

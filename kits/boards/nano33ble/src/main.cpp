// Arduino Nano 33 BLE Sense: keyword spotting (PDM microphone) or gestures (IMU),
// chosen by the PlatformIO environment (-DKITS_LAB_KWS / -DKITS_LAB_MOTION).
#include <Arduino.h>

#include "KitsCoreCheck.h"

#include "KitsLabs.h"

#if defined(KITS_LAB_MOTION)
#include "motion_model.h"
#if defined(KITS_IMU_BMI270)
#include <Arduino_BMI270_BMM150.h>  // Nano 33 BLE Sense Rev2
#else
#include <Arduino_LSM9DS1.h>        // Nano 33 BLE Sense Rev1
#endif
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
static int16_t history[SAMPLE_VALUES];

#if defined(KITS_LAB_MOTION)
static int16_t imuStorage[SAMPLE_VALUES];
static kits::SerialApp app("nano33ble", MODEL, {samples, modelInput, arena, sizeof(arena), nullptr, imuStorage});
static kits::MotionLab lab(app, history, samples);
#else
static kits_audio_scratch_t audioScratch;
static kits::SerialApp app("nano33ble", MODEL, {samples, modelInput, arena, sizeof(arena), &audioScratch, nullptr});
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
        return;  // the ERROR frame already told the host why the model cannot run
    }
#if defined(KITS_LAB_MOTION)
    if (!IMU.begin()) {
        app.log("IMU not found: check the board revision (Rev2 needs the nano33ble_rev2_motion env)");
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
#if defined(KITS_LAB_MOTION)
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

/*
 * The board-independent firmware application: it answers the host protocol
 * (PING -> HELLO, LOAD/RUN -> RESULT, STREAM), runs the model on buffered
 * samples, and reports results. A board supplies a byte writer, a clock and
 * static buffers; everything else here is shared by every board, the QEMU
 * image and the host simulator.
 */
#ifndef KITS_APP_H
#define KITS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "kits_features.h"
#include "kits_frame.h"
#include "kits_imu.h"
#include "kits_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    void (*write)(void *ctx, const uint8_t *data, size_t length);
    uint32_t (*micros)(void *ctx); /* may be NULL: latencies are then reported as 0 */
    void *ctx;
    const char *board;
    const kits_model_t *model;
    int16_t *samples;        /* model->input_samples * model->input_axes values */
    int8_t *input;           /* model->input_size values */
    int8_t *arena;
    size_t arena_bytes;
    kits_audio_scratch_t *audio_scratch; /* audio models only */
    int16_t *imu_storage;    /* IMU models only: input_samples * input_axes */
    /* state */
    kits_frame_decoder_t decoder;
    uint8_t tx_seq;
    uint8_t streaming;
    uint32_t frames_dropped;
} kits_app_t;

typedef struct {
    int32_t label_index;
    uint32_t latency_us;
    int8_t scores[32];
} kits_app_result_t;

/* Checks the model against the core (format version, arena) and says HELLO.
 * Returns KITS_MODEL_OK or the reason the model cannot run (also sent as ERROR). */
kits_model_status_t kits_app_start(kits_app_t *app);
void kits_app_send(kits_app_t *app, uint8_t type, const uint8_t *body, size_t length);
void kits_app_send_hello(kits_app_t *app);
void kits_app_log(kits_app_t *app, const char *text);
/* Feed received bytes; complete host requests are handled immediately. */
void kits_app_receive(kits_app_t *app, const uint8_t *data, size_t length);
/* Front end + model on raw samples (input_samples * input_axes int16 values);
 * sends a RESULT frame tagged with source and clip number. */
kits_model_status_t kits_app_classify(kits_app_t *app, const int16_t *samples, uint8_t source,
                                      uint16_t clip, kits_app_result_t *result);
/* Streams raw samples to the host when it asked for them (STREAM on). */
void kits_app_stream_samples(kits_app_t *app, uint8_t channels, const int16_t *samples, size_t count);

#ifdef __cplusplus
}
#endif
#endif

#include "board_main.h"

#include "kits_app.h"
#include "model_select.h"
#include "selftest_clips.h"

#define SAMPLE_VALUES (KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES)
/* Emulated sensors replay the self-test clips at the real sensors' rates. */
#if KITS_SELECTED_INPUT_KIND == KITS_INPUT_AUDIO
#define STREAM_RATE_HZ KITS_AUDIO_SAMPLE_RATE
#else
#define STREAM_RATE_HZ 50u
#endif

/* 32-bit aligned so the kernels may read activations word-wise on any port. */
static int8_t arena[KITS_SELECTED_ARENA_BYTES] __attribute__((aligned(4)));
static int8_t model_input[KITS_SELECTED_INPUT_SIZE] __attribute__((aligned(4)));
static int16_t samples[SAMPLE_VALUES];
/* Only the front end of the selected model gets its working memory. */
#if KITS_SELECTED_INPUT_KIND == KITS_INPUT_IMU
static int16_t imu_storage[SAMPLE_VALUES];
#define IMU_STORAGE imu_storage
#else
#define IMU_STORAGE 0
#endif
#if KITS_SELECTED_INPUT_KIND == KITS_INPUT_AUDIO
static kits_audio_scratch_t audio_scratch;
#define AUDIO_SCRATCH (&audio_scratch)
#else
#define AUDIO_SCRATCH 0
#endif
static kits_app_t app;

typedef struct {
    int active;
    uint32_t started_us;
    uint32_t sent;     /* sample instants (all axes) sent since streaming began */
    uint32_t position; /* next instant in the concatenated self-test clips */
} stream_state_t;

/* Sends the sample instants that are due since streaming began, as a sensor would. */
static void stream_due_samples(const kits_board_io_t *io, stream_state_t *s) {
    if (!app.streaming || KITS_SELFTEST_COUNT == 0) {
        s->active = 0;
        return;
    }
    uint32_t now = io->micros ? io->micros(io->ctx) : 0;
    if (!s->active) {
        s->active = 1;
        s->started_us = now;
        s->sent = 0;
    }
    uint32_t due = (uint32_t)(((uint64_t)(now - s->started_us) * STREAM_RATE_HZ) / 1000000u);
    const uint32_t per_clip = KITS_SELECTED_INPUT_SAMPLES;
    while (s->sent < due) {
        uint32_t clip = (s->position / per_clip) % KITS_SELFTEST_COUNT;
        uint32_t offset = s->position % per_clip;
        uint32_t n = due - s->sent;
        uint32_t left_in_clip = per_clip - offset;
        if (n > left_in_clip) n = left_in_clip;
        if (n > 64) n = 64;
        kits_app_stream_samples(&app, KITS_SELECTED_INPUT_AXES,
                                kits_selftest_clips[clip] + (size_t)offset * KITS_SELECTED_INPUT_AXES,
                                (size_t)n * KITS_SELECTED_INPUT_AXES);
        s->sent += n;
        s->position = (s->position + n) % (per_clip * KITS_SELFTEST_COUNT);
    }
}

int kits_board_main(const kits_board_io_t *io) {
    app.write = io->write;
    app.micros = io->micros;
    app.ctx = io->ctx;
    app.board = io->board;
    app.model = &KITS_SELECTED_MODEL;
    app.samples = samples;
    app.input = model_input;
    app.arena = arena;
    app.arena_bytes = sizeof(arena);
    app.audio_scratch = AUDIO_SCRATCH;
    app.imu_storage = IMU_STORAGE;
    if (kits_app_start(&app) != KITS_MODEL_OK) {
        return 1;
    }
    kits_app_log(&app, "self-test: classifying embedded clips");
    for (uint16_t clip = 0; clip < KITS_SELFTEST_COUNT; ++clip) {
        kits_app_result_t result;
        kits_app_classify(&app, kits_selftest_clips[clip], 0, clip, &result);
    }
    kits_app_log(&app, "self-test done; waiting for host requests");
    uint8_t buffer[64];
    stream_state_t stream = {0, 0, 0, 0};
    for (;;) {
        int n = io->read(io->ctx, buffer, sizeof(buffer));
        if (n < 0) {
            return 0;
        }
        if (n > 0) {
            kits_app_receive(&app, buffer, (size_t)n);
        }
        stream_due_samples(io, &stream);
        if (n == 0) {
            io->idle(io->ctx);
        }
    }
}

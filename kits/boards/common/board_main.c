#include "board_main.h"

#include "kits_app.h"
#include "model_select.h"
#include "selftest_clips.h"

#define SAMPLE_VALUES (KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES)

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
    for (;;) {
        int n = io->read(io->ctx, buffer, sizeof(buffer));
        if (n < 0) {
            return 0;
        }
        if (n == 0) {
            io->idle(io->ctx);
            continue;
        }
        kits_app_receive(&app, buffer, (size_t)n);
    }
}

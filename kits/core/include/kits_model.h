/*
 * A quantized model as the exporter writes it: a header identifying the
 * format version and the model, and a table of layers run in order on two
 * ping-pong activation buffers carved from one arena.
 */
#ifndef KITS_MODEL_H
#define KITS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kits_nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump when the layout of kits_model_t or kits_layer_t changes; exported
 * models record the version they were written for and are refused otherwise. */
#define KITS_MODEL_FORMAT_VERSION 1u
#define KITS_MODEL_MAGIC 0x4B49544Du /* "KITM" */

typedef enum {
    KITS_OP_CONV2D = 1,
    KITS_OP_DEPTHWISE_CONV2D = 2,
    KITS_OP_FULLY_CONNECTED = 3,
    KITS_OP_MAX_POOL = 4,
    KITS_OP_AVG_POOL = 5,
    KITS_OP_SOFTMAX = 6
} kits_op_t;

/* Input kinds are macros, not an enum, so firmware can size buffers with #if. */
#define KITS_INPUT_AUDIO 1 /* int16 audio at KITS_AUDIO_SAMPLE_RATE -> log-mel */
#define KITS_INPUT_IMU 2   /* int16 IMU samples -> windowed int8 */
#define KITS_INPUT_IMAGE 3 /* 8-bit grayscale pixels, centred: value - 128 */

typedef struct {
    uint8_t op;
    uint8_t depth_multiplier;
    kits_window_t window; /* for FC: in_c = in features, out_c = out features */
    kits_quant_t quant;
    const int8_t *weights;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
    const uint32_t *exp_lut; /* softmax only */
} kits_layer_t;

typedef struct {
    uint32_t magic;
    uint32_t format_version;
    uint32_t model_hash; /* CRC-32 of the exported weights and layer table */
    const char *name;
    uint8_t input_kind;
    uint32_t input_samples; /* raw samples the front end consumes */
    uint32_t input_axes;    /* IMU axes (1 for audio) */
    int32_t input_shift;    /* IMU: raw >> shift -> int8 */
    uint32_t input_size;    /* int8 elements of the first layer's input */
    uint32_t n_classes;
    const char *const *labels;
    uint32_t n_layers;
    const kits_layer_t *layers;
    uint32_t arena_bytes;   /* both ping-pong buffers */
} kits_model_t;

typedef enum {
    KITS_MODEL_OK = 0,
    KITS_MODEL_BAD_MAGIC = -1,
    KITS_MODEL_BAD_VERSION = -2,
    KITS_MODEL_ARENA_TOO_SMALL = -3,
    KITS_MODEL_BAD_LAYER = -4
} kits_model_status_t;

kits_model_status_t kits_model_check(const kits_model_t *model, size_t arena_bytes);
const char *kits_model_status_text(kits_model_status_t status);
/* Runs every layer; on success the int8 class scores (softmax output when the
 * last layer is a softmax) are copied to scores[n_classes]. */
kits_model_status_t kits_model_run(const kits_model_t *model, const int8_t *input,
                                   int8_t *arena, size_t arena_bytes, int8_t *scores);
int32_t kits_argmax_s8(const int8_t *values, int32_t length);

#ifdef __cplusplus
}
#endif
#endif

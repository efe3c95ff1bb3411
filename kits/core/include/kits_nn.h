/*
 * INT8 neural-network kernels, portable C99, no board headers.
 *
 * Quantization follows the TFLite int8 scheme that CMSIS-NN implements:
 *   real = scale * (q - zero_point)
 *   activations: int8, asymmetric (any zero point)
 *   weights:     int8, symmetric per output channel (zero point 0)
 *   bias:        int32 with scale input_scale * weight_scale[c] and zero point 0
 * Each output channel is rescaled by a Q31 multiplier and a power-of-two shift
 * (shift > 0 is a left shift), exactly as in CMSIS-NN's arm_nn_requantize.
 *
 * Tensors are NHWC with batch 1. Convolution weights are [out_c][kh][kw][in_c];
 * depthwise weights are [kh][kw][in_c * depth_multiplier]; fully connected
 * weights are [out][in].
 */
#ifndef KITS_NN_H
#define KITS_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Offsets as CMSIS-NN passes them: input_offset = -input_zero_point. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
} kits_quant_t;

typedef struct {
    const int32_t *multiplier; /* one Q31 multiplier per output channel */
    const int32_t *shift;      /* one shift per output channel */
} kits_requant_t;

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left; /* bottom/right padding follows from the output size */
} kits_window_t;

int32_t kits_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t kits_rounding_divide_by_pot(int32_t x, int32_t exponent);
int32_t kits_requantize(int32_t acc, int32_t multiplier, int32_t shift);

void kits_fully_connected_s8(const int8_t *input, int32_t in_features,
                             const int8_t *weights, const int32_t *bias,
                             int32_t out_features, kits_requant_t requant,
                             kits_quant_t quant, int8_t *output);

void kits_conv2d_s8(const int8_t *input, const kits_window_t *win,
                    const int8_t *weights, const int32_t *bias,
                    kits_requant_t requant, kits_quant_t quant, int8_t *output);

/* win->out_c must equal win->in_c * depth_multiplier. */
void kits_depthwise_conv2d_s8(const int8_t *input, const kits_window_t *win,
                              int32_t depth_multiplier, const int8_t *weights,
                              const int32_t *bias, kits_requant_t requant,
                              kits_quant_t quant, int8_t *output);

/* Pooling keeps the quantization of its input (TFLite requires equal scales);
 * win->out_c must equal win->in_c. Average pooling divides by the number of
 * window elements inside the input and rounds half away from zero. */
void kits_max_pool_s8(const int8_t *input, const kits_window_t *win,
                      int32_t act_min, int32_t act_max, int8_t *output);
void kits_avg_pool_s8(const int8_t *input, const kits_window_t *win,
                      int32_t act_min, int32_t act_max, int8_t *output);

/* Softmax with TFLite's fixed int8 output quantization (scale 1/256, zero
 * point -128). exp_lut[d] holds exp(-d * input_scale) in Q16 for d = 0..255,
 * precomputed by the exporter, so the kernel itself is integer-only. */
void kits_softmax_s8(const int8_t *input, int32_t length, const uint32_t *exp_lut,
                     int8_t *output);

#ifdef __cplusplus
}
#endif
#endif

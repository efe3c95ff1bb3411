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

/*
 * Kernel selection, fixed at build time by KITS_NN_DSP:
 *   1  fully connected, convolution and depthwise use the Armv7E-M DSP extension
 *      (SXTB16/SXTAB16/SMLAD, as CMSIS-NN does): Cortex-M4, M7, M33/M55 with DSP.
 *   0  the portable C kernels (ESP32-S3's Xtensa, RISC-V, the host).
 * Default: 1 where the compiler reports the extension (__ARM_FEATURE_DSP), else 0.
 * Both variants are always compiled (kits_*_portable, kits_*_dsp) so either can be
 * tested; on a target without the extension the DSP variant runs C equivalents of the
 * instructions. The unused variant is dropped by the linker (--gc-sections).
 * The two give bit-identical outputs.
 */
#ifndef KITS_NN_DSP
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define KITS_NN_DSP 1
#else
#define KITS_NN_DSP 0
#endif
#endif

/* The DSP convolution gathers one output pixel's receptive field (kernel_h * kernel_w *
 * in_c values) into a static int16 buffer of this many elements (2 bytes each); larger
 * kernels fall back to the portable convolution. A convolution whose split weights
 * (out_c * kernel_h * kernel_w * in_c values, 2 bytes each), a 12-byte table per output
 * channel and a band of kernel_h input rows ((out_w - 1) * stride_w + kernel_w pixels of
 * in_c values, 2 bytes each) fit the same buffer takes a faster path. The DSP depthwise kernel
 * shares the buffer: 64 bytes of a four-channel group's parameters, 8 bytes per tap of its
 * weights, plus 8 bytes per pixel of a ring of kernel_h input rows; rows too wide for it are
 * read tap by tap instead, and a kernel too large for it falls back to the portable kernel. */
#ifndef KITS_NN_DSP_PATCH_MAX
#define KITS_NN_DSP_PATCH_MAX 576
#endif

/* 1 when this build selected the DSP kernels (what KITS_NN_DSP was when kits_nn.c was compiled). */
int kits_nn_uses_dsp(void);

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

void kits_fully_connected_s8_portable(const int8_t *input, int32_t in_features,
                                      const int8_t *weights, const int32_t *bias,
                                      int32_t out_features, kits_requant_t requant,
                                      kits_quant_t quant, int8_t *output);
void kits_conv2d_s8_portable(const int8_t *input, const kits_window_t *win,
                             const int8_t *weights, const int32_t *bias,
                             kits_requant_t requant, kits_quant_t quant, int8_t *output);
void kits_depthwise_conv2d_s8_portable(const int8_t *input, const kits_window_t *win,
                                       int32_t depth_multiplier, const int8_t *weights,
                                       const int32_t *bias, kits_requant_t requant,
                                       kits_quant_t quant, int8_t *output);
void kits_fully_connected_s8_dsp(const int8_t *input, int32_t in_features,
                                 const int8_t *weights, const int32_t *bias,
                                 int32_t out_features, kits_requant_t requant,
                                 kits_quant_t quant, int8_t *output);
/* Not reentrant (conv2d and depthwise): they use the static buffer of KITS_NN_DSP_PATCH_MAX. */
void kits_conv2d_s8_dsp(const int8_t *input, const kits_window_t *win,
                        const int8_t *weights, const int32_t *bias,
                        kits_requant_t requant, kits_quant_t quant, int8_t *output);
void kits_depthwise_conv2d_s8_dsp(const int8_t *input, const kits_window_t *win,
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

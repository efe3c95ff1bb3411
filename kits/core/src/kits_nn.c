#include "kits_nn.h"
#include "kits_nn_internal.h"


int kits_nn_uses_dsp(void) { return KITS_NN_DSP; }

int32_t kits_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
    return kits_srdhm(a, b);
}

int32_t kits_rounding_divide_by_pot(int32_t x, int32_t exponent) {
    return kits_rdbpot(x, exponent);
}

int32_t kits_requantize(int32_t acc, int32_t multiplier, int32_t shift) {
    return kits_requantize_inline(acc, multiplier, shift);
}

void kits_fully_connected_s8_portable(const int8_t *input, int32_t in_features,
                                      const int8_t *weights, const int32_t *bias,
                                      int32_t out_features, kits_requant_t requant,
                                      kits_quant_t quant, int8_t *output) {
    for (int32_t o = 0; o < out_features; ++o) {
        const int8_t *row = weights + (size_t)o * (size_t)in_features;
        int32_t acc = bias ? bias[o] : 0;
        for (int32_t i = 0; i < in_features; ++i) {
            acc += ((int32_t)input[i] + quant.input_offset) * (int32_t)row[i];
        }
        output[o] = kits_nn_finish(acc, requant, o, quant);
    }
}

void kits_conv2d_s8_portable(const int8_t *input, const kits_window_t *w,
                             const int8_t *weights, const int32_t *bias,
                             kits_requant_t requant, kits_quant_t quant, int8_t *output) {
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * w->out_c;
            for (int32_t oc = 0; oc < w->out_c; ++oc) {
                int32_t acc = bias ? bias[oc] : 0;
                const int8_t *filt = weights + (size_t)oc * w->kernel_h * w->kernel_w * w->in_c;
                for (int32_t ky = 0; ky < w->kernel_h; ++ky) {
                    int32_t iy = oy * w->stride_h - w->pad_top + ky;
                    if (iy < 0 || iy >= w->in_h) continue;
                    for (int32_t kx = 0; kx < w->kernel_w; ++kx) {
                        int32_t ix = ox * w->stride_w - w->pad_left + kx;
                        if (ix < 0 || ix >= w->in_w) continue;
                        const int8_t *in_px = input + ((size_t)iy * w->in_w + ix) * w->in_c;
                        const int8_t *f = filt + ((size_t)ky * w->kernel_w + kx) * w->in_c;
                        for (int32_t ic = 0; ic < w->in_c; ++ic) {
                            acc += ((int32_t)in_px[ic] + quant.input_offset) * (int32_t)f[ic];
                        }
                    }
                }
                out_px[oc] = kits_nn_finish(acc, requant, oc, quant);
            }
        }
    }
}

void kits_depthwise_conv2d_s8_portable(const int8_t *input, const kits_window_t *w,
                                       int32_t depth_multiplier, const int8_t *weights,
                                       const int32_t *bias, kits_requant_t requant,
                                       kits_quant_t quant, int8_t *output) {
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * w->out_c;
            for (int32_t ic = 0; ic < w->in_c; ++ic) {
                for (int32_t m = 0; m < depth_multiplier; ++m) {
                    int32_t oc = ic * depth_multiplier + m;
                    int32_t acc = bias ? bias[oc] : 0;
                    for (int32_t ky = 0; ky < w->kernel_h; ++ky) {
                        int32_t iy = oy * w->stride_h - w->pad_top + ky;
                        if (iy < 0 || iy >= w->in_h) continue;
                        for (int32_t kx = 0; kx < w->kernel_w; ++kx) {
                            int32_t ix = ox * w->stride_w - w->pad_left + kx;
                            if (ix < 0 || ix >= w->in_w) continue;
                            int32_t x = input[((size_t)iy * w->in_w + ix) * w->in_c + ic];
                            int32_t f = weights[((size_t)ky * w->kernel_w + kx) * w->out_c + oc];
                            acc += (x + quant.input_offset) * f;
                        }
                    }
                    out_px[oc] = kits_nn_finish(acc, requant, oc, quant);
                }
            }
        }
    }
}

/* The build-time choice (KITS_NN_DSP in kits_nn.h). */
#if KITS_NN_DSP
#define KITS_NN_VARIANT(name) name##_dsp
#else
#define KITS_NN_VARIANT(name) name##_portable
#endif

void kits_fully_connected_s8(const int8_t *input, int32_t in_features,
                             const int8_t *weights, const int32_t *bias,
                             int32_t out_features, kits_requant_t requant,
                             kits_quant_t quant, int8_t *output) {
    KITS_NN_VARIANT(kits_fully_connected_s8)(input, in_features, weights, bias, out_features,
                                             requant, quant, output);
}

void kits_conv2d_s8(const int8_t *input, const kits_window_t *w,
                    const int8_t *weights, const int32_t *bias,
                    kits_requant_t requant, kits_quant_t quant, int8_t *output) {
    KITS_NN_VARIANT(kits_conv2d_s8)(input, w, weights, bias, requant, quant, output);
}

void kits_depthwise_conv2d_s8(const int8_t *input, const kits_window_t *w,
                              int32_t depth_multiplier, const int8_t *weights,
                              const int32_t *bias, kits_requant_t requant,
                              kits_quant_t quant, int8_t *output) {
    KITS_NN_VARIANT(kits_depthwise_conv2d_s8)(input, w, depth_multiplier, weights, bias,
                                              requant, quant, output);
}

static void pool_s8(const int8_t *input, const kits_window_t *w, int32_t act_min,
                    int32_t act_max, int8_t *output, int use_max) {
    const size_t row_stride = (size_t)w->in_w * (size_t)w->in_c;
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        /* the window's rows and columns inside the input, found once per output pixel rather
         * than per channel and tap */
        const int32_t y0 = oy * w->stride_h - w->pad_top;
        const int32_t ky_lo = y0 < 0 ? -y0 : 0;
        const int32_t ky_hi = w->in_h - y0 < w->kernel_h ? w->in_h - y0 : w->kernel_h;
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            const int32_t x0 = ox * w->stride_w - w->pad_left;
            const int32_t kx_lo = x0 < 0 ? -x0 : 0;
            const int32_t kx_hi = w->in_w - x0 < w->kernel_w ? w->in_w - x0 : w->kernel_w;
            const int32_t count = (ky_hi > ky_lo && kx_hi > kx_lo) ? (ky_hi - ky_lo) * (kx_hi - kx_lo) : 0;
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * w->out_c;
            for (int32_t c = 0; c < w->in_c; ++c) {
                int32_t v = 0;
                if (count > 0) {
                    const int8_t *first = input + (size_t)(y0 + ky_lo) * row_stride + (size_t)(x0 + kx_lo) * w->in_c + c;
                    int32_t acc = use_max ? INT32_MIN : 0;
                    for (int32_t ky = ky_lo; ky < ky_hi; ++ky, first += row_stride) {
                        const int8_t *x = first;
                        for (int32_t kx = kx_lo; kx < kx_hi; ++kx, x += w->in_c) {
                            if (use_max) {
                                acc = *x > acc ? *x : acc;
                            } else {
                                acc += *x;
                            }
                        }
                    }
                    if (use_max) {
                        v = acc;
                    } else {
                        v = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                }
                out_px[c] = (int8_t)kits_clamp_i32(v, act_min, act_max);
            }
        }
    }
}

void kits_max_pool_s8(const int8_t *input, const kits_window_t *w,
                      int32_t act_min, int32_t act_max, int8_t *output) {
    pool_s8(input, w, act_min, act_max, output, 1);
}

void kits_avg_pool_s8(const int8_t *input, const kits_window_t *w,
                      int32_t act_min, int32_t act_max, int8_t *output) {
    pool_s8(input, w, act_min, act_max, output, 0);
}

void kits_softmax_s8(const int8_t *input, int32_t length, const uint32_t *exp_lut,
                     int8_t *output) {
    int32_t max_value = -128;
    for (int32_t i = 0; i < length; ++i) {
        if (input[i] > max_value) max_value = input[i];
    }
    uint64_t sum = 0;
    for (int32_t i = 0; i < length; ++i) {
        sum += exp_lut[max_value - input[i]];
    }
    for (int32_t i = 0; i < length; ++i) {
        uint64_t numerator = (uint64_t)exp_lut[max_value - input[i]] * 256u;
        int32_t p = (int32_t)((numerator + sum / 2u) / sum);
        output[i] = (int8_t)kits_clamp_i32(p - 128, -128, 127);
    }
}

/*
 * INT8 fully connected, convolution and depthwise kernels that use the Armv7E-M DSP
 * extension the way CMSIS-NN does: four int8 values are loaded as one word, split into
 * two pairs of 16-bit lanes (SXTB16, with the input offset added by SXTAB16), and two
 * multiply-accumulates happen per SMLAD. The results are bit-identical to the portable
 * kernels in kits_nn.c: integer addition is associative, every product and partial sum
 * is exact in 32 bits, and the requantization is the same function.
 *
 * Lane order: sxtb16 of bytes [b0 b1 b2 b3] gives the pair (b0, b2) and the ror-8 form
 * gives (b1, b3); both operands are split the same way, so SMLAD pairs matching indices.
 */
#include "kits_dsp.h"
#include "kits_nn_internal.h"

static inline uint32_t read_u32(const int16_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void write_u32(int16_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }

void kits_fully_connected_s8_dsp(const int8_t *input, int32_t in_features,
                                 const int8_t *weights, const int32_t *bias,
                                 int32_t out_features, kits_requant_t requant,
                                 kits_quant_t quant, int8_t *output) {
    const uint32_t offset2 = kits_pack16(quant.input_offset, quant.input_offset);
    const int32_t in4 = in_features & ~3;
    int32_t o = 0;
    /* Two output rows at a time share each input word. */
    for (; o + 1 < out_features; o += 2) {
        const int8_t *row0 = weights + (size_t)o * (size_t)in_features;
        const int8_t *row1 = row0 + in_features;
        int32_t acc0 = bias ? bias[o] : 0;
        int32_t acc1 = bias ? bias[o + 1] : 0;
        int32_t i = 0;
        for (; i < in4; i += 4) {
            uint32_t x = kits_read_s8x4(input + i);
            uint32_t x02 = kits_sxtab16(offset2, x);
            uint32_t x13 = kits_sxtab16_ror8(offset2, x);
            uint32_t w = kits_read_s8x4(row0 + i);
            acc0 = kits_smlad(x02, kits_sxtb16(w), acc0);
            acc0 = kits_smlad(x13, kits_sxtb16_ror8(w), acc0);
            w = kits_read_s8x4(row1 + i);
            acc1 = kits_smlad(x02, kits_sxtb16(w), acc1);
            acc1 = kits_smlad(x13, kits_sxtb16_ror8(w), acc1);
        }
        for (; i < in_features; ++i) {
            int32_t x = (int32_t)input[i] + quant.input_offset;
            acc0 += x * row0[i];
            acc1 += x * row1[i];
        }
        output[o] = kits_nn_finish(acc0, requant, o, quant);
        output[o + 1] = kits_nn_finish(acc1, requant, o + 1, quant);
    }
    if (o < out_features) {
        const int8_t *row = weights + (size_t)o * (size_t)in_features;
        int32_t acc = bias ? bias[o] : 0;
        int32_t i = 0;
        for (; i < in4; i += 4) {
            uint32_t x = kits_read_s8x4(input + i);
            uint32_t w = kits_read_s8x4(row + i);
            acc = kits_smlad(kits_sxtab16(offset2, x), kits_sxtb16(w), acc);
            acc = kits_smlad(kits_sxtab16_ror8(offset2, x), kits_sxtb16_ror8(w), acc);
        }
        for (; i < in_features; ++i) {
            acc += ((int32_t)input[i] + quant.input_offset) * row[i];
        }
        output[o] = kits_nn_finish(acc, requant, o, quant);
    }
}

/* The receptive field of one output pixel as 16-bit (input + offset) values, im2col
 * style, so it is built once and reused by every output channel. Padding taps hold 0,
 * which is what the input zero point contributes. Within each group of four the values
 * are stored in lane order (k0, k2, k1, k3), matching how sxtb16 splits a weight word. */
static int16_t patch[KITS_NN_DSP_PATCH_MAX + 4] __attribute__((aligned(4)));

static void fill_patch(const int8_t *input, const kits_window_t *w, int32_t oy, int32_t ox,
                       int32_t input_offset, int32_t k4) {
    const uint32_t offset2 = kits_pack16(input_offset, input_offset);
    const int word_copies = (w->in_c & 3) == 0;
    int32_t k = 0;
    for (int32_t ky = 0; ky < w->kernel_h; ++ky) {
        int32_t iy = oy * w->stride_h - w->pad_top + ky;
        for (int32_t kx = 0; kx < w->kernel_w; ++kx) {
            int32_t ix = ox * w->stride_w - w->pad_left + kx;
            const int inside = iy >= 0 && iy < w->in_h && ix >= 0 && ix < w->in_w;
            const int8_t *px = inside ? input + ((size_t)iy * w->in_w + ix) * w->in_c : 0;
            if (word_copies) { /* k stays a multiple of four: one word in, two lane-ordered words out */
                if (!inside) {
                    memset(patch + k, 0, (size_t)w->in_c * sizeof patch[0]);
                    k += w->in_c;
                    continue;
                }
                for (int32_t c = 0; c < w->in_c; c += 4, k += 4) {
                    uint32_t x = kits_read_s8x4(px + c);
                    write_u32(patch + k, kits_sxtab16(offset2, x));
                    write_u32(patch + k + 2, kits_sxtab16_ror8(offset2, x));
                }
            } else {
                /* A group of four can straddle two taps, so padding zeros go to their
                 * lane-ordered slots too. */
                for (int32_t c = 0; c < w->in_c; ++c, ++k) {
                    /* positions 1 and 2 of each full group of four swap places */
                    int32_t slot = (k < k4 && ((k & 3) == 1 || (k & 3) == 2)) ? (k ^ 3) : k;
                    patch[slot] = inside ? (int16_t)(px[c] + input_offset) : 0;
                }
            }
        }
    }
}

static int32_t dot_patch(const int8_t *filter, int32_t k_total, int32_t k4, int32_t acc) {
    int32_t k = 0;
    for (; k < k4; k += 4) {
        uint32_t w = kits_read_s8x4(filter + k);
        acc = kits_smlad(read_u32(patch + k), kits_sxtb16(w), acc);
        acc = kits_smlad(read_u32(patch + k + 2), kits_sxtb16_ror8(w), acc);
    }
    for (; k < k_total; ++k) {
        acc += patch[k] * filter[k];
    }
    return acc;
}

void kits_conv2d_s8_dsp(const int8_t *input, const kits_window_t *w,
                        const int8_t *weights, const int32_t *bias,
                        kits_requant_t requant, kits_quant_t quant, int8_t *output) {
    const int32_t k_total = w->kernel_h * w->kernel_w * w->in_c;
    if (k_total > KITS_NN_DSP_PATCH_MAX) {
        kits_conv2d_s8_portable(input, w, weights, bias, requant, quant, output);
        return;
    }
    const int32_t k4 = k_total & ~3;
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * w->out_c;
            fill_patch(input, w, oy, ox, quant.input_offset, k4);
            int32_t oc = 0;
            /* Two output channels at a time share each patch word. */
            for (; oc + 1 < w->out_c; oc += 2) {
                const int8_t *f0 = weights + (size_t)oc * k_total;
                const int8_t *f1 = f0 + k_total;
                int32_t acc0 = bias ? bias[oc] : 0;
                int32_t acc1 = bias ? bias[oc + 1] : 0;
                int32_t k = 0;
                for (; k < k4; k += 4) {
                    uint32_t p02 = read_u32(patch + k);
                    uint32_t p13 = read_u32(patch + k + 2);
                    uint32_t w0 = kits_read_s8x4(f0 + k);
                    uint32_t w1 = kits_read_s8x4(f1 + k);
                    acc0 = kits_smlad(p02, kits_sxtb16(w0), acc0);
                    acc0 = kits_smlad(p13, kits_sxtb16_ror8(w0), acc0);
                    acc1 = kits_smlad(p02, kits_sxtb16(w1), acc1);
                    acc1 = kits_smlad(p13, kits_sxtb16_ror8(w1), acc1);
                }
                for (; k < k_total; ++k) {
                    acc0 += patch[k] * f0[k];
                    acc1 += patch[k] * f1[k];
                }
                out_px[oc] = kits_nn_finish(acc0, requant, oc, quant);
                out_px[oc + 1] = kits_nn_finish(acc1, requant, oc + 1, quant);
            }
            if (oc < w->out_c) {
                int32_t acc = dot_patch(weights + (size_t)oc * k_total, k_total, k4, bias ? bias[oc] : 0);
                out_px[oc] = kits_nn_finish(acc, requant, oc, quant);
            }
        }
    }
}

void kits_depthwise_conv2d_s8_dsp(const int8_t *input, const kits_window_t *w,
                                  int32_t depth_multiplier, const int8_t *weights,
                                  const int32_t *bias, kits_requant_t requant,
                                  kits_quant_t quant, int8_t *output) {
    if (depth_multiplier != 1) { /* as in CMSIS-NN, the fast path is for multiplier 1 */
        kits_depthwise_conv2d_s8_portable(input, w, depth_multiplier, weights, bias, requant, quant, output);
        return;
    }
    const uint32_t offset2 = kits_pack16(quant.input_offset, quant.input_offset);
    const int32_t channels = w->in_c;
    const int32_t c4 = channels & ~3;
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        const int32_t y0 = oy * w->stride_h - w->pad_top;
        const int32_t ky_lo = y0 < 0 ? -y0 : 0;
        const int32_t ky_hi = (w->in_h - y0) < w->kernel_h ? (w->in_h - y0) : w->kernel_h;
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            const int32_t x0 = ox * w->stride_w - w->pad_left;
            const int32_t kx_lo = x0 < 0 ? -x0 : 0;
            const int32_t kx_hi = (w->in_w - x0) < w->kernel_w ? (w->in_w - x0) : w->kernel_w;
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * channels;
            /* Four channels at a time: one word of input and one of weights per tap,
             * each lane multiplied on its own (SMLABB / SMLATT). */
            for (int32_t c = 0; c < c4; c += 4) {
                int32_t acc0 = bias ? bias[c] : 0, acc1 = bias ? bias[c + 1] : 0;
                int32_t acc2 = bias ? bias[c + 2] : 0, acc3 = bias ? bias[c + 3] : 0;
                for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
                    /* first tap inside the input; indices never point before the arrays */
                    const int8_t *in_tap = input + ((size_t)(y0 + ky) * w->in_w + (size_t)(x0 + kx_lo)) * channels + c;
                    const int8_t *w_tap = weights + ((size_t)ky * w->kernel_w + (size_t)kx_lo) * channels + c;
                    for (int32_t kx = kx_lo; kx < kx_hi; ++kx, in_tap += channels, w_tap += channels) {
                        uint32_t x = kits_read_s8x4(in_tap);
                        uint32_t f = kits_read_s8x4(w_tap);
                        uint32_t x02 = kits_sxtab16(offset2, x), x13 = kits_sxtab16_ror8(offset2, x);
                        uint32_t f02 = kits_sxtb16(f), f13 = kits_sxtb16_ror8(f);
                        acc0 = kits_smlabb(x02, f02, acc0);
                        acc2 = kits_smlatt(x02, f02, acc2);
                        acc1 = kits_smlabb(x13, f13, acc1);
                        acc3 = kits_smlatt(x13, f13, acc3);
                    }
                }
                out_px[c] = kits_nn_finish(acc0, requant, c, quant);
                out_px[c + 1] = kits_nn_finish(acc1, requant, c + 1, quant);
                out_px[c + 2] = kits_nn_finish(acc2, requant, c + 2, quant);
                out_px[c + 3] = kits_nn_finish(acc3, requant, c + 3, quant);
            }
            for (int32_t c = c4; c < channels; ++c) {
                int32_t acc = bias ? bias[c] : 0;
                for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
                    for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
                        int32_t x = input[((size_t)(y0 + ky) * w->in_w + (size_t)(x0 + kx)) * channels + c];
                        acc += (x + quant.input_offset) * weights[((size_t)ky * w->kernel_w + (size_t)kx) * channels + c];
                    }
                }
                out_px[c] = kits_nn_finish(acc, requant, c, quant);
            }
        }
    }
}

/*
 * INT8 fully connected, convolution and depthwise kernels that use the Armv7E-M DSP
 * extension the way CMSIS-NN does: four int8 values are loaded as one word, split into
 * two pairs of 16-bit lanes (SXTB16, with the input offset added by SXTAB16), and two
 * multiply-accumulates happen per SMLAD. The results are bit-identical to the portable
 * kernels in kits_nn.c: integer addition is associative, every product and partial sum
 * is exact in 32 bits, and the requantization is a shorter sequence proven equal below for
 * right shifts (every exported layer); a layer with any other shift runs the portable kernel.
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

/* Requantization, as kits_nn_finish computes it, for a right shift (e = -shift in 1..31),
 * a multiplier other than INT32_MIN and |acc| < 2^30, in about a third of the instructions.
 * The doubling high multiply x = (acc * multiplier + 2^30) >> 31 is SMMULR(2 * acc,
 * multiplier) (numerator and denominator doubled; 2 * acc fits in 32 bits), and
 * RoundingDivideByPOT(x, e) = floor((x + 2^(e-1) - [x < 0]) / 2^e) is
 *   ((y >> (e - 1)) + 1) >> 1,  y = x - [x < 0],
 * because floor(floor(a / 2^(e-1)) / 2) = floor(a / 2^e). shift_m1 is e - 1 = ~shift.
 * The output offset joins before the last halving: floor((a + 1 + 2 * offset) / 2) =
 * floor((a + 1) / 2) + offset, so this returns t = (y >> (e - 1)) + round_offset with
 * round_offset = 1 + 2 * output_offset (once per layer) and the int8 output is t >> 1 clamped;
 * the halving rides on the saturation (SSAT's ASR #1) in the full-range form. |a| < 2^29 and
 * |2 * offset| < 2^29 (requant_form), so nothing overflows.
 * acc_x2 is 2 * acc: the caller doubles the accumulator, or accumulates with doubled weights and
 * bias (exact: every partial sum stays below 2^30 in magnitude, see requant_form), which saves
 * the doubling per output. */
static inline int32_t requantize_right_doubled(int32_t acc_x2, int32_t multiplier, int32_t shift_m1,
                                               int32_t round_offset) {
    int32_t x = kits_smmulr(acc_x2, multiplier);
    x += x >> 31;
    return (x >> shift_m1) + round_offset;
}

/* What a layer's requantization allows (requant_form):
 *   REQUANT_RIGHT       requantize_right_doubled, halve, clamp to [act_min, act_max];
 *   REQUANT_RIGHT_FULL  the same with the full int8 activation range: one halving saturate (SSAT);
 *   REQUANT_PORTABLE    neither (a left or zero shift, a multiplier of INT32_MIN, a bias near
 *                       2^30): the layer runs the portable kernel, which handles any values.
 * Every layer the kits and TFLite exporters write takes one of the right-shift forms. The
 * form is a constant at each call site, so each DSP kernel is compiled once per form. */
enum { REQUANT_PORTABLE, REQUANT_RIGHT, REQUANT_RIGHT_FULL };

/* macs: multiply-accumulates per output. |acc| is at most max|bias| + macs * (128 +
 * |input_offset|) * 128 (int8 inputs and weights), which must stay below 2^30; then the
 * requantized value is below 2^29 in magnitude, so adding twice an output offset below 2^28
 * in magnitude (requantize_right_doubled) cannot overflow. */
static int requant_form(kits_requant_t rq, int32_t channels, kits_quant_t q, const int32_t *bias, int32_t macs) {
    /* 32-bit work per channel (this runs on every call, so it counts on tiny layers) */
    for (int32_t c = 0; c < channels; ++c) {
        if ((uint32_t)(-1 - rq.shift[c]) > 30u || rq.multiplier[c] == INT32_MIN) { /* shift not in -31..-1 */
            return REQUANT_PORTABLE;
        }
    }
    uint32_t bias_max = 0; /* the largest |bias| (2^31 for INT32_MIN, as an unsigned value) */
    for (int32_t c = 0; bias && c < channels; ++c) {
        const uint32_t magnitude = bias[c] < 0 ? 0u - (uint32_t)bias[c] : (uint32_t)bias[c];
        bias_max = magnitude > bias_max ? magnitude : bias_max;
    }
    int64_t in_max = 128 + (q.input_offset < 0 ? -(int64_t)q.input_offset : q.input_offset);
    int64_t out_offset = q.output_offset < 0 ? -(int64_t)q.output_offset : q.output_offset;
    if ((int64_t)bias_max + (int64_t)macs * in_max * 128 >= (INT64_C(1) << 30) || out_offset >= (INT64_C(1) << 28)) {
        return REQUANT_PORTABLE;
    }
    return q.act_min == -128 && q.act_max == 127 ? REQUANT_RIGHT_FULL : REQUANT_RIGHT;
}

/* acc_x2: twice the accumulator; round_offset: 1 + 2 * q.output_offset (requantize_right_doubled). */
static inline __attribute__((always_inline)) int8_t finish_doubled(int32_t acc_x2, int32_t multiplier, int32_t shift_m1,
                                                                   int32_t round_offset, kits_quant_t q, int form) {
    int32_t t = requantize_right_doubled(acc_x2, multiplier, shift_m1, round_offset);
    return (int8_t)(form == REQUANT_RIGHT_FULL ? kits_ssat8_asr1(t) : kits_clamp_i32(t >> 1, q.act_min, q.act_max));
}

static inline __attribute__((always_inline)) int8_t finish_with(int32_t acc, int32_t multiplier, int32_t shift_m1,
                                                                kits_quant_t q, int form) {
    return finish_doubled(acc * 2, multiplier, shift_m1, 1 + 2 * q.output_offset, q, form);
}

static inline __attribute__((always_inline)) int8_t finish(int32_t acc, kits_requant_t rq, int32_t c,
                                                           kits_quant_t q, int form) {
    return finish_with(acc, rq.multiplier[c], ~rq.shift[c], q, form);
}

static inline __attribute__((always_inline)) void fully_connected_body(
    const int8_t *input, int32_t in_features, const int8_t *weights, const int32_t *bias,
    int32_t out_features, kits_requant_t requant, kits_quant_t quant, int8_t *output, int form) {
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
        output[o] = finish(acc0, requant, o, quant, form);
        output[o + 1] = finish(acc1, requant, o + 1, quant, form);
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
        output[o] = finish(acc, requant, o, quant, form);
    }
}

void kits_fully_connected_s8_dsp(const int8_t *input, int32_t in_features,
                                 const int8_t *weights, const int32_t *bias,
                                 int32_t out_features, kits_requant_t requant,
                                 kits_quant_t quant, int8_t *output) {
    const int form = requant_form(requant, out_features, quant, bias, in_features);
    if (form == REQUANT_RIGHT_FULL) {
        fully_connected_body(input, in_features, weights, bias, out_features, requant, quant, output, REQUANT_RIGHT_FULL);
    } else if (form == REQUANT_RIGHT) {
        fully_connected_body(input, in_features, weights, bias, out_features, requant, quant, output, REQUANT_RIGHT);
    } else {
        kits_fully_connected_s8_portable(input, in_features, weights, bias, out_features, requant, quant, output);
    }
}

/* Scratch for the convolution (one output pixel's receptive field) and the depthwise
 * convolution (one channel group's weights); neither kernel is reentrant. */
static union {
    int16_t patch[KITS_NN_DSP_PATCH_MAX + 4];
    uint32_t words[(KITS_NN_DSP_PATCH_MAX + 4) / 2]; /* small convolutions: patch, then split weights */
    uint64_t pairs[(KITS_NN_DSP_PATCH_MAX + 4) / 4]; /* depthwise: two words of lanes each */
} scratch;

/* The receptive field of one output pixel as 16-bit (input + offset) values, im2col
 * style, so it is built once and reused by every output channel. Padding taps hold 0,
 * which is what the input zero point contributes. Within each group of four the values
 * are stored in lane order (k0, k2, k1, k3), matching how sxtb16 splits a weight word.
 * The taps of one kernel row that fall inside the input are consecutive pixels, so each
 * row is one contiguous run of input bytes. */
static void fill_patch(int16_t *patch, const int8_t *input, const kits_window_t *w, int32_t oy, int32_t ox,
                       int32_t input_offset, int32_t k4) {
    const int32_t in_c = w->in_c, in_w = w->in_w, kernel_w = w->kernel_w;
    const int32_t x0 = ox * w->stride_w - w->pad_left;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = (in_w - x0) < kernel_w ? (in_w - x0) : kernel_w;
    const int32_t row_len = kernel_w * in_c;
    const int32_t run_lo = kx_lo * in_c; /* the inside part of each kernel row: [run_lo, run_hi) */
    const int32_t run_hi = kx_hi > kx_lo ? kx_hi * in_c : run_lo;
    int16_t *row = patch;
    for (int32_t ky = 0; ky < w->kernel_h; ++ky, row += row_len) {
        const int32_t iy = oy * w->stride_h - w->pad_top + ky;
        if (iy < 0 || iy >= w->in_h || run_lo == run_hi) {
            memset(row, 0, (size_t)row_len * sizeof row[0]);
            continue;
        }
        const int8_t *src = input + ((size_t)iy * in_w + (size_t)(x0 + kx_lo)) * in_c;
        if (run_lo > 0) { /* left padding */
            memset(row, 0, (size_t)run_lo * sizeof row[0]);
        }
        if ((in_c & 3) == 0) { /* every run and row starts on a group of four: write lane order directly */
            const uint32_t offset2 = kits_pack16(input_offset, input_offset);
            for (int32_t k = run_lo; k < run_hi; k += 4, src += 4) {
                uint32_t x = kits_read_s8x4(src);
                write_u32(row + k, kits_sxtab16(offset2, x));
                write_u32(row + k + 2, kits_sxtab16_ror8(offset2, x));
            }
        } else {
            for (int32_t k = run_lo; k < run_hi; ++k) {
                row[k] = (int16_t)(*src++ + input_offset);
            }
        }
        if (run_hi < row_len) { /* right padding */
            memset(row + run_hi, 0, (size_t)(row_len - run_hi) * sizeof row[0]);
        }
    }
    if (in_c & 3) { /* natural order so far: swap positions 1 and 2 of every full group of four */
        for (int32_t k = 0; k < k4; k += 4) {
            int16_t t = patch[k + 1];
            patch[k + 1] = patch[k + 2];
            patch[k + 2] = t;
        }
    }
}

static inline __attribute__((always_inline)) void conv2d_body(
    const int8_t *input, const kits_window_t *w, const int8_t *weights, const int32_t *bias,
    kits_requant_t requant, kits_quant_t quant, int8_t *output, int form) {
    int16_t *patch = scratch.patch;
    const int32_t k_total = w->kernel_h * w->kernel_w * w->in_c;
    const int32_t k4 = k_total & ~3;
    for (int32_t oy = 0; oy < w->out_h; ++oy) {
        for (int32_t ox = 0; ox < w->out_w; ++ox) {
            int8_t *out_px = output + ((size_t)oy * w->out_w + ox) * w->out_c;
            fill_patch(patch, input, w, oy, ox, quant.input_offset, k4);
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
                out_px[oc] = finish(acc0, requant, oc, quant, form);
                out_px[oc + 1] = finish(acc1, requant, oc + 1, quant, form);
            }
            if (oc < w->out_c) {
                const int8_t *f = weights + (size_t)oc * k_total;
                int32_t acc = bias ? bias[oc] : 0;
                int32_t k = 0;
                for (; k < k4; k += 4) {
                    uint32_t wd = kits_read_s8x4(f + k);
                    acc = kits_smlad(read_u32(patch + k), kits_sxtb16(wd), acc);
                    acc = kits_smlad(read_u32(patch + k + 2), kits_sxtb16_ror8(wd), acc);
                }
                for (; k < k_total; ++k) {
                    acc += patch[k] * f[k];
                }
                out_px[oc] = finish(acc, requant, oc, quant, form);
            }
        }
    }
}

/* Convolutions with few weights (the first layer of an image or audio model, with one input
 * channel and nine taps; pointwise layers with few channels). Once per call the weights are split
 * into pairs of 16-bit values, and each channel's bias, multiplier and shift go into a table; once
 * per output row the kernel_h input rows it reads are converted to 16-bit values with the offset
 * added, into a band stored column by column: for each padded input column, its kernel_h pixels
 * (kernel rows) of in_c values each. The window of an output pixel is then kernel_w consecutive
 * columns, one contiguous run of the band, read straight from it one word per pair of
 * multiply-accumulates: no im2col copy per pixel and no sign extension in the loop, and four output
 * channels at a time share each input word (SMLAD against four weight words: CMSIS-NN's scheme,
 * with the weight split hoisted out of the pixel loop). Padding stays zero in the band, which is
 * what the input zero point contributes.
 * The in_c values of a pixel are in lane order (k0, k2, k1, k3 per four) when in_c is a multiple of
 * four, so they convert a word at a time, else in natural order. The weights follow the band's
 * order (kx, then ky, then the channel's lane or natural order), in pairs; an odd k_total ends
 * with a zero weight, whose input half is the next band value (the band has one to spare).
 * Weight layout: channel group g (channels 4g..4g+3) holds, for every pair p, the four channels'
 * words at split[(g * pairs + p) * 4 + i]; the last out_c % 4 channels follow, pairs words each. */
typedef struct {
    int32_t pairs;      /* words per output channel: (k_total + 1) / 2 */
    int32_t band_w;     /* band columns: the padded input columns one output row reads */
    int32_t column;     /* 16-bit values per band column: kernel_h * in_c */
    int32_t band_words; /* band_w columns and a spare value, rounded up to words */
    int32_t words;      /* scratch words: weights, table, band */
} conv_split_plan_t;

static inline conv_split_plan_t conv_split_plan(const kits_window_t *w) {
    conv_split_plan_t p;
    p.pairs = (w->kernel_h * w->kernel_w * w->in_c + 1) / 2;
    p.band_w = (w->out_w - 1) * w->stride_w + w->kernel_w;
    p.column = w->kernel_h * w->in_c;
    p.band_words = (p.band_w * p.column + 2) / 2;
    p.words = w->out_c * p.pairs + 3 * w->out_c + p.band_words;
    return p;
}

/* One channel's weights [ky][kx][c], doubled (requantize_right_doubled), as 16-bit values in band
 * order ([kx][ky][c], lane or natural order within c), paired into words at dst[0], dst[step], ... */
static void split_channel_weights(uint32_t *dst, int32_t step, const int8_t *f, const kits_window_t *w,
                                  int lane_order) {
    const int32_t in_c = w->in_c;
    const size_t row = (size_t)w->kernel_w * (size_t)in_c;
    int32_t pending = 0, have = 0; /* a value waiting for its pair (natural order only) */
    for (int32_t kx = 0; kx < w->kernel_w; ++kx) {
        const int8_t *px = f + (size_t)kx * (size_t)in_c;
        for (int32_t ky = 0; ky < w->kernel_h; ++ky, px += row) {
            if (lane_order) { /* in_c is a multiple of four: each pixel is whole words */
                for (int32_t c = 0; c < in_c; c += 4, dst += 2 * step) {
                    dst[0] = kits_pack16(2 * px[c], 2 * px[c + 2]);
                    dst[step] = kits_pack16(2 * px[c + 1], 2 * px[c + 3]);
                }
                continue;
            }
            for (int32_t c = 0; c < in_c; ++c) {
                if (have) {
                    *dst = kits_pack16(pending, 2 * px[c]);
                    dst += step;
                } else {
                    pending = 2 * px[c];
                }
                have = !have;
            }
        }
    }
    if (have) {
        *dst = kits_pack16(pending, 0);
    }
}

/* acc0..acc3 += the dot products of count (>= 1) input words (16-bit pairs, read from x16) with four
 * channels' split weights (four words per pair, from *wp, which moves past them). */
#if KITS_DSP_NATIVE
#define SPLIT_DOT4(x16, wp, count)                                                                    \
    do {                                                                                            \
        const int16_t *dot_x = (x16);                                                               \
        int32_t dot_n = (count);                                                                    \
        uint32_t dot_xv, dot_w0, dot_w1;                                                            \
        __asm("1:\n\t"                                                                              \
              "ldr %[x], [%[px]], #4\n\t"                                                           \
              "ldrd %[w0], %[w1], [%[pw]], #8\n\t"                                                  \
              "smlad %[a0], %[x], %[w0], %[a0]\n\t"                                                 \
              "smlad %[a1], %[x], %[w1], %[a1]\n\t"                                                 \
              "ldrd %[w0], %[w1], [%[pw]], #8\n\t"                                                  \
              "smlad %[a2], %[x], %[w0], %[a2]\n\t"                                                 \
              "smlad %[a3], %[x], %[w1], %[a3]\n\t"                                                 \
              "subs %[n], %[n], #1\n\t"                                                             \
              "bne 1b\n\t"                                                                          \
              : [a0] "+r"(acc0), [a1] "+r"(acc1), [a2] "+r"(acc2), [a3] "+r"(acc3),                 \
                [px] "+r"(dot_x), [pw] "+r"(wp), [n] "+r"(dot_n), [x] "=&r"(dot_xv),                \
                [w0] "=&r"(dot_w0), [w1] "=&r"(dot_w1)                                              \
              :                                                                                     \
              : "cc", "memory");                                                                    \
    } while (0)
#else
#define SPLIT_DOT4(x16, wp, count)                                                                    \
    do {                                                                                            \
        for (int32_t dot_p = 0; dot_p < (count); ++dot_p, (wp) += 4) {                                \
            const uint32_t dot_x = read_u32((x16) + 2 * dot_p);                                     \
            acc0 = kits_smlad(dot_x, (wp)[0], acc0);                                                \
            acc1 = kits_smlad(dot_x, (wp)[1], acc1);                                                \
            acc2 = kits_smlad(dot_x, (wp)[2], acc2);                                                \
            acc3 = kits_smlad(dot_x, (wp)[3], acc3);                                                \
        }                                                                                           \
    } while (0)
#endif

static inline __attribute__((always_inline)) void conv2d_split_body(
    const int8_t *input, const kits_window_t *w, const int8_t *weights, const int32_t *bias,
    kits_requant_t requant, kits_quant_t quant, int8_t *output, int form, conv_split_plan_t plan) {
    const kits_window_t win = *w; /* a local copy: the output stores cannot force reloads of *w */
    const int lane_order = (win.in_c & 3) == 0;
    const int32_t out_c = win.out_c, c4 = out_c & ~3, in_c = win.in_c, pairs = plan.pairs;
    const int32_t column = plan.column;
    const size_t k_total = (size_t)win.kernel_h * (size_t)win.kernel_w * (size_t)in_c;
    const uint32_t offset2 = kits_pack16(quant.input_offset, quant.input_offset);
    uint32_t *split = scratch.words;
    int32_t *table = (int32_t *)(split + (size_t)out_c * (size_t)pairs); /* bias, multiplier, e - 1 */
    int16_t *band = (int16_t *)(table + 3 * out_c);
    for (int32_t oc = 0; oc < out_c; ++oc) {
        const int in_group = oc < c4;
        split_channel_weights(in_group ? split + (size_t)(oc >> 2) * (size_t)pairs * 4u + (oc & 3)
                                       : split + (size_t)c4 * (size_t)pairs + (size_t)(oc - c4) * (size_t)pairs,
                              in_group ? 4 : 1, weights + (size_t)oc * k_total, &win, lane_order);
        table[3 * oc] = bias ? 2 * bias[oc] : 0; /* doubled, like the weights */
        table[3 * oc + 1] = requant.multiplier[oc];
        table[3 * oc + 2] = ~requant.shift[oc]; /* e - 1, see requantize_right_doubled */
    }
    memset(band, 0, (size_t)plan.band_words * sizeof(uint32_t));
    /* the band columns that hold input pixels: [col_lo, col_hi) */
    const int32_t col_lo = win.pad_left < plan.band_w ? win.pad_left : plan.band_w;
    const int32_t col_hi = win.pad_left + win.in_w < plan.band_w ? win.pad_left + win.in_w : plan.band_w;
    const int32_t round_offset = 1 + 2 * quant.output_offset;
    int8_t *out_px = output;
    for (int32_t oy = 0; oy < win.out_h; ++oy) {
        const int32_t y0 = oy * win.stride_h - win.pad_top;
        for (int32_t ky = 0; ky < win.kernel_h; ++ky) {
            const int32_t iy = y0 + ky;
            int16_t *dst = band + (size_t)col_lo * column + (size_t)ky * in_c;
            if (iy < 0 || iy >= win.in_h) {
                for (int32_t col = col_lo; col < col_hi; ++col, dst += column) {
                    memset(dst, 0, (size_t)in_c * sizeof dst[0]);
                }
                continue;
            }
            const int8_t *src = input + ((size_t)iy * win.in_w + (size_t)(col_lo - win.pad_left)) * in_c;
            if (in_c == 1) { /* the usual first layer: one value per column, no inner loop */
                for (int32_t col = col_lo; col < col_hi; ++col, dst += column) {
                    *dst = (int16_t)(*src++ + quant.input_offset);
                }
                continue;
            }
            for (int32_t col = col_lo; col < col_hi; ++col, dst += column, src += in_c) {
                if (lane_order) {
                    for (int32_t c = 0; c < in_c; c += 4) {
                        uint32_t x = kits_read_s8x4(src + c);
                        write_u32(dst + c, kits_sxtab16(offset2, x));
                        write_u32(dst + c + 2, kits_sxtab16_ror8(offset2, x));
                    }
                } else {
                    for (int32_t c = 0; c < in_c; ++c) {
                        dst[c] = (int16_t)(src[c] + quant.input_offset);
                    }
                }
            }
        }
        const int16_t *x_px = band;
        const size_t px_step = (size_t)win.stride_w * (size_t)column;
        for (int32_t ox = 0; ox < win.out_w; ++ox, out_px += out_c, x_px += px_step) {
            const uint32_t *wp = split;
            const int32_t *t = table;
            int32_t oc = 0;
            for (; oc < c4; oc += 4, t += 12) {
                int32_t acc0 = t[0], acc1 = t[3], acc2 = t[6], acc3 = t[9];
                SPLIT_DOT4(x_px, wp, pairs);
                out_px[oc] = finish_doubled(acc0, t[1], t[2], round_offset, quant, form);
                out_px[oc + 1] = finish_doubled(acc1, t[4], t[5], round_offset, quant, form);
                out_px[oc + 2] = finish_doubled(acc2, t[7], t[8], round_offset, quant, form);
                out_px[oc + 3] = finish_doubled(acc3, t[10], t[11], round_offset, quant, form);
            }
            for (; oc < out_c; ++oc, t += 3) {
                int32_t acc = t[0];
                for (int32_t p = 0; p < pairs; ++p, ++wp) {
                    acc = kits_smlad(read_u32(x_px + 2 * p), *wp, acc);
                }
                out_px[oc] = finish_doubled(acc, t[1], t[2], round_offset, quant, form);
            }
        }
    }
}

void kits_conv2d_s8_dsp(const int8_t *input, const kits_window_t *w,
                        const int8_t *weights, const int32_t *bias,
                        kits_requant_t requant, kits_quant_t quant, int8_t *output) {
    const int form = requant_form(requant, w->out_c, quant, bias, w->kernel_h * w->kernel_w * w->in_c);
    const int32_t scratch_words = (int32_t)(sizeof scratch.words / sizeof scratch.words[0]);
    const conv_split_plan_t plan = conv_split_plan(w);
    if (form == REQUANT_PORTABLE || w->kernel_h * w->kernel_w * w->in_c > KITS_NN_DSP_PATCH_MAX) {
        kits_conv2d_s8_portable(input, w, weights, bias, requant, quant, output);
    } else if (plan.words <= scratch_words && w->out_h * w->out_w >= 4) {
        /* splitting the weights costs about what one output pixel does, so it pays from a few */
        if (form == REQUANT_RIGHT_FULL) {
            conv2d_split_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT_FULL, plan);
        } else {
            conv2d_split_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT, plan);
        }
    } else if (form == REQUANT_RIGHT_FULL) {
        conv2d_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT_FULL);
    } else {
        conv2d_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT);
    }
}

/* Four int8 values as 16-bit lanes plus an offset in each lane: (b0, b2) in the low word,
 * (b1, b3) in the high one. */
static inline uint64_t lane_pair(uint32_t x, uint32_t offset2) {
    return (uint64_t)kits_sxtab16(offset2, x) | ((uint64_t)kits_sxtab16_ror8(offset2, x) << 32);
}

/* One tap of four channels into acc0..acc3: x and f each hold two words of 16-bit lanes,
 * (c0, c2) then (c1, c3). A macro, so the accumulators stay in registers. */
#define DEPTHWISE_TAP(x, f)                                                                   \
    do {                                                                                      \
        const uint64_t tap_x = (x), tap_f = (f);                                              \
        const uint32_t x02 = (uint32_t)tap_x, x13 = (uint32_t)(tap_x >> 32);                  \
        const uint32_t f02 = (uint32_t)tap_f, f13 = (uint32_t)(tap_f >> 32);                  \
        acc0 = kits_smlabb(x02, f02, acc0);                                                   \
        acc2 = kits_smlatt(x02, f02, acc2);                                                   \
        acc1 = kits_smlabb(x13, f13, acc1);                                                   \
        acc3 = kits_smlatt(x13, f13, acc3);                                                   \
    } while (0)

#if KITS_DSP_NATIVE
/* DEPTHWISE_TAP for the nine taps of a 3x3 kernel, written out so that each tap is one
 * LDRD of input lanes, one LDRD of weight lanes and four multiply-accumulates (the
 * compiler's version of the same C spends about a third more instructions on reloads).
 * The three row pointers and the lanes are 8-byte aligned (scratch.pairs). */
#define DEPTHWISE_3X3_TAP(row, x_off, f_off)                                                       \
    "ldrd %[x02], %[x13], [%[" row "], #" x_off "]\n\t"                                            \
    "ldrd %[f02], %[f13], [%[lanes], #" f_off "]\n\t"                                              \
    "smlabb %[acc0], %[x02], %[f02], %[acc0]\n\t"                                                  \
    "smlatt %[acc2], %[x02], %[f02], %[acc2]\n\t"                                                  \
    "smlabb %[acc1], %[x13], %[f13], %[acc1]\n\t"                                                  \
    "smlatt %[acc3], %[x13], %[f13], %[acc3]\n\t"
#define DEPTHWISE_3X3_ASM(p0, p1, p2, lane_base)                                                   \
    do {                                                                                           \
        uint32_t x02, x13, f02, f13;                                                               \
        __asm(DEPTHWISE_3X3_TAP("row0", "0", "0") DEPTHWISE_3X3_TAP("row0", "8", "8")              \
              DEPTHWISE_3X3_TAP("row0", "16", "16") DEPTHWISE_3X3_TAP("row1", "0", "24")           \
              DEPTHWISE_3X3_TAP("row1", "8", "32") DEPTHWISE_3X3_TAP("row1", "16", "40")           \
              DEPTHWISE_3X3_TAP("row2", "0", "48") DEPTHWISE_3X3_TAP("row2", "8", "56")            \
              DEPTHWISE_3X3_TAP("row2", "16", "64")                                                \
              : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),        \
                [x02] "=&r"(x02), [x13] "=&r"(x13), [f02] "=&r"(f02), [f13] "=&r"(f13)             \
              : [row0] "r"(p0), [row1] "r"(p1), [row2] "r"(p2), [lanes] "r"(lane_base)             \
              : "memory");                                                                         \
    } while (0)
#endif

/* Depthwise for rows too wide for the band below (and for the last channels when in_c is not a
 * multiple of four): four channels at a time, one channel group after another: the group's weights
 * for every tap are split into 16-bit lanes once (two words per tap, in scratch.pairs), then
 * each output pixel costs, per tap inside the input, one word of input split into lanes with
 * the offset added (SXTAB16) and four single multiply-accumulates (SMLABB / SMLATT: the
 * channels of a depthwise layer never share a sum, so SMLAD's pairing does not apply). */
static inline __attribute__((always_inline)) void depthwise_body(
    const int8_t *input, const kits_window_t *w, const int8_t *weights, const int32_t *bias,
    kits_requant_t requant, kits_quant_t quant, int8_t *output, int form, int32_t first_channel) {
    const kits_window_t win = *w; /* a local copy: the output stores cannot force reloads of *w */
    const uint32_t offset2 = kits_pack16(quant.input_offset, quant.input_offset);
    const int32_t c4 = win.in_c & ~3;
    const int32_t taps = win.kernel_h * win.kernel_w;
    const size_t row_stride = (size_t)win.in_w * (size_t)win.in_c;
    uint64_t *lanes = scratch.pairs;
    for (int32_t c = first_channel; c < c4; c += 4) {
        for (int32_t t = 0; t < taps; ++t) {
            lanes[t] = lane_pair(kits_read_s8x4(weights + (size_t)t * win.in_c + c), 0);
        }
        const int32_t b0 = bias ? bias[c] : 0, b1 = bias ? bias[c + 1] : 0;
        const int32_t b2 = bias ? bias[c + 2] : 0, b3 = bias ? bias[c + 3] : 0;
        int8_t *out_px = output + c;
        for (int32_t oy = 0; oy < win.out_h; ++oy) {
            const int32_t y0 = oy * win.stride_h - win.pad_top;
            const int32_t ky_lo = y0 < 0 ? -y0 : 0;
            const int32_t ky_hi = (win.in_h - y0) < win.kernel_h ? (win.in_h - y0) : win.kernel_h;
            for (int32_t ox = 0; ox < win.out_w; ++ox, out_px += win.in_c) {
                const int32_t x0 = ox * win.stride_w - win.pad_left;
                const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                const int32_t kx_hi = (win.in_w - x0) < win.kernel_w ? (win.in_w - x0) : win.kernel_w;
                int32_t acc0 = b0, acc1 = b1, acc2 = b2, acc3 = b3;
                /* first tap inside the input; indices never point before the arrays */
                const int8_t *in_row = input + (size_t)(y0 + ky_lo) * row_stride + (size_t)(x0 + kx_lo) * win.in_c + c;
                const uint64_t *lane_row = lanes + ky_lo * win.kernel_w + kx_lo;
                for (int32_t ky = ky_lo; ky < ky_hi; ++ky, in_row += row_stride, lane_row += win.kernel_w) {
                    const int8_t *in_tap = in_row;
                    for (int32_t kx = 0; kx < kx_hi - kx_lo; ++kx, in_tap += win.in_c) {
                        DEPTHWISE_TAP(lane_pair(kits_read_s8x4(in_tap), offset2), lane_row[kx]);
                    }
                }
                out_px[0] = finish(acc0, requant, c, quant, form);
                out_px[1] = finish(acc1, requant, c + 1, quant, form);
                out_px[2] = finish(acc2, requant, c + 2, quant, form);
                out_px[3] = finish(acc3, requant, c + 3, quant, form);
            }
        }
    }
    for (int32_t c = c4 > first_channel ? c4 : first_channel; c < win.in_c; ++c) { /* in_c not a multiple of four */
        for (int32_t oy = 0; oy < win.out_h; ++oy) {
            const int32_t y0 = oy * win.stride_h - win.pad_top;
            for (int32_t ox = 0; ox < win.out_w; ++ox) {
                const int32_t x0 = ox * win.stride_w - win.pad_left;
                int32_t acc = bias ? bias[c] : 0;
                for (int32_t ky = 0; ky < win.kernel_h; ++ky) {
                    if (y0 + ky < 0 || y0 + ky >= win.in_h) continue;
                    for (int32_t kx = 0; kx < win.kernel_w; ++kx) {
                        if (x0 + kx < 0 || x0 + kx >= win.in_w) continue;
                        int32_t x = input[(size_t)(y0 + ky) * row_stride + (size_t)(x0 + kx) * win.in_c + c];
                        acc += (x + quant.input_offset) * weights[((size_t)ky * win.kernel_w + (size_t)kx) * win.in_c + c];
                    }
                }
                output[((size_t)oy * win.out_w + ox) * win.in_c + c] = finish(acc, requant, c, quant, form);
            }
        }
    }
}

#if KITS_DSP_NATIVE
/* Output pixels of a four-channel group for a 3x3 kernel in the full-range form, written out: the
 * (doubled) biases into the accumulators (LDRD), the taps of DEPTHWISE_3X3_TAP with doubled
 * weights, then per channel finish_doubled in six instructions and a byte store. The parameters
 * sit just before the weight lanes (DEPTHWISE_PARAMS pairs), so one base register reaches all:
 *   lanes - 64: bias c0..c3;  lanes - 48: {multiplier, e - 1} of c0..c3;  lanes - 16: round_offset;
 *   lanes - 12: the output pixel step in bytes;  lanes - 8: where this row's loop of pixels ends. */
#define DW_BIAS                                                                                    \
    "ldrd %[acc0], %[acc1], [%[lanes], #-64]\n\t"                                                  \
    "ldrd %[acc2], %[acc3], [%[lanes], #-56]\n\t"
#define DW_REQUANT_STEP(acc, pair_off, out_off)                                                    \
    "ldrd %[f02], %[f13], [%[lanes], #" pair_off "]\n\t"                                           \
    "smmulr %[" acc "], %[" acc "], %[f02]\n\t"                                                    \
    "add %[" acc "], %[" acc "], %[" acc "], asr #31\n\t"                                          \
    "asr %[" acc "], %[" acc "], %[f13]\n\t"                                                       \
    "add %[" acc "], %[" acc "], %[x13]\n\t"                                                       \
    "ssat %[" acc "], #8, %[" acc "], asr #1\n\t"                                                  \
    "strb %[" acc "], [%[out], #" out_off "]\n\t"
#define DW_REQUANT                                                                                 \
    "ldr %[x13], [%[lanes], #-16]\n\t" DW_REQUANT_STEP("acc0", "-48", "0")                         \
    DW_REQUANT_STEP("acc1", "-40", "1") DW_REQUANT_STEP("acc2", "-32", "2")                        \
    DW_REQUANT_STEP("acc3", "-24", "3")
/* The first tap of a row, loading with the row pointer moved on by `move` bytes first (pre-index
 * with writeback) or after (post-index): how a pixel loop steps along its three rows for free. */
#define DW_TAP_POST(row, move, f_off)                                                              \
    "ldrd %[x02], %[x13], [%[" row "]], #" move "\n\t"                                             \
    "ldrd %[f02], %[f13], [%[lanes], #" f_off "]\n\t"                                              \
    "smlabb %[acc0], %[x02], %[f02], %[acc0]\n\t"                                                  \
    "smlatt %[acc2], %[x02], %[f02], %[acc2]\n\t"                                                  \
    "smlabb %[acc1], %[x13], %[f13], %[acc1]\n\t"                                                  \
    "smlatt %[acc3], %[x13], %[f13], %[acc3]\n\t"
#define DW_TAP_PRE(row, move, f_off)                                                               \
    "ldrd %[x02], %[x13], [%[" row "], #" move "]!\n\t"                                            \
    "ldrd %[f02], %[f13], [%[lanes], #" f_off "]\n\t"                                              \
    "smlabb %[acc0], %[x02], %[f02], %[acc0]\n\t"                                                  \
    "smlatt %[acc2], %[x02], %[f02], %[acc2]\n\t"                                                  \
    "smlabb %[acc1], %[x13], %[f13], %[acc1]\n\t"                                                  \
    "smlatt %[acc3], %[x13], %[f13], %[acc3]\n\t"
#define DW_OPERANDS                                                                                \
    : [acc0] "=&r"(acc0), [acc1] "=&r"(acc1), [acc2] "=&r"(acc2), [acc3] "=&r"(acc3),              \
      [x02] "=&r"(x02), [x13] "=&r"(x13), [f02] "=&r"(f02), [f13] "=&r"(f13), [row0] "+r"(p0),     \
      [row1] "+r"(p1), [row2] "+r"(p2), [out] "+r"(out_px)                                         \
    : [lanes] "r"(lanes)                                                                           \
    : "cc", "memory"
/* A whole row of pixels (stride 1): rows p0..p2 at the pixel's first column, out_px at its output;
 * loops until out_px reaches the end stored at lanes - 8. The left (right) variant is the first
 * (last) pixel of a row whose window has one padding column at kx = 0 (kx = 2): its six taps only. */
#define DW_ROW_LOOP()                                                                              \
    __asm volatile("1:\n\t" DW_BIAS                                                                \
                   DW_TAP_POST("row0", "8", "0") DEPTHWISE_3X3_TAP("row0", "0", "8")               \
                   DEPTHWISE_3X3_TAP("row0", "8", "16") DW_TAP_POST("row1", "8", "24")             \
                   DEPTHWISE_3X3_TAP("row1", "0", "32") DEPTHWISE_3X3_TAP("row1", "8", "40")       \
                   DW_TAP_POST("row2", "8", "48") DEPTHWISE_3X3_TAP("row2", "0", "56")             \
                   DEPTHWISE_3X3_TAP("row2", "8", "64") DW_REQUANT                                 \
                   "ldr %[x02], [%[lanes], #-12]\n\t"                                              \
                   "add %[out], %[out], %[x02]\n\t"                                                \
                   "ldr %[x02], [%[lanes], #-8]\n\t"                                               \
                   "cmp %[out], %[x02]\n\t"                                                        \
                   "bne 1b\n\t" DW_OPERANDS)
#define DW_LEFT_PIXEL()                                                                            \
    __asm volatile(DW_BIAS DW_TAP_PRE("row0", "8", "8") DEPTHWISE_3X3_TAP("row0", "8", "16")       \
                   DW_TAP_PRE("row1", "8", "32") DEPTHWISE_3X3_TAP("row1", "8", "40")              \
                   DW_TAP_PRE("row2", "8", "56") DEPTHWISE_3X3_TAP("row2", "8", "64") DW_REQUANT   \
                   "ldr %[x02], [%[lanes], #-12]\n\t"                                              \
                   "add %[out], %[out], %[x02]\n\t" DW_OPERANDS)
#define DW_RIGHT_PIXEL()                                                                           \
    __asm volatile(DW_BIAS DEPTHWISE_3X3_TAP("row0", "0", "0") DEPTHWISE_3X3_TAP("row0", "8", "8") \
                   DEPTHWISE_3X3_TAP("row1", "0", "24") DEPTHWISE_3X3_TAP("row1", "8", "32")       \
                   DEPTHWISE_3X3_TAP("row2", "0", "48") DEPTHWISE_3X3_TAP("row2", "8", "56")       \
                   DW_REQUANT DW_OPERANDS)
#endif

/* Pairs of scratch.pairs before the depthwise band kernel's weight lanes: the group's parameters
 * (biases, {multiplier, e - 1} per channel, round_offset, pixel step, row end: the layout the
 * DW_ assembly reads). */
#define DEPTHWISE_PARAMS 8

/* Depthwise through a band: the kernel_h input rows an output row reads, split into 16-bit
 * lanes with the offset added and with zeros at the padding (which is what the input zero
 * point contributes), sit in scratch.pairs after the group's weight lanes; every tap of every
 * output pixel then costs two loads of two words and four multiply-accumulates, with no
 * bounds checks (a 3x3 kernel without a loop). Padding taps multiply zeros (exact, and few on
 * real layers). The band is one row wide per column of the padded input an output row reads. */
static inline int32_t depthwise_band_width(const kits_window_t *w) {
    return (w->out_w - 1) * w->stride_w + w->kernel_w;
}

static inline __attribute__((always_inline)) void depthwise_band_body(
    const int8_t *input, const kits_window_t *w, const int8_t *weights, const int32_t *bias,
    kits_requant_t requant, kits_quant_t quant, int8_t *output, int form) {
    const kits_window_t win = *w; /* a local copy: the output stores cannot force reloads of *w */
    const uint32_t offset2 = kits_pack16(quant.input_offset, quant.input_offset);
    const int32_t taps = win.kernel_h * win.kernel_w;
    const int32_t band_w = depthwise_band_width(w);
    /* the band columns that hold input pixels: [col_lo, col_hi) */
    const int32_t col_lo = win.pad_left < band_w ? win.pad_left : band_w;
    const int32_t col_hi = win.pad_left + win.in_w < band_w ? win.pad_left + win.in_w : band_w;
    uint64_t *lanes = scratch.pairs + DEPTHWISE_PARAMS;
    uint64_t *band = lanes + taps;
    for (int32_t c = 0; c + 3 < win.in_c; c += 4) {
        for (int32_t t = 0; t < taps; ++t) { /* doubled, as the biases (requantize_right_doubled) */
            const int8_t *f = weights + (size_t)t * win.in_c + c;
            lanes[t] = (uint64_t)kits_pack16(2 * f[0], 2 * f[2]) | ((uint64_t)kits_pack16(2 * f[1], 2 * f[3]) << 32);
        }
        const int32_t b0 = bias ? 2 * bias[c] : 0, b1 = bias ? 2 * bias[c + 1] : 0;
        const int32_t b2 = bias ? 2 * bias[c + 2] : 0, b3 = bias ? 2 * bias[c + 3] : 0;
        const int32_t round_offset = 1 + 2 * quant.output_offset;
        const int32_t multiplier0 = requant.multiplier[c], multiplier1 = requant.multiplier[c + 1];
        const int32_t multiplier2 = requant.multiplier[c + 2], multiplier3 = requant.multiplier[c + 3];
        const int32_t shift0 = ~requant.shift[c], shift1 = ~requant.shift[c + 1]; /* e - 1, see requantize_right_doubled */
        const int32_t shift2 = ~requant.shift[c + 2], shift3 = ~requant.shift[c + 3];
        int32_t *params = (int32_t *)scratch.pairs; /* the DW_ assembly's parameters */
        params[0] = b0, params[1] = b1, params[2] = b2, params[3] = b3;
        params[4] = multiplier0, params[5] = shift0, params[6] = multiplier1, params[7] = shift1;
        params[8] = multiplier2, params[9] = shift2, params[10] = multiplier3, params[11] = shift3;
        params[12] = round_offset;
        params[13] = win.in_c; /* output bytes from one pixel to the next */
        /* A ring of win.kernel_h band rows: input row iy (padding rows included) lives in row
         * (iy + win.pad_top) % win.kernel_h and is written once, when the first output row that reads
         * it comes; the padding columns are never written, so they stay zero. */
        memset(band, 0, (size_t)win.kernel_h * (size_t)band_w * sizeof band[0]);
        int32_t next_row = -win.pad_top; /* the first input row not in the ring yet */
        int32_t next_slot = 0;           /* its ring row, (next_row + win.pad_top) % win.kernel_h */
        int8_t *out_px = output + c;
        for (int32_t oy = 0; oy < win.out_h; ++oy) {
            const int32_t y0 = oy * win.stride_h - win.pad_top;
            if (y0 > next_row) { /* a stride taller than the kernel skips rows */
                next_slot = (y0 + win.pad_top) % win.kernel_h;
                next_row = y0;
            }
            for (; next_row < y0 + win.kernel_h; ++next_row) {
                uint64_t *dst = band + next_slot * band_w;
                next_slot = next_slot + 1 == win.kernel_h ? 0 : next_slot + 1;
                if (next_row < 0 || next_row >= win.in_h) {
                    memset(dst + col_lo, 0, (size_t)(col_hi - col_lo) * sizeof dst[0]);
                    continue;
                }
                const int8_t *src = input + ((size_t)next_row * win.in_w + (size_t)(col_lo - win.pad_left)) * win.in_c + c;
                for (int32_t j = col_lo; j < col_hi; ++j, src += win.in_c) {
                    dst[j] = lane_pair(kits_read_s8x4(src), offset2);
                }
            }
            /* the ring now ends with input row y0 + kernel_h - 1, so kernel row 0 is in the ring
             * row that comes next */
            const int32_t first_slot = next_slot;
            const int full3x3 = win.kernel_h == 3 && win.kernel_w == 3; /* the usual depthwise kernel */
            const int32_t slot1 = first_slot + 1 == win.kernel_h ? 0 : first_slot + 1;
            const uint64_t *row0 = band + first_slot * band_w;
            const uint64_t *row1 = band + slot1 * band_w;
            const uint64_t *row2 = band + (slot1 + 1 == win.kernel_h ? 0 : slot1 + 1) * band_w;
#if KITS_DSP_NATIVE
            if (full3x3 && form == REQUANT_RIGHT_FULL && win.stride_w == 1) { /* whole rows in assembly */
                int32_t acc0, acc1, acc2, acc3;
                uint32_t x02, x13, f02, f13;
                const uint64_t *p0 = row0, *p1 = row1, *p2 = row2;
                /* first (last) pixel with exactly one padding column on its left (right) */
                const int left = win.pad_left == 1 && win.out_w >= 3;
                const int right = col_hi == band_w - 1 && win.out_w >= 3;
                if (left) {
                    DW_LEFT_PIXEL();
                }
                params[14] = (int32_t)(intptr_t)(out_px + (size_t)(win.out_w - left - right) * win.in_c);
                DW_ROW_LOOP();
                if (right) {
                    DW_RIGHT_PIXEL();
                    out_px += win.in_c;
                }
                (void)acc0, (void)acc1, (void)acc2, (void)acc3, (void)x02, (void)x13, (void)f02, (void)f13;
                continue;
            }
#endif
            for (int32_t ox = 0; ox < win.out_w; ++ox, out_px += win.in_c) {
                int32_t acc0 = b0, acc1 = b1, acc2 = b2, acc3 = b3;
                const int32_t col = ox * win.stride_w;
                if (full3x3) { /* nine taps without a loop */
#if KITS_DSP_NATIVE
                    DEPTHWISE_3X3_ASM(row0 + col, row1 + col, row2 + col, lanes);
#else
                    DEPTHWISE_TAP(row0[col], lanes[0]);
                    DEPTHWISE_TAP(row0[col + 1], lanes[1]);
                    DEPTHWISE_TAP(row0[col + 2], lanes[2]);
                    DEPTHWISE_TAP(row1[col], lanes[3]);
                    DEPTHWISE_TAP(row1[col + 1], lanes[4]);
                    DEPTHWISE_TAP(row1[col + 2], lanes[5]);
                    DEPTHWISE_TAP(row2[col], lanes[6]);
                    DEPTHWISE_TAP(row2[col + 1], lanes[7]);
                    DEPTHWISE_TAP(row2[col + 2], lanes[8]);
#endif
                } else {
                    const uint64_t *lane = lanes;
                    int32_t slot = first_slot;
                    for (int32_t ky = 0; ky < win.kernel_h; ++ky) {
                        const uint64_t *x = band + slot * band_w + col;
                        for (int32_t kx = 0; kx < win.kernel_w; ++kx, ++lane) {
                            DEPTHWISE_TAP(x[kx], *lane);
                        }
                        slot = slot + 1 == win.kernel_h ? 0 : slot + 1;
                    }
                }
                out_px[0] = finish_doubled(acc0, multiplier0, shift0, round_offset, quant, form);
                out_px[1] = finish_doubled(acc1, multiplier1, shift1, round_offset, quant, form);
                out_px[2] = finish_doubled(acc2, multiplier2, shift2, round_offset, quant, form);
                out_px[3] = finish_doubled(acc3, multiplier3, shift3, round_offset, quant, form);
            }
        }
    }
    if (win.in_c & 3) { /* the last one to three win.in_c */
        depthwise_body(input, w, weights, bias, requant, quant, output, form, win.in_c & ~3);
    }
}

void kits_depthwise_conv2d_s8_dsp(const int8_t *input, const kits_window_t *w,
                                  int32_t depth_multiplier, const int8_t *weights,
                                  const int32_t *bias, kits_requant_t requant,
                                  kits_quant_t quant, int8_t *output) {
    const int form = requant_form(requant, w->out_c, quant, bias, w->kernel_h * w->kernel_w);
    const int32_t scratch_pairs = (int32_t)(sizeof scratch.pairs / sizeof scratch.pairs[0]);
    const int32_t lane_pairs = w->kernel_h * w->kernel_w;
    /* As in CMSIS-NN, the fast paths are for multiplier 1; the lanes of one group (and the
     * band) must fit in the scratch buffer. */
    if (form == REQUANT_PORTABLE || depth_multiplier != 1 || lane_pairs > scratch_pairs) {
        kits_depthwise_conv2d_s8_portable(input, w, depth_multiplier, weights, bias, requant, quant, output);
    } else if (DEPTHWISE_PARAMS + lane_pairs + w->kernel_h * depthwise_band_width(w) <= scratch_pairs) {
        if (form == REQUANT_RIGHT_FULL) {
            depthwise_band_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT_FULL);
        } else {
            depthwise_band_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT);
        }
    } else if (form == REQUANT_RIGHT_FULL) {
        depthwise_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT_FULL, 0);
    } else {
        depthwise_body(input, w, weights, bias, requant, quant, output, REQUANT_RIGHT, 0);
    }
}

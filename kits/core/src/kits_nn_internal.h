/* Helpers shared by the portable and the DSP-extension kernels (private to kits/core/src). */
#ifndef KITS_NN_INTERNAL_H
#define KITS_NN_INTERNAL_H

#include "kits_nn.h"

static inline int32_t kits_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* gemmlowp's SaturatingRoundingDoublingHighMul: (a * b) / 2^31 rounded, as gemmlowp
 * writes it: (a*b + nudge) / 2^31 truncated toward zero, with
 * nudge = 2^30 for a non-negative product and 1 - 2^30 otherwise. For a negative
 * product p that is (p + 1 - 2^30 + 2^31 - 1) >> 31 = (p + 2^30) >> 31 (an arithmetic
 * shift is a floor), the same expression as for a non-negative one, so one
 * multiply-accumulate and a shift do it (SMLAL on Cortex-M). */
static inline int32_t kits_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t product = (int64_t)a * (int64_t)b + (INT64_C(1) << 30);
    return (int32_t)(product >> 31);
}

/* gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded half away from zero. */
static inline int32_t kits_rdbpot(int32_t x, int32_t exponent) {
    if (exponent <= 0) {
        return x;
    }
    int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t kits_requantize_inline(int32_t acc, int32_t multiplier, int32_t shift) {
    if (shift > 0) {
        /* A left shift that overflows saturates instead of wrapping (undefined in C). */
        int64_t widened = (int64_t)acc * (INT64_C(1) << shift);
        acc = widened > INT32_MAX ? INT32_MAX : (widened < INT32_MIN ? INT32_MIN : (int32_t)widened);
        return kits_srdhm(acc, multiplier);
    }
    return kits_rdbpot(kits_srdhm(acc, multiplier), -shift);
}

/* kits_requantize_inline for a right shift (-31 <= shift <= -1) and a multiplier other than
 * INT32_MIN, in about a third of the instructions (the DSP kernels use it; every TFLite
 * multiplier is in [2^30, 2^31) and nearly every shift is negative). With e = -shift and
 * x = (acc * multiplier + 2^30) >> 31 (the doubling high multiply; it cannot saturate when
 * the multiplier is not INT32_MIN), RoundingDivideByPOT(x, e) is
 *   floor((x + 2^(e-1) - [x < 0]) / 2^e) = ((y >> (e - 1)) + 1) >> 1,  y = x - [x < 0],
 * because floor(floor(a / 2^(e-1)) / 2) = floor(a / 2^e); ~shift is e - 1. Neither sum
 * overflows: x lies in [1 - 2^31, 2^31 - 2] for every such multiplier. */
static inline int32_t kits_requantize_right(int32_t acc, int32_t multiplier, int32_t shift) {
    int32_t x = (int32_t)(((int64_t)acc * multiplier + (INT64_C(1) << 30)) >> 31);
    x += x >> 31;
    return ((x >> ~shift) + 1) >> 1;
}

/* 1 when every channel's requantization can take kits_requantize_right. */
static inline int kits_requant_right_only(kits_requant_t rq, int32_t channels) {
    for (int32_t c = 0; c < channels; ++c) {
        if (rq.shift[c] > -1 || rq.shift[c] < -31 || rq.multiplier[c] == INT32_MIN) {
            return 0;
        }
    }
    return 1;
}

/* Accumulator -> int8 output of one channel: requantize, add the output zero point, clamp. */
static inline int8_t kits_nn_finish(int32_t acc, kits_requant_t rq, int32_t channel, kits_quant_t q) {
    int32_t v = kits_requantize_inline(acc, rq.multiplier[channel], rq.shift[channel]) + q.output_offset;
    return (int8_t)kits_clamp_i32(v, q.act_min, q.act_max);
}

#endif

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

/* Accumulator -> int8 output of one channel: requantize, add the output zero point, clamp.
 * The sum is formed in 64 bits: a saturated requantization (near INT32_MAX after a left
 * shift) plus a positive zero point must clamp to act_max, not wrap. */
static inline int8_t kits_nn_finish(int32_t acc, kits_requant_t rq, int32_t channel, kits_quant_t q) {
    int64_t v = (int64_t)kits_requantize_inline(acc, rq.multiplier[channel], rq.shift[channel]) + q.output_offset;
    return (int8_t)(v < q.act_min ? q.act_min : (v > q.act_max ? q.act_max : v));
}

#endif

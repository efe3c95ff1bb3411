/*
 * The Armv7E-M DSP-extension instructions the fast kernels use (CMSIS-NN uses the
 * same ones): on a core that has them (Cortex-M4, M7, M33 with DSP) each is one
 * instruction; elsewhere each is a C function with the same result bit for bit, so
 * the host test suite runs the very kernel code the board runs.
 *
 *   sxtb16(x)          sign-extend bytes 0 and 2 of x into two 16-bit halves
 *   sxtb16_ror8(x)     the same for bytes 1 and 3
 *   sxtab16(a, x)      a + sxtb16(x), halfword by halfword (modulo 2^16)
 *   sxtab16_ror8(a, x) a + sxtb16_ror8(x)
 *   smlad(a, b, acc)   acc + a.lo * b.lo + a.hi * b.hi (modulo 2^32)
 *   smlabb / smlatt    acc + a.lo * b.lo, acc + a.hi * b.hi
 *   ssat8(v)           v saturated to [-128, 127] (SSAT #8)
 *   ssat8_asr1(v)      (v >> 1) saturated to [-128, 127] (SSAT #8 with its ASR #1 operand)
 *   smmulr(a, b)       (a * b + 2^31) >> 32, the rounded high word of the 64-bit product
 *
 * Private to kits/core/src (not part of the installed headers).
 */
#ifndef KITS_DSP_H
#define KITS_DSP_H

#include <stdint.h>
#include <string.h>

/* Four consecutive int8 values as one little-endian word: one LDR (Armv7-M allows
 * unaligned word loads), memcpy keeps it defined C everywhere. */
static inline uint32_t kits_read_s8x4(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t kits_pack16(int32_t lo, int32_t hi) {
    return (uint32_t)(uint16_t)lo | ((uint32_t)(uint16_t)hi << 16);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

#define KITS_DSP_NATIVE 1

static inline uint32_t kits_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int32_t)x); }
static inline uint32_t kits_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t kits_sxtab16(uint32_t a, uint32_t x) {
    return (uint32_t)__sxtab16((int32_t)a, (int32_t)x);
}
static inline uint32_t kits_sxtab16_ror8(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline int32_t kits_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return __smlad((int32_t)a, (int32_t)b, acc);
}
static inline int32_t kits_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return __smlabb((int32_t)a, (int32_t)b, acc);
}
static inline int32_t kits_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return __smlatt((int32_t)a, (int32_t)b, acc);
}
static inline int32_t kits_ssat8(int32_t v) { return __ssat(v, 8); }
static inline int32_t kits_ssat8_asr1(int32_t v) {
    int32_t r;
    __asm("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
    return r;
}
static inline int32_t kits_smmulr(int32_t a, int32_t b) {
    int32_t r;
    __asm("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

#else /* C equivalents, exact to the Armv7-M Architecture Reference Manual pseudocode */

#define KITS_DSP_NATIVE 0

static inline int32_t kits_lo16(uint32_t x) { return (int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t kits_hi16(uint32_t x) { return (int16_t)(uint16_t)(x >> 16); }
static inline int32_t kits_byte(uint32_t x, int n) { return (int8_t)(uint8_t)(x >> (8 * n)); }

static inline uint32_t kits_sxtb16(uint32_t x) { return kits_pack16(kits_byte(x, 0), kits_byte(x, 2)); }
static inline uint32_t kits_sxtb16_ror8(uint32_t x) { return kits_pack16(kits_byte(x, 1), kits_byte(x, 3)); }
static inline uint32_t kits_sxtab16(uint32_t a, uint32_t x) {
    return kits_pack16(kits_lo16(a) + kits_byte(x, 0), kits_hi16(a) + kits_byte(x, 2));
}
static inline uint32_t kits_sxtab16_ror8(uint32_t a, uint32_t x) {
    return kits_pack16(kits_lo16(a) + kits_byte(x, 1), kits_hi16(a) + kits_byte(x, 3));
}
/* The sums wrap modulo 2^32 like the instruction (which only sets the Q flag). */
static inline int32_t kits_smlad(uint32_t a, uint32_t b, int32_t acc) {
    uint32_t p0 = (uint32_t)(kits_lo16(a) * kits_lo16(b));
    uint32_t p1 = (uint32_t)(kits_hi16(a) * kits_hi16(b));
    return (int32_t)((uint32_t)acc + p0 + p1);
}
static inline int32_t kits_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(kits_lo16(a) * kits_lo16(b)));
}
static inline int32_t kits_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(kits_hi16(a) * kits_hi16(b)));
}
static inline int32_t kits_ssat8(int32_t v) { return v < -128 ? -128 : (v > 127 ? 127 : v); }
static inline int32_t kits_ssat8_asr1(int32_t v) { return kits_ssat8(v >> 1); }
static inline int32_t kits_smmulr(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * b + (INT64_C(1) << 31)) >> 32);
}
#endif

#endif

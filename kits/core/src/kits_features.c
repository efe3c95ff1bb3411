#include "kits_features.h"

#include "kits_nn.h"

int32_t kits_log2_q8(uint64_t v) {
    if (v == 0) {
        return 0;
    }
    int32_t msb = 0;
    while (msb < 63 && (v >> (msb + 1)) != 0) {
        ++msb;
    }
    uint32_t frac = msb >= 8 ? (uint32_t)(v >> (msb - 8)) & 0xFFu
                             : (uint32_t)(v << (8 - msb)) & 0xFFu;
    return msb * 256 + (int32_t)frac;
}

static int32_t round_q15(int64_t x) {
    return (int32_t)((x + (INT64_C(1) << 14)) >> 15);
}

void kits_fft_q15(int32_t *re, int32_t *im) {
    for (uint32_t i = 0; i < KITS_FFT_SIZE; ++i) {
        uint32_t j = 0;
        for (uint32_t b = 0; b < KITS_FFT_LOG2; ++b) {
            j |= ((i >> b) & 1u) << (KITS_FFT_LOG2 - 1u - b);
        }
        if (j > i) {
            int32_t t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (uint32_t size = 2; size <= KITS_FFT_SIZE; size <<= 1) {
        uint32_t half = size / 2;
        uint32_t step = KITS_FFT_SIZE / size;
        for (uint32_t start = 0; start < KITS_FFT_SIZE; start += size) {
            for (uint32_t k = 0; k < half; ++k) {
                int64_t wr = kits_fft_cos_q15[k * step];
                int64_t wi = -(int64_t)kits_fft_sin_q15[k * step];
                uint32_t a = start + k;
                uint32_t b = a + half;
                int32_t tr = round_q15((int64_t)re[b] * wr - (int64_t)im[b] * wi);
                int32_t ti = round_q15((int64_t)re[b] * wi + (int64_t)im[b] * wr);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
    }
}

void kits_logmel_frame_q8(const int16_t *frame, kits_audio_scratch_t *s, int32_t *logmel_q8) {
    for (uint32_t i = 0; i < KITS_FFT_SIZE; ++i) {
        s->re[i] = round_q15((int64_t)frame[i] * kits_hann_q15[i]);
        s->im[i] = 0;
    }
    kits_fft_q15(s->re, s->im);
    for (uint32_t m = 0; m < KITS_N_MELS; ++m) {
        uint64_t energy = 0;
        const uint16_t *w = kits_mel_weights_q15 + kits_mel_weight_offset[m];
        for (uint32_t k = 0; k < kits_mel_n_bins[m]; ++k) {
            uint32_t bin = kits_mel_first_bin[m] + k;
            uint64_t power = ((uint64_t)((int64_t)s->re[bin] * s->re[bin]) +
                              (uint64_t)((int64_t)s->im[bin] * s->im[bin])) >> 15;
            energy += power * w[k];
        }
        logmel_q8[m] = kits_log2_q8(energy);
    }
}

size_t kits_audio_n_frames(size_t n_samples) {
    if (n_samples < KITS_FFT_SIZE) {
        return 0;
    }
    return 1 + (n_samples - KITS_FFT_SIZE) / KITS_AUDIO_HOP;
}

size_t kits_logmel_s8(const int16_t *audio, size_t n_samples, kits_audio_scratch_t *scratch,
                      int8_t *out) {
    size_t frames = kits_audio_n_frames(n_samples);
    int32_t logmel[KITS_N_MELS];
    for (size_t f = 0; f < frames; ++f) {
        kits_logmel_frame_q8(audio + f * KITS_AUDIO_HOP, scratch, logmel);
        for (uint32_t m = 0; m < KITS_N_MELS; ++m) {
            int32_t q = kits_rounding_divide_by_pot(logmel[m], KITS_LOGMEL_SHIFT) + KITS_LOGMEL_OFFSET;
            out[f * KITS_N_MELS + m] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
        }
    }
    return frames;
}

void kits_mfcc_q8(const int32_t *logmel_q8, int32_t *mfcc_q8) {
    for (uint32_t k = 0; k < KITS_N_MFCC; ++k) {
        int64_t acc = 0;
        for (uint32_t m = 0; m < KITS_N_MELS; ++m) {
            acc += (int64_t)logmel_q8[m] * kits_dct_q15[k * KITS_N_MELS + m];
        }
        mfcc_q8[k] = round_q15(acc);
    }
}

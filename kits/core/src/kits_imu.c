#include "kits_imu.h"

#include "kits_nn.h"

int kits_imu_window_init(kits_imu_window_t *w, int16_t *storage, uint32_t n_axes,
                         uint32_t window_len, uint32_t hop) {
    if (n_axes == 0 || window_len == 0 || hop == 0 || hop > window_len) {
        return -1;
    }
    w->storage = storage;
    w->n_axes = n_axes;
    w->window_len = window_len;
    w->hop = hop;
    w->filled = 0;
    w->write_index = 0;
    w->since_ready = 0;
    return 0;
}

int kits_imu_window_push(kits_imu_window_t *w, const int16_t *sample) {
    int16_t *slot = w->storage + (size_t)w->write_index * w->n_axes;
    for (uint32_t a = 0; a < w->n_axes; ++a) {
        slot[a] = sample[a];
    }
    w->write_index = (w->write_index + 1u) % w->window_len;
    if (w->filled < w->window_len) {
        ++w->filled;
    }
    ++w->since_ready;
    if (w->filled == w->window_len && w->since_ready >= w->hop) {
        w->since_ready = 0;
        return 1;
    }
    return 0;
}

void kits_imu_window_read_s8(const kits_imu_window_t *w, int32_t shift, int8_t *out) {
    uint32_t start = (w->filled == w->window_len) ? w->write_index : 0;
    for (uint32_t t = 0; t < w->filled; ++t) {
        const int16_t *slot = w->storage + (size_t)((start + t) % w->window_len) * w->n_axes;
        for (uint32_t a = 0; a < w->n_axes; ++a) {
            int32_t v = kits_rounding_divide_by_pot(slot[a], shift);
            out[(size_t)t * w->n_axes + a] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
    }
}

void kits_imu_window_read_s16(const kits_imu_window_t *w, int16_t *out) {
    uint32_t start = (w->filled == w->window_len) ? w->write_index : 0;
    for (uint32_t t = 0; t < w->filled; ++t) {
        const int16_t *slot = w->storage + (size_t)((start + t) % w->window_len) * w->n_axes;
        for (uint32_t a = 0; a < w->n_axes; ++a) {
            out[(size_t)t * w->n_axes + a] = slot[a];
        }
    }
}

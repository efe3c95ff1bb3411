/* Sliding windows over multi-axis IMU samples: push one sample (all axes) at a
 * time; every `hop` samples once the window is full, a window is ready and can
 * be read out oldest-first as an int8 tensor [window_len][n_axes]. */
#ifndef KITS_IMU_H
#define KITS_IMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int16_t *storage; /* window_len * n_axes samples */
    uint32_t n_axes;
    uint32_t window_len;
    uint32_t hop;
    uint32_t filled;      /* samples stored, saturates at window_len */
    uint32_t write_index; /* next slot to overwrite */
    uint32_t since_ready; /* samples pushed since the last ready window */
} kits_imu_window_t;

/* Returns 0, or -1 when a size is zero or hop exceeds the window. */
int kits_imu_window_init(kits_imu_window_t *w, int16_t *storage, uint32_t n_axes,
                         uint32_t window_len, uint32_t hop);
/* Returns 1 when this sample completes a window, else 0. */
int kits_imu_window_push(kits_imu_window_t *w, const int16_t *sample);
/* Each raw value becomes clamp(round(value / 2^shift), -128, 127). */
void kits_imu_window_read_s8(const kits_imu_window_t *w, int32_t shift, int8_t *out);
/* The raw samples, oldest first (also how boards keep the last second of audio). */
void kits_imu_window_read_s16(const kits_imu_window_t *w, int16_t *out);

#ifdef __cplusplus
}
#endif
#endif

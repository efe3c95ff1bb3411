#include "kits_image.h"

int kits_image_downsample(const uint8_t *gray, uint32_t width, uint32_t height, uint32_t side,
                          int invert, int16_t *out) {
    if (side == 0 || width < side || height < side) {
        return -1;
    }
    uint32_t crop = width < height ? width : height;
    uint32_t cell = crop / side;
    uint32_t x0 = (width - cell * side) / 2;
    uint32_t y0 = (height - cell * side) / 2;
    int32_t lo = 255, hi = 0;
    for (uint32_t cy = 0; cy < side; ++cy) {
        for (uint32_t cx = 0; cx < side; ++cx) {
            uint32_t sum = 0;
            for (uint32_t y = 0; y < cell; ++y) {
                const uint8_t *row = gray + (size_t)(y0 + cy * cell + y) * width + x0 + cx * cell;
                for (uint32_t x = 0; x < cell; ++x) {
                    sum += row[x];
                }
            }
            int32_t mean = (int32_t)((sum + cell * cell / 2) / (cell * cell));
            if (invert) mean = 255 - mean;
            out[cy * side + cx] = (int16_t)mean;
            if (mean < lo) lo = mean;
            if (mean > hi) hi = mean;
        }
    }
    int32_t range = hi - lo;
    for (uint32_t i = 0; i < side * side; ++i) {
        out[i] = (int16_t)(range > 0 ? ((out[i] - lo) * 255 + range / 2) / range : 0);
    }
    return 0;
}

void kits_rgb565_to_gray(const uint16_t *rgb565, size_t count, uint8_t *gray) {
    for (size_t i = 0; i < count; ++i) {
        uint32_t p = rgb565[i];
        uint32_t r = ((p >> 11) & 0x1Fu) * 255u / 31u;
        uint32_t g = ((p >> 5) & 0x3Fu) * 255u / 63u;
        uint32_t b = (p & 0x1Fu) * 255u / 31u;
        gray[i] = (uint8_t)((77u * r + 150u * g + 29u * b + 128u) >> 8);
    }
}

/* Camera front end for the image lab: a grayscale frame -> a small square image the
 * model takes (e.g. 8x8 for the digits model), by area averaging over the central
 * square crop, optional inversion (dark ink on white paper -> bright strokes on black,
 * like the training digits) and a min/max contrast stretch to 0..255. */
#ifndef KITS_IMAGE_H
#define KITS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gray: width x height pixels, row-major. out: side x side values 0..255.
 * Returns 0, or -1 when the frame is smaller than side x side. */
int kits_image_downsample(const uint8_t *gray, uint32_t width, uint32_t height, uint32_t side,
                          int invert, int16_t *out);
/* RGB565 (little-endian words) -> 8-bit luma, integer BT.601 weights. */
void kits_rgb565_to_gray(const uint16_t *rgb565, size_t count, uint8_t *gray);

#ifdef __cplusplus
}
#endif
#endif

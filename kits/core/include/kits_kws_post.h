/*
 * Keyword decisions on streaming audio. A keyword spotter classifies overlapping
 * one-second windows (every half second on the kit boards); one spoken word then shows
 * up in several consecutive windows, and a single noisy window can look like a word.
 * Deployed spotters therefore post-process the scores: average each class's probability
 * over the last few windows, report a keyword when its average reaches a threshold, and
 * ignore further detections for a while afterwards so one word is reported once.
 *
 * Integer only. Probabilities are the int8 softmax output shifted to 0..255 (score + 128,
 * in units of 1/256, TFLite's int8 softmax scale); the average rounds half up.
 */
#ifndef KITS_KWS_POST_H
#define KITS_KWS_POST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KITS_KWS_MAX_WINDOW 16u
#define KITS_KWS_MAX_CLASSES 32u

typedef struct {
    uint8_t n_classes;
    uint8_t window;           /* windows averaged (1..KITS_KWS_MAX_WINDOW) */
    uint8_t threshold;        /* average probability, in 1/256, that reports a keyword */
    int8_t background;        /* class never reported (e.g. "silence"), or -1 */
    uint16_t suppress;        /* windows after a detection in which nothing is reported */
    uint16_t suppress_left;
    uint8_t count;            /* windows seen, up to `window` */
    uint8_t next;             /* slot the next window is written to */
    uint8_t history[KITS_KWS_MAX_WINDOW][KITS_KWS_MAX_CLASSES];
} kits_kws_post_t;

/* Returns 0, or -1 for parameters out of range (n_classes, window, background). */
int kits_kws_post_init(kits_kws_post_t *post, uint8_t n_classes, uint8_t window, uint8_t threshold,
                       uint16_t suppress, int8_t background);

/* One window's int8 softmax scores (n_classes values). Returns the detected class or -1.
 * A detection needs `window` windows of history, the highest average among the
 * non-background classes (lowest index on a tie) at or above the threshold, and no
 * detection in the previous `suppress` windows. `averages` (may be NULL) receives the
 * n_classes averages, 0..255. */
int32_t kits_kws_post_push(kits_kws_post_t *post, const int8_t *scores, uint8_t *averages);

#ifdef __cplusplus
}
#endif
#endif

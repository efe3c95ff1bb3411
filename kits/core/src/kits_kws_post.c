#include "kits_kws_post.h"

#include <string.h>

int kits_kws_post_init(kits_kws_post_t *post, uint8_t n_classes, uint8_t window, uint8_t threshold,
                       uint16_t suppress, int8_t background) {
    if (n_classes == 0 || n_classes > KITS_KWS_MAX_CLASSES || window == 0 || window > KITS_KWS_MAX_WINDOW ||
        background < -1 || background >= (int)n_classes) {
        return -1;
    }
    memset(post, 0, sizeof *post);
    post->n_classes = n_classes;
    post->window = window;
    post->threshold = threshold;
    post->suppress = suppress;
    post->background = background;
    return 0;
}

int32_t kits_kws_post_push(kits_kws_post_t *post, const int8_t *scores, uint8_t *averages) {
    for (uint32_t c = 0; c < post->n_classes; ++c) {
        post->history[post->next][c] = (uint8_t)((int32_t)scores[c] + 128);
    }
    post->next = (uint8_t)((post->next + 1u) % post->window);
    if (post->count < post->window) {
        ++post->count;
    }
    int32_t best = -1;
    uint32_t best_average = 0;
    for (uint32_t c = 0; c < post->n_classes; ++c) {
        uint32_t sum = 0;
        for (uint32_t i = 0; i < post->count; ++i) {
            sum += post->history[i][c];
        }
        uint32_t average = (sum + post->count / 2u) / post->count;
        if (averages) {
            averages[c] = (uint8_t)average;
        }
        if ((int32_t)c != post->background && (best < 0 || average > best_average)) {
            best = (int32_t)c;
            best_average = average;
        }
    }
    if (post->suppress_left > 0) {
        --post->suppress_left;
        return -1;
    }
    if (post->count < post->window || best < 0 || best_average < post->threshold) {
        return -1;
    }
    post->suppress_left = post->suppress;
    return best;
}

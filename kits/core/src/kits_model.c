#include "kits_model.h"

#include <string.h>

static size_t layer_output_size(const kits_layer_t *layer) {
    const kits_window_t *w = &layer->window;
    return (size_t)w->out_h * (size_t)w->out_w * (size_t)w->out_c;
}

kits_model_status_t kits_model_check(const kits_model_t *model, size_t arena_bytes) {
    if (model->magic != KITS_MODEL_MAGIC) {
        return KITS_MODEL_BAD_MAGIC;
    }
    if (model->format_version != KITS_MODEL_FORMAT_VERSION) {
        return KITS_MODEL_BAD_VERSION;
    }
    if (arena_bytes < model->arena_bytes) {
        return KITS_MODEL_ARENA_TOO_SMALL;
    }
    for (uint32_t i = 0; i < model->n_layers; ++i) {
        uint8_t op = model->layers[i].op;
        if (op < KITS_OP_CONV2D || op > KITS_OP_SOFTMAX) {
            return KITS_MODEL_BAD_LAYER;
        }
        if (layer_output_size(&model->layers[i]) * 2u > model->arena_bytes) {
            return KITS_MODEL_BAD_LAYER;
        }
    }
    return KITS_MODEL_OK;
}

const char *kits_model_status_text(kits_model_status_t status) {
    switch (status) {
    case KITS_MODEL_OK: return "ok";
    case KITS_MODEL_BAD_MAGIC: return "not a kits model (bad magic)";
    case KITS_MODEL_BAD_VERSION: return "model format version differs from the firmware core; re-export the model with this kits version";
    case KITS_MODEL_ARENA_TOO_SMALL: return "activation arena smaller than the model needs";
    case KITS_MODEL_BAD_LAYER: return "unknown layer type or oversized layer";
    }
    return "unknown status";
}

int32_t kits_argmax_s8(const int8_t *values, int32_t length) {
    int32_t best = 0;
    for (int32_t i = 1; i < length; ++i) {
        if (values[i] > values[best]) best = i;
    }
    return best;
}

kits_model_status_t kits_model_run(const kits_model_t *model, const int8_t *input,
                                   int8_t *arena, size_t arena_bytes, int8_t *scores) {
    kits_model_status_t status = kits_model_check(model, arena_bytes);
    if (status != KITS_MODEL_OK) {
        return status;
    }
    size_t half = model->arena_bytes / 2u;
    int8_t *buffers[2] = {arena, arena + half};
    const int8_t *current = input;
    int which = 0;
    for (uint32_t i = 0; i < model->n_layers; ++i) {
        const kits_layer_t *l = &model->layers[i];
        int8_t *out = buffers[which];
        kits_requant_t rq = {l->multiplier, l->shift};
        switch (l->op) {
        case KITS_OP_CONV2D:
            kits_conv2d_s8(current, &l->window, l->weights, l->bias, rq, l->quant, out);
            break;
        case KITS_OP_DEPTHWISE_CONV2D:
            kits_depthwise_conv2d_s8(current, &l->window, l->depth_multiplier, l->weights,
                                     l->bias, rq, l->quant, out);
            break;
        case KITS_OP_FULLY_CONNECTED:
            kits_fully_connected_s8(current, l->window.in_c, l->weights, l->bias,
                                    l->window.out_c, rq, l->quant, out);
            break;
        case KITS_OP_MAX_POOL:
            kits_max_pool_s8(current, &l->window, l->quant.act_min, l->quant.act_max, out);
            break;
        case KITS_OP_AVG_POOL:
            kits_avg_pool_s8(current, &l->window, l->quant.act_min, l->quant.act_max, out);
            break;
        case KITS_OP_SOFTMAX:
            kits_softmax_s8(current, l->window.out_c, l->exp_lut, out);
            break;
        default:
            return KITS_MODEL_BAD_LAYER;
        }
        current = out;
        which ^= 1;
    }
    memcpy(scores, current, model->n_classes);
    return KITS_MODEL_OK;
}

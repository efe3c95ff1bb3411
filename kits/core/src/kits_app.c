#include "kits_app.h"

#include <string.h>

enum { RESULT_SOURCE_HOST = 1 };

static void put_u16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void kits_app_send(kits_app_t *app, uint8_t type, const uint8_t *body, size_t length) {
    uint8_t frame[KITS_FRAME_MAX_ENCODED];
    size_t n = kits_frame_build(type, app->tx_seq++, body, length, frame);
    if (n) {
        app->write(app->ctx, frame, n);
    }
}

static void send_error(kits_app_t *app, uint8_t code, const char *text) {
    uint8_t body[128];
    size_t len = strlen(text);
    if (len > sizeof(body) - 1) len = sizeof(body) - 1;
    body[0] = code;
    memcpy(body + 1, text, len);
    kits_app_send(app, KITS_MSG_ERROR, body, len + 1);
}

void kits_app_log(kits_app_t *app, const char *text) {
    size_t len = strlen(text);
    kits_app_send(app, KITS_MSG_LOG, (const uint8_t *)text, len > KITS_FRAME_MAX_BODY ? KITS_FRAME_MAX_BODY : len);
}

void kits_app_send_hello(kits_app_t *app) {
    uint8_t body[KITS_FRAME_MAX_BODY];
    const kits_model_t *m = app->model;
    body[0] = KITS_PROTOCOL_VERSION;
    put_u16(body + 1, m->format_version);
    put_u32(body + 3, m->model_hash);
    body[7] = m->input_kind;
    put_u32(body + 8, m->input_samples);
    body[12] = (uint8_t)m->input_axes;
    body[13] = (uint8_t)m->n_classes;
    size_t pos = 14;
    const char *parts[33];
    uint32_t n_parts = 0;
    parts[n_parts++] = app->board;
    for (uint32_t i = 0; i < m->n_classes && n_parts < 33; ++i) parts[n_parts++] = m->labels[i];
    for (uint32_t i = 0; i < n_parts; ++i) {
        size_t len = strlen(parts[i]);
        if (pos + len + 1 > sizeof(body)) break;
        if (i) body[pos++] = '\n';
        memcpy(body + pos, parts[i], len);
        pos += len;
    }
    kits_app_send(app, KITS_MSG_HELLO, body, pos);
}

kits_model_status_t kits_app_start(kits_app_t *app) {
    kits_frame_decoder_init(&app->decoder);
    app->tx_seq = 0;
    app->streaming = 0;
    app->frames_dropped = 0;
    kits_model_status_t status = kits_model_check(app->model, app->arena_bytes);
    if (status == KITS_MODEL_OK && app->model->n_classes > sizeof(((kits_app_result_t *)0)->scores)) {
        status = KITS_MODEL_BAD_LAYER;
    }
    if (status != KITS_MODEL_OK) {
        send_error(app, KITS_ERR_MODEL, kits_model_status_text(status));
        return status;
    }
    kits_app_send_hello(app);
    return KITS_MODEL_OK;
}

static void prepare_input(kits_app_t *app, const int16_t *samples) {
    const kits_model_t *m = app->model;
    if (m->input_kind == KITS_INPUT_AUDIO) {
        kits_logmel_s8(samples, m->input_samples, app->audio_scratch, app->input);
    } else if (m->input_kind == KITS_INPUT_IMU) {
        kits_imu_window_t window;
        kits_imu_window_init(&window, app->imu_storage, m->input_axes, m->input_samples, m->input_samples);
        for (uint32_t t = 0; t < m->input_samples; ++t) {
            kits_imu_window_push(&window, samples + (size_t)t * m->input_axes);
        }
        kits_imu_window_read_s8(&window, m->input_shift, app->input);
    } else {
        for (uint32_t i = 0; i < m->input_size; ++i) {
            int32_t v = samples[i] - 128; /* 8-bit pixels centred on zero */
            app->input[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
    }
}

kits_model_status_t kits_app_classify(kits_app_t *app, const int16_t *samples, uint8_t source,
                                      uint16_t clip, kits_app_result_t *result) {
    const kits_model_t *m = app->model;
    uint32_t start = app->micros ? app->micros(app->ctx) : 0;
    prepare_input(app, samples);
    kits_model_status_t status = kits_model_run(m, app->input, app->arena, app->arena_bytes, result->scores);
    uint32_t stop = app->micros ? app->micros(app->ctx) : 0;
    if (status != KITS_MODEL_OK) {
        send_error(app, KITS_ERR_MODEL, kits_model_status_text(status));
        return status;
    }
    result->label_index = kits_argmax_s8(result->scores, (int32_t)m->n_classes);
    result->latency_us = stop - start;
    uint8_t body[9 + 32];
    body[0] = source;
    put_u16(body + 1, clip);
    body[3] = (uint8_t)result->label_index;
    put_u32(body + 4, result->latency_us);
    body[8] = (uint8_t)m->n_classes;
    memcpy(body + 9, result->scores, m->n_classes);
    kits_app_send(app, KITS_MSG_RESULT, body, 9 + m->n_classes);
    return KITS_MODEL_OK;
}

void kits_app_stream_samples(kits_app_t *app, uint8_t channels, const int16_t *samples, size_t count) {
    if (!app->streaming || channels == 0) {
        return;
    }
    uint8_t body[KITS_FRAME_MAX_BODY];
    size_t per_frame = ((KITS_FRAME_MAX_BODY - 1u) / 2u / channels) * channels;
    for (size_t done = 0; done < count; done += per_frame) {
        size_t n = count - done < per_frame ? count - done : per_frame;
        body[0] = channels;
        for (size_t i = 0; i < n; ++i) {
            uint16_t v = (uint16_t)samples[done + i];
            body[1 + 2 * i] = (uint8_t)v;
            body[2 + 2 * i] = (uint8_t)(v >> 8);
        }
        kits_app_send(app, KITS_MSG_SAMPLES, body, 1 + 2 * n);
    }
}

static void handle_frame(kits_app_t *app) {
    const kits_frame_decoder_t *f = &app->decoder;
    const kits_model_t *m = app->model;
    uint32_t capacity = m->input_samples * m->input_axes;
    switch (f->type) {
    case KITS_MSG_PING:
        kits_app_send_hello(app);
        break;
    case KITS_MSG_LOAD: {
        if (f->body_len < 4 || (f->body_len - 4) % 2) {
            send_error(app, KITS_ERR_BAD_REQUEST, "LOAD needs offset:u32 and int16 samples");
            break;
        }
        uint32_t offset = get_u32(f->body);
        uint32_t count = (uint32_t)(f->body_len - 4) / 2u;
        if (offset > capacity || count > capacity - offset) {
            send_error(app, KITS_ERR_TOO_LONG, "LOAD past the end of the sample buffer");
            break;
        }
        for (uint32_t i = 0; i < count; ++i) {
            app->samples[offset + i] = (int16_t)(f->body[4 + 2 * i] | (f->body[5 + 2 * i] << 8));
        }
        break;
    }
    case KITS_MSG_RUN: {
        if (f->body_len != 4 || get_u32(f->body) != capacity) {
            send_error(app, KITS_ERR_BAD_REQUEST, "RUN sample count differs from the model input length");
            break;
        }
        kits_app_result_t result;
        kits_app_classify(app, app->samples, RESULT_SOURCE_HOST, 0, &result);
        break;
    }
    case KITS_MSG_STREAM:
        app->streaming = (f->body_len >= 1 && f->body[0] != 0);
        break;
    default:
        send_error(app, KITS_ERR_BAD_REQUEST, "unknown request type");
        break;
    }
}

void kits_app_receive(kits_app_t *app, const uint8_t *data, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        kits_rx_status status = kits_frame_decoder_feed(&app->decoder, data[i]);
        if (status == KITS_RX_FRAME) {
            handle_frame(app);
        } else if (status == KITS_RX_CORRUPT || status == KITS_RX_OVERFLOW) {
            ++app->frames_dropped;
            send_error(app, KITS_ERR_BAD_REQUEST, status == KITS_RX_CORRUPT
                       ? "corrupt frame dropped (COBS or CRC check failed)"
                       : "oversized frame dropped");
        }
    }
}

#include "kits_frame.h"

#include <string.h>

/* Half-byte table: 64 bytes of flash instead of 1 KiB for the full table. */
static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t kits_crc32(uint32_t crc, const uint8_t *data, size_t length) {
    crc = ~crc;
    for (size_t i = 0; i < length; ++i) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc32_nibble[crc & 0x0Fu];
        crc = (crc >> 4) ^ crc32_nibble[crc & 0x0Fu];
    }
    return ~crc;
}

size_t kits_cobs_encode(const uint8_t *src, size_t length, uint8_t *dst) {
    size_t code_index = 0;
    size_t out = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < length; ++i) {
        if (src[i] == 0) {
            dst[code_index] = code;
            code_index = out++;
            code = 1;
        } else {
            dst[out++] = src[i];
            if (++code == 0xFF) {
                dst[code_index] = code;
                code_index = out++;
                code = 1;
            }
        }
    }
    dst[code_index] = code;
    return out;
}

int32_t kits_cobs_decode(const uint8_t *src, size_t length, uint8_t *dst, size_t dst_capacity) {
    size_t in = 0;
    size_t out = 0;
    while (in < length) {
        uint8_t code = src[in++];
        if (code == 0) {
            return -1;
        }
        for (uint8_t i = 1; i < code; ++i) {
            if (in >= length || src[in] == 0 || out >= dst_capacity) {
                return -1;
            }
            dst[out++] = src[in++];
        }
        if (code != 0xFF && in < length) {
            if (out >= dst_capacity) {
                return -1;
            }
            dst[out++] = 0;
        }
    }
    return (int32_t)out;
}

size_t kits_frame_build(uint8_t type, uint8_t seq, const uint8_t *body, size_t body_len,
                        uint8_t *out) {
    uint8_t raw[KITS_FRAME_MAX_RAW];
    if (body_len > KITS_FRAME_MAX_BODY) {
        return 0;
    }
    raw[0] = type;
    raw[1] = seq;
    if (body_len) {
        memcpy(raw + 2, body, body_len);
    }
    uint32_t crc = kits_crc32(0, raw, body_len + 2);
    for (int i = 0; i < 4; ++i) {
        raw[body_len + 2 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    size_t n = kits_cobs_encode(raw, body_len + 6, out);
    out[n++] = 0;
    return n;
}

void kits_frame_decoder_init(kits_frame_decoder_t *dec) {
    memset(dec, 0, sizeof(*dec));
}

kits_rx_status kits_frame_decoder_feed(kits_frame_decoder_t *dec, uint8_t byte) {
    if (byte != 0) {
        if (dec->encoded_len < sizeof(dec->encoded)) {
            dec->encoded[dec->encoded_len++] = byte;
        } else {
            dec->overflowed = 1;
        }
        return KITS_RX_PENDING;
    }
    size_t len = dec->encoded_len;
    int overflowed = dec->overflowed;
    dec->encoded_len = 0;
    dec->overflowed = 0;
    if (overflowed) {
        return KITS_RX_OVERFLOW;
    }
    if (len == 0) {
        return KITS_RX_PENDING; /* back-to-back delimiters carry no frame */
    }
    uint8_t raw[KITS_FRAME_MAX_RAW];
    int32_t n = kits_cobs_decode(dec->encoded, len, raw, sizeof(raw));
    if (n < 6) {
        return KITS_RX_CORRUPT;
    }
    uint32_t expected = (uint32_t)raw[n - 4] | ((uint32_t)raw[n - 3] << 8) |
                        ((uint32_t)raw[n - 2] << 16) | ((uint32_t)raw[n - 1] << 24);
    if (kits_crc32(0, raw, (size_t)n - 4) != expected) {
        return KITS_RX_CORRUPT;
    }
    dec->type = raw[0];
    dec->seq = raw[1];
    dec->body_len = (size_t)n - 6;
    memcpy(dec->body, raw + 2, dec->body_len);
    return KITS_RX_FRAME;
}

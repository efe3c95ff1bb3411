/*
 * Framed serial protocol: each frame is
 *     COBS( type:u8 | seq:u8 | body | crc32:u32 little-endian ) 0x00
 * The CRC is the IEEE 802.3 CRC-32 (zlib's crc32) over type, seq and body.
 * COBS removes every zero byte from the frame, so 0x00 always marks a frame
 * end and a receiver resynchronises after line noise at the next zero.
 */
#ifndef KITS_FRAME_H
#define KITS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KITS_PROTOCOL_VERSION 1u
#define KITS_FRAME_MAX_BODY 512u
#define KITS_FRAME_MAX_RAW (KITS_FRAME_MAX_BODY + 6u)
/* COBS adds one byte per 254 plus one; the trailing 0x00 adds one more. */
#define KITS_FRAME_MAX_ENCODED (KITS_FRAME_MAX_RAW + KITS_FRAME_MAX_RAW / 254u + 2u)

enum kits_frame_type {
    KITS_MSG_HELLO = 0x01,   /* board -> host: versions, model identity, labels */
    KITS_MSG_LOG = 0x02,     /* board -> host: UTF-8 text */
    KITS_MSG_SAMPLES = 0x03, /* board -> host: channels:u8, int16 samples */
    KITS_MSG_RESULT = 0x04,  /* board -> host: see kits_result_body in docs */
    KITS_MSG_ERROR = 0x05,   /* board -> host: code:u8, text */
    KITS_MSG_PING = 0x10,    /* host -> board: answered with HELLO */
    KITS_MSG_LOAD = 0x11,    /* host -> board: offset:u32, int16 samples */
    KITS_MSG_RUN = 0x12,     /* host -> board: n_samples:u32, run the model */
    KITS_MSG_STREAM = 0x13   /* host -> board: on:u8, stream sensor samples */
};

enum kits_error_code {
    KITS_ERR_BAD_REQUEST = 1,
    KITS_ERR_TOO_LONG = 2,
    KITS_ERR_MODEL = 3
};

uint32_t kits_crc32(uint32_t crc, const uint8_t *data, size_t length);

/* Returns the encoded length (without the trailing zero). */
size_t kits_cobs_encode(const uint8_t *src, size_t length, uint8_t *dst);
/* Returns the decoded length, or -1 when the input is not valid COBS. */
int32_t kits_cobs_decode(const uint8_t *src, size_t length, uint8_t *dst, size_t dst_capacity);

/* Builds a complete frame (COBS + trailing zero) into out, which must hold
 * KITS_FRAME_MAX_ENCODED bytes. Returns its length, 0 if body is too long. */
size_t kits_frame_build(uint8_t type, uint8_t seq, const uint8_t *body, size_t body_len,
                        uint8_t *out);

typedef enum {
    KITS_RX_PENDING = 0,  /* need more bytes */
    KITS_RX_FRAME = 1,    /* a valid frame is in the decoder */
    KITS_RX_CORRUPT = 2,  /* bad COBS, short frame or CRC mismatch: dropped */
    KITS_RX_OVERFLOW = 3  /* frame longer than the buffer: dropped */
} kits_rx_status;

typedef struct {
    uint8_t encoded[KITS_FRAME_MAX_ENCODED];
    size_t encoded_len;
    int overflowed;
    uint8_t type;
    uint8_t seq;
    uint8_t body[KITS_FRAME_MAX_RAW];
    size_t body_len;
} kits_frame_decoder_t;

void kits_frame_decoder_init(kits_frame_decoder_t *dec);
kits_rx_status kits_frame_decoder_feed(kits_frame_decoder_t *dec, uint8_t byte);

#ifdef __cplusplus
}
#endif
#endif

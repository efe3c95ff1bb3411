/*
 * Shared main loop of the emulated and simulated boards (QEMU image, host
 * simulator): say HELLO, classify the embedded self-test clips, then serve host
 * requests forever. Real boards call kits_app directly with live sensors.
 */
#ifndef KITS_BOARD_MAIN_H
#define KITS_BOARD_MAIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    void (*write)(void *ctx, const uint8_t *data, size_t length);
    /* Returns the number of bytes read (0 when none are waiting), or -1 when the
     * link is closed. */
    int (*read)(void *ctx, uint8_t *buffer, size_t capacity);
    uint32_t (*micros)(void *ctx);
    void (*idle)(void *ctx); /* sleep until something may have arrived */
    void *ctx;
    const char *board;
} kits_board_io_t;

/* Returns 0 when the link closes, 1 when the model cannot run. */
int kits_board_main(const kits_board_io_t *io);

#endif

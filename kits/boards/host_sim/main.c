/*
 * The board firmware compiled for the host: it talks the kits protocol over a
 * file descriptor (a pseudo-terminal in the tests), so the host tool can be
 * exercised end to end without hardware.
 * Usage: kits_sim FD   (an already-open descriptor, e.g. a pty master)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "board_main.h"

static int link_fd = -1;

static void fd_write(void *ctx, const uint8_t *data, size_t length) {
    (void)ctx;
    while (length > 0) {
        ssize_t n = write(link_fd, data, length);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            exit(0); /* the host went away */
        }
        data += n;
        length -= (size_t)n;
    }
}

static int fd_read(void *ctx, uint8_t *buffer, size_t capacity) {
    (void)ctx;
    struct pollfd p = {link_fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return 0;
    ssize_t n = read(link_fd, buffer, capacity);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    return n <= 0 ? -1 : (int)n;
}

static uint32_t monotonic_micros(void *ctx) {
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

static void wait_for_input(void *ctx) {
    (void)ctx;
    struct pollfd p = {link_fd, POLLIN, 0};
    poll(&p, 1, 10); /* short, so a streaming sensor keeps its pace */
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FD\n", argv[0]);
        return 2;
    }
    link_fd = atoi(argv[1]);
    kits_board_io_t io = {fd_write, fd_read, monotonic_micros, wait_for_input, NULL, "host-sim"};
    return kits_board_main(&io);
}

#include "kits_ring.h"

int kits_ring_init(kits_ring_t *ring, uint8_t *storage, uint32_t capacity) {
    if (capacity < 2 || (capacity & (capacity - 1u)) != 0) {
        return -1;
    }
    ring->storage = storage;
    ring->capacity = capacity;
    ring->head = 0;
    ring->tail = 0;
    return 0;
}

/* Indices run freely and wrap at 2^32; unsigned subtraction still gives the count. */
uint32_t kits_ring_count(const kits_ring_t *ring) {
    return ring->head - ring->tail;
}

uint32_t kits_ring_space(const kits_ring_t *ring) {
    return ring->capacity - kits_ring_count(ring);
}

uint32_t kits_ring_push(kits_ring_t *ring, const uint8_t *data, uint32_t length) {
    uint32_t space = kits_ring_space(ring);
    uint32_t n = length < space ? length : space;
    uint32_t head = ring->head;
    for (uint32_t i = 0; i < n; ++i) {
        ring->storage[(head + i) & (ring->capacity - 1u)] = data[i];
    }
    ring->head = head + n;
    return n;
}

uint32_t kits_ring_pop(kits_ring_t *ring, uint8_t *data, uint32_t length) {
    uint32_t count = kits_ring_count(ring);
    uint32_t n = length < count ? length : count;
    uint32_t tail = ring->tail;
    for (uint32_t i = 0; i < n; ++i) {
        data[i] = ring->storage[(tail + i) & (ring->capacity - 1u)];
    }
    ring->tail = tail + n;
    return n;
}

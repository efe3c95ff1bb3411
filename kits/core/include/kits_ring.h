/* Single-producer single-consumer byte ring buffer: an interrupt handler may
 * push while the main loop pops, without locks, because each index has one writer. */
#ifndef KITS_RING_H
#define KITS_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint8_t *storage;
    uint32_t capacity; /* power of two */
    volatile uint32_t head; /* written by the producer only */
    volatile uint32_t tail; /* written by the consumer only */
} kits_ring_t;

/* Returns 0 on success, -1 if capacity is not a power of two >= 2. */
int kits_ring_init(kits_ring_t *ring, uint8_t *storage, uint32_t capacity);
uint32_t kits_ring_count(const kits_ring_t *ring);
uint32_t kits_ring_space(const kits_ring_t *ring);
/* Both return the number of bytes actually moved (pushing never overwrites). */
uint32_t kits_ring_push(kits_ring_t *ring, const uint8_t *data, uint32_t length);
uint32_t kits_ring_pop(kits_ring_t *ring, uint8_t *data, uint32_t length);

#ifdef __cplusplus
}
#endif
#endif

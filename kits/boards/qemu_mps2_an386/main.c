/*
 * Board glue for the QEMU mps2-an386 machine: CMSDK APB UART0 for the host link
 * (receive interrupt -> ring buffer), SysTick at 1 kHz for timestamps.
 * Register layout: Arm CMSDK APB UART and SysTick (Armv7-M Architecture Reference Manual).
 */
#include <stdint.h>

#include "board_main.h"
#include "kits_ring.h"

#define SYSCLK_HZ 25000000u
#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_INTSTATUS (*(volatile uint32_t *)(UART0_BASE + 0x0Cu))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))
#define UART_STATE_TX_FULL 0x1u
#define UART_STATE_RX_FULL 0x2u
#define UART_CTRL_TX_EN 0x1u
#define UART_CTRL_RX_EN 0x2u
#define UART_CTRL_RX_INT_EN 0x8u
#define UART_INT_RX 0x2u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

static uint8_t rx_storage[4096];
static kits_ring_t rx_ring;
static volatile uint32_t milliseconds;

void SysTick_Handler(void) { ++milliseconds; }

void Uart0Rx_Handler(void) {
    while (UART_STATE & UART_STATE_RX_FULL) {
        uint8_t byte = (uint8_t)UART_DATA;
        kits_ring_push(&rx_ring, &byte, 1);
    }
    UART_INTSTATUS = UART_INT_RX; /* write-one-to-clear */
}

static void uart_write(void *ctx, const uint8_t *data, size_t length) {
    (void)ctx;
    for (size_t i = 0; i < length; ++i) {
        while (UART_STATE & UART_STATE_TX_FULL) {
        }
        UART_DATA = data[i];
    }
}

static int uart_read(void *ctx, uint8_t *buffer, size_t capacity) {
    (void)ctx;
    /* A byte may already sit in the holding register if it arrived while the
     * interrupt was masked; drain it too. */
    __asm volatile("cpsid i");
    Uart0Rx_Handler();
    uint32_t n = kits_ring_pop(&rx_ring, buffer, (uint32_t)capacity);
    __asm volatile("cpsie i");
    return (int)n;
}

static uint32_t micros(void *ctx) {
    (void)ctx;
    uint32_t ms, ticks;
    do {
        ms = milliseconds;
        ticks = SYST_RVR - SYST_CVR;
    } while (ms != milliseconds);
    return ms * 1000u + ticks / (SYSCLK_HZ / 1000000u);
}

static void idle(void *ctx) {
    (void)ctx;
    __asm volatile("wfi");
}

int main(void) {
    kits_ring_init(&rx_ring, rx_storage, sizeof(rx_storage));
    UART_BAUDDIV = SYSCLK_HZ / 115200u;
    UART_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INT_EN;
    NVIC_ISER0 = 1u << 0;
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
    kits_board_io_t io = {uart_write, uart_read, micros, idle, 0, "qemu-mps2-an386"};
    return kits_board_main(&io);
}

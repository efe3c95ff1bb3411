/*
 * Kernel check image for QEMU mps2-an386: runs each generated case (kernel_cases.c)
 * through the kernels this build selected (KITS_NN_DSP) and prints, on UART0,
 *   case <index> ticks <SysTick ticks> out <output bytes in hex>
 * then "done". The host compares the outputs with the NumPy reference and turns the
 * ticks into instructions: under `qemu -icount shift=0` every instruction advances the
 * emulated clock by 1 ns, so one 25 MHz SysTick tick is 40 instructions. A calibration
 * loop of a known instruction count is printed first as "calibration <insns> ticks <n>".
 */
#include <stdint.h>

#include "kernel_cases.h"
#include "kits_model.h"
#include "kits_nn.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_MASK 0x00FFFFFFu

/* Interrupts are never enabled in this image; the vector table still names these. */
void SysTick_Handler(void) {}
void Uart0Rx_Handler(void) {}

static int8_t output[KITS_KERNEL_CASES_MAX_OUTPUT] __attribute__((aligned(4)));

static void put_char(char c) {
    while (UART_STATE & 0x1u) {
    }
    UART_DATA = (uint32_t)(uint8_t)c;
}

static void put_text(const char *s) {
    while (*s) put_char(*s++);
}

static void put_uint(uint32_t v) {
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) put_char(digits[--n]);
}

static void put_hex_bytes(const int8_t *data, int32_t length) {
    static const char hex[] = "0123456789abcdef";
    for (int32_t i = 0; i < length; ++i) {
        uint8_t b = (uint8_t)data[i];
        put_char(hex[b >> 4]);
        put_char(hex[b & 15u]);
    }
}

static uint32_t elapsed_ticks(uint32_t start) { return (start - SYST_CVR) & SYST_MASK; }

static void run_case(const kits_kernel_case_t *c) {
    const kits_layer_t *l = &c->layer;
    kits_requant_t rq = {l->multiplier, l->shift};
    switch (l->op) {
    case KITS_OP_CONV2D:
        kits_conv2d_s8(c->input, &l->window, l->weights, l->bias, rq, l->quant, output);
        break;
    case KITS_OP_DEPTHWISE_CONV2D:
        kits_depthwise_conv2d_s8(c->input, &l->window, l->depth_multiplier, l->weights, l->bias, rq,
                                 l->quant, output);
        break;
    case KITS_OP_FULLY_CONNECTED:
        kits_fully_connected_s8(c->input, l->window.in_c, l->weights, l->bias, l->window.out_c, rq,
                                l->quant, output);
        break;
    default:
        break;
    }
}

int main(void) {
    UART_BAUDDIV = 25000000u / 115200u;
    UART_CTRL = 0x1u; /* transmit only */
    SYST_RVR = SYST_MASK;
    SYST_CVR = 0;
    SYST_CSR = 0x5u; /* processor clock, no interrupt, enable */

    /* 2 instructions (subs, bne) per iteration. */
    uint32_t start = SYST_CVR;
    uint32_t n = 500000u;
    __asm volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
    uint32_t ticks = elapsed_ticks(start);
    put_text("calibration 1000000 ticks ");
    put_uint(ticks);
    put_text(kits_nn_uses_dsp() ? "\nkernels dsp\n" : "\nkernels portable\n");

    for (uint32_t i = 0; i < KITS_KERNEL_CASE_COUNT; ++i) {
        const kits_kernel_case_t *c = &kits_kernel_cases[i];
        start = SYST_CVR;
        run_case(c);
        ticks = elapsed_ticks(start);
        put_text("case ");
        put_uint(i);
        put_text(" ticks ");
        put_uint(ticks);
        put_text(" out ");
        put_hex_bytes(output, c->output_size);
        put_char('\n');
    }
    put_text("done\n");
    for (;;) {
        __asm volatile("wfi");
    }
}

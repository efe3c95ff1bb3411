/* Reset and vector table for the Arm MPS2 AN386 (Cortex-M4) that QEMU emulates. */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void SysTick_Handler(void);
void Uart0Rx_Handler(void);

static void fault_handler(void) {
    for (;;) {
    }
}

void Reset_Handler(void) {
    memcpy(&_sdata, &_sidata, (size_t)((uint8_t *)&_edata - (uint8_t *)&_sdata));
    memset(&_sbss, 0, (size_t)((uint8_t *)&_ebss - (uint8_t *)&_sbss));
    /* Grant full access to the FPU (CP10, CP11): the image is built for the hard-float ABI. */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n isb");
    main();
    fault_handler();
}

__attribute__((section(".isr_vector"), used))
static void (*const vectors[16 + 1])(void) = {
    (void (*)(void))(&_estack), Reset_Handler, fault_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler,
    SysTick_Handler,
    Uart0Rx_Handler, /* IRQ 0: UART0 receive */
};

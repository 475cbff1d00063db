/* Sleeps three times with mtmsr(WE | EE) until a one-shot PIT of 10 s (3,333,333,300 ticks) ends
 * it: 30 s of a guest that has nothing to do. Under -icount QEMU skips a sleeping core's idle time
 * (sleep=off warps virtual time to the next timer), so natively the run takes about no wall time;
 * on the microvisor it does too only if the core really sleeps while no partition runs, instead of
 * executing those 30 s instruction by instruction.
 */
#include "guest.h"

volatile uint32_t pit_count;

#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define TCR 986
#define PIT 987
#define SLEEP_TICKS 3333333300u

int main(void)
{
    for (uint32_t i = 1; i <= 3; i++) {
        MTSPR(TCR, 0x04000000); /* PIE: TCR before PIT (platform.md) */
        MTSPR(PIT, SLEEP_TICKS);
        while (pit_count < i)
            __asm__ volatile("mtmsr %0; isync" : : "r"(0x00040000u | 0x00008000u) : "memory"); /* WE | EE */
        __asm__ volatile("mtmsr %0; isync" : : "r"(0) : "memory");
        puts_uart0("woke after sleep ");
        print_dec(i);
        puts_uart0(" of 10 s\n");
    }
    MTSPR(TCR, 0);
    return 0;
}

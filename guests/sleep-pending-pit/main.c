/* mtmsr(WE | EE) with TSR[PIS] already set and TCR[PIE] on, twice. Each time: a short one-shot
 * PIT, a spin with EE = 0 until it has expired, then the sleep; the time base says how long the
 * sleep lasted. 10 ms (3,333,333 ticks) is far more than QEMU ever needs to take the interrupt.
 */
#include "guest.h"

volatile uint32_t pit_count;

#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define TSR 984
#define TCR 986
#define PIT 987

static uint32_t time_base(void)
{
    uint32_t value;
    __asm__ volatile("mftb %0" : "=r"(value));
    return value;
}

int main(void)
{
    uint32_t prompt = 0;
    for (int i = 0; i < 2; i++) {
        uint32_t before = pit_count;
        MTSPR(TCR, 0x04000000); /* PIE: TCR before PIT (platform.md) */
        MTSPR(PIT, 1000);
        while (!(MFSPR(TSR) & 0x08000000))
            ;
        uint32_t start = time_base();
        __asm__ volatile("mtmsr %0; isync" : : "r"(0x00040000u | 0x00008000u) : "memory"); /* WE | EE */
        uint32_t took = time_base() - start;
        __asm__ volatile("mtmsr %0; isync" : : "r"(0) : "memory");
        MTSPR(TCR, 0);
        if (pit_count == before + 1 && took < 3333333)
            prompt++;
    }
    puts_uart0("sleeps with a pending PIT interrupt that ended within 10 ms: ");
    print_dec(prompt);
    puts_uart0(" of 2\n");
    return 0;
}

/* Sleeps 20,000 times with mtmsr(WE | EE), each sleep ended by a one-shot PIT of a pseudo-random
 * 500 to 20,499 ticks, and folds the time base read at each wake into one hash it prints at the
 * end. Its transcript is a fingerprint of when every wake happened, to the tick: two runs of the
 * same image under -icount must print the same one (natively, and on the microvisor, whose idle
 * core sleeps with the guest). The hash is not expected to match between the two: the microvisor's
 * traps take time.
 */
#include "guest.h"

volatile uint32_t pit_count;

#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define TCR 986
#define PIT 987
#define SLEEPS 20000u

static uint32_t time_base_lower(void)
{
    uint32_t value;
    __asm__ volatile("mftb %0" : "=r"(value));
    return value;
}

int main(void)
{
    uint32_t random = 12345, hash = 0, slept = 0;
    MTSPR(TCR, 0x04000000); /* PIE: TCR before PIT (platform.md) */
    for (uint32_t i = 1; i <= SLEEPS; i++) {
        random = random * 1103515245u + 12345u;
        uint32_t ticks = 500 + (random >> 16) % 20000;
        uint32_t start = time_base_lower();
        MTSPR(PIT, ticks);
        while (pit_count < i)
            __asm__ volatile("mtmsr %0; isync" : : "r"(0x00040000u | 0x00008000u) : "memory"); /* WE | EE */
        __asm__ volatile("mtmsr %0; isync" : : "r"(0) : "memory");
        uint32_t woke = time_base_lower();
        hash = hash * 31 + woke;
        slept += woke - start;
    }
    MTSPR(TCR, 0);
    puts_uart0("sleep-wake: ");
    print_dec(SLEEPS);
    puts_uart0(" wakes, hash ");
    print_hex(hash);
    puts_uart0(", ");
    print_dec(slept);
    puts_uart0(" ticks asleep\n");
    return 0;
}

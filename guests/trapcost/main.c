/* Cost of each privileged instruction, in time-base ticks for 1000 executions (10 x 100 unrolled). */
#include "guest.h"

#define REPEAT10(x) x x x x x x x x x x
#define REPEAT100(x) REPEAT10(REPEAT10(x))

static inline uint32_t time_lower(void)
{
    uint32_t t;
    __asm__ volatile("mftb %0" : "=r"(t));
    return t;
}

static void report(const char *name, uint32_t ticks)
{
    puts_uart0("cost ");
    puts_uart0(name);
    puts_uart0(": ");
    print_dec(ticks);
    puts_uart0(" ticks per 1000\n");
}

/* Runs `body` (100 copies) 10 times and reports the ticks. */
#define MEASURE(name, setup, body)                                                                 \
    do {                                                                                           \
        setup;                                                                                     \
        uint32_t start_ = time_lower();                                                           \
        for (int i_ = 0; i_ < 10; i_++) {                                                          \
            __asm__ volatile(REPEAT100(body) : : "r"(value) : "memory");                           \
        }                                                                                          \
        report(name, time_lower() - start_);                                                      \
    } while (0)

int main(void)
{
    uint32_t value = 0;
    puts_uart0("trapcost: ticks per 1000 executions of each privileged instruction\n");
    MEASURE("nop (baseline)", value = 0, "nop\n\t");
    MEASURE("mfmsr", value = 0, "mfmsr 3\n\t");
    __asm__ volatile("mfmsr %0" : "=r"(value));
    MEASURE("mtmsr", (void)0, "mtmsr %0\n\t");
    MEASURE("wrteei 0", value = 0, "wrteei 0\n\t");
    MEASURE("wrtee", value = 0, "wrtee %0\n\t");
    MEASURE("mfspr srr0", value = 0, "mfspr 3, 26\n\t");
    MEASURE("mtspr srr0", value = 0x1000, "mtspr 26, %0\n\t");
    MEASURE("mfspr sprg0", value = 0, "mfspr 3, 272\n\t");
    MEASURE("mtspr sprg1", value = 7, "mtspr 273, %0\n\t");
    MEASURE("mfspr sprg4 (user alias, no trap)", value = 0, "mfspr 3, 260\n\t");
    MEASURE("mtspr sprg4", value = 4, "mtspr 276, %0\n\t");
    MEASURE("mfspr esr", value = 0, "mfspr 3, 980\n\t");
    MEASURE("mfspr pid", value = 0, "mfspr 3, 945\n\t");
    MEASURE("mfspr tsr", value = 0, "mfspr 3, 984\n\t");
    MEASURE("mtspr tsr", value = 0, "mtspr 984, %0\n\t");
    MEASURE("mfspr pit", value = 0, "mfspr 3, 987\n\t");
    MEASURE("mfdcr uic er", value = 0, "mfdcr 3, 0xc2\n\t");
    MEASURE("mtdcr uic er", value = 0, "mtdcr 0xc2, %0\n\t");
    MEASURE("iccci", value = 0, "iccci 0, %0\n\t");
    MEASURE("dccci", value = 0, "dccci 0, %0\n\t");
    MEASURE("tlbsync", value = 0, "tlbsync\n\t");
    MEASURE("sc + rfi", value = 0, "sc\n\t");
    return 0;
}

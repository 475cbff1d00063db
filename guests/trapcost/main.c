/* Cost of each privileged instruction, in time-base ticks for 1000 executions (10 x 100 unrolled).
 *
 * Every case leaves the machine as it found it (or restores it outside the measured region), so
 * the cases are independent and the run is deterministic under -icount. `cargo xtask bench traps`
 * knows each case by the name printed here (xtask/src/bench/traps.rs) and subtracts, where a case
 * needs a helper instruction (rfi needs SRR0 set), the helper's own case.
 */
#include "guest.h"

#define REPEAT10(x) x x x x x x x x x x
#define REPEAT100(x) REPEAT10(REPEAT10(x))

static inline uint32_t time_lower(void)
{
    uint32_t t;
    __asm__ volatile("mftb %0" : "=r"(t));
    return t;
}

static inline uint32_t mfmsr(void)
{
    uint32_t msr;
    __asm__ volatile("mfmsr %0" : "=r"(msr));
    return msr;
}

static void report(const char *name, uint32_t ticks)
{
    puts_uart0("cost ");
    puts_uart0(name);
    puts_uart0(": ");
    print_dec(ticks);
    puts_uart0(" ticks per 1000\n");
}

/* Runs `body` (100 copies) 10 times and reports the ticks. Bodies may use %0 (`value`, read
 * only) and clobber r3 and LR. */
#define MEASURE(name, setup, body)                                                                 \
    do {                                                                                           \
        setup;                                                                                     \
        uint32_t start_ = time_lower();                                                           \
        for (int i_ = 0; i_ < 10; i_++) {                                                          \
            __asm__ volatile(REPEAT100(body) : : "r"(value) : "r3", "lr", "memory");               \
        }                                                                                          \
        report(name, time_lower() - start_);                                                      \
    } while (0)

/* Whether to run the rfci case: `cargo xtask bench traps` patches this to 0 in the image it runs
 * natively, because QEMU 7.2 aborts on a real rfci under -icount ("Raised interrupt while not in
 * I/O function"); virtualized, the guest's rfci never reaches QEMU. Initialized, so it is in .data. */
volatile uint32_t trapcost_rfci = 1;

/* A data-cache line of its own for dcbi and dcread: nothing else lives in it. */
static uint32_t scratch_line[8] __attribute__((aligned(32)));

int main(void)
{
    uint32_t value = 0;
    puts_uart0("trapcost: ticks per 1000 executions of each privileged instruction\n");
    MEASURE("nop (baseline)", value = 0, "nop\n\t");

    /* The MSR and interrupt enable: each leaves the MSR as it was. */
    MEASURE("mfmsr", value = 0, "mfmsr 3\n\t");
    MEASURE("mtmsr", value = mfmsr(), "mtmsr %0\n\t");
    MEASURE("wrteei 0", value = 0, "wrteei 0\n\t");
    /* Nothing can interrupt: no timer or UIC line is enabled. */
    MEASURE("wrteei 1", value = 0, "wrteei 1\n\t");
    __asm__ volatile("wrteei 0");
    MEASURE("wrtee", value = 0, "wrtee %0\n\t");

    /* SPRs kept as plain storage, then those with an effect of their own. */
    MEASURE("mfspr srr0", value = 0, "mfspr 3, 26\n\t");
    MEASURE("mtspr srr0", value = 0x1000, "mtspr 26, %0\n\t");
    MEASURE("mfspr srr2", value = 0, "mfspr 3, 990\n\t");
    MEASURE("mtspr srr2", value = 0x1000, "mtspr 990, %0\n\t");
    MEASURE("mfspr sprg0", value = 0, "mfspr 3, 272\n\t");
    MEASURE("mtspr sprg1", value = 7, "mtspr 273, %0\n\t");
    MEASURE("mfspr sprg4 (user alias, no trap)", value = 0, "mfspr 3, 260\n\t");
    MEASURE("mtspr sprg4", value = 4, "mtspr 276, %0\n\t");
    MEASURE("mfspr esr", value = 0, "mfspr 3, 980\n\t");
    MEASURE("mtspr zpr", value = 0, "mtspr 944, %0\n\t");
    MEASURE("mtspr dbsr", value = 0, "mtspr 1008, %0\n\t");
    MEASURE("mfspr pid", value = 0, "mfspr 3, 945\n\t");
    MEASURE("mtspr pid", value = 0, "mtspr 945, %0\n\t");
    MEASURE("mfspr evpr", value = 0, "mfspr 3, 982\n\t");
    MEASURE("mtspr evpr", value = 0, "mtspr 982, %0\n\t");
    MEASURE("mfspr pvr", value = 0, "mfspr 3, 287\n\t");
    MEASURE("mfspr unknown (1023)", value = 0, "mfspr 3, 1023\n\t");
    MEASURE("mftb (no trap)", value = 0, "mftb 3\n\t");

    /* Timers: TCR stays 0 (no interrupt, WRC not set), the PIT counts but is stopped afterwards. */
    MEASURE("mfspr tcr", value = 0, "mfspr 3, 986\n\t");
    MEASURE("mtspr tcr", value = 0, "mtspr 986, %0\n\t");
    MEASURE("mfspr tsr", value = 0, "mfspr 3, 984\n\t");
    MEASURE("mtspr tsr", value = 0, "mtspr 984, %0\n\t");
    MEASURE("mtspr pit", value = 100000000, "mtspr 987, %0\n\t");
    MEASURE("mfspr pit", value = 0, "mfspr 3, 987\n\t");
    __asm__ volatile("mtspr 987, %0" : : "r"(0));

    /* Device control registers: the (virtual) UIC, and CPC0, read-only. */
    MEASURE("mfdcr uic er", value = 0, "mfdcr 3, 0xc2\n\t");
    MEASURE("mtdcr uic er", value = 0, "mtdcr 0xc2, %0\n\t");
    MEASURE("mfdcr cpc0 pllmr0", value = 0, "mfdcr 3, 0xf0\n\t");

    /* Caches and the TLB: what a guest without its own TLB may use. */
    MEASURE("iccci", value = 0, "iccci 0, %0\n\t");
    MEASURE("dccci", value = 0, "dccci 0, %0\n\t");
    MEASURE("dcbi", value = (uint32_t)scratch_line, "dcbi 0, %0\n\t");
    MEASURE("dcread", value = (uint32_t)scratch_line, "dcread 3, 0, %0\n\t");
    MEASURE("icread", value = (uint32_t)main, "icread 0, %0\n\t");
    MEASURE("tlbsync", value = 0, "tlbsync\n\t");

    /* Returns: SRR0 (SRR2) is pointed at the instruction after the rfi (rfci), so each copy falls
     * through to the next; the MSR it restores is the current one. The mtspr is subtracted. */
    __asm__ volatile("mtspr 27, %0" : : "r"(mfmsr()));
    MEASURE("rfi (after mtspr srr0)", value = 0,
            "bcl 20, 31, 1f\n1:\tmflr 3\n\taddi 3, 3, 16\n\tmtspr 26, 3\n\trfi\n\t");
    if (trapcost_rfci) {
        __asm__ volatile("mtspr 991, %0" : : "r"(mfmsr()));
        MEASURE("rfci (after mtspr srr2)", value = 0,
                "bcl 20, 31, 1f\n1:\tmflr 3\n\taddi 3, 3, 16\n\tmtspr 990, 3\n\trfci\n\t");
    }

    /* A system call, reflected to the guest's vector (an rfi, subtracted). */
    MEASURE("sc (and the vector's rfi)", value = 0, "sc\n\t");
    return 0;
}

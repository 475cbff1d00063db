/* Every class of privileged PPC405 instruction, run natively in supervisor mode (MSR = 0 at entry).
 *
 * Deterministic output only: no time base or PIT values. Follows docs/platform facts: TLB LO is
 * written before HI (QEMU clears the valid bit otherwise); SLER and DBCR0 are never written; only
 * UIC0's DCRs (0xC0-0xC8), which ref405ep implements, are touched.
 */
#include "guest.h"

#define SPR_SRR0 26
#define SPR_SRR1 27
#define SPR_SPRG0 272
#define SPR_SPRG3 275
#define SPR_SPRG4 276
#define SPR_SPRG4_USER 260
#define SPR_PVR 287
#define SPR_PID 945
#define SPR_SRR2 990
#define SPR_SRR3 991
#define DCR_UIC0_ER 0xc2
#define DCR_UIC0_CR 0xc3

#define MFSPR(spr) ({ uint32_t v_; __asm__ volatile("mfspr %0, %1" : "=r"(v_) : "i"(spr)); v_; })
#define MTSPR(spr, v) __asm__ volatile("mtspr %0, %1" : : "i"(spr), "r"(v))
#define MFDCR(dcr) ({ uint32_t v_; __asm__ volatile("mfdcr %0, %1" : "=r"(v_) : "i"(dcr)); v_; })
#define MTDCR(dcr, v) __asm__ volatile("mtdcr %0, %1" : : "i"(dcr), "r"(v))

static void line(const char *label, uint32_t value)
{
    puts_uart0(label);
    puts_uart0(" = ");
    print_hex(value);
    putc_uart0('\n');
}

static uint32_t mfmsr(void)
{
    uint32_t msr;
    __asm__ volatile("mfmsr %0" : "=r"(msr));
    return msr;
}

static void msr_class(void)
{
    uint32_t msr = mfmsr();
    line("msr at entry", msr);
    __asm__ volatile("mtmsr %0" : : "r"(msr | 0x1000)); /* ME */
    line("msr with ME", mfmsr());
    __asm__ volatile("mtmsr %0" : : "r"(msr));
    __asm__ volatile("wrteei 1");
    line("msr after wrteei 1", mfmsr());
    __asm__ volatile("wrteei 0");
    __asm__ volatile("wrtee %0" : : "r"(0x8000));
    line("msr after wrtee EE", mfmsr());
    __asm__ volatile("wrtee %0" : : "r"(0));
    line("msr after wrtee 0", mfmsr());
}

/* A self-made interrupt return: SRR0/SRR1 (and SRR2/SRR3 for rfci) point past the return. */
static void return_class(void)
{
    uint32_t scratch;
    __asm__ volatile("lis %0, 1f@ha\n\t"
                     "addi %0, %0, 1f@l\n\t"
                     "mtspr 26, %0\n\t"
                     "mfmsr %0\n\t"
                     "ori %0, %0, 0x1000\n\t"
                     "mtspr 27, %0\n\t"
                     "rfi\n\t"
                     "b .\n"
                     "1:"
                     : "=&r"(scratch) : : "memory");
    line("msr after rfi", mfmsr());
    __asm__ volatile("lis %0, 1f@ha\n\t"
                     "addi %0, %0, 1f@l\n\t"
                     "mtspr 990, %0\n\t"
                     "li %0, 0\n\t"
                     "mtspr 991, %0\n\t"
                     "rfci\n\t"
                     "b .\n"
                     "1:"
                     : "=&r"(scratch) : : "memory");
    line("msr after rfci", mfmsr());
}

static void spr_class(void)
{
    MTSPR(SPR_SPRG0, 0x11111111);
    MTSPR(SPR_SPRG3, 0x33333333);
    MTSPR(SPR_SPRG4, 0x44444444);
    MTSPR(SPR_SRR0, 0x00c0ffee);
    line("sprg0", MFSPR(SPR_SPRG0));
    line("sprg3", MFSPR(SPR_SPRG3));
    line("sprg4 (user alias)", MFSPR(SPR_SPRG4_USER));
    line("srr0", MFSPR(SPR_SRR0));
    line("pvr", MFSPR(SPR_PVR));
    uint32_t tb1, tb2;
    __asm__ volatile("mftb %0" : "=r"(tb1));
    __asm__ volatile("mftb %0" : "=r"(tb2));
    puts_uart0(tb2 - tb1 < 0x80000000u ? "time base runs forward\n" : "time base ran backwards\n");
}

static void dcr_class(void)
{
    MTDCR(DCR_UIC0_ER, 0); /* keep every UIC0 input disabled */
    MTDCR(DCR_UIC0_CR, 0x0000f000);
    line("uic0 cr", MFDCR(DCR_UIC0_CR));
    MTDCR(DCR_UIC0_CR, 0);
    line("uic0 er", MFDCR(DCR_UIC0_ER));
}

static void tlb_class(void)
{
    uint32_t index = 5, hi, lo, found, ok;
    __asm__ volatile("tlbia");
    MTSPR(SPR_PID, 0);
    /* LO (RPN 0x00800000, EX, WR) before HI (EPN 0x00800000, 4 KiB, valid). */
    __asm__ volatile("tlbwe %0, %1, 1" : : "r"(0x00800300), "r"(index));
    __asm__ volatile("tlbwe %0, %1, 0" : : "r"(0x00800040 | 0x0080), "r"(index));
    __asm__ volatile("tlbsync");
    __asm__ volatile("tlbre %0, %1, 0" : "=r"(hi) : "r"(index));
    __asm__ volatile("tlbre %0, %1, 1" : "=r"(lo) : "r"(index));
    line("tlb 5 hi", hi);
    line("tlb 5 lo", lo);
    __asm__ volatile("tlbsx. %0, 0, %2\n\t"
                     "mfcr %1"
                     : "=r"(found), "=r"(ok) : "r"(0x00800123) : "cr0");
    line("tlbsx index", found);
    puts_uart0(ok & 0x20000000 ? "tlbsx found it\n" : "tlbsx missed\n");
    __asm__ volatile("tlbia");
}

static uint32_t buffer[8] __attribute__((aligned(32)));

static void cache_class(void)
{
    uint32_t value;
    __asm__ volatile("iccci 0, %0" : : "r"(0));
    __asm__ volatile("dccci 0, %0" : : "r"(0));
    buffer[0] = 0x5a5a5a5a;
    __asm__ volatile("dcbi 0, %0" : : "r"(buffer) : "memory");
    __asm__ volatile("dcread %0, 0, %1" : "=r"(value) : "r"(0));
    __asm__ volatile("icread 0, %0" : : "r"(0));
    (void)value;
    puts_uart0("caches invalidated\n");
}

/* A jump table (dense switch) and function pointers, so moved code is reached through data. */
__attribute__((noinline)) static uint32_t twice(uint32_t n) { return 2 * n; }
__attribute__((noinline)) static uint32_t square(uint32_t n) { return n * n; }
/* In .data, so each entry is an R_PPC_ADDR32 to moved code. */
static uint32_t (*operations[])(uint32_t) = { twice, square };

__attribute__((noinline)) static uint32_t by_case(uint32_t which, uint32_t n)
{
    switch (which) {
    case 0: return n + 1;
    case 1: return operations[which & 1](n) + 3;
    case 2: return n * 7;
    case 3: return operations[(which >> 1) & 1](n) - 1;
    case 4: return n ^ 0x55;
    case 5: return n << 3;
    case 6: return n - 9;
    case 7: return mfmsr() + n;
    default: return 0;
    }
}

int main(void)
{
    puts_uart0("privileged-c: every class of privileged instruction, natively\n");
    msr_class();
    return_class();
    spr_class();
    dcr_class();
    tlb_class();
    cache_class();
    uint32_t sum = 0;
    static volatile uint32_t limit = 9; /* opaque to gcc: keeps the switch a jump table */
    for (uint32_t which = 0; which < limit; which++)
        sum = sum * 3 + by_case(which, which + 10);
    line("jump table sum", sum);
    return 0;
}

/* Resets itself through DBCR0[RST] (core, chip, system reset), then through its watchdog's TCR[WRC]
   (core, system reset); prints the state each leaves. */
#include "guest.h"

#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" :: "i"(n), "r"(v))

enum { SPRG0 = 272, SPRG4_WRITE = 276, SPRG4 = 260, ZPR = 944, PID = 945, CCR0 = 947, SGR = 953,
       ESR = 980, DEAR = 981, EVPR = 982, SRR2 = 990, TSR = 984, TCR = 986, PIT = 987, DBSR = 1008,
       DBCR0 = 1010, DCCR = 1018, ICCR = 1019, SRR0 = 26, SRR1 = 27, TBL = 268 };
#define TCR_WP_LONGEST 0xc0000000u
#define TCR_PIE 0x04000000u
#define TCR_ARE 0x00400000u
#define UIC0_ER 0xc2

/* Outside the image (the guest's memory is 16 MiB): the boot count survives a system reset. */
#define BOOTS (*(volatile uint32_t *)0x00700000)
/* The first word of the board-information block QEMU's boot leaves at 16 MiB - 0x80 (r3): set at
   the first boot, it keeps its value through every reset (QEMU writes the block once). */
#define BOARD_INFO_WORD (*(volatile uint32_t *)0x00ffff80)
/* Where the shared vectors saved the interrupted GPRs. */
#define SAVED_GPR(n) (((volatile uint32_t *)0x3000)[n])

/* Patched to 1 by the test on a microvisor with tlb-virt (the basis stops TLB instructions). */
volatile uint32_t reset_uses_tlb __attribute__((section(".data"))) = 0;
/* Reloaded from the image by a system reset, kept by the others. */
volatile uint32_t data_word = 5;

static void show(const char *name, uint32_t value)
{
    puts_uart0(" ");
    puts_uart0(name);
    puts_uart0("=");
    print_hex(value);
}

static uint32_t mfmsr(void)
{
    uint32_t v;
    __asm__ volatile("mfmsr %0" : "=r"(v));
    return v;
}

static uint32_t uic_er(void)
{
    uint32_t v;
    __asm__ volatile("mfdcr %0,%1" : "=r"(v) : "i"(UIC0_ER));
    return v;
}

/* Long enough for the PIT armed before a reset to expire after it (200,000 ticks). */
static void wait_for_the_pit(void)
{
    uint32_t start = MFSPR(TBL);
    while (MFSPR(TBL) - start < 1000000)
        ;
}

static void print_state(void)
{
    show("msr", mfmsr());
    show("dbsr", MFSPR(DBSR));
    show("dbcr0", MFSPR(DBCR0));
    show("sprg0", MFSPR(SPRG0));
    show("sprg4", MFSPR(SPRG4));
    show("srr2", MFSPR(SRR2));
    show("evpr", MFSPR(EVPR));
    show("pid", MFSPR(PID));
    show("zpr", MFSPR(ZPR));
    show("tcr", MFSPR(TCR));
    show("tsr", MFSPR(TSR));
    show("ccr0", MFSPR(CCR0));
    show("esr", MFSPR(ESR));
    show("dear", MFSPR(DEAR));
    show("sgr", MFSPR(SGR));
    show("dccr", MFSPR(DCCR));
    show("iccr", MFSPR(ICCR));
    show("uic-er", uic_er());
    show("data", data_word);
    show("board-info", BOARD_INFO_WORD);
    puts_uart0("\n");
    if (reset_uses_tlb) {
        uint32_t hi, lo, index = 5;
        __asm__ volatile("tlbre %0,%2,0\n\ttlbre %1,%2,1" : "=&r"(hi), "=&r"(lo) : "r"(index));
        show("tlb5-hi", hi);
        show("tlb5-lo", lo);
        puts_uart0("\n");
    }
}

/* Changes what a reset should put back (and what it should keep). */
static void change_state(void)
{
    MTSPR(SPRG0, 0x11111111);
    MTSPR(SPRG4_WRITE, 0x44444444);
    MTSPR(SRR2, 0x2222);
    MTSPR(PID, 5);
    MTSPR(ZPR, 0xc0000000);
    MTSPR(DCCR, 0x80000000);
    MTSPR(ICCR, 0x80000000);
    MTSPR(SGR, 0x12345678);
    MTSPR(ESR, 0x00800000);
    MTSPR(DEAR, 0xdead0000);
    MTSPR(EVPR, 0x00000000);
    /* Other DBCR0 bits alone are plain storage: read back, nothing reset. */
    MTSPR(DBCR0, 0x80000000);
    show("dbcr0-written", MFSPR(DBCR0));
    puts_uart0("\n");
    uint32_t enable = 0x80000000;
    __asm__ volatile("mtdcr %0,%1" :: "i"(UIC0_ER), "r"(enable));
    data_word = 9;
    if (reset_uses_tlb) {
        /* LO before HI: QEMU's TLBLO write drops V. A 64 KiB page at 0x10000000, not used. */
        uint32_t index = 5, hi = 0x10000000 | 0x40 | (4 << 7), lo = 0x00100000 | 0x300;
        __asm__ volatile("tlbwe %1,%2,1\n\ttlbwe %0,%2,0" :: "r"(hi), "r"(lo), "r"(index));
    }
    /* A PIT counting through the reset, which leaves it counting with TCR = 0: at its expiry
       TSR[PIS] is set, with no interrupt. The TCR write steps the watchdog once (TSR[ENW]); its
       next step is 2^29 ticks away. */
    MTSPR(TCR, TCR_WP_LONGEST | TCR_PIE | TCR_ARE);
    MTSPR(PIT, 200000);
}

static void request(uint32_t reset)
{
    change_state();
    puts_uart0("requesting reset ");
    print_hex(reset);
    puts_uart0("\n");
    /* r31 carries a mark through the reset: a processor reset keeps the GPRs. */
    __asm__ volatile("li 31, 0x3131\n\tmtspr %0,%1" :: "i"(DBCR0), "r"(reset) : "r31");
    puts_uart0("the reset request was ignored\n");
    guest_end();
}

/* The watchdog at its shortest period (2^17 ticks) with TCR[WRC] = `reset`, never serviced: the
   TCR write sets TSR[ENW], the next period TSR[WIS], the one after resets. Meanwhile the guest
   spins, or sleeps in the wait state with every interrupt off (only the reset wakes it). */
static void watchdog(uint32_t reset, int sleep)
{
    puts_uart0("arming the watchdog, reset ");
    print_hex(reset);
    puts_uart0(sleep ? ", asleep\n" : ", spinning\n");
    __asm__ volatile("li 31, 0x3232\n\tmtspr %0,%1" :: "i"(TCR), "r"(reset) : "r31");
    if (sleep) {
        uint32_t wait_state = 0x00040000; /* MSR[WE], EE and CE off */
        __asm__ volatile("mtmsr %0\n\tisync" :: "r"(wait_state));
    }
    for (;;)
        ;
}

static void next_stage(void)
{
    uint32_t boots = BOOTS;
    BOOTS = boots + 1;
    BOARD_INFO_WORD = 0xb0a7d000 + boots;
    if (boots == 0)
        request(0x10000000); /* core */
    else if (boots == 1)
        request(0x20000000); /* chip */
    else if (boots == 2)
        request(0x30000000); /* system */
    else if (boots == 3)
        watchdog(0x30000000, 1); /* system, asleep */
    else if (boots == 4)
        watchdog(0x10000000, 0); /* core, spinning (QEMU never wakes a sleeping 405 for a core reset) */
    else
        guest_end();
}

uint32_t on_exception(uint32_t vector)
{
    puts_uart0("vector ");
    print_hex(vector);
    show("srr0", MFSPR(SRR0));
    show("srr1", MFSPR(SRR1));
    show("r31", SAVED_GPR(31));
    puts_uart0("\n");
    wait_for_the_pit();
    print_state();
    next_stage();
    return 0;
}

int main(void)
{
    puts_uart0("boot ");
    print_dec(BOOTS);
    puts_uart0("\n");
    if (BOOTS != 0)
        wait_for_the_pit();
    print_state();
    next_stage();
    return 0;
}

/* The conformance guest's exception handling and output helpers. */
#include "harness.h"

/* The interrupted code's r0, r3 and LR, in the save area of lib/exception-vectors (0x3000, 0x3084). */
#define SAVED_R0 (*(volatile uint32_t *)0x3000)
#define SAVED_R3 (*(volatile uint32_t *)0x300c)
#define SAVED_LR (*(volatile uint32_t *)0x3084)

volatile uint32_t trap_count;
volatile uint32_t handler_msr;
volatile struct trap traps[TRAP_LOG];
volatile enum resume resume_mode = RESUME_NEXT;
volatile uint32_t pit_count;
volatile uint32_t pit_stop_at;

volatile struct conformance_config conformance_config = {
    .magic = 0x434f4e46, /* "CONF" */
    .sections = SECTION_FIXED | SECTION_INTERRUPTS | SECTION_RANDOM,
    .first_seed = 1,
    .seeds = 1000,
};

static int is_critical(uint32_t vector)
{
    /* Critical input, machine check, debug save into SRR2/SRR3 (table 5-2). The manual makes the
     * watchdog critical too, but QEMU 7.2's 405 delivers it through SRR0/SRR1. */
    return vector == 0x100 || vector == 0x200 || vector == 0x2000;
}

/* Called by every vector (lib/exception-vectors); returns 1 to leave with rfci, 0 with rfi. */
uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x0c00 && SAVED_R0 == CONTEXT_SYNC)
        return 0; /* only its rfi was wanted (see harness.h), not a trap to log */
    handler_msr = mfmsr();
    int critical = is_critical(vector);
    uint32_t srr0 = critical ? MFSPR(SRR2) : MFSPR(SRR0);
    uint32_t srr1 = critical ? MFSPR(SRR3) : MFSPR(SRR1);
    if (trap_count < TRAP_LOG) {
        volatile struct trap *trap = &traps[trap_count];
        trap->vector = vector;
        trap->srr0 = srr0;
        trap->srr1 = srr1;
        trap->esr = MFSPR(ESR);
        trap->dear = MFSPR(DEAR);
    }
    trap_count++;
    switch (vector) {
    case 0x0300: /* data storage */
    case 0x0600: /* alignment */
    case 0x0700: /* program */
    case 0x1100: /* data TLB miss */
        if (resume_mode == RESUME_NEXT)
            MTSPR(SRR0, srr0 + 4);
        else if (resume_mode == RESUME_CALLER)
            MTSPR(SRR0, SAVED_LR);
        break;
    case 0x0c00: /* system call: SRR0 already points after the sc */
        if (SAVED_R0 == LEAVE_USER_MODE)
            MTSPR(SRR1, srr1 & ~MSR_PR);
        else if (SAVED_R0 == SWITCH_MODE)
            MTSPR(SRR1, (srr1 & ~(MSR_PR | MSR_IR | MSR_DR)) | (SAVED_R3 & (MSR_PR | MSR_IR | MSR_DR)));
        break;
    case 0x0100: /* critical input */
    case 0x0500: /* external: switch off every UIC line so it cannot fire again */
        MTDCR(UIC_ER, 0);
        {
            volatile uint8_t *uart0_ier = (volatile uint8_t *)0xef600301;
            *uart0_ier = 0;
        }
        MTDCR(UIC_SR, 0xffffffff);
        break;
    case 0x0400: /* instruction storage and TLB miss: the test called there; return to its caller */
    case 0x1200:
        MTSPR(SRR0, SAVED_LR);
        break;
    case 0x1000: /* PIT */
        pit_count++;
        if (pit_count == pit_stop_at)
            MTSPR(TCR, 0);
        MTSPR(TSR, 0x08000000);
        break;
    case 0x1010: /* FIT (never on QEMU 7.2): one is enough, switch it off (WP = 2 kept) */
        MTSPR(TCR, 0x80000000);
        MTSPR(TSR, 0x04000000);
        break;
    case 0x1020: /* watchdog: clear WIS */
        MTSPR(TSR, 0x40000000);
        break;
    default:
        break;
    }
    return critical ? 1 : 0;
}

void traps_clear(void)
{
    trap_count = 0;
}

void traps_print(const char *label)
{
    puts_uart0(label);
    puts_uart0(": ");
    print_dec(trap_count);
    puts_uart0(" interrupt(s)\n");
    for (uint32_t i = 0; i < trap_count && i < TRAP_LOG; i++) {
        puts_uart0("  vector ");
        print_hex(traps[i].vector);
        puts_uart0(" srr0 ");
        print_hex(traps[i].srr0);
        puts_uart0(" srr1 ");
        print_hex(traps[i].srr1);
        puts_uart0(" esr ");
        print_hex(traps[i].esr);
        if (traps[i].vector == 0x300 || traps[i].vector == 0x600 || traps[i].vector == 0x1100) {
            puts_uart0(" dear ");
            print_hex(traps[i].dear);
        }
        puts_uart0("\n");
    }
    trap_count = 0;
}

void line(const char *label, uint32_t value)
{
    puts_uart0(label);
    puts_uart0(" = ");
    print_hex(value);
    puts_uart0("\n");
}

void enter_user_mode(void)
{
    mtmsr(mfmsr() | MSR_PR);
}

void leave_user_mode(void)
{
    __asm__ volatile("lis 0, %0@h; ori 0, 0, %0@l; sc" : : "i"(LEAVE_USER_MODE) : "r0", "memory");
}

int main(void)
{
    uint32_t sections = conformance_config.sections;
    puts_uart0("conformance: PPC405 privileged ISA, interrupts and randomized sequences\n");
    if (sections & SECTION_FIXED)
        run_fixed();
    if (sections & SECTION_INTERRUPTS)
        run_interrupts();
    if (sections & SECTION_MMU)
        run_mmu();
    if (sections & SECTION_RANDOM)
        run_random(conformance_config.first_seed, conformance_config.seeds);
    if (sections & SECTION_ENCODINGS)
        run_encodings();
    if (sections & SECTION_MMU_RANDOM)
        run_mmu_random(conformance_config.first_seed, conformance_config.seeds);
    return 0;
}

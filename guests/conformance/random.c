/* Randomized sequences of privileged instructions, generated from seeds.
 *
 * For each seed: set every virtualized register to a seed-derived value, generate a sequence of
 * privileged and sensitive instructions (SPR and DCR reads and writes, MSR changes, wrtee/wrteei,
 * rfi/rfci, system calls, traps, illegal words, cache operations) into a buffer, run it, then hash
 * the whole observable state (GPRs, MSR, SPRs, UIC, the interrupt log) and print `seed N: hash`.
 * Sequences may enter user mode (MSR[PR]), after which every privileged instruction must trap.
 *
 * The MSR bits chosen include those the microvisor keeps as QEMU's 405 does (ME, which only rfi
 * changes; CE and DE, which interrupts clear; AP, APE, FE0, FE1, which read 0).
 *
 * Kept out of the random choice, for the reasons given in fixed.c: MSR[WE, IR, DR]; the time
 * base, TCR and PIT (time-dependent); EVPR (moves the vectors); SLER, DBCR0, USPRG0; UIC enables (an interrupt raised by mtdcr is taken at a point QEMU does
 * not define) and the lines UART0/UART1 drive; CPC0 writes (they change the clocks).
 */
#include "harness.h"

#define MAX_WORDS 400
/* A page of its own: QEMU re-translates the code of a page whenever that page is written. */
static uint32_t code[1024] __attribute__((aligned(4096)));
static uint32_t scratch[8] __attribute__((aligned(32)));
static uint32_t state;

static uint32_t next_random(void) { return xorshift32(&state); }

static uint32_t pick(uint32_t n) { return next_random() % n; }

static uint32_t spr_field(uint32_t n) { return SPR_FIELD(n); }
static uint32_t x_form(uint32_t rt, uint32_t ra, uint32_t rb, uint32_t xo) { return X_FORM(rt, ra, rb, xo); }

static const uint16_t writable_sprs[] = {
    SRR0, SRR1, SRR2, SRR3, SPRG0, SPRG1, SPRG2, SPRG3, SPRG4, SPRG5, SPRG6, SPRG7, ESR, DEAR, ZPR,
    PID, CCR0, IAC1, IAC2, IAC3, IAC4, DAC1, DAC2, DVC1, DVC2, DBCR1, SGR, DCWR, SU0R, DCCR, ICCR,
    SPRG4_USER, PVR, ICDBDR, DBSR, 1023, 0,
};
static const uint16_t readable_sprs[] = {
    SRR0, SRR1, SRR2, SRR3, SPRG0, SPRG1, SPRG2, SPRG3, SPRG4, SPRG5, SPRG6, SPRG7, SPRG4_USER,
    SPRG5_USER, SPRG6_USER, SPRG7_USER, ESR, DEAR, ZPR, PID, CCR0, IAC1, IAC2, IAC3, IAC4, DAC1, DAC2,
    DVC1, DVC2, DBCR1, SGR, DCWR, SU0R, DCCR, ICCR, EVPR, PVR, ICDBDR, TCR, DBSR, 1023, 4,
};
static const uint16_t uic_writes[] = { UIC_SR, UIC_SRS, UIC_CR, UIC_PR, UIC_TR, UIC_VCR };
static const uint16_t dcr_reads[] = { UIC_SR, UIC_ER, UIC_CR, UIC_PR, UIC_TR, UIC_MSR, UIC_VR, UIC_VCR, 0x0f0, 0x0f4, 0x3ff };
/* UIC lines 2-31: lines 0 and 1 are UART0's and UART1's, whose levels follow the console; 2 (IIC)
 * and 19-23 (GPT) are real devices' too, but quiet, and set and cleared like the others. */
#define SAFE_LINES 0x3fffffffu

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t random_msr(void)
{
    static const uint32_t bits[] = {
        MSR_EE, MSR_PR, MSR_FP, MSR_ME, MSR_CE, MSR_DE, MSR_DWE,
        0x02000000u /* AP */, 0x00080000u /* APE */, 0x00000800u /* FE0 */, 0x00000100u /* FE1 */,
    };
    uint32_t msr = 0;
    for (unsigned i = 0; i < COUNT(bits); i++)
        if (next_random() & 1)
            msr |= bits[i];
    return msr;
}

static unsigned emitted;
static void emit(uint32_t word) { code[emitted++] = word; }
static void load_r12(uint32_t value)
{
    emit((15u << 26) | (12u << 21) | (value >> 16));                 /* lis r12, hi */
    emit((24u << 26) | (12u << 21) | (12u << 16) | (value & 0xffff)); /* ori r12, r12, lo */
}
static uint32_t random_register(void) { return 14 + pick(18); }

static void generate(unsigned operations)
{
    emitted = 0;
    for (unsigned i = 0; i < operations && emitted < MAX_WORDS - 12; i++) {
        switch (pick(14)) {
        case 0:
        case 1:
            emit(x_form(random_register(), 0, 0, 467) | spr_field(writable_sprs[pick(COUNT(writable_sprs))]));
            break;
        case 2:
        case 3:
            emit(x_form(random_register(), 0, 0, 339) | spr_field(readable_sprs[pick(COUNT(readable_sprs))]));
            break;
        case 4:
            load_r12(random_msr());
            emit(x_form(12, 0, 0, 146)); /* mtmsr r12 */
            break;
        case 5:
            emit(x_form(random_register(), 0, 0, 83)); /* mfmsr */
            break;
        case 6:
            emit(x_form(0, 0, 0, 163) | ((next_random() & 1) << 15)); /* wrteei */
            break;
        case 7:
            emit(x_form(random_register(), 0, 0, 131)); /* wrtee */
            break;
        case 8:
            load_r12(next_random() & SAFE_LINES);
            emit(x_form(12, 0, 0, 451) | spr_field(uic_writes[pick(COUNT(uic_writes))])); /* mtdcr */
            break;
        case 9:
            emit(x_form(random_register(), 0, 0, 323) | spr_field(dcr_reads[pick(COUNT(dcr_reads))]));
            break;
        case 10: { /* rfi or rfci to the next instruction, with a random MSR */
            int critical = next_random() & 1;
            uint32_t after = (uint32_t)&code[emitted + 7]; /* past the 7 words of this case */
            load_r12(after);
            emit(x_form(12, 0, 0, 467) | spr_field(critical ? SRR2 : SRR0));
            load_r12(random_msr());
            emit(x_form(12, 0, 0, 467) | spr_field(critical ? SRR3 : SRR1));
            emit(critical ? 0x4c000066 : 0x4c000064);
            break;
        }
        case 11: {
            static const uint32_t words[] = { 0x44000002 /* sc */, 0x7fe00008 /* tw 31,0,0 */, 0 /* illegal */ };
            emit(words[pick(COUNT(words))]);
            break;
        }
        case 12: {
            static const uint32_t xo[] = { 470 /* dcbi */, 454 /* dccci */, 966 /* iccci */, 998 /* icread */, 486 /* dcread */, 566 /* tlbsync */ };
            uint32_t op = xo[pick(COUNT(xo))];
            load_r12((uint32_t)&scratch[pick(8)] & ~3u);
            emit(x_form(op == 486 ? random_register() : 0, 0, op == 566 ? 0 : 12, op));
            break;
        }
        default: /* SPRG4-7 written, then read through the user aliases */
        {
            uint32_t n = pick(4);
            uint32_t r = random_register();
            emit(x_form(r, 0, 0, 467) | spr_field(SPRG4 + n));
            emit(x_form(random_register(), 0, 0, 339) | spr_field(SPRG4_USER + n));
            break;
        }
        }
    }
    emit(0x4e800020); /* blr */
    for (unsigned i = 0; i < emitted; i += 8) {
        __asm__ volatile("dcbst 0, %0; sync; icbi 0, %0" : : "r"(&code[i]) : "memory");
    }
    __asm__ volatile("sync; isync");
}


#define SET(n) MTSPR(n, next_random())
#define HASH(n) hash = hash_word(hash, MFSPR(n))

static void set_state(void)
{
    SET(SRR0); SET(SRR1); SET(SRR2); SET(SRR3);
    SET(SPRG0); SET(SPRG1); SET(SPRG2); SET(SPRG3); SET(SPRG4); SET(SPRG5); SET(SPRG6); SET(SPRG7);
    SET(ESR); SET(DEAR); SET(ZPR); SET(PID); SET(CCR0); SET(IAC1); SET(IAC2); SET(IAC3); SET(IAC4);
    SET(DAC1); SET(DAC2); SET(DVC1); SET(DVC2); SET(DBCR1); SET(SGR); SET(DCWR); SET(SU0R);
    SET(DCCR); SET(ICCR);
    MTDCR(UIC_ER, 0);
    MTDCR(UIC_SR, 0xffffffff);
    MTDCR(UIC_CR, next_random() & SAFE_LINES);
    MTDCR(UIC_PR, next_random() & SAFE_LINES);
    MTDCR(UIC_TR, next_random() & SAFE_LINES);
    MTDCR(UIC_VCR, next_random());
    mtmsr(random_msr() & ~MSR_PR);
}

static uint32_t hash_state(const uint32_t *registers)
{
    uint32_t hash = 2166136261u;
    for (unsigned i = 0; i < 19; i++)
        hash = hash_word(hash, registers[i]);
    hash = hash_word(hash, mfmsr());
    HASH(SRR0); HASH(SRR1); HASH(SRR2); HASH(SRR3);
    HASH(SPRG0); HASH(SPRG1); HASH(SPRG2); HASH(SPRG3); HASH(SPRG4); HASH(SPRG5); HASH(SPRG6); HASH(SPRG7);
    HASH(ESR); HASH(DEAR); HASH(ZPR); HASH(PID); HASH(CCR0); HASH(IAC1); HASH(IAC2); HASH(IAC3); HASH(IAC4);
    HASH(DAC1); HASH(DAC2); HASH(DVC1); HASH(DVC2); HASH(DBCR1); HASH(SGR); HASH(DCWR); HASH(SU0R);
    HASH(DCCR); HASH(ICCR); HASH(EVPR); HASH(TCR);
    hash = hash_word(hash, MFDCR(UIC_SR) & SAFE_LINES);
    hash = hash_word(hash, MFDCR(UIC_ER));
    hash = hash_word(hash, MFDCR(UIC_CR));
    hash = hash_word(hash, MFDCR(UIC_PR));
    hash = hash_word(hash, MFDCR(UIC_TR));
    hash = hash_word(hash, MFDCR(UIC_MSR) & SAFE_LINES);
    hash = hash_word(hash, MFDCR(UIC_VR));
    hash = hash_word(hash, MFDCR(UIC_VCR));
    for (uint32_t i = 0; i < trap_count && i < TRAP_LOG; i++) {
        hash = hash_word(hash, traps[i].vector);
        hash = hash_word(hash, traps[i].srr0);
        hash = hash_word(hash, traps[i].srr1);
        hash = hash_word(hash, traps[i].esr);
    }
    hash = hash_word(hash, trap_count);
    return hash;
}

void run_random(uint32_t first_seed, uint32_t seeds)
{
    uint32_t registers[19];
    uint32_t all = 2166136261u;
    for (uint32_t seed = first_seed; seed < first_seed + seeds; seed++) {
        state = seed * 2654435761u + 1;
        set_state();
        for (unsigned i = 0; i < 19; i++)
            registers[i] = next_random();
        generate(8 + pick(40));
        traps_clear();
        run_generated(code, registers);
        uint32_t hash = hash_state(registers);
        mtmsr(0);
        all = hash_word(all, hash);
        puts_uart0("seed ");
        print_dec(seed);
        puts_uart0(": ");
        print_hex(hash);
        puts_uart0("\n");
    }
    MTDCR(UIC_CR, 0);
    MTDCR(UIC_PR, 0);
    MTDCR(UIC_TR, 0);
    MTDCR(UIC_VCR, 0);
    puts_uart0("random: ");
    print_dec(seeds);
    puts_uart0(" seeds, combined hash ");
    print_hex(all);
    puts_uart0("\n");
}

/* Every SPR number, and every privileged instruction with each of its reserved bits set.
 *
 * A decoder may accept a word the manual calls invalid (a reserved field not zero) or read a field
 * the manual leaves reserved (mtmsr's L bit): QEMU 7.2's 405 does both, and the microvisor must
 * answer each such word as QEMU does. For each case a short sequence runs from a code buffer:
 * r14-r16 are loaded with a pattern, the case runs, and the registers, the MSR and the interrupt
 * log (vector, ESR) are hashed; one line per instruction (`encoding mtmsr: hash`) and per block of
 * 64 SPR numbers, read in supervisor and user mode, and written back with what was read.
 *
 * Kept out: the time base, TSR and PIT numbers (268, 269, 284, 285, 984, 987: their values move
 * with time once an earlier section has started a timer), mftb
 * (likewise), and the TLB instructions (the basis microvisor refuses them; the MMU sections cover
 * them).
 */
#include "harness.h"

static uint32_t code[64] __attribute__((aligned(4096)));
static uint32_t words;
/* Room for a string store of up to 128 bytes (stswx with XER's byte count) from its start. */
static uint32_t scratch[64] __attribute__((aligned(32)));

static void emit(uint32_t word) { code[words++] = word; }


static void load_r12(uint32_t value)
{
    emit((15u << 26) | (12u << 21) | (value >> 16));
    emit((24u << 26) | (12u << 21) | (12u << 16) | (value & 0xffff));
}

/* Runs what was emitted (with blr added) and hashes what it left. */
static uint32_t run(uint32_t hash, int user)
{
    uint32_t registers[19];
    emit(0x7e200026); /* mfcr r17 */
    emit(0x4e800020); /* blr */
    __asm__ volatile("dcbst 0, %0; sync; icbi 0, %0; isync" : : "r"(code) : "memory");
    for (unsigned i = 0; i < 19; i++)
        registers[i] = 0xa5a50000u + i;
    traps_clear();
    MTSPR(SRR0, 0);
    MTSPR(SRR1, 0);
    if (user)
        enter_user_mode();
    run_generated(code, registers);
    hash = hash_word(hash, mfmsr());
    mtmsr(0);
    for (unsigned i = 0; i < 19; i++)
        hash = hash_word(hash, registers[i]);
    hash = hash_word(hash, MFSPR(SPRG0));
    for (uint32_t i = 0; i < trap_count && i < TRAP_LOG; i++) {
        hash = hash_word(hash, traps[i].vector);
        hash = hash_word(hash, traps[i].srr0 - (uint32_t)code);
        hash = hash_word(hash, traps[i].esr);
    }
    words = 0;
    return hash_word(hash, trap_count);
}

/* `encoding <what> <first>-<first + 63>: <hash>`. */
static void print_block(const char *what, uint32_t first, uint32_t hash)
{
    puts_uart0("encoding ");
    puts_uart0(what);
    puts_uart0(" ");
    print_dec(first);
    puts_uart0("-");
    print_dec(first + 63);
    puts_uart0(": ");
    print_hex(hash);
    puts_uart0("\n");
}

static void print_hash(const char *what, uint32_t hash)
{
    puts_uart0("encoding ");
    puts_uart0(what);
    puts_uart0(": ");
    print_hex(hash);
    puts_uart0("\n");
}

#define RA_RB 0x001ff800u /* bits 11-20 */
#define RC 0x00000001u
#define RT 0x03e00000u

/* What r16 holds before the case: 0 (mtdcr writes UIC0_ER with it), the MSR, or the MSR with EE,
 * PR, CE and DE set (mtmsr and wrtee: a change to see, and none QEMU or the 405 would take an
 * interrupt for here: nothing is pending, no debug event is enabled). */
enum r16 { R16_ZERO, R16_MSR, R16_NEW_MSR };

/* A privileged instruction: its word as the manual writes it, the bits the manual reserves, and
 * the setup it needs: r12 = an address in scratch (cache instructions), r16. */
static const struct template {
    const char *name;
    uint32_t word;
    uint32_t reserved;
    int address;
    enum r16 r16;
} templates[] = {
    { "mfmsr", X_FORM(15, 0, 0, 83), RA_RB | RC, 0, R16_MSR },
    { "mtmsr", X_FORM(16, 0, 0, 146), RA_RB | RC, 0, R16_NEW_MSR },
    { "wrtee", X_FORM(16, 0, 0, 131), RA_RB | RC, 0, R16_NEW_MSR },
    { "wrteei", X_FORM(0, 0, 0, 163), 0x001f7800u | RC, 0, R16_MSR },
    { "mfspr", X_FORM(15, 0, 0, 339) | SPR_FIELD(SPRG0), RC, 0, R16_MSR },
    { "mtspr", X_FORM(14, 0, 0, 467) | SPR_FIELD(SPRG0), RC, 0, R16_MSR },
    { "mfdcr", X_FORM(15, 0, 0, 323) | SPR_FIELD(UIC_ER), RC, 0, R16_MSR },
    { "mtdcr", X_FORM(16, 0, 0, 451) | SPR_FIELD(UIC_ER), RC, 0, R16_ZERO },
    { "iccci", X_FORM(0, 0, 12, 966), RT | RC, 1, R16_MSR },
    { "dccci", X_FORM(0, 0, 12, 454), RT | RC, 1, R16_MSR },
    { "dcbi", X_FORM(0, 0, 12, 470), RT | RC, 1, R16_MSR },
    { "icread", X_FORM(0, 0, 12, 998), RT | RC, 1, R16_MSR },
    { "dcread", X_FORM(15, 0, 12, 486), RC, 1, R16_MSR },
};

static void run_case(const struct template *t, uint32_t word, uint32_t *hash, int user)
{
    if (t->address)
        load_r12((uint32_t)&scratch[2]);
    if (t->r16 == R16_ZERO) {
        emit((14u << 26) | (16u << 21)); /* li r16, 0 */
    } else {
        emit(X_FORM(16, 0, 0, 83)); /* mfmsr r16 */
        if (t->r16 == R16_NEW_MSR) {
            emit((24u << 26) | (16u << 21) | (16u << 16) | (MSR_EE | MSR_PR | MSR_DE)); /* ori */
            emit((25u << 26) | (16u << 21) | (16u << 16) | (MSR_CE >> 16));           /* oris */
        }
    }
    emit(word);
    *hash = run(*hash, user);
}

static void run_templates(void)
{
    for (unsigned i = 0; i < sizeof templates / sizeof templates[0]; i++) {
        const struct template *t = &templates[i];
        uint32_t hash = 2166136261u;
        for (int user = 0; user < 2; user++) {
            run_case(t, t->word, &hash, user);
            for (uint32_t bit = 0; bit < 32; bit++)
                if (t->reserved & (1u << bit))
                    run_case(t, t->word | (1u << bit), &hash, user);
        }
        print_hash(t->name, hash);
    }
}

/* rfi and rfci, each reserved bit set in turn: SRR0 (SRR2) points past the return and SRR1 (SRR3)
 * holds the MSR it runs with, so a return that executes lands where one that raises an interrupt
 * goes on. */
static void run_returns(void)
{
    static const struct { const char *name; uint32_t word; uint32_t pc_spr, msr_spr; } returns[] = {
        { "rfi", 0x4c000064u, SRR0, SRR1 },
        { "rfci", 0x4c000066u, SRR2, SRR3 },
    };
    for (unsigned i = 0; i < 2; i++) {
        uint32_t hash = 2166136261u;
        for (int user = 0; user < 2; user++) {
            for (int bit = -1; bit < 32; bit++) {
                uint32_t mask = bit < 0 ? 0 : 1u << bit;
                if (bit >= 0 && !(0x03fff801u & mask))
                    continue;
                uint32_t after = (uint32_t)&code[words + 6];
                load_r12(after);
                emit(X_FORM(12, 0, 0, 467) | SPR_FIELD(returns[i].pc_spr)); /* mtspr SRR0/2, r12 */
                emit(X_FORM(12, 0, 0, 83));                                   /* mfmsr r12 */
                emit(X_FORM(12, 0, 0, 467) | SPR_FIELD(returns[i].msr_spr)); /* mtspr SRR1/3, r12 */
                emit(returns[i].word | mask);
                hash = run(hash, user);
            }
        }
        print_hash(returns[i].name, hash);
    }
}

static int moving(uint32_t n) { return n == 268 || n == 269 || n == 284 || n == 285 || n == 984 || n == 987; }

static void run_spr_numbers(void)
{
    for (uint32_t block = 0; block < 1024; block += 64) {
        uint32_t hash = 2166136261u;
        for (uint32_t n = block; n < block + 64; n++) {
            if (moving(n))
                continue;
            for (int user = 0; user < 2; user++) {
                emit(X_FORM(15, 0, 0, 339) | SPR_FIELD(n)); /* mfspr r15, n */
                hash = run(hash, user);
            }
            /* Written back with what was read (in supervisor mode), then read again. */
            emit(X_FORM(15, 0, 0, 339) | SPR_FIELD(n));
            emit(X_FORM(15, 0, 0, 467) | SPR_FIELD(n));
            emit(X_FORM(16, 0, 0, 339) | SPR_FIELD(n));
            hash = run(hash, 0);
            if (conformance_config.sections & SECTION_VERBOSE) {
                puts_uart0("spr ");
                print_dec(n);
                line("", hash);
            }
        }
        print_block("spr", block, hash);
    }
}

/* The same kind of words in the guest's own code, where `previrt` finds them: the load-time patcher
 * must leave an invalid form trapping, not turn it into the IRFM access or hypercall of the valid
 * one. Each is run in supervisor mode with r16 = a changed MSR, as above. */
static void run_static_words(void)
{
    uint32_t msr_in = mfmsr() | MSR_EE | MSR_PR | MSR_DE | MSR_CE, out = 0x5a5a5a5a;
    traps_clear();
    __asm__ volatile(".long 0x7e0100a6\n\t" /* mfmsr r16 with rA = 1 */
                     "mr %0, 16"
                     : "=r"(out) : : "r16");
    line("static mfmsr with ra = 1", out);
    __asm__ volatile("mr 16, %0\n\t"
                     ".long 0x7e010124" /* mtmsr r16 with bit 15 (QEMU's L = 1) */
                     : : "r"(msr_in) : "r16", "memory");
    line("msr after static mtmsr with bit 15", mfmsr());
    mtmsr(0);
    __asm__ volatile("mr 16, %0\n\t"
                     ".long 0x7e000125" /* mtmsr. r16 */
                     : : "r"(msr_in) : "r16", "memory");
    line("msr after static mtmsr.", mfmsr());
    mtmsr(0);
    __asm__ volatile(".long 0x7e1b42a7\n\t" /* mfspr. r16, SPRG0 */
                     "mr %0, 16"
                     : "=r"(out) : : "r16", "cr0");
    line("static mfspr. sprg0", out);
    traps_print("static words with reserved bits");
}

/* Every extended opcode of primary opcodes 31 and 19 as `op r15, 0, r12` (r12 = scratch, so the
 * X-form loads and stores stay in it): what the processor executes, what it refuses and how, and
 * what the microvisor makes of what traps. Kept out: the branches and returns of opcode 19 (they
 * leave the sequence; rfi and rfci have their cases above), mtmsr (r15 is no MSR to run with), the
 * TLB instructions (the basis microvisor refuses them). */
static int skipped(uint32_t primary, uint32_t xo)
{
    if (primary == 19)
        return xo == 16 || xo == 528 || xo == 50 || xo == 51 || xo == 18 || xo == 274 || xo == 38 || xo == 39 ||
               xo == 82;
    return xo == 146 || xo == 978 || xo == 946 || xo == 914 || xo == 370 || xo == 566;
}

static void run_extended_opcodes(void)
{
    static const uint32_t primaries[] = { 31, 19 };
    for (unsigned p = 0; p < 2; p++) {
        for (uint32_t block = 0; block < 1024; block += 64) {
            uint32_t hash = 2166136261u;
            for (uint32_t xo = block; xo < block + 64; xo++) {
                if (skipped(primaries[p], xo))
                    continue;
                for (int user = 0; user < 2; user++) {
                    load_r12((uint32_t)scratch);
                    emit((primaries[p] << 26) | (15u << 21) | (12u << 11) | (xo << 1));
                    hash = run(hash, user);
                }
                if (conformance_config.sections & SECTION_VERBOSE) {
                    puts_uart0("opcode ");
                    print_dec(primaries[p]);
                    puts_uart0("/");
                    print_dec(xo);
                    line("", hash);
                }
            }
            print_block(primaries[p] == 31 ? "opcode 31 xo" : "opcode 19 xo", block, hash);
        }
    }
}

void run_encodings(void)
{
    run_templates();
    run_returns();
    run_spr_numbers();
    run_static_words();
    run_extended_opcodes();
}

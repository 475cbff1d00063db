/* Randomized TLB use, generated from seeds: what a guest OS does with its MMU, in combinations no
 * fixed case lists.
 *
 * For each seed: tlbia; entry 0 maps the guest's first 16 MiB one-to-one (code, data, stack); entries
 * 1..ENTRIES-1 get random EPNs above 16 MiB (entry i in its own 256 MiB region), sizes 4 KiB to
 * 4 MiB, TIDs 0-3, EX, WR, ZSEL, W, I, M, G and U0, pointing into the pattern window (8-12 MiB);
 * a quarter of them alias an earlier entry (same page, other TID and attributes: QEMU's 405 tries
 * every matching entry until one allows the access); some are written TLBHI before TLBLO (QEMU then
 * leaves them invalid). The window holds code that is safe to call anywhere: every odd word is
 * `blr`, every even word `li r3, k` with k derived from its address (stores keep it so), so loads
 * tell which page an entry reached and calls return at once. Then a
 * random ZPR (zone 0 never 00, so entry 0 serves user mode too), PID, and mode: MSR[IR, DR] both or
 * data alone, supervisor or user. Then random loads, stores and calls through the entries and at
 * unmapped addresses, tlbsx of random addresses, and tlbre of every entry (which also loads PID).
 * Loaded values, tlbsx results, tlbre words and the interrupt log (vector, SRR0, SRR1, ESR, DEAR)
 * are hashed: `mmu seed N: hash`.
 *
 * Kept out: 1 KiB and little-endian pages (QEMU aborts on them), 16 MiB random pages (they would
 * reach the code), entries that overlap onto different pages (a load there may read the page the
 * microvisor shadowed for a store or a fetch: docs/instructions.md), instruction translation alone (its untranslated data would leave the memory),
 * calls with data translation alone (their untranslated fetches would).
 */
#include "harness.h"

#define ENTRIES 12
#define ACCESSES 24
#define WINDOW 0x00800000u
#define WINDOW_BYTES 0x00400000u
#define BLR 0x4e800020u
#define LI_R3 0x38600000u

#define TLB_V 0x40u
#define TLB_U0 0x10u
#define LO_EX 0x200u
#define LO_WR 0x100u

static uint32_t state;

static uint32_t next_random(void) { return xorshift32(&state); }

static uint32_t pick(uint32_t n) { return next_random() % n; }

static uint32_t page_bytes(uint32_t size) { return 1024u << (2 * size); }

static uint32_t his[ENTRIES], los[ENTRIES];

static void fill_window(void)
{
    volatile uint32_t *word = (volatile uint32_t *)WINDOW;
    for (uint32_t i = 0; i < WINDOW_BYTES / 4; i++)
        word[i] = i & 1 ? BLR : LI_R3 | ((((WINDOW + 4 * i) >> 3) ^ (i >> 17)) & 0xffffu);
    __asm__ volatile("sync; isync" : : : "memory");
}

static void write_entry(uint32_t index, uint32_t hi, uint32_t lo, int hi_first)
{
    if (hi_first)
        __asm__ volatile("tlbwe %0, %1, 0; tlbwe %2, %1, 1; isync" : : "r"(hi), "r"(index), "r"(lo) : "memory");
    else
        __asm__ volatile("tlbwe %2, %1, 1; tlbwe %0, %1, 0; isync" : : "r"(hi), "r"(index), "r"(lo) : "memory");
}

/* Writes entry i for the page `page` (EPN and SIZE) at `rpn`, with random V, U0, attributes and TID
 * (PID), LO or HI first at random, and records it. */
static void write_random(uint32_t i, uint32_t page, uint32_t rpn)
{
    /* One draw per statement: C leaves the order of operands' evaluation open. */
    uint32_t hi = page | (pick(8) ? TLB_V : 0);
    hi |= pick(2) ? TLB_U0 : 0;
    uint32_t lo = rpn | (next_random() & 0x3ffu);
    MTSPR(PID, pick(2) ? 0 : 1 + pick(3));
    int hi_first = pick(8) == 0;
    write_entry(i, hi, lo, hi_first);
    his[i] = hi;
    los[i] = lo;
}

/* Entry i (1..ENTRIES-1): random, or an alias of an earlier one (see the top of the file). */
static void random_entry(uint32_t i)
{
    uint32_t size = 1 + pick(6); /* 4 KiB .. 4 MiB */
    uint32_t bytes = page_bytes(size);
    uint32_t epn = (i * 0x10000000u + pick(0x04000000u)) & ~(bytes - 1);
    uint32_t rpn = (WINDOW + pick(WINDOW_BYTES)) & ~(bytes - 1);
    if (rpn < WINDOW)
        rpn = WINDOW;
    if (i > 1 && pick(4) == 0) {
        /* An alias of an earlier entry: the same page, its own TID and attributes. */
        uint32_t j = 1 + pick(i - 1);
        size = (his[j] >> 7) & 7;
        bytes = page_bytes(size);
        epn = his[j] & ~(bytes - 1);
        rpn = los[j] & ~(bytes - 1);
    }
    write_random(i, epn | (size << 7), rpn);
}

/* Entry i rewritten while translation runs: the same page, new TID, V, U0 and attributes (so
 * overlaps stay aliases). */
static void rewrite_entry(uint32_t i)
{
    uint32_t bytes = page_bytes((his[i] >> 7) & 7);
    write_random(i, his[i] & (~(bytes - 1) | (7u << 7)), los[i] & ~(bytes - 1));
}

static void random_entries(void)
{
    __asm__ volatile("tlbia; isync" : : : "memory");
    MTSPR(PID, 0);
    /* Entry 0: 16 MiB one-to-one, EX and WR, zone 0. */
    write_entry(0, 0x00000000 | (7u << 7) | TLB_V, 0x00000000 | LO_EX | LO_WR, 0);
    his[0] = 0;
    for (uint32_t i = 1; i < ENTRIES; i++)
        random_entry(i);
}

/* An effective address: through a random entry, or anywhere above the first 16 MiB. */
static uint32_t random_address(void)
{
    uint32_t i = 1 + pick(ENTRIES - 1);
    uint32_t bytes = page_bytes((his[i] >> 7) & 7);
    uint32_t base = his[i] & ~(bytes - 1);
    if (pick(5) == 0)
        return 0x01000000u + (next_random() % 0xee000000u & ~3u);
    return base + (next_random() % bytes & ~3u);
}

static uint32_t load_word(uint32_t address)
{
    uint32_t v;
    __asm__ volatile("lis %0, 0xdead; lwz %0, 0(%1)" : "=&b"(v) : "b"(address) : "memory");
    return v;
}

static void store_word(uint32_t address, uint32_t value)
{
    __asm__ volatile("stw %1, 0(%0)" : : "b"(address), "r"(value) : "memory");
}

typedef uint32_t (*function)(uint32_t);

/* A change of PID and a system call: QEMU 7.2 flushes its TLB when PID has changed, at the next
 * interrupt or return from one (CONTEXT_SYNC). */
static void flush_qemu_tlb(void)
{
    uint32_t pid = MFSPR(PID);
    MTSPR(PID, pid ^ 0x80);
    MTSPR(PID, pid);
    __asm__ volatile("lis 0, %0@h; ori 0, 0, %0@l; sc" : : "i"(CONTEXT_SYNC) : "r0", "memory");
}

/* With SECTION_VERBOSE, every hashed word is printed too (to find where two runs part), after
 * the seed (the UART is not mapped while translation is on). */
static int verbose;
#define LOG 160
static struct { const char *what; uint32_t word; } logged[LOG];
static uint32_t logged_count;

static uint32_t mix(uint32_t hash, const char *what, uint32_t word)
{
    if (verbose && logged_count < LOG) {
        logged[logged_count].what = what;
        logged[logged_count].word = word;
        logged_count++;
    }
    return hash_word(hash, word);
}

static void print_logged(void)
{
    for (uint32_t i = 0; i < logged_count; i++)
        line(logged[i].what, logged[i].word);
    logged_count = 0;
}

/* MSR[IR, DR, PR]: both translations or data alone (a quarter), user mode a third of the time. */
static uint32_t random_mode(void)
{
    uint32_t msr = (pick(4) ? MSR_IR : 0) | MSR_DR;
    return msr | (pick(3) == 0 ? MSR_PR : 0);
}

static uint32_t run_seed(void)
{
    uint32_t hash = 2166136261u;
    random_entries();
    uint32_t zpr = next_random();
    if ((zpr >> 30) == 0)
        zpr |= (1u + pick(3)) << 30;
    MTSPR(ZPR, zpr);
    MTSPR(PID, pick(4));
    uint32_t msr = random_mode();
    if (verbose) {
        for (uint32_t i = 0; i < ENTRIES; i++) {
            line("entry hi", his[i]);
            line("entry lo", los[i]);
        }
        line("zpr", zpr);
        line("msr", msr);
    }
    traps_clear();
    mtmsr(msr & ~MSR_PR);
    if (msr & MSR_PR)
        enter_user_mode();
    /* Between the accesses, what an OS does to a running translation (each traps as privileged in
     * user mode, and is skipped): a new PID, ZPR or entry, a change of MSR[IR, DR, PR]. Each is
     * followed by a flush of QEMU's own TLB (a change of PID, then isync): QEMU keeps pages it has
     * translated until then, where the 405 applies the change at once. */
    for (uint32_t n = 0; n < ACCESSES; n++) {
        uint32_t kind = pick(12);
        switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3:
            hash = mix(hash, "load", load_word(random_address()));
            break;
        case 4:
        case 5: {
            uint32_t address = random_address();
            store_word(address, address & 4 ? BLR : LI_R3 | (next_random() & 0xffffu));
            if (verbose)
                hash = mix(hash, "store", address);
            break;
        }
        case 6: {
            uint32_t pid = pick(4);
            MTSPR(PID, pid);
            hash = mix(hash, "new pid", pid);
            break;
        }
        case 7: {
            uint32_t value = next_random();
            value = (value >> 30) == 0 ? value | 0x40000000u : value;
            MTSPR(ZPR, value);
            hash = mix(hash, "new zpr", value);
            break;
        }
        case 8: {
            uint32_t i = 1 + pick(ENTRIES - 1);
            hash = mix(hash, "rewritten entry", i);
            rewrite_entry(i);
            hash = mix(hash, "  hi", his[i]);
            hash = mix(hash, "  lo", los[i]);
            break;
        }
        case 9:
            /* A new mode: half the time, in either mode, through a system call whose rfi returns
             * to it (an OS switching contexts; shadows made for one mode must not serve another),
             * else by mtmsr in supervisor mode. */
            if (pick(2)) {
                msr = random_mode();
                __asm__ volatile("lis 0, %0@h; ori 0, 0, %0@l; mr 3, %1; sc"
                                 : : "i"(SWITCH_MODE), "r"(msr) : "r0", "r3", "memory");
                hash = mix(hash, "new msr by rfi", msr);
            } else if (!(msr & MSR_PR)) {
                msr = random_mode();
                mtmsr(msr);
                hash = mix(hash, "new msr", msr);
            }
            break;
        default:
            /* With data translation alone a call would fetch untranslated, beyond the memory: none. */
            if (msr & MSR_IR)
                hash = mix(hash, "call", ((function)random_address())(n));
            break;
        }
        if (kind >= 6 && kind <= 9 && !(msr & MSR_PR)) {
            flush_qemu_tlb();
            if (verbose)
                hash = mix(hash, "  pid now", MFSPR(PID));
        }
    }
    if (msr & MSR_PR)
        leave_user_mode();
    mtmsr(0);
    for (uint32_t n = 0; n < 4; n++) {
        uint32_t index, cr;
        MTSPR(PID, pick(4));
        __asm__ volatile("tlbsx. %0, 0, %2; mfcr %1" : "=r"(index), "=r"(cr) : "r"(random_address()) : "cr0");
        hash = mix(hash, "tlbsx index", index);
        hash = mix(hash, "tlbsx cr0", cr >> 28);
    }
    for (uint32_t i = 0; i < ENTRIES; i++) {
        uint32_t hi, lo;
        __asm__ volatile("tlbre %0, %2, 0; tlbre %1, %2, 1" : "=&r"(hi), "=&r"(lo) : "r"(i));
        hash = mix(hash, "tlbre hi", hi);
        hash = mix(hash, "tlbre lo", lo);
        hash = mix(hash, "pid", MFSPR(PID));
    }
    for (uint32_t i = 0; i < trap_count && i < TRAP_LOG; i++) {
        hash = mix(hash, "vector", traps[i].vector);
        hash = mix(hash, "srr0", traps[i].srr0);
        hash = mix(hash, "srr1", traps[i].srr1);
        /* At the system call that leaves user mode ESR is whatever the last access left: QEMU marks
         * it on every access an aliased entry refused before another served it, the microvisor only
         * when it makes the shadow (docs/instructions.md). Every interrupt that sets ESR is hashed. */
        if (traps[i].vector != 0x0c00)
            hash = mix(hash, "esr", traps[i].esr);
        hash = mix(hash, "dear", traps[i].dear);
    }
    hash = mix(hash, "interrupts", trap_count);
    print_logged();
    return hash;
}

void run_mmu_random(uint32_t first_seed, uint32_t seeds)
{
    verbose = (conformance_config.sections & SECTION_VERBOSE) != 0;
    uint32_t all = 2166136261u;
    fill_window();
    for (uint32_t seed = first_seed; seed < first_seed + seeds; seed++) {
        state = seed * 2654435761u + 7;
        uint32_t hash = run_seed();
        all = hash_word(all, hash);
        puts_uart0("mmu seed ");
        print_dec(seed);
        puts_uart0(": ");
        print_hex(hash);
        puts_uart0("\n");
    }
    __asm__ volatile("tlbia; isync" : : : "memory");
    MTSPR(PID, 0);
    MTSPR(ZPR, 0);
    puts_uart0("mmu random: ");
    print_dec(seeds);
    puts_uart0(" seeds, combined hash ");
    print_hex(all);
    puts_uart0("\n");
}

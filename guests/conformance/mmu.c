/* The TLB instructions and translation: tlbwe/tlbre/tlbsx/tlbia, loads and stores through the
 * guest's own entries, TLB misses, protection (DSI, ISI) and zone faults, PID-tagged entries.
 *
 * Needs a 405 with its TLB (natively) or the microvisor's `tlb-virt` feature. Written so QEMU 7.2
 * and the manual agree: TLBLO before TLBHI, no 1 KiB or little-endian pages (QEMU aborts). Where QEMU
 * is narrower than the manual it is printed as it is, for the microvisor must match it: tlbre returns
 * only EPN, SIZE, V / RPN, EX, WR; a TLBLO written after its TLBHI leaves the entry invalid; an entry
 * never written reads as a 4 KiB page.
 * The UART is reached only in real mode: results are gathered with translation on, printed after.
 */
#include "harness.h"

#define TLB_V 0x40u
#define SIZE_4K (1u << 7)
#define SIZE_16M (7u << 7)
#define LO_EX 0x200u
#define LO_WR 0x100u
#define ZSEL(z) ((uint32_t)(z) << 4)

static void tlb_write(uint32_t index, uint32_t hi, uint32_t lo)
{
    __asm__ volatile("tlbwe %0, %1, 1; tlbwe %2, %1, 0; isync" : : "r"(lo), "r"(index), "r"(hi) : "memory");
}

static uint32_t tlb_read_hi(uint32_t index)
{
    uint32_t v;
    __asm__ volatile("tlbre %0, %1, 0" : "=r"(v) : "r"(index));
    return v;
}

static uint32_t tlb_read_lo(uint32_t index)
{
    uint32_t v;
    __asm__ volatile("tlbre %0, %1, 1" : "=r"(v) : "r"(index));
    return v;
}

static inline uint32_t load(uint32_t address) { return *(volatile uint32_t *)address; }
static inline void store(uint32_t address, uint32_t value) { *(volatile uint32_t *)address = value; }

/* A load that an interrupt may skip (the harness resumes after it): then it reads 0xdead0000. */
static inline uint32_t load_or_dead(uint32_t address)
{
    uint32_t v;
    __asm__ volatile("lis %0, 0xdead; lwz %0, 0(%1)" : "=&b"(v) : "b"(address) : "memory");
    return v;
}

/* Guest physical pages the test maps (8 MiB into the guest's memory). */
#define PAGE_RW 0x00800000u
#define PAGE_RO 0x00801000u
#define PAGE_NX 0x00802000u
#define PAGE_PID 0x00803000u

static void setup_entries(void)
{
    MTSPR(PID, 0);
    /* Entry 0: everything the guest has, one-to-one, zone 0. */
    tlb_write(0, 0x00000000 | SIZE_16M | TLB_V, 0x00000000 | LO_EX | LO_WR | ZSEL(0));
    tlb_write(1, 0x10000000 | SIZE_4K | TLB_V, PAGE_RW | LO_WR | ZSEL(1));
    tlb_write(2, 0x10001000 | SIZE_4K | TLB_V, PAGE_RO | ZSEL(1));
    tlb_write(3, 0x10002000 | SIZE_4K | TLB_V, PAGE_NX | LO_WR | ZSEL(1));
    MTSPR(PID, 7);
    tlb_write(4, 0x20000000 | SIZE_4K | TLB_V, PAGE_PID | LO_WR | ZSEL(1));
    MTSPR(PID, 0);
}

typedef uint32_t (*function)(void);

/* A system call whose rfi returns into MSR[PR, IR, DR] = `msr` (an OS switching contexts). */
static void switch_mode(uint32_t msr)
{
    __asm__ volatile("lis 0, %0@h; ori 0, 0, %0@l; mr 3, %1; sc" : : "i"(SWITCH_MODE), "r"(msr) : "r0", "r3", "memory");
}

/* Pages one mode reached must not serve another. Entries 7 and 8 map one page twice (an OS's alias:
 * the first writable, the second read-only), in zone 2, which ZPR opens to the supervisor (00: the
 * entries' EX/WR apply) and closes to the user. Each round reaches the page in supervisor mode,
 * then loads from it in user mode, where only a zone fault is right. Before that, the mode changed
 * by mtmsr and by rfi, with and without the page reached in between, in an order that leaves a
 * virtualization which tracks modes lazily believing, at the last change, that nothing changed. */
static void modes_do_not_share_pages(void)
{
    const uint32_t alias = 0x60000000u, both = MSR_IR | MSR_DR;
    uint32_t results[6];
    tlb_write(7, alias | SIZE_4K | TLB_V, PAGE_RW | LO_WR | ZSEL(2));
    tlb_write(8, alias | SIZE_4K | TLB_V, PAGE_RO | ZSEL(2));
    MTSPR(ZPR, 0x40000000);
    traps_clear();
    for (uint32_t round = 0; round < 2; round++) {
        mtmsr(both);
        results[3 * round] = load_or_dead(alias);     /* supervisor: through entry 7 */
        enter_user_mode();                            /* user, by mtmsr: nothing reached */
        switch_mode(both);                            /* supervisor again, by rfi */
        results[3 * round + 1] = load_or_dead(alias); /* the page reached in supervisor mode */
        if (round == 0)
            enter_user_mode();                        /* user, by mtmsr */
        else
            switch_mode(both | MSR_PR);               /* user, by rfi */
        results[3 * round + 2] = load_or_dead(alias); /* user: DSI, zone 2 is 00 */
        leave_user_mode();
    }
    mtmsr(0);
    traps_print("one page, two entries, supervisor then user mode");
    for (uint32_t i = 0; i < 6; i++)
        line("  loaded", results[i]);
    tlb_write(7, 0, 0);
    tlb_write(8, 0, 0);
    MTSPR(ZPR, 0);
}

/* An rfi straight into MSR[PR, IR, DR] = `msr`, from whatever mode runs, to the next instruction. */
static void rfi_into(uint32_t msr)
{
    uint32_t next;
    __asm__ volatile("mtsrr1 %1; bl 1f; 1: mflr %0; addi %0, %0, 16; mtsrr0 %0; rfi"
                     : "=&b"(next) : "r"(msr) : "lr", "memory");
}

/* Shadows of translated pages must not serve the untranslated modes. Entry 0 shrinks to the first
 * 4 MiB (the code, data and stacks) and entry 9 maps the virtual PAGE_RO onto the physical PAGE_RW.
 * Read translated (in supervisor and user mode) it is PAGE_RW; untranslated, the same address is
 * PAGE_RO itself. The mode changes by an rfi from translated code, by system calls (from either
 * mode, their rfi from the untranslated handler) and by rfi between the two untranslated modes (PR
 * alone changes). */
static void real_mode_ignores_translated_pages(void)
{
    uint32_t results[7];
    tlb_write(0, 0x00000000 | (6u << 7) | TLB_V, 0x00000000 | LO_EX | LO_WR | ZSEL(0));
    tlb_write(9, PAGE_RO | SIZE_4K | TLB_V, PAGE_RW | LO_WR | ZSEL(0));
    traps_clear();
    mtmsr(MSR_IR | MSR_DR);
    results[0] = load_or_dead(PAGE_RO);       /* supervisor, translated: PAGE_RW's word */
    rfi_into(MSR_PR);                         /* user, untranslated, by rfi from translated code */
    results[1] = load_or_dead(PAGE_RO);       /* PAGE_RO's own word */
    switch_mode(MSR_IR | MSR_DR);             /* supervisor, translated */
    results[2] = load_or_dead(PAGE_RO);
    switch_mode(MSR_PR);                      /* user, untranslated, from translated code */
    results[3] = load_or_dead(PAGE_RO);
    switch_mode(0);                           /* supervisor, untranslated */
    switch_mode(MSR_PR);                      /* and user again: PR alone changes */
    results[4] = load_or_dead(PAGE_RO);
    /* User mode translated, with the ZPR the untranslated modes run with on the microvisor: its
     * system call changes the real PID alone. */
    leave_user_mode();
    MTSPR(ZPR, 0x40000000);
    switch_mode(MSR_PR | MSR_IR | MSR_DR);
    results[5] = load_or_dead(PAGE_RO);       /* PAGE_RW's word, zone 0 open to the user */
    switch_mode(MSR_PR);                      /* user, untranslated, by a system call from there */
    results[6] = load_or_dead(PAGE_RO);
    leave_user_mode();
    mtmsr(0);
    MTSPR(ZPR, 0);
    traps_print("a page translated in supervisor mode, then read untranslated");
    for (uint32_t i = 0; i < 7; i++)
        line("  loaded", results[i]);
    tlb_write(9, 0, 0);
    tlb_write(0, 0x00000000 | SIZE_16M | TLB_V, 0x00000000 | LO_EX | LO_WR | ZSEL(0));
}

void run_mmu(void)
{
    store(PAGE_RW, 0x0badc0de);
    store(PAGE_RO, 0x5eed5eed);
    store(PAGE_PID, 0x77777777);
    store(PAGE_NX, 0x4e800020); /* blr */
    __asm__ volatile("dcbst 0, %0; sync; icbi 0, %0; isync" : : "r"(PAGE_NX));
    setup_entries();

    /* Entry 5: TLBHI with bits below its 16 KiB page and U0, then a TLBLO with every attribute. */
    __asm__ volatile("tlbwe %0, %1, 0; tlbwe %2, %1, 1; isync"
                     : : "r"(0x40001000u | (2u << 7) | TLB_V | 0x10u), "r"(5), "r"(PAGE_RW | 0x3ffu) : "memory");
    for (uint32_t i = 0; i < 7; i++) {
        puts_uart0("tlb ");
        print_dec(i);
        line(" hi", tlb_read_hi(i));
        puts_uart0("tlb ");
        print_dec(i);
        line(" lo", tlb_read_lo(i));
    }
    line("pid before tlbre of a tid-7 entry", MFSPR(PID));
    (void)tlb_read_hi(4);
    line("pid after (the entry's tid)", MFSPR(PID));
    MTSPR(PID, 0);

    uint32_t index, cr;
    __asm__ volatile("tlbsx. %0, 0, %2; mfcr %1" : "=r"(index), "=r"(cr) : "r"(0x10000010u) : "cr0");
    line("tlbsx. found index", index);
    line("tlbsx. cr0", cr >> 28);
    __asm__ volatile("tlbsx. %0, 0, %2; mfcr %1" : "=r"(index), "=r"(cr) : "r"(0x30000000u) : "cr0");
    line("tlbsx. missing index", index);
    line("tlbsx. missing cr0", cr >> 28);

    /* Data translation on, supervisor: zone 0 = 00 and zone 1 = 01 use the entries' EX/WR. */
    MTSPR(ZPR, 0x10000000);
    uint32_t results[8];
    traps_clear();
    mtmsr(MSR_IR | MSR_DR);
    results[0] = load(0x10000000);          /* read through entry 1 */
    store(0x10000004, 0x600dd00d);          /* write through entry 1 */
    results[1] = load(0x10001000);          /* read-only page: reads work */
    store(0x10001000, 1);                   /* DSI: store to a page without WR */
    results[2] = load(0x30000000);          /* data TLB miss (load) */
    store(0x30000000, 2);                   /* data TLB miss (store) */
    results[3] = load(0x20000000);          /* TID 7 entry, PID 0: miss */
    MTSPR(PID, 7);
    results[4] = load(0x20000000);          /* PID 7: hit */
    MTSPR(PID, 0);
    results[5] = ((function)0x10002000u)(); /* ISI: the page has no EX */
    results[6] = ((function)0x30000000u)(); /* instruction TLB miss */
    mtmsr(0);
    traps_print("translated accesses in supervisor mode");
    line("read through entry 1", results[0]);
    line("written through entry 1", load(PAGE_RW + 4));
    line("read of the read-only page", results[1]);
    line("read-only page after the store", load(PAGE_RO));
    line("read with the tid-7 entry under pid 7", results[4]);

    /* User mode, translated: zone 1 = 00 now, so entry 1 is out of reach; zone 0 = 01 keeps code. */
    MTSPR(ZPR, 0x40000000);
    traps_clear();
    mtmsr(MSR_IR | MSR_DR | MSR_PR);
    results[7] = load(0x10000000);          /* zone fault: DSI with DIZ */
    leave_user_mode();
    mtmsr(0);
    traps_print("user mode, zone 00");

    /* Data translation alone (the pattern of a bare-metal MMU test: code stays untranslated, so it
     * needs no entry of its own; data goes through the entries, entry 0 keeping stack and globals). */
    MTSPR(ZPR, 0x10000000);
    traps_clear();
    mtmsr(MSR_DR);
    results[0] = load(0x10000000);          /* through entry 1 */
    store(0x10000008, 0xd00dfeed);          /* write through entry 1 */
    store(0x10001000, 3);                   /* DSI: entry 2 has no WR */
    results[1] = load(0x30000000);          /* data TLB miss */
    results[2] = ((function)PAGE_NX)();     /* fetched untranslated: runs, though entry 3 has no EX */
    results[3] = load(PAGE_NX);             /* the same page read through entry 0 */
    store(PAGE_RO + 8, 0x0000abcd);         /* entry 0 lets it write the page entry 2 protects */
    mtmsr(0);
    traps_print("data translation alone (msr[dr])");
    line("dr: read through entry 1", results[0]);
    line("dr: written through entry 1", load(PAGE_RW + 8));
    line("dr: called the no-execute page untranslated, got", results[2]);
    line("dr: read of that page through entry 0", results[3]);
    line("dr: written through entry 0", load(PAGE_RO + 8));

    /* Instruction translation alone: fetches go through the entries, data is untranslated. */
    traps_clear();
    mtmsr(MSR_IR);
    results[4] = ((function)0x10002000u)(); /* ISI: entry 3 has no EX */
    results[5] = ((function)0x30000000u)(); /* instruction TLB miss */
    store(PAGE_RO + 12, 0x00001234);        /* untranslated data: the read-only page takes it */
    results[6] = load(PAGE_RW + 8);         /* untranslated read */
    mtmsr(0);
    traps_print("instruction translation alone (msr[ir])");
    line("ir: written untranslated", load(PAGE_RO + 12));
    line("ir: read untranslated", results[6]);

    /* Back to both: the entries' protection applies again to the pages the mixed modes reached. */
    traps_clear();
    mtmsr(MSR_IR | MSR_DR);
    store(0x10001000, 4);                   /* DSI again: entry 2 has no WR */
    results[7] = ((function)0x10002000u)(); /* ISI again */
    mtmsr(0);
    traps_print("both again after the mixed modes");
    MTSPR(ZPR, 0);

    /* An entry whose page is where the board has nothing: a load reads 0, a store vanishes, a call
     * takes an illegal-instruction program interrupt. */
    tlb_write(6, 0x50000000 | SIZE_4K | TLB_V, 0x90000000u | LO_EX | LO_WR | ZSEL(0));
    traps_clear();
    mtmsr(MSR_IR | MSR_DR);
    store(0x50000010, 0x12345678);
    results[0] = load(0x50000010);
    resume_mode = RESUME_CALLER;
    ((function)0x50000020u)();              /* fetches the word 0: a program interrupt there */
    resume_mode = RESUME_NEXT;
    mtmsr(0);
    traps_print("a page mapped where the board has nothing");
    line("read there after a store", results[0]);

    modes_do_not_share_pages();
    real_mode_ignores_translated_pages();

    traps_clear();
    __asm__ volatile("tlbwe %0, %1, 2" : : "r"(0), "r"(0)); /* invalid WS: illegal */
    traps_print("tlbwe with ws = 2");

    __asm__ volatile("tlbia; isync");
    uint32_t valid = 0;
    for (uint32_t i = 0; i < 64; i++)
        valid += (tlb_read_hi(i) & TLB_V) != 0;
    line("valid entries after tlbia", valid);
    MTSPR(PID, 0);
    MTSPR(ZPR, 0);
}

/* demand-paging: a PPC405 guest that boots the way a Linux-like kernel does on the 40x, with a software-managed
 * TLB (PPC405 user's manual, chapters 5, 7 and 9).
 *
 * Real mode: caches invalidated (_start in vectors.S), tlbia, EVPR, ZPR, PID, PVR; large entries
 * pinned (0: KERNELBASE 0xC0000000 -> 0, 16 MiB, the kernel; 1: 0 -> 0, 16 MiB, where the C code's
 * absolute addresses of data point); then rfi into kernel_main at its KERNELBASE alias. Translated,
 * the kernel pins one more entry (2: 0xC8000000 -> 0x00E00000, 1 MiB) and runs a workload over
 * 300 pages of a 4 MiB region at 0x10000000, demand-paged from frames at 4 MiB upwards: the TLB
 * miss handlers (vectors.S) refill entries 4..63 round robin from a two-level page table; a missing
 * PTE is a page fault (a frame is allocated, zeroed, mapped; the access retries); a page first read
 * is mapped without WR, and its first store is a protection fault (DSI) that sets WR in the PTE and
 * in the TLB entry in place (tlbsx, tlbwe). Code runs through a second executable alias
 * (0x20000000) so that the instruction TLB miss path runs too; then tlbsx./tlbre, PID matching,
 * unmapping one page (TLBHI alone with V = 0, as a kernel flushes one page), and the four ZPR
 * values of a zone over a read-only page plus a call through a non-executable alias (expected
 * DSI/ISI). Entry 3 is reserved but unused. The PIT ticks all along.
 * Not done: invalidating with TLBLO then TLBHI, after which QEMU 7.2 goes on using the old
 * translation it cached (its TLBLO write clears V without a flush), where a 405 misses.
 * Everything printed is deterministic (no tick counts, no time base).
 */
#include "guest.h"

#define SPR_PVR 287
#define SPR_ZPR 944
#define SPR_PID 945
#define SPR_ESR 980
#define SPR_EVPR 982
#define SPR_TSR 984
#define SPR_TCR 986
#define SPR_PIT 987

#define MSR_EE 0x00008000u
#define MSR_IR 0x00000020u
#define MSR_DR 0x00000010u

#define TLBHI_V 0x00000040u
#define TLBHI_SIZE(n) ((uint32_t)(n) << 7) /* 1 = 4 KiB ... 5 = 1 MiB, 7 = 16 MiB */
#define TLBLO_EX 0x00000200u
#define TLBLO_WR 0x00000100u
#define TLBLO_ZSEL(z) ((uint32_t)(z) << 4)
#define TLBLO_I 0x00000004u
#define TLBLO_G 0x00000001u
#define PTE_PRESENT 0x00000800u /* software bits of a PTE, dropped in TLBLO */
#define PTE_RW 0x00000400u      /* writes allowed: WR is set on the first store */

#define ESR_DST 0x00800000u
#define TCR_PIE 0x04000000u
#define TCR_ARE 0x00400000u
#define TSR_PIS 0x08000000u

#define KERNELBASE 0xC0000000u
#define WORK_BASE 0x10000000u /* 4 MiB, demand paged */
#define WORK_PAGES 300u
#define ALIAS_BASE 0x20000000u
#define ALIAS_NX 0x20001000u   /* the same code page, not executable */
#define ZONE_PAGE 0x30000000u  /* a read-only page in zone 2, for the ZPR tests */
#define UART_PAGE 0xEF600000u
#define FRAMES_BASE 0x00400000u
#define RESULT_VA 0xC8000000u
#define RESULT_PA 0x00E00000u
#define PAGE 4096u

#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n) : "memory"); v_; })

/* Shared with vectors.S. */
uint32_t pgdir[1024] __attribute__((aligned(4096)));
volatile uint32_t tlb_misses[3];  /* [1] data, [2] instruction */
uint32_t tlb_victim = 4;          /* next entry to refill; 0-3 pinned */
volatile uint32_t pit_ticks;

static uint32_t pte_tables[4][1024] __attribute__((aligned(4096)));
static uint32_t pte_tables_used;
static uint32_t next_frame = FRAMES_BASE;
static uint32_t page_faults, protection_faults;

uint32_t run_translated(uint32_t (*entry)(uint32_t), uint32_t arg);
uint32_t alias_sum(const volatile uint32_t *words, uint32_t count);
uint32_t exception_c(uint32_t vector, uint32_t address, uint32_t esr, uint32_t srr0, uint32_t srr1,
                     const uint32_t *frame);

static inline uint32_t mfmsr(void)
{
    uint32_t v;
    __asm__ volatile("mfmsr %0" : "=r"(v));
    return v;
}

static inline void tlb_write(uint32_t index, uint32_t hi, uint32_t lo)
{
    __asm__ volatile("tlbwe %0,%1,1" : : "r"(lo), "r"(index) : "memory");
    __asm__ volatile("tlbwe %0,%1,0" : : "r"(hi), "r"(index) : "memory");
}

/* tlbre of both words; tlbre of TLBHI sets PID to the entry's TID, so PID is put back. */
static void tlb_read(uint32_t index, uint32_t *hi, uint32_t *lo)
{
    uint32_t pid = MFSPR(SPR_PID);
    __asm__ volatile("tlbre %0,%1,0" : "=r"(*hi) : "r"(index) : "memory");
    __asm__ volatile("tlbre %0,%1,1" : "=r"(*lo) : "r"(index) : "memory");
    MTSPR(SPR_PID, pid);
}

/* tlbsx.: whether an entry translates `address` under PID (CR0[EQ]), and which. */
static int tlb_search(uint32_t address, uint32_t *index)
{
    uint32_t found_index, cr;
    __asm__ volatile("tlbsx. %0,0,%2\n\tmfcr %1" : "=&r"(found_index), "=r"(cr) : "r"(address) : "cr0", "memory");
    *index = found_index;
    return (cr >> 29) & 1;
}

static uint32_t *pte_of(uint32_t address, int create)
{
    uint32_t *dir = &pgdir[address >> 22];
    if (!*dir) {
        if (!create || pte_tables_used == 4)
            return 0;
        *dir = (uint32_t)pte_tables[pte_tables_used++];
    }
    return (uint32_t *)*dir + ((address >> 12) & 0x3ff);
}

static void fatal(const char *what, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    MTSPR(SPR_TCR, 0);
    puts_uart0("FATAL: ");
    puts_uart0(what);
    const uint32_t values[] = { a, b, c, d, e };
    for (int i = 0; i < 5; i++) {
        putc_uart0(' ');
        print_hex(values[i]);
    }
    putc_uart0('\n');
    guest_end();
}

/* Real mode, from the miss handlers: no PTE for `address`. */
static int page_fault(uint32_t address, int store)
{
    if (address - WORK_BASE >= (4u << 20))
        return 0;
    uint32_t *pte = pte_of(address, 1);
    if (!pte || (*pte & PTE_PRESENT))
        return 0;
    uint32_t frame = next_frame;
    next_frame += PAGE;
    for (uint32_t *word = (uint32_t *)frame; word < (uint32_t *)(frame + PAGE); word++)
        *word = 0;
    *pte = frame | PTE_PRESENT | PTE_RW | TLBLO_ZSEL(0) | (store ? TLBLO_WR : 0);
    page_faults++;
    return 1;
}

/* Real mode, from the DSI: a store to a page mapped without WR that may be written. */
static int protection_fault(uint32_t address, uint32_t esr)
{
    uint32_t *pte = pte_of(address, 0);
    if (!(esr & ESR_DST) || !pte || !(*pte & PTE_PRESENT) || !(*pte & PTE_RW) || (*pte & TLBLO_WR))
        return 0;
    *pte |= TLBLO_WR;
    uint32_t index;
    if (!tlb_search(address, &index))
        return 0;
    uint32_t hi, lo;
    tlb_read(index, &hi, &lo);
    tlb_write(index, hi, *pte & ~(PTE_PRESENT | PTE_RW));
    protection_faults++;
    return 1;
}

/* Expected storage interrupts (the protection tests): the instruction is skipped (DSI), or the
   call returns to its caller (ISI); what happened is recorded. */
static volatile uint32_t expect_storage, storage_hits, storage_esr[8];

/* Returns 0 to retry the interrupted instruction, or the address to resume at. */
uint32_t exception_c(uint32_t vector, uint32_t address, uint32_t esr, uint32_t srr0, uint32_t srr1,
                     const uint32_t *frame)
{
    if (vector == 0x1100 && page_fault(address, (esr & ESR_DST) != 0))
        return 0;
    if (vector == 0x300 && protection_fault(address, esr))
        return 0;
    if (expect_storage && (vector == 0x300 || vector == 0x400)) {
        storage_esr[storage_hits++ & 7] = vector == 0x300 ? esr : 0x400;
        return vector == 0x300 ? srr0 + 4 : frame[16]; /* F_LR */
    }
    fatal("exception (vector, address, ESR, SRR0, SRR1)", vector, address, esr, srr0, srr1);
    return 0;
}

static uint32_t lcg_state = 20240405u;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

static void print_entry(uint32_t index)
{
    uint32_t hi, lo;
    tlb_read(index, &hi, &lo);
    puts_uart0("tlbre ");
    print_dec(index);
    puts_uart0(": hi ");
    print_hex(hi);
    puts_uart0(" lo ");
    print_hex(lo);
    putc_uart0('\n');
}

struct result {
    uint32_t checksum, verify, alias_total, misses_data, misses_instr, faults, prot_faults;
    uint32_t found_index, found_hi, found_lo, other_pid_found, unmapped_found, after_unmap, msr_bits, pc_high;
    uint32_t zone_value, nx_result;
};

static volatile struct result *const result_virtual = (volatile struct result *)RESULT_VA;
static volatile struct result *const result_physical = (volatile struct result *)RESULT_PA;

/* Runs translated, at the KERNELBASE alias, with EE on. */
static uint32_t kernel_main(uint32_t seed)
{
    volatile struct result *r = result_virtual;
    uint32_t pc;
    __asm__ volatile("bl 1f\n1:\tmflr %0" : "=r"(pc) : : "lr");

    /* Pinned while translated: the result area. */
    tlb_write(2, RESULT_VA | TLBHI_SIZE(5) | TLBHI_V, RESULT_PA | TLBLO_WR | TLBLO_ZSEL(0));
    r->pc_high = pc & 0xff000000u;
    r->msr_bits = mfmsr() & (MSR_IR | MSR_DR | MSR_EE);
    puts_uart0("kernel: translated\n");

    MTSPR(SPR_PID, 1); /* the workload's context: refilled entries get TID 1 */
    uint32_t (*aliased)(const volatile uint32_t *, uint32_t) =
        (uint32_t (*)(const volatile uint32_t *, uint32_t))(ALIAS_BASE + ((uint32_t)alias_sum & (PAGE - 1)));
    lcg_state ^= seed;
    uint32_t checksum = 0, alias_total = 0;
    for (uint32_t i = 0; i < 6000; i++) {
        uint32_t x = lcg();
        uint32_t page = ((x >> 8) % WORK_PAGES) * 3 + 1; /* 300 pages over 3.6 MiB */
        volatile uint32_t *word = (volatile uint32_t *)(WORK_BASE + page * PAGE + (((x >> 18) & 0x3ff) << 2));
        switch ((x >> 4) & 3) {
        case 0: /* a store: a page first touched so is mapped writable */
            *word = i ^ x;
            break;
        case 1: /* read-modify-write: a page first read takes a protection fault here */
            *word = *word + (i ^ x);
            break;
        default:
            checksum = (checksum << 3 | checksum >> 29) ^ *word;
        }
        if ((i & 63) == 0)
            alias_total += aliased((volatile uint32_t *)((uint32_t)word & ~(PAGE - 1)), 8 + (i & 0x1c0) / 16);
    }
    /* Every word of every page mapped, in page-table order. */
    uint32_t verify = 0;
    for (uint32_t page = 0; page < 1024; page++) {
        uint32_t *pte = pte_of(WORK_BASE + page * PAGE, 0);
        if (!pte || !(*pte & PTE_PRESENT))
            continue;
        const volatile uint32_t *words = (const volatile uint32_t *)(WORK_BASE + page * PAGE);
        for (uint32_t n = 0; n < PAGE / 4; n++)
            verify = verify * 31 + words[n];
    }

    /* tlbsx.: a page just touched is in the TLB; read its entry back. */
    volatile uint32_t *probe = (volatile uint32_t *)(WORK_BASE + (42 * 3 + 1) * PAGE + 0x10);
    *probe += 1;
    uint32_t index = 0;
    if (tlb_search((uint32_t)probe, &index)) {
        uint32_t hi, lo;
        tlb_read(index, &hi, &lo);
        r->found_index = index;
        r->found_hi = hi;
        r->found_lo = lo;
    } else {
        r->found_index = 0xffffffffu;
    }
    /* Under another PID, the TID-1 entry does not match. */
    MTSPR(SPR_PID, 2);
    r->other_pid_found = tlb_search((uint32_t)probe, &index);
    MTSPR(SPR_PID, 1);
    /* Unmap the page (PTE cleared, entry invalidated as a kernel's flush of one page does); the next
       access faults in a new zeroed frame. */
    uint32_t *pte = pte_of((uint32_t)probe, 0);
    *pte = 0;
    if (tlb_search((uint32_t)probe, &index)) /* TLBHI alone, V = 0 (index < 64 has bit 25 clear) */
        __asm__ volatile("tlbwe %0,%0,0\n\tisync" : : "r"(index) : "memory");
    r->unmapped_found = tlb_search((uint32_t)probe, &index);
    r->after_unmap = *probe;

    /* Zones: a read-only page in zone 2 under each ZPR value of that zone (supervisor mode:
       00 and 01 obey WR, 10 and 11 do not), and a call through the non-executable alias (ISI). */
    volatile uint32_t *ro = (volatile uint32_t *)(ZONE_PAGE + 0x20);
    uint32_t zpr = MFSPR(SPR_ZPR);
    expect_storage = 1;
    for (uint32_t zone = 0; zone < 4; zone++) {
        MTSPR(SPR_ZPR, (zpr & ~0x0c000000u) | zone << 26);
        *ro = *ro + 0x100 + zone;
    }
    MTSPR(SPR_ZPR, zpr);
    uint32_t (*not_executable)(const volatile uint32_t *, uint32_t) =
        (uint32_t (*)(const volatile uint32_t *, uint32_t))(ALIAS_NX + ((uint32_t)alias_sum & (PAGE - 1)));
    r->nx_result = not_executable(probe, 1);
    expect_storage = 0;
    r->zone_value = *ro;

    r->checksum = checksum;
    r->verify = verify;
    r->alias_total = alias_total;
    r->misses_data = tlb_misses[1];
    r->misses_instr = tlb_misses[2];
    r->faults = page_faults;
    r->prot_faults = protection_faults;
    MTSPR(SPR_PID, 0);
    puts_uart0("kernel: workload done\n");
    return checksum ^ verify;
}

/* Time-base ticks from entering the translated kernel to its return, which `cargo xtask bench tlb`
 * reads from memory: not printed, as they differ natively and virtualized. */
volatile uint32_t kernel_ticks;

static uint32_t time_base(void)
{
    uint32_t value;
    __asm__ volatile("mftb %0" : "=r"(value));
    return value;
}

int main(void)
{
    puts_uart0("demand-paging: PPC405 software-TLB boot flow\n");
    uint32_t pvr = MFSPR(SPR_PVR);
    __asm__ volatile("tlbia" : : : "memory");
    MTSPR(SPR_EVPR, 0);
    MTSPR(SPR_ZPR, 0x60000000u); /* zone 0: 01 (EX, WR apply); zone 1: 10 (supervisor: all) */
    MTSPR(SPR_PID, 0);
    puts_uart0("PVR ");
    print_hex(pvr);
    putc_uart0('\n');

    /* Pinned entries. */
    tlb_write(0, KERNELBASE | TLBHI_SIZE(7) | TLBHI_V, 0 | TLBLO_EX | TLBLO_WR | TLBLO_ZSEL(0));
    tlb_write(1, 0 | TLBHI_SIZE(7) | TLBHI_V, 0 | TLBLO_WR | TLBLO_ZSEL(1));
    /* Page table: the UART (as an ioremap would) and the code alias. */
    *pte_of(UART_PAGE, 1) = UART_PAGE | PTE_PRESENT | TLBLO_WR | TLBLO_I | TLBLO_G;
    *pte_of(ALIAS_BASE, 1) = ((uint32_t)alias_sum & ~(PAGE - 1)) | PTE_PRESENT | TLBLO_EX;

    *pte_of(ALIAS_NX, 1) = ((uint32_t)alias_sum & ~(PAGE - 1)) | PTE_PRESENT;
    uint32_t zone_frame = next_frame;
    next_frame += PAGE;
    *(volatile uint32_t *)(zone_frame + 0x20) = 0x5000;
    *pte_of(ZONE_PAGE, 1) = zone_frame | PTE_PRESENT | TLBLO_ZSEL(2);

    /* PIT: TCR before PIT. */
    MTSPR(SPR_TCR, TCR_PIE | TCR_ARE);
    MTSPR(SPR_PIT, 5000);

    uint32_t start = time_base();
    uint32_t value = run_translated(kernel_main, 0x5a5a0000u);
    kernel_ticks = time_base() - start;

    MTSPR(SPR_TCR, 0);
    MTSPR(SPR_PIT, 0);
    MTSPR(SPR_TSR, TSR_PIS);
    uint32_t msr = mfmsr();
    volatile struct result *r = result_physical;
    puts_uart0("back in real mode: MSR IR|DR|EE = ");
    print_hex(msr & (MSR_IR | MSR_DR | MSR_EE));
    puts_uart0("\nkernel ran at ");
    print_hex(r->pc_high);
    puts_uart0(" with MSR IR|DR|EE = ");
    print_hex(r->msr_bits);
    puts_uart0("\npage faults ");
    print_dec(r->faults);
    puts_uart0(", protection faults ");
    print_dec(r->prot_faults);
    puts_uart0("\nTLB misses: data ");
    print_dec(r->misses_data);
    puts_uart0(", instruction ");
    print_dec(r->misses_instr);
    puts_uart0("\nchecksum ");
    print_hex(r->checksum);
    puts_uart0(" verify ");
    print_hex(r->verify);
    puts_uart0(" alias ");
    print_hex(r->alias_total);
    puts_uart0(" returned ");
    print_hex(value);
    puts_uart0("\ntlbsx. found probe at ");
    print_dec(r->found_index);
    puts_uart0(": hi ");
    print_hex(r->found_hi);
    puts_uart0(" lo ");
    print_hex(r->found_lo);
    puts_uart0("\nfound under PID 2: ");
    print_dec(r->other_pid_found);
    puts_uart0(", after unmap: ");
    print_dec(r->unmapped_found);
    puts_uart0(", value after refault ");
    print_hex(r->after_unmap);
    putc_uart0('\n');
    puts_uart0("zone tests: value ");
    print_hex(r->zone_value);
    puts_uart0(", storage interrupts ");
    print_dec(storage_hits);
    puts_uart0(":");
    for (uint32_t n = 0; n < storage_hits && n < 8; n++) {
        putc_uart0(' ');
        print_hex(storage_esr[n]);
    }
    puts_uart0("\nnot-executable call returned ");
    print_hex(r->nx_result);
    putc_uart0('\n');
    for (uint32_t index = 0; index < 3; index++)
        print_entry(index);
    puts_uart0("frames used ");
    print_dec((next_frame - FRAMES_BASE) / PAGE);
    puts_uart0(", PIT ticked: ");
    puts_uart0(pit_ticks ? "yes" : "no");
    putc_uart0('\n');
    return 0;
}

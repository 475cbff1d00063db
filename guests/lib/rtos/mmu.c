/* The RTOS's optional MMU mode (PPC405 user's manual, chapter 7).
 *
 * Tasks run with MSR[IR, DR] on, PID = their TID; the kernel runs in real mode (every interrupt
 * clears IR and DR), so it needs no entry of its own. Identity mapping, written once at start:
 * - TID 0 (every task): the image from 0 up to .bss (vectors, code, read-only data, .data),
 *   executable, not writable; .bss (kernel state, other tasks' data) is not mapped;
 * - TID n (task n only): its stack and its own data, writable, not executable.
 * Zone 0 is 01 in the ZPR: the entries' EX and WR decide, in user mode too. A task touching
 * anything else takes a TLB miss or a storage interrupt, and the kernel stops that task.
 */
#include "mmu.h"

#define SPR_PID 945
#define SPR_ZPR 944
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

/* TLBHI and TLBLO fields (section 7.4). */
#define TLBHI_V 0x00000040u
#define TLBHI_SIZE_SHIFT 7
#define TLBLO_EX 0x00000200u
#define TLBLO_WR 0x00000100u
#define TLB_ENTRIES 64u
#define PAGE 4096u

/* linker/guest.ld: where .bss starts, after everything loaded. */
extern char __bss_start[];

static uint32_t next_entry;
static uint32_t shared_end;

/* Writes entry `index`: LO first, then HI, which takes its TID from PID (QEMU 7.2 clears the
   valid bit when LO is written after HI; platform.md). */
static void tlb_write(uint32_t index, uint32_t hi, uint32_t lo, uint8_t tid)
{
    MTSPR(SPR_PID, tid);
    __asm__ volatile("tlbwe %0,%1,1" : : "r"(lo), "r"(index) : "memory");
    __asm__ volatile("tlbwe %0,%1,0" : : "r"(hi), "r"(index) : "memory");
}

/* Maps [base, base + bytes) one to one with the largest pages that fit, at least 4 KiB (QEMU does
   not map 1 KiB pages). */
static int map_range(uint32_t base, uint32_t bytes, uint32_t attributes, uint8_t tid)
{
    while (bytes) {
        uint32_t size = 7; /* 16 MiB, then 4 MiB, 1 MiB, 256 KiB, 64 KiB, 16 KiB, 4 KiB */
        uint32_t page_bytes = 1024u << (2 * size);
        while (size > 1 && ((base & (page_bytes - 1)) || page_bytes > bytes)) {
            size--;
            page_bytes >>= 2;
        }
        if (next_entry >= TLB_ENTRIES || (base & (PAGE - 1)) || bytes < PAGE)
            return 0;
        tlb_write(next_entry++, base | (size << TLBHI_SIZE_SHIFT) | TLBHI_V, base | attributes, tid);
        base += page_bytes;
        bytes -= page_bytes;
    }
    return 1;
}

void mmu_init(void)
{
    __asm__ volatile("tlbia" : : : "memory");
    MTSPR(SPR_ZPR, 0x40000000u); /* zone 0: 01, access as the entry says, in both modes */
    next_entry = 0;
    shared_end = ((uint32_t)__bss_start + PAGE - 1) & ~(PAGE - 1);
    map_range(0, shared_end, TLBLO_EX, 0);
    MTSPR(SPR_PID, 0);
}

int mmu_map(const struct address_space *space)
{
    int mapped = map_range(space->stack, space->stack_bytes, TLBLO_WR, space->tid) &&
                 map_range(space->memory, space->memory_bytes, TLBLO_WR, space->tid);
    MTSPR(SPR_PID, 0);
    return mapped;
}

static int inside(uint32_t address, uint32_t length, uint32_t base, uint32_t bytes)
{
    return address >= base && length <= bytes && address - base <= bytes - length;
}

int mmu_readable(const struct address_space *space, uint32_t address, uint32_t length)
{
    return inside(address, length, 0, shared_end) || inside(address, length, space->stack, space->stack_bytes) ||
           inside(address, length, space->memory, space->memory_bytes);
}

void mmu_switch_to(const struct address_space *space)
{
    MTSPR(SPR_PID, space->tid);
}

/* Exhausts the TLB (needs tlb-virt): entry 0 maps its 16 MiB one-to-one; entries 1-63 are
 * rewritten in 8 rounds to map 504 pages of 4 KiB at EA 0x1000_0000 + k * 4 KiB onto its own
 * physical 0x0080_0000 + k * 4 KiB; each page is written and read back through its entry.
 * value[0]: hash of what was read through the TLB; value[1]: hash of the same memory read
 * untranslated afterwards; count: pages touched. Stage 1 translating, 2 done.
 */
#include "hostile.h"

#define PAGES_PER_ROUND 63u
#define ROUNDS 8u
#define PAGE 4096u

static uint32_t mix(uint32_t hash, uint32_t word)
{
    return (hash ^ word) * 16777619u;
}

int main(void)
{
    uint32_t through_tlb = 2166136261u, untranslated = 2166136261u;
    tlb_write(0, 0x00000000u | TLBHI_SIZE(7) | TLBHI_V, 0x00000000u | TLBLO_EX | TLBLO_WR);
    mtmsr(MSR_IR | MSR_DR);
    hostile_record.stage = 1;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        for (uint32_t i = 0; i < PAGES_PER_ROUND; i++) {
            uint32_t k = round * PAGES_PER_ROUND + i;
            tlb_write(i + 1, (0x10000000u + k * PAGE) | TLBHI_SIZE(1) | TLBHI_V,
                      (0x00800000u + k * PAGE) | TLBLO_WR);
        }
        for (uint32_t i = 0; i < PAGES_PER_ROUND; i++) {
            uint32_t k = round * PAGES_PER_ROUND + i;
            volatile uint32_t *page = (volatile uint32_t *)(0x10000000u + k * PAGE);
            for (uint32_t offset = 0; offset < PAGE / 4; offset += 64)
                page[offset] = k * 0x10001u + offset;
            for (uint32_t offset = 0; offset < PAGE / 4; offset += 64)
                through_tlb = mix(through_tlb, page[offset]);
            hostile_record.count++;
        }
    }
    mtmsr(0);
    __asm__ volatile("tlbia; isync" : : : "memory");
    for (uint32_t k = 0; k < ROUNDS * PAGES_PER_ROUND; k++) {
        volatile uint32_t *page = (volatile uint32_t *)(0x00800000u + k * PAGE);
        for (uint32_t offset = 0; offset < PAGE / 4; offset += 64)
            untranslated = mix(untranslated, page[offset]);
    }
    hostile_record.value[0] = through_tlb;
    hostile_record.value[1] = untranslated;
    hostile_record.stage = 2;
    hostile_finish();
}

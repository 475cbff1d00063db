/* A little-endian page of its own memory (needs tlb-virt): natively QEMU 7.2 aborts on it.
 * Entry 1 maps EA 0x3000_0000 onto its own physical 0x0080_0000 with TLBHI[E]. Stages: 1 entries
 * written, 2 translation on, 3 the load went through (must not happen).
 */
#include "hostile.h"

int main(void)
{
    tlb_write(0, 0x00000000u | TLBHI_SIZE(7) | TLBHI_V, 0x00000000u | TLBLO_EX | TLBLO_WR);
    tlb_write(1, 0x30000000u | TLBHI_SIZE(1) | TLBHI_V | TLBHI_E, 0x00800000u | TLBLO_WR);
    hostile_record.stage = 1;
    mtmsr(MSR_IR | MSR_DR);
    hostile_record.stage = 2;
    uint32_t value;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: lwz %0,0(%1)" : "=r"(value) : "b"(0x30000000u) : "memory");
    hostile_record.value[0] = value;
    hostile_record.stage = 3;
    hostile_finish();
}

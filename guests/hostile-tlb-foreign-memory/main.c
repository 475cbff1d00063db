/* tlbwe onto foreign physical memory, then a store through it (needs tlb-virt). Entry 0 maps its
 * own 16 MiB one-to-one (code, data, stack); entry 1 maps EA 0x1000_0000 onto physical 0x0110_0000.
 * Stages: 1 entries written, 2 translation on, 3 the store went through (must not happen).
 */
#include "hostile.h"

int main(void)
{
    tlb_write(0, 0x00000000u | TLBHI_SIZE(7) | TLBHI_V, 0x00000000u | TLBLO_EX | TLBLO_WR);
    tlb_write(1, 0x10000000u | TLBHI_SIZE(2) | TLBHI_V, 0x01100000u | TLBLO_WR);
    hostile_record.stage = 1;
    mtmsr(MSR_IR | MSR_DR);
    hostile_record.stage = 2;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stw %0,0(%1)"
                     : : "r"(0xbadc0de5u), "b"(0x10000000u) : "memory");
    hostile_record.stage = 3;
    hostile_finish();
}

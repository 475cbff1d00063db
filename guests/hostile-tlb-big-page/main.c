/* A 16 MiB page over an 8 MiB partition (needs tlb-virt; the test gives it 8 MiB). Entry 0 maps
 * EA 0 onto physical 0 with 16 MiB; the store at EA 0x00C0_0000 is past its memory.
 * Stages: 1 translation on and its own memory reachable, 2 the store went through (must not happen).
 */
#include "hostile.h"

int main(void)
{
    tlb_write(0, 0x00000000u | TLBHI_SIZE(7) | TLBHI_V, 0x00000000u | TLBLO_EX | TLBLO_WR);
    mtmsr(MSR_IR | MSR_DR);
    *(volatile uint32_t *)0x00700000 = 0x0b16ba9e; /* 7 MiB in: its own */
    hostile_record.value[0] = *(volatile uint32_t *)0x00700000;
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stw %0,0(%1)"
                     : : "r"(0xbadc0de5u), "b"(0x00c00000u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

/* tlbwe onto a device page not granted (UART0/UART1 at 0xEF60_0000), then a store to UART0's
 * transmitter through it (needs tlb-virt). Stages: 1 entries written, 2 translation on, 3 the store
 * went through (must not happen).
 */
#include "hostile.h"

int main(void)
{
    tlb_write(0, 0x00000000u | TLBHI_SIZE(7) | TLBHI_V, 0x00000000u | TLBLO_EX | TLBLO_WR);
    tlb_write(1, 0x20000000u | TLBHI_SIZE(1) | TLBHI_V, 0xef600000u | TLBLO_WR | TLBLO_I | TLBLO_G);
    hostile_record.stage = 1;
    mtmsr(MSR_IR | MSR_DR);
    hostile_record.stage = 2;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stb %0,0x300(%1)"
                     : : "r"('X'), "b"(0x20000000u) : "memory");
    hostile_record.stage = 3;
    hostile_finish();
}

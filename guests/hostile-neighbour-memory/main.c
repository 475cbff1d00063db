/* A store to the real address of partition 0's memory (EA 0x0110_0000). Stage 1: about to store;
 * stage 2 would mean the store went through. The faulting instruction is hostile_attack.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stw %0,0(%1)"
                     : : "r"(0xbadc0de5u), "b"(0x01100000u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

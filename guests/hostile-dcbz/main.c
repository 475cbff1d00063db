/* dcbz of a foreign line (EA 0x0110_0000). Stage 1 about to zero; 2 would mean it went through. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: dcbz 0, %0" : : "r"(0x01100000u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

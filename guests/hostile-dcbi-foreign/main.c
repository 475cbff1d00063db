/* dcbi of a foreign line (EA 0x0110_0000). Stage 1 about to invalidate; 2 would mean it went through. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: dcbi 0, %0" : : "r"(0x01100000u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

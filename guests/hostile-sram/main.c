/* A store to the SRAM (not granted). Stage 1 about to store; 2 would mean it went through. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stw %0,0(%1)"
                     : : "r"(0xbadc0de5u), "b"(0xfff00000u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

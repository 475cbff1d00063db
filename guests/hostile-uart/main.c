/* A byte stored to UART0's transmitter, not granted. Stage 1 about to store; 2 would mean it went through. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stb %0,0(%1)" : : "r"('X'), "b"(0xef600300u) : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

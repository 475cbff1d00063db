/* lwarx at EA 0x0110_0000. Stage 1 about to load; 2 would mean it went through (value[0]). */
#include "hostile.h"

int main(void)
{
    uint32_t value;
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: lwarx %0, 0, %1" : "=r"(value) : "r"(0x01100000u) : "memory");
    hostile_record.value[0] = value;
    hostile_record.stage = 2;
    hostile_finish();
}

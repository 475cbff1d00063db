/* dcread at its own EA 0x100 (value[0] = what it returned), then at EA 0x0110_0000.
 * Stage 1 own read done; 2 would mean the foreign read went through (value[1]).
 */
#include "hostile.h"

int main(void)
{
    uint32_t value;
    __asm__ volatile("dcread %0, 0, %1" : "=r"(value) : "r"(0x100u) : "memory");
    hostile_record.value[0] = value;
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: dcread %0, 0, %1" : "=r"(value) : "r"(0x01100000u) : "memory");
    hostile_record.value[1] = value;
    hostile_record.stage = 2;
    hostile_finish();
}

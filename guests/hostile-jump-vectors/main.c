/* Jumps to EA 0x700 (its own stub in vectors.S), which jumps on to EA 0x0100_0700. Stage 1 before
 * the jump; 0x700 once the stub ran.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile("mtctr %0\n\tbctr" : : "r"(0x700u) : "ctr", "memory");
    hostile_finish();
}

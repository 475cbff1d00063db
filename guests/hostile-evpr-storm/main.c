/* EVPR to garbage (zero-filled memory at 0x00A0_0000), then sc: an endless exception storm.
 * Stage 1 just before the sc.
 */
#include "hostile.h"

int main(void)
{
    MTSPR(EVPR, 0x00a00000);
    hostile_record.stage = 1;
    __asm__ volatile("sc" : : : "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

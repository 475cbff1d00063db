/* TCR = WRC chip reset, WP = 2^17 ticks, never serviced; spins at hostile_attack. Stage 1 armed. */
#include "hostile.h"

int main(void)
{
    MTSPR(TCR, TCR_WRC_CHIP);
    hostile_record.stage = 1;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: b hostile_attack");
    hostile_finish();
}

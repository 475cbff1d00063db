/* DBCR0 = all ones but RST, read back (value[0]); then DBCR0 = all ones, a system reset, at each of
   its first two boots, counted outside its image (value[1]). Stage 1 written at the third boot. */
#include "hostile.h"

#define BOOTS (*(volatile uint32_t *)0x00700000)

int main(void)
{
    uint32_t boots = BOOTS + 1;
    BOOTS = boots;
    MTSPR(DBCR0, 0xcfffffff);
    hostile_record.value[0] = MFSPR(DBCR0);
    hostile_record.value[1] = boots;
    if (boots < 3)
        MTSPR(DBCR0, 0xffffffff);
    hostile_record.stage = 1;
    hostile_finish();
}

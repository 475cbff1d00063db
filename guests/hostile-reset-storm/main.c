/* A system reset through DBCR0 at every boot, for ever, with 2 MiB of initialized data to load
   again each time; boots counted outside its image at 0x00f00000. Stage 1 written before each. */
#include "hostile.h"

#define BOOTS (*(volatile uint32_t *)0x00f00000)

/* The image the microvisor loads again at each reset. */
volatile uint32_t ballast[1 << 19] = { 1 };

int main(void)
{
    BOOTS = BOOTS + ballast[0];
    hostile_record.stage = 1;
    MTSPR(DBCR0, 0x30000000);
    hostile_finish();
}

/* wrteei 0, then an endless loop. Stage 1: interrupts off, spinning. */
#include "hostile.h"

int main(void)
{
    __asm__ volatile("wrteei 0");
    mtmsr(0);
    hostile_record.stage = 1;
    for (;;)
        hostile_record.count++;
}

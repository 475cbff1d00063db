/* sc and tw 31,0,0 in a loop, forever (in a report run: 10000 of each). value[0]: system calls
 * taken; value[1]: trap program interrupts taken (ESR = PTR); value[12]: any other vector.
 * Stage 1 once started.
 */
#include "hostile.h"

uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x0c00) {
        hostile_record.value[0]++;
    } else if (vector == 0x0700 && MFSPR(ESR) == ESR_PTR) {
        hostile_record.value[1]++;
        MTSPR(SRR0, MFSPR(SRR0) + 4);
    } else {
        hostile_record.value[12] = vector;
    }
    return 0;
}

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t i = 0; !hostile_config.report || i < 10000; i++) {
        __asm__ volatile("sc\n\ttw 31, 0, 0" : : : "memory");
        hostile_record.count = i + 1;
    }
    hostile_finish();
}

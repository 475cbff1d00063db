/* mtdcr of all ones to DCR 0..1023, forever (in a report run: once). value[0]: illegal-instruction
 * interrupts in the last sweep; value[12]: any other vector; count: sweeps. Stage 1 once started.
 */
#include "hostile.h"

static volatile uint32_t illegal;

uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x700 && MFSPR(ESR) == ESR_PIL) {
        illegal++;
        MTSPR(SRR0, MFSPR(SRR0) + 4);
    } else {
        hostile_record.value[12] = vector;
    }
    return 0;
}

static void sweep(void)
{
    __asm__ volatile(
        "li 3, -1\n\t"
        ".set dcr_number, 0\n\t"
        ".rept 1024\n\t"
        "mtdcr dcr_number, 3\n\t"
        ".set dcr_number, dcr_number + 1\n\t"
        ".endr"
        : : : "r3", "memory");
}

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t i = 0; !hostile_config.report || i < 1; i++) {
        illegal = 0;
        sweep();
        hostile_record.value[0] = illegal;
        hostile_record.count = i + 1;
    }
    hostile_finish();
}

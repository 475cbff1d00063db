/* PIT = 2 with auto-reload, interrupts on, forever (in a report run: until 10000 interrupts).
 * count: PIT interrupts taken; value[12]: any other vector taken. Stage 1 once the PIT runs.
 */
#include "hostile.h"

uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x1000) {
        hostile_record.count++;
        MTSPR(TSR, TSR_PIS);
    } else {
        hostile_record.value[12] = vector;
    }
    return 0;
}

int main(void)
{
    MTSPR(TCR, TCR_PIE | TCR_ARE); /* TCR before PIT: platform.md */
    MTSPR(PIT, 2);
    hostile_record.stage = 1;
    mtmsr(MSR_EE);
    while (!hostile_config.report || hostile_record.count < 10000)
        ;
    mtmsr(0);
    MTSPR(TCR, 0);
    hostile_finish();
}

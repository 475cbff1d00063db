/* rfi to hostile_config.target (the microvisor's entry point, patched in by the test) with
 * MSR = ME (supervisor, untranslated). Its program handler records SRR0 (value[0]) and ESR
 * (value[1]), then returns with rfi to target + 16 MiB. Stage 1 before the rfi, 2 in the handler.
 */
#include "hostile.h"

uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x700 && hostile_record.stage == 1) {
        hostile_record.value[0] = MFSPR(SRR0);
        hostile_record.value[1] = MFSPR(ESR);
        hostile_record.stage = 2;
        MTSPR(SRR0, hostile_config.target + 0x01000000);
        MTSPR(SRR1, MSR_ME);
    } else {
        hostile_record.value[12] = vector;
    }
    return 0;
}

int main(void)
{
    hostile_record.stage = 1;
    MTSPR(SRR0, hostile_config.target);
    MTSPR(SRR1, MSR_ME);
    __asm__ volatile("rfi" : : : "memory");
    hostile_finish();
}

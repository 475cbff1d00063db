/* mtspr TBL/TBU (SPR 284/285) forever (in a report run: 1000 times). value[0], value[1]: TBU and TBL
 * read back right after the first writes; count: writes. Stage 1 once started.
 */
#include "hostile.h"

#define TBL_WRITE 284
#define TBU_WRITE 285

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t i = 0; !hostile_config.report || i < 1000; i++) {
        MTSPR(TBL_WRITE, 0);
        MTSPR(TBU_WRITE, 0xffffffff);
        MTSPR(TBL_WRITE, 0xffffff00);
        if (i == 0) {
            uint32_t upper, lower;
            __asm__ volatile("mftbu %0\n\tmftb %1" : "=r"(upper), "=r"(lower));
            hostile_record.value[0] = upper;
            hostile_record.value[1] = lower;
        }
        hostile_record.count = i + 1;
    }
    hostile_finish();
}

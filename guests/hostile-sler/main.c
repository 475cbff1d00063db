/* SLER = all ones. value[0]: SLER read back. Stage 1 written. */
#include "hostile.h"

int main(void)
{
    MTSPR(SLER, 0xffffffff);
    hostile_record.value[0] = MFSPR(SLER);
    hostile_record.stage = 1;
    hostile_finish();
}

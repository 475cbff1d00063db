/* DBCR0 = all ones. value[0]: DBCR0 read back. Stage 1 written. */
#include "hostile.h"

int main(void)
{
    MTSPR(DBCR0, 0xffffffff);
    hostile_record.value[0] = MFSPR(DBCR0);
    hostile_record.stage = 1;
    hostile_finish();
}

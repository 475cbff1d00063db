/* SPRG4-7 read through SPR 260-263 forever (in a report run: 100000 times). It never writes them,
 * so anything but 0 is another partition's. count: foreign values seen; value[0..3]: the last
 * foreign value of each; value[4]: passes. Stage 1 once started.
 */
#include "hostile.h"

static void note(int n, uint32_t value)
{
    if (value != 0) {
        hostile_record.count++;
        hostile_record.value[n] = value;
    }
}

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t pass = 0; !hostile_config.report || pass < 100000; pass++) {
        note(0, MFSPR(260));
        note(1, MFSPR(261));
        note(2, MFSPR(262));
        note(3, MFSPR(263));
        hostile_record.value[4] = pass + 1;
    }
    hostile_finish();
}

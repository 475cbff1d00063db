/* PID 0..255 and ZPR games, each followed by a store and a load at 0x0010_0000 + 4 * PID, forever
 * (in a report run: one sweep). value[0]: words that did not read back; value[1]: PID read back
 * after the last sweep; value[2]: ZPR read back; count: sweeps. Stage 1 once started.
 */
#include "hostile.h"

#define TARGET ((volatile uint32_t *)0x00100000)
#define MARKER 0x91d00000u

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t sweep = 0; !hostile_config.report || sweep < 1; sweep++) {
        for (uint32_t pid = 0; pid < 256; pid++) {
            MTSPR(PID, pid);
            MTSPR(ZPR, pid & 1 ? 0xffffffff : 0);
            TARGET[pid] = MARKER | pid;
            if (TARGET[pid] != (MARKER | pid))
                hostile_record.value[0]++;
        }
        hostile_record.value[1] = MFSPR(PID);
        hostile_record.value[2] = MFSPR(ZPR);
        hostile_record.count = sweep + 1;
    }
    hostile_finish();
}

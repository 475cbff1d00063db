/* dccci over every congruence class, own and foreign effective addresses, and iccci, forever
 * (in a report run: 100 passes). Stage 1 once started; count: passes.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t pass = 0; !hostile_config.report || pass < 100; pass++) {
        for (uint32_t address = 0; address < 0x4000; address += 32) {
            __asm__ volatile("dccci 0, %0" : : "r"(address) : "memory");
            __asm__ volatile("dccci 0, %0" : : "r"(0x01100000u + address) : "memory");
        }
        __asm__ volatile("iccci 0, %0\n\tisync" : : "r"(0) : "memory");
        hostile_record.count = pass + 1;
    }
    hostile_finish();
}

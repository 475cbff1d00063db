/* IPCM requests the configuration does not allow (run para-virtualized on a microvisor with ipcm,
 * in a system whose channel 0 joins partitions 0 and 2 at 0x4000_0000). value[0..4]: what each
 * request returned (irfm::hypercall::Error::Refused is -3). Stage 1: requests made. Then a store of
 * a marker and a load at the channel's address, where this partition has nothing (it is not an end)
 * and neither has the board: as natively, the load reads 0 (value[5]) and the store goes nowhere,
 * so stage 2 comes; the channel page must not hold the marker.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.value[0] = HOSTILE_HYPERCALL(32, 0, 0);           /* open channel 0: not an end */
    hostile_record.value[1] = HOSTILE_HYPERCALL(33, 0, 0);           /* notify channel 0 */
    hostile_record.value[2] = HOSTILE_HYPERCALL(32, 3, 0);           /* a channel that does not exist */
    hostile_record.value[3] = HOSTILE_HYPERCALL(32, 0xffffffffu, 0);
    hostile_record.value[4] = HOSTILE_HYPERCALL(33, 0xffffffffu, 0);
    hostile_record.stage = 1;
    uint32_t value;
    __asm__ volatile(".globl hostile_attack\nhostile_attack: stw %1,0(%2); lwz %0,0(%2)"
                     : "=&r"(value) : "r"(0x1bc0ffeeu), "b"(0x40000000u) : "memory");
    hostile_record.value[5] = value;
    hostile_record.stage = 2;
    hostile_finish();
}

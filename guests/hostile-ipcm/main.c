/* IPCM requests the configuration does not allow (run para-virtualized on a microvisor with ipcm,
 * in a system whose channel 0 joins partitions 0 and 2 at 0x4000_0000). value[0..4]: what each
 * request returned (irfm::hypercall::Error::Refused is -3). Stage 1 requests made; 2 would mean the
 * read of the channel page went through (value[5]).
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
    __asm__ volatile(".globl hostile_attack\nhostile_attack: lwz %0,0(%1)" : "=r"(value) : "b"(0x40000000u) : "memory");
    hostile_record.value[5] = value;
    hostile_record.stage = 2;
    hostile_finish();
}

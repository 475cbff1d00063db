/* Console hypercalls with wild pointers and lengths (run para-virtualized, on a microvisor with
 * the drivers feature). value[0..6]: what each call returned (negative: irfm::hypercall::Error).
 * Stage 1 once all were made.
 */
#include "hostile.h"

static const char text[] = "this must not be printed\n";

int main(void)
{
    hostile_record.value[0] = HOSTILE_HYPERCALL(16, 0x01100000u, 64);          /* partition 0's real address */
    hostile_record.value[1] = HOSTILE_HYPERCALL(16, 0xffffff00u, 0x200);        /* wraps past 4 GiB */
    hostile_record.value[2] = HOSTILE_HYPERCALL(16, 0x00ffffc0u, 0x80);         /* runs past its 16 MiB */
    hostile_record.value[3] = HOSTILE_HYPERCALL(16, (uint32_t)text, 0xffffffffu); /* a 4 GiB length */
    hostile_record.value[4] = HOSTILE_HYPERCALL(17, 0x01100000u, 4096);         /* read into foreign memory */
    hostile_record.value[5] = HOSTILE_HYPERCALL(238, 0, 0);                     /* no such hypercall */
    hostile_record.value[6] = HOSTILE_HYPERCALL(16, (uint32_t)text, 0);         /* nothing at all: fine */
    hostile_record.stage = 1;
    hostile_finish();
}

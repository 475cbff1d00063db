/* stmw r20-r31 at EA 0x00ff_fff0: 16 bytes its own, 32 past its memory. Stage 1 about to store;
 * 2 would mean it went through.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile("li 20, -1\n\tli 21, -1\n\tli 22, -1\n\tli 23, -1\n\tli 24, -1\n\tli 25, -1\n\t"
                     "li 26, -1\n\tli 27, -1\n\tli 28, -1\n\tli 29, -1\n\tli 30, -1\n\tli 31, -1\n"
                     ".globl hostile_attack\nhostile_attack: stmw 20, 0(%0)"
                     : : "b"(0x00fffff0u)
                     : "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31", "memory");
    hostile_record.stage = 2;
    hostile_finish();
}

/* Unbounded recursion on a stack started at 0x3ff0: r1 walks down past 0. hostile_config.spare
 * bounds the depth only when non-zero (never, in the suite), which keeps gcc from calling the
 * recursion infinite. Stage 1: recursion started; count: deepest frame reached.
 */
#include "hostile.h"

uint32_t hostile_deep(uint32_t depth)
{
    volatile uint32_t frame[24];
    frame[depth % 24] = depth;
    hostile_record.count = depth;
    if (hostile_config.spare != 0 && depth >= hostile_config.spare)
        return depth;
    return hostile_deep(depth + 1) + frame[(depth + 1) % 24];
}

int main(void)
{
    hostile_record.stage = 1;
    __asm__ volatile("li 1, 0x3ff0\n\tli 3, 0\n\tbl hostile_deep" : : : "r3", "lr", "memory");
    hostile_finish();
}

/* The 64-bit time base, read in user or supervisor mode (mftb needs no privilege). */
#ifndef TIMEBASE_H
#define TIMEBASE_H

#include <stdint.h>

/* TBU, TBL, TBU again until TBU did not change, so a carry between the reads cannot tear it. */
static inline uint64_t time_base(void)
{
    uint32_t upper, lower, again;
    do {
        __asm__ volatile("mftbu %0" : "=r"(upper));
        __asm__ volatile("mftb %0" : "=r"(lower));
        __asm__ volatile("mftbu %0" : "=r"(again));
    } while (upper != again);
    return ((uint64_t)upper << 32) | lower;
}

#endif

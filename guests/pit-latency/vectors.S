/* pit-latency's exception vectors (PPC405 user's manual, chapter 5, table 5-2).
 *
 * PIT (0x1000): saves r3, reads the time base, and stamps it into pit_stamps[pit_count mod
 * STAMP_SLOTS]; then clears TSR[PIS] (write 1 to clear, section 6.7) and returns with rfi. The
 * time base is read by the second instruction of the vector, so the stamp is the moment the
 * interrupt reached the guest, give or take one instruction. Nothing the vector does changes CR,
 * LR, CTR or XER, so it saves r3-r6 alone. Every other vector is unexpected: it reports its offset
 * and ends the guest.
 */
#include "pit_latency.h"

    .equ    SPR_TSR, 984
    .equ    TSR_PIS_HIGH, 0x0800    /* TSR[PIS] = 0x08000000, as the upper half for lis */

    .macro  UNEXPECTED offset
    .org    \offset
    li      3, \offset
    b       unexpected_exception
    .endm

    .section .vectors, "ax"
    UNEXPECTED 0x0100   /* critical input */
    UNEXPECTED 0x0200   /* machine check */
    UNEXPECTED 0x0300   /* data storage */
    UNEXPECTED 0x0400   /* instruction storage */
    UNEXPECTED 0x0500   /* external */
    UNEXPECTED 0x0600   /* alignment */
    UNEXPECTED 0x0700   /* program */
    UNEXPECTED 0x0800   /* FPU unavailable */
    UNEXPECTED 0x0c00   /* system call */
    UNEXPECTED 0x0f20   /* APU unavailable */
    .org    0x1000      /* PIT: four instructions before the FIT's vector */
    stw     3, VECTOR_SAVE(0)
    mftb    3
    stw     4, VECTOR_SAVE+4(0)
    b       pit_rest
    UNEXPECTED 0x1010   /* FIT */
    UNEXPECTED 0x1020   /* watchdog */
    UNEXPECTED 0x1100   /* data TLB miss */
    UNEXPECTED 0x1200   /* instruction TLB miss */
    UNEXPECTED 0x2000   /* debug */

    .text
/* r3 = the time base at the vector; r3 and r4 saved. */
pit_rest:
    stw     5, VECTOR_SAVE+8(0)
    stw     6, VECTOR_SAVE+12(0)
    lis     4, pit_count@ha
    lwz     5, pit_count@l(4)
    addi    6, 5, 1
    stw     6, pit_count@l(4)
    rlwinm  5, 5, 2, 30 - STAMP_BITS, 29    /* (count mod STAMP_SLOTS) × 4, CR untouched */
    lis     4, pit_stamps@ha
    addi    4, 4, pit_stamps@l
    stwx    3, 4, 5
    lis     3, TSR_PIS_HIGH
    mtspr   SPR_TSR, 3
    lwz     3, VECTOR_SAVE(0)
    lwz     4, VECTOR_SAVE+4(0)
    lwz     5, VECTOR_SAVE+8(0)
    lwz     6, VECTOR_SAVE+12(0)
    rfi

    .section .note.GNU-stack, "", @progbits

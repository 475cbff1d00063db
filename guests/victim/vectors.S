/* The victim's exception vectors (PPC405 user's manual, table 5-2): every vector saves the
 * volatile state to a save area below 32 KiB (absolute addressing, no base register needed) and
 * calls victim_interrupt(vector, srr0) on the interrupted stack, in a frame 272 bytes below its r1.
 * Only non-critical interrupts are expected: a critical one is reported by the C side and returns
 * with rfci all the same.
 */
    .equ    SAVE, 0x3800            /* r0, r3-r12, CR, LR, CTR, XER: 16 words */

    .macro  VECTOR offset
    .org    \offset
    stw     3, SAVE+4(0)
    li      3, \offset
    b       victim_common
    .endm

    .section .vectors, "ax"
    VECTOR  0x0100
    VECTOR  0x0200
    VECTOR  0x0300
    VECTOR  0x0400
    VECTOR  0x0500
    VECTOR  0x0600
    VECTOR  0x0700
    VECTOR  0x0800
    VECTOR  0x0c00
    VECTOR  0x0f20
    VECTOR  0x1000
    VECTOR  0x1010
    VECTOR  0x1020
    VECTOR  0x1100
    VECTOR  0x1200
    VECTOR  0x2000

    .macro  RESTORE
    lwz     4, SAVE+44(0)
    mtcrf   0xff, 4
    lwz     4, SAVE+48(0)
    mtlr    4
    lwz     4, SAVE+52(0)
    mtctr   4
    lwz     4, SAVE+56(0)
    mtxer   4
    lwz     0, SAVE(0)
    lwz     3, SAVE+4(0)
    lwz     4, SAVE+8(0)
    lwz     5, SAVE+12(0)
    lwz     6, SAVE+16(0)
    lwz     7, SAVE+20(0)
    lwz     8, SAVE+24(0)
    lwz     9, SAVE+28(0)
    lwz     10, SAVE+32(0)
    lwz     11, SAVE+36(0)
    lwz     12, SAVE+40(0)
    .endm

    .text
victim_common:
    stw     0, SAVE(0)
    stw     4, SAVE+8(0)
    stw     5, SAVE+12(0)
    stw     6, SAVE+16(0)
    stw     7, SAVE+20(0)
    stw     8, SAVE+24(0)
    stw     9, SAVE+28(0)
    stw     10, SAVE+32(0)
    stw     11, SAVE+36(0)
    stw     12, SAVE+40(0)
    mfcr    4
    stw     4, SAVE+44(0)
    mflr    4
    stw     4, SAVE+48(0)
    mfctr   4
    stw     4, SAVE+52(0)
    mfxer   4
    stw     4, SAVE+56(0)
    mfsrr0  4
    stwu    1, -272(1)
    bl      victim_interrupt        /* r3 = vector, r4 = SRR0; returns 1 to leave with rfci */
    addi    1, 1, 272
    cmpwi   3, 0
    bne     1f
    RESTORE
    rfi
1:  RESTORE
    rfci

    .section .note.GNU-stack, "", @progbits

/* Exception vectors of the guests that take every interrupt in C: the conformance guest and the
 * hostile guests (PPC405 user's manual, table 5-2). Each vector saves r0-r31 with one stmw at 0x3000
 * (absolute, no base register, so no SPRG is needed: the conformance guest's randomized sequences
 * own the SPRGs; guest.ld leaves 0x2100-0x3fff free), then CR, LR, CTR, XER after them, and calls
 * the guest's on_exception(vector) on a stack of its own. The answer chooses rfi (0) or rfci (1).
 */
    .equ    SAVE, 0x3000
    .equ    SAVE_CR, 0x3080
    .equ    SAVE_LR, 0x3084
    .equ    SAVE_CTR, 0x3088
    .equ    SAVE_XER, 0x308c

    .macro  VECTOR offset
    .org    \offset
    stmw    0, SAVE(0)
    li      3, \offset
    b       exception_common
    .endm

    .section .vectors, "ax"
    VECTOR  0x0100  /* critical input */
    VECTOR  0x0200  /* machine check */
    VECTOR  0x0300  /* data storage */
    VECTOR  0x0400  /* instruction storage */
    VECTOR  0x0500  /* external */
    VECTOR  0x0600  /* alignment */
    VECTOR  0x0700  /* program */
    VECTOR  0x0800  /* FPU unavailable */
    VECTOR  0x0c00  /* system call */
    VECTOR  0x0f20  /* APU unavailable */
    VECTOR  0x1000  /* PIT */
    VECTOR  0x1010  /* FIT */
    VECTOR  0x1020  /* watchdog */
    VECTOR  0x1100  /* data TLB miss */
    VECTOR  0x1200  /* instruction TLB miss */
    VECTOR  0x2000  /* debug */

    /* CR, LR, CTR, XER and then every GPR back; r0 last but one (lmw cannot load r0 with rA = 0). */
    .macro  RESTORE
    lwz     4, SAVE_CR(0)
    mtcrf   0xff, 4
    lwz     4, SAVE_LR(0)
    mtlr    4
    lwz     4, SAVE_CTR(0)
    mtctr   4
    lwz     4, SAVE_XER(0)
    mtxer   4
    lwz     0, SAVE(0)
    lmw     1, SAVE+4(0)
    .endm

    .text
exception_common:
    mfcr    4
    stw     4, SAVE_CR(0)
    mflr    4
    stw     4, SAVE_LR(0)
    mfctr   4
    stw     4, SAVE_CTR(0)
    mfxer   4
    stw     4, SAVE_XER(0)
    lis     1, exception_stack_top@ha
    addi    1, 1, exception_stack_top@l
    bl      on_exception
    cmpwi   3, 0
    bne     1f
    RESTORE
    rfi
1:  RESTORE
    rfci

    .section .bss
    .balign 16
    .space  4096
exception_stack_top:
    .space  16

    .section .note.GNU-stack, "", @progbits

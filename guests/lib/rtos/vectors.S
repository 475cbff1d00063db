/* The RTOS's exception vectors (PPC405 user's manual, chapter 5, table 5-2) and its one way in
 * and out of the kernel.
 *
 * Every vector: SPRG1 <- r1, r1 <- SPRG0 (the running task's context), r2..r31 into it with one
 * stmw, r3 <- the vector offset, then exception_entry saves the rest and calls
 * kernel_entry(vector) in C on the kernel stack (MSR[EE] stays 0: the kernel is not preempted).
 * kernel_entry returns the context to resume; context_resume loads it and leaves by rfi, which is
 * the context switch. PIT and FIT are 16 bytes apart: four instructions, the fourth a branch.
 * Critical interrupts (0x100, 0x200, 0x1020, 0x2000) are never enabled; if one comes, the kernel
 * reports it and stops.
 */
#include "context.h"

    .macro  VECTOR offset
    .org    \offset
    mtspr   SPR_SPRG1, 1
    mfspr   1, SPR_SPRG0
    stmw    2, CTX_R2(1)
    li      3, \offset
    b       exception_entry
    .endm

    /* For the 16-byte slots: the li happens after the branch. */
    .macro  SHORT_VECTOR offset, rest
    .org    \offset
    mtspr   SPR_SPRG1, 1
    mfspr   1, SPR_SPRG0
    stmw    2, CTX_R2(1)
    b       \rest
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
    SHORT_VECTOR 0x1000, pit_rest   /* PIT: the tick */
    SHORT_VECTOR 0x1010, fit_rest   /* FIT */
    VECTOR  0x1020  /* watchdog */
    VECTOR  0x1100  /* data TLB miss */
    VECTOR  0x1200  /* instruction TLB miss */
    VECTOR  0x2000  /* debug */

    .text
pit_rest:
    li      3, 0x1000
    b       exception_entry
fit_rest:
    li      3, 0x1010
    /* fall through */

/* r1 = the context (r2..r31 saved), r3 = the vector, SPRG1 = the task's r1. */
exception_entry:
    stw     0, CTX_R0(1)
    mfspr   0, SPR_SPRG1
    stw     0, CTX_R1(1)
    mfcr    0
    stw     0, CTX_CR(1)
    mflr    0
    stw     0, CTX_LR(1)
    mfctr   0
    stw     0, CTX_CTR(1)
    mfxer   0
    stw     0, CTX_XER(1)
    mfspr   0, SPR_SRR0
    stw     0, CTX_SRR0(1)
    mfspr   0, SPR_SRR1
    stw     0, CTX_SRR1(1)
    /* State: the whole task is in its context; r1 becomes the kernel stack (EABI: 16-byte
       aligned, 16 bytes above it for the callee's LR save word). */
    lis     1, kernel_stack_top@ha
    addi    1, 1, kernel_stack_top@l
    bl      kernel_entry
    /* fall through with r3 = the context to resume */

    .globl  context_resume
context_resume:
    mr      1, 3
    lwz     0, CTX_SRR0(1)
    mtspr   SPR_SRR0, 0
    lwz     0, CTX_SRR1(1)
    mtspr   SPR_SRR1, 0
    lwz     0, CTX_CR(1)
    mtcrf   0xff, 0
    lwz     0, CTX_LR(1)
    mtlr    0
    lwz     0, CTX_CTR(1)
    mtctr   0
    lwz     0, CTX_XER(1)
    mtxer   0
    lwz     0, CTX_R0(1)
    lmw     2, CTX_R2(1)
    lwz     1, CTX_R1(1)    /* last: r1 was the base */
    rfi

    .section .bss
    .balign 16
    .space  8192
kernel_stack_top:
    .space  16

    .section .note.GNU-stack, "", @progbits

/* run_generated(code, registers): runs a generated sequence with r12 and r14-r31 loaded from
 * registers[0..18], stores them back after it, and returns in supervisor mode whatever mode the
 * sequence left (a system call with r0 = LEAVE_USER_MODE, see harness.c). The sequence ends with
 * blr and never touches r0-r11, r13 or LR. */
    .text
    .globl  run_generated
run_generated:
    stwu    1, -96(1)
    mflr    0
    stw     0, 100(1)
    stmw    14, 16(1)           /* r14-r31: callee-saved */
    stw     4, 8(1)             /* registers[] */
    mtctr   3
    lwz     12, 0(4)
    lmw     14, 4(4)
    li      0, 0
    bctrl
    lwz     4, 8(1)
    stw     12, 0(4)
    stmw    14, 4(4)
    lis     0, 0x5ec0
    ori     0, 0, 0xde00        /* LEAVE_USER_MODE */
    sc
    lmw     14, 16(1)
    lwz     0, 100(1)
    mtlr    0
    addi    1, 1, 96
    blr

    .section .note.GNU-stack, "", @progbits

/* Start-up of the entry-state guest: the shared guests/crt/crt0.S, but first every register as the
 * boot left it is saved (GPRs, LR, CTR, XER, CR, MSR) at 0x3000, which linker/guest.ld leaves unused
 * below 32 KiB, so d(0) reaches it without a base register.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    stmw    0, 0x3000(0)
    mflr    0
    stw     0, 0x3080(0)
    mfctr   0
    stw     0, 0x3084(0)
    mfxer   0
    stw     0, 0x3088(0)
    mfcr    0
    stw     0, 0x308c(0)
    mfmsr   0
    stw     0, 0x3090(0)
    lis     1, __stack_top@ha
    addi    1, 1, __stack_top@l
    li      0, 0
    stwu    0, -16(1)
    lis     3, __bss_start@ha
    addi    3, 3, __bss_start@l
    lis     4, __bss_end@ha
    addi    4, 4, __bss_end@l
1:  cmplw   3, 4
    bge     2f
    stb     0, 0(3)
    addi    3, 3, 1
    b       1b
2:  bl      main
    bl      guest_end
3:  b       3b
    .section .note.GNU-stack, "", @progbits

/* Start-up of a C guest: stack, .bss, main, end marker (PPC405, native or virtualized).
 *
 * _start is placed first in .text by linker/guest.ld. The stack follows the PowerPC EABI: r1
 * 16-byte aligned, with a zero back chain so debuggers stop unwinding here.
 */
    .section .text.start, "ax"
    /* Weak, so that a guest may bring an _start of its own that ends in `b crt_start`. */
    .weak _start
    .globl crt_start
_start:
crt_start:
    lis     1, __stack_top@ha
    addi    1, 1, __stack_top@l
    li      0, 0
    stwu    0, -16(1)
    /* Clear .bss one byte at a time: it need not be word-sized. */
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

/* A function on a page of its own, called through a second, executable 4 KiB virtual alias
 * (mapped by the page table, loaded by the instruction TLB miss handler).
 * uint32_t alias_sum(const volatile uint32_t *words, uint32_t count), count > 0. */
    .section .text.alias, "ax"
    .balign 4096
    .globl  alias_sum
alias_sum:
    mtctr   4
    li      5, 0
    addi    3, 3, -4
1:  lwzu    6, 4(3)
    add     5, 5, 6
    rotlwi  5, 5, 1
    bdnz    1b
    mr      3, 5
    blr
    .section .note.GNU-stack, "", @progbits

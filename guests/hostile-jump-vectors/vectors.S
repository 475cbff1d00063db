/* The attacker's own word at EA 0x700 (where the microvisor's program vector is in real memory):
 * records its arrival (hostile_record.stage = 0x700), then jumps beyond the partition's memory.
 */
    .section .vectors, "ax"
    .org    0x700
    lis     4, hostile_record@ha
    addi    4, 4, hostile_record@l
    li      5, 0x700
    stw     5, 4(4)                 /* stage */
    lis     3, 0x0100
    ori     3, 3, 0x0700
    mtctr   3
    bctr

    .section .note.GNU-stack, "", @progbits

/* One vector: the PIT (0x1000). It acknowledges TSR[PIS], counts, and returns; every other vector
 * spins (nothing else is expected). r3 and r4 are the only registers used, saved in SPRG0/SPRG1.
 */
    .section .vectors, "ax"
    .org    0x1000
    mtsprg  0, 3
    mtsprg  1, 4
    lis     3, 0x0800               /* TSR[PIS] */
    mtspr   984, 3                  /* TSR: write 1 to clear */
    lis     3, pit_count@ha
    lwz     4, pit_count@l(3)
    addi    4, 4, 1
    stw     4, pit_count@l(3)
    mfsprg  4, 1
    mfsprg  3, 0
    rfi

    .section .note.GNU-stack, "", @progbits

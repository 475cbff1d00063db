/* Exception vectors of the IPCM guests (PPC405 user's manual, table 5-2). The external-input
 * vector takes channel notifications; every other vector spins, so a stray interrupt shows as a
 * guest that never ends. The handler needs no stack: r3-r5 go to a save area at 0x2100 (absolute,
 * no base register: guest.ld leaves 0x2100-0x3fff free), and it touches no CR field.
 */
    .equ    SAVE_R3, 0x2100
    .equ    SAVE_R4, 0x2104
    .equ    SAVE_R5, 0x2108
    .equ    UIC_SR, 0x0c0
    .equ    UIC_MSR, 0x0c6

    .macro  SPIN offset
    .org    \offset
    b       .
    .endm

    .section .vectors, "ax"
    SPIN    0x0100  /* critical input */
    SPIN    0x0200  /* machine check */
    SPIN    0x0300  /* data storage */
    SPIN    0x0400  /* instruction storage */

    .org    0x0500  /* external input */
    stw     3, SAVE_R3(0)
    stw     4, SAVE_R4(0)
    stw     5, SAVE_R5(0)
    mfdcr   3, UIC_MSR
    mtdcr   UIC_SR, 3               /* acknowledge every line seen: write 1 to clear */
    /* State: r3 = the lines acknowledged; r4, r5 free. */
    rlwinm  3, 3, 0, 31, 31         /* 1 if line 31 (the least significant bit) was one */
    lis     4, ipcm_notifications@ha
    lwz     5, ipcm_notifications@l(4)
    add     5, 5, 3
    stw     5, ipcm_notifications@l(4)
    /* Return awake whatever the saved MSR says: the sleep in ipcm_wait_beyond ends with this
       interrupt, and its loop decides whether to sleep again. */
    mfsrr1  3
    rlwinm  3, 3, 0, 14, 12         /* clear MSR[WE] (0x00040000) */
    mtsrr1  3
    lwz     5, SAVE_R5(0)
    lwz     4, SAVE_R4(0)
    lwz     3, SAVE_R3(0)
    rfi

    SPIN    0x0600  /* alignment */
    SPIN    0x0700  /* program */
    SPIN    0x0800  /* FPU unavailable */
    SPIN    0x0c00  /* system call */
    SPIN    0x0f20  /* APU unavailable */
    SPIN    0x1000  /* PIT */
    SPIN    0x1010  /* FIT */
    SPIN    0x1020  /* watchdog */
    SPIN    0x1100  /* data TLB miss */
    SPIN    0x1200  /* instruction TLB miss */
    SPIN    0x2000  /* debug */

    .section .note.GNU-stack, "", @progbits

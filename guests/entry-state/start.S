/* The entry-state guest's _start: every register as the boot left it is saved (GPRs, LR, CTR, XER,
 * CR, MSR) at 0x3000, which linker/guest.ld leaves unused below 32 KiB, so d(0) reaches it without a
 * base register; then the shared start-up (guests/crt/crt0.S, whose _start is weak) goes on.
 */
    .section .text.start.first, "ax"
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
    b       crt_start
    .section .note.GNU-stack, "", @progbits

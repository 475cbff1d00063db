/* demand-paging guest: start-up, exception vectors and the software TLB refill of a PPC405 running the way a
 * Linux-like kernel does on the 40x (PPC405 user's manual: chapter 5 for the interrupts, chapter 7
 * for the MMU, chapter 9 for the instructions).
 *
 * Scratch registers in the handlers (every handler runs with MSR[IR, DR] = 0, EE = 0):
 *   SPRG0 = r10, SPRG1 = r11, SPRG2 = r12, SPRG4 = CR, SPRG5 = r9
 *   (SPRG4-7 are written through SPR 276-279 and read through their aliases 260-263).
 */
    .equ    SPR_SRR0, 26
    .equ    SPR_SRR1, 27
    .equ    SPR_SPRG0, 272
    .equ    SPR_SPRG1, 273
    .equ    SPR_SPRG2, 274
    .equ    SPR_SPRG4W, 276
    .equ    SPR_SPRG5W, 277
    .equ    SPR_SPRG4R, 260
    .equ    SPR_SPRG5R, 261
    .equ    SPR_ESR, 980
    .equ    SPR_DEAR, 981
    .equ    SPR_TSR, 984

    .equ    PTE_PRESENT, 0x800
    .equ    TLB_FIRST_FREE, 4       /* entries 0-3 are pinned */
    .equ    TLB_ENTRIES, 64
    .equ    KERNEL_OFFSET_HI, -0x4000   /* 0xC0000000 >> 16, as a signed addis immediate */

/* ---------------------------------------------------------------------------------------------- */
/* _start: caches first, as a 40x kernel's head does, then the shared C start-up. */
    .section .text.start.first, "ax"
    .globl  _start
_start:
    li      3, 0
    iccci   0, 3                /* the 405's iccci invalidates the whole instruction cache */
    li      4, 512              /* dccci: one congruence class (both ways) per 32-byte line; */
    mtctr   4                   /* 512 covers a 16 KiB two-way data cache twice over */
1:  dccci   0, 3
    addi    3, 3, 32
    bdnz    1b
    sync
    isync
    b       crt_start

/* ---------------------------------------------------------------------------------------------- */
/* The vectors. */
    .macro  SAVE_SCRATCH
    mtspr   SPR_SPRG0, 10
    mtspr   SPR_SPRG1, 11
    mtspr   SPR_SPRG2, 12
    mtspr   SPR_SPRG5W, 9
    mfcr    10
    mtspr   SPR_SPRG4W, 10
    .endm

    /* Slow path: r10 = the effective address, r11 = the vector. */
    .macro  SLOW offset, easpr
    .org    \offset
    SAVE_SCRATCH
    mfspr   10, \easpr
    li      11, \offset
    b       slow_path
    .endm

    .section .vectors, "ax"
    SLOW    0x0100, SPR_DEAR    /* critical input */
    SLOW    0x0200, SPR_DEAR    /* machine check */
    SLOW    0x0300, SPR_DEAR    /* data storage: protection faults */
    SLOW    0x0400, SPR_SRR0    /* instruction storage */
    SLOW    0x0500, SPR_DEAR    /* external */
    SLOW    0x0600, SPR_DEAR    /* alignment */
    SLOW    0x0700, SPR_SRR0    /* program */
    SLOW    0x0800, SPR_SRR0    /* FPU unavailable */
    SLOW    0x0c00, SPR_SRR0    /* system call */
    SLOW    0x0f20, SPR_SRR0    /* APU unavailable */

    .org    0x1000              /* PIT: 16 bytes */
    mtspr   SPR_SPRG0, 10
    mtspr   SPR_SPRG1, 11
    lis     10, 0x0800          /* TSR[PIS], write one to clear */
    b       pit_rest
    .org    0x1010              /* FIT: 16 bytes */
    mtspr   SPR_SPRG0, 10
    mtspr   SPR_SPRG1, 11
    li      11, 0x1010
    b       slow_path
    SLOW    0x1020, SPR_SRR0    /* watchdog */

    .org    0x1100              /* data TLB miss */
    SAVE_SCRATCH
    mfspr   10, SPR_DEAR
    li      11, 0x1100
    b       tlb_refill

    .org    0x1200              /* instruction TLB miss */
    SAVE_SCRATCH
    mfspr   10, SPR_SRR0
    li      11, 0x1200
    b       tlb_refill

    SLOW    0x2000, SPR_SRR0    /* debug */

/* ---------------------------------------------------------------------------------------------- */
    .text
pit_rest:
    mtspr   SPR_TSR, 10
    lis     11, pit_ticks@ha
    lwz     10, pit_ticks@l(11)
    addi    10, 10, 1
    stw     10, pit_ticks@l(11)
    mfspr   11, SPR_SPRG1
    mfspr   10, SPR_SPRG0
    rfi

/* r10 = the missing address, r11 = the vector (0x1100 data, 0x1200 instruction). Walks the
 * two-level table (pgdir: 1024 words, each 0 or the physical address of a table of 1024 PTEs; a PTE
 * is a TLBLO word with software bits 0x800 present and 0x400 writable-when-dirty), and loads the
 * PTE into the next entry round robin. No PTE: the slow path (page fault), which retries. */
tlb_refill:
    rlwinm  12, 11, 24, 30, 31          /* 1 data, 2 instruction */
    slwi    12, 12, 2
    lis     9, tlb_misses@ha
    addi    9, 9, tlb_misses@l
    add     9, 9, 12
    lwz     12, 0(9)
    addi    12, 12, 1
    stw     12, 0(9)
    lis     12, pgdir@ha
    addi    12, 12, pgdir@l
    rlwinm  9, 10, 12, 20, 29           /* EA[0:9] * 4 */
    lwzx    12, 12, 9
    cmpwi   12, 0
    beq-    9f
    rlwinm  9, 10, 22, 20, 29           /* EA[10:19] * 4 */
    lwzx    12, 12, 9
    andi.   9, 12, PTE_PRESENT
    beq-    9f
    rlwinm  12, 12, 0, 22, 19           /* TLBLO: without the software bits */
    lis     11, tlb_victim@ha
    lwz     9, tlb_victim@l(11)
    tlbwe   12, 9, 1                    /* TLBLO first (QEMU 7.2) */
    rlwinm  12, 10, 0, 0, 19
    ori     12, 12, 0x00c0              /* SIZE 1 (4 KiB), V; TID from PID */
    tlbwe   12, 9, 0
    addi    9, 9, 1
    cmpwi   9, TLB_ENTRIES
    blt+    1f
    li      9, TLB_FIRST_FREE
1:  stw     9, tlb_victim@l(11)
    mfspr   10, SPR_SPRG4R
    mtcrf   0xff, 10
    mfspr   9, SPR_SPRG5R
    mfspr   12, SPR_SPRG2
    mfspr   11, SPR_SPRG1
    mfspr   10, SPR_SPRG0
    rfi
9:  b       slow_path

/* Every other way into C, in real mode on the exception stack: r10 = address, r11 = vector,
 * scratch as SAVE_SCRATCH left it. Calls exception_c(vector, address, ESR, SRR0, SRR1, frame) and
 * returns to the interrupted instruction (which retries), or where exception_c says. */
    .equ    F_R0, 8
    .equ    F_R2, 12        /* r2..r12: 12..56 */
    .equ    F_CR, 60
    .equ    F_LR, 64
    .equ    F_CTR, 68
    .equ    F_XER, 72
    .equ    F_SRR0, 76
    .equ    F_SRR1, 80
    .equ    FRAME, 96
slow_path:
    lis     12, exc_stack_top@ha
    addi    12, 12, exc_stack_top@l
    stwu    1, -FRAME(12)
    mr      1, 12
    stw     0, F_R0(1)
    stw     2, F_R2(1)
    stw     3, F_R2+4(1)
    stw     4, F_R2+8(1)
    stw     5, F_R2+12(1)
    stw     6, F_R2+16(1)
    stw     7, F_R2+20(1)
    stw     8, F_R2+24(1)
    mfspr   12, SPR_SPRG5R
    stw     12, F_R2+28(1)          /* r9 */
    mfspr   12, SPR_SPRG0
    stw     12, F_R2+32(1)          /* r10 */
    mfspr   12, SPR_SPRG1
    stw     12, F_R2+36(1)          /* r11 */
    mfspr   12, SPR_SPRG2
    stw     12, F_R2+40(1)          /* r12 */
    mfspr   12, SPR_SPRG4R
    stw     12, F_CR(1)
    mflr    12
    stw     12, F_LR(1)
    mfctr   12
    stw     12, F_CTR(1)
    mfxer   12
    stw     12, F_XER(1)
    mfspr   6, SPR_SRR0
    stw     6, F_SRR0(1)
    mfspr   7, SPR_SRR1
    stw     7, F_SRR1(1)
    mr      3, 11
    mr      4, 10
    mfspr   5, SPR_ESR
    mr      8, 1
    bl      exception_c             /* returns 0, or where to resume instead */
    cmpwi   3, 0
    beq+    1f
    stw     3, F_SRR0(1)
1:  lwz     12, F_SRR0(1)
    mtspr   SPR_SRR0, 12
    lwz     12, F_SRR1(1)
    mtspr   SPR_SRR1, 12
    lwz     12, F_CR(1)
    mtcrf   0xff, 12
    lwz     12, F_LR(1)
    mtlr    12
    lwz     12, F_CTR(1)
    mtctr   12
    lwz     12, F_XER(1)
    mtxer   12
    lwz     0, F_R0(1)
    lwz     2, F_R2(1)
    lwz     3, F_R2+4(1)
    lwz     4, F_R2+8(1)
    lwz     5, F_R2+12(1)
    lwz     6, F_R2+16(1)
    lwz     7, F_R2+20(1)
    lwz     8, F_R2+24(1)
    lwz     9, F_R2+28(1)
    lwz     10, F_R2+32(1)
    lwz     11, F_R2+36(1)
    lwz     12, F_R2+40(1)
    lwz     1, 0(1)                 /* the interrupted r1, from the back chain */
    rfi

/* ---------------------------------------------------------------------------------------------- */
/* uint32_t run_translated(uint32_t (*entry)(uint32_t), uint32_t arg): from real mode, enters
 * entry(arg) at its KERNELBASE alias with IR, DR and EE on (rfi), the stack moved to its alias
 * too; when entry returns, goes back to real mode (rfi) and returns its value. */
    .globl  run_translated
run_translated:
    mflr    0
    stwu    1, -16(1)
    stw     0, 20(1)
    addis   5, 3, KERNEL_OFFSET_HI  /* entry + 0xC0000000 */
    mtspr   SPR_SRR0, 5
    mfmsr   6
    ori     6, 6, 0x8030            /* EE, IR, DR */
    mtspr   SPR_SRR1, 6
    lis     7, translated_return@ha
    addi    7, 7, translated_return@l
    addis   7, 7, KERNEL_OFFSET_HI
    mtlr    7
    addis   1, 1, KERNEL_OFFSET_HI
    mr      3, 4
    rfi
translated_return:                  /* running at the alias, translated */
    wrteei  0                       /* no PIT between setting SRR0/1 and rfi */
    lis     7, real_return@ha
    addi    7, 7, real_return@l
    mtspr   SPR_SRR0, 7
    mfmsr   6
    li      8, 0
    ori     8, 8, 0x8030
    andc    6, 6, 8
    mtspr   SPR_SRR1, 6
    rfi
real_return:
    addis   1, 1, 0x4000            /* - 0xC0000000 */
    lwz     0, 20(1)
    mtlr    0
    addi    1, 1, 16
    blr

/* ---------------------------------------------------------------------------------------------- */
    .section .bss
    .balign 16
    .space  8192
    .globl  exc_stack_top
exc_stack_top:
    .space  16

    .section .note.GNU-stack, "", @progbits

//! Exception vectors, the guest-exit save path and the guest-entry restore path.
//!
//! PPC405 user's manual, chapter 5 ("Exceptions and interrupts"), table 5-2 (vector offsets):
//! every vector lives at EVPR[0:15] || offset, and EVPR = 0 here (`linker/microvisor.ld`). Each
//! vector is one line of the `vector` macro (non-critical: the 405 saved PC/MSR in SRR0/SRR1) or
//! `critical_vector` (critical: SRR2/SRR3); PIT, FIT and watchdog have 16-byte slots, so theirs
//! branch to a tail that loads the cause. The program and system-call vectors branch to the fast
//! path first (`fast_path`), which goes on to the common save path for what it does not answer.
//!
//! A vector is save, call, return:
//! 1. `mtspr SPRG0,r1; mfspr r1,SPRG1; stmw r2,GPR2(r1)`: r1 now points at the running context
//!    (a partition's [`Vcpu`](crate::vcpu::Vcpu), or the idle context), r2–r31 are saved, the
//!    interrupted r1 is in SPRG0, r0 is still live;
//! 2. `save_context` stores PC, r0, r1, CR, XER, LR, CTR, switches to the microvisor stack and calls
//!    [`trap_entry`](super::entry::trap_entry)`(context, cause, msr_at_trap, program_word)` (r6, the
//!    fourth, is meaningful only from the program-interrupt fast path, which read the word);
//! 3. `resume_context` takes the context to run and its real MSR from `trap_entry`'s 64-bit return
//!    value (r3 = context, r4 = MSR), restores it and `rfi`s into it.
//!
//! SPRG0 and SPRG1 belong to the microvisor: a guest's SPRG0–3 accesses are privileged, so they
//! always trap and are emulated from the `Vcpu`.

#[cfg(target_arch = "powerpc")]
use crate::vcpu::offset;

// Vector offsets (PPC405 user's manual, table 5-2). Each is also the cause passed to `trap_entry`.
/// Critical input (UIC critical output), SRR2/SRR3.
pub const CRITICAL_INPUT: u32 = 0x0100;
/// Machine check, SRR2/SRR3.
pub const MACHINE_CHECK: u32 = 0x0200;
/// Data storage interrupt.
pub const DATA_STORAGE: u32 = 0x0300;
/// Instruction storage interrupt.
pub const INSTRUCTION_STORAGE: u32 = 0x0400;
/// External input (UIC non-critical output).
pub const EXTERNAL: u32 = 0x0500;
/// Alignment.
pub const ALIGNMENT: u32 = 0x0600;
/// Program (privileged, illegal, trap).
pub const PROGRAM: u32 = 0x0700;
/// Floating-point unavailable.
pub const FP_UNAVAILABLE: u32 = 0x0800;
/// System call (`sc`).
pub const SYSTEM_CALL: u32 = 0x0c00;
/// Auxiliary processor unavailable.
pub const APU_UNAVAILABLE: u32 = 0x0f20;
/// Programmable interval timer.
pub const PIT: u32 = 0x1000;
/// Fixed interval timer.
pub const FIT: u32 = 0x1010;
/// Watchdog timer, SRR2/SRR3.
pub const WATCHDOG: u32 = 0x1020;
/// Data TLB miss.
pub const DATA_TLB_MISS: u32 = 0x1100;
/// Instruction TLB miss.
pub const INSTRUCTION_TLB_MISS: u32 = 0x1200;
/// Debug, SRR2/SRR3.
pub const DEBUG: u32 = 0x2000;

// The system call's vector goes to the fast path (`fast_path::syscall_entry`) in the builds that
// have it.
#[cfg(not(any(feature = "trap-stats", feature = "inject-fault")))]
#[allow(unused_macros)]
macro_rules! syscall_vector {
    () => {
        "short_vector 0x0c00, syscall_entry"
    };
}
#[cfg(any(feature = "trap-stats", feature = "inject-fault"))]
#[allow(unused_macros)]
macro_rules! syscall_vector {
    () => {
        "vector 0x0c00"
    };
}

#[cfg(target_arch = "powerpc")]
core::arch::global_asm!(
    // ---- Start-up: the first instruction QEMU runs (-kernel jumps to the ELF entry) -------------
    ".section .text.start, \"ax\"",
    ".globl _start",
    "_start:",
    "    lis 1, __stack_top@ha",
    "    addi 1, 1, __stack_top@l",
    "    li 0, 0",
    "    stwu 0, -16(1)",
    // Clear .bss a word at a time (the linker script aligns both ends to 8).
    "    lis 3, __bss_start@ha",
    "    addi 3, 3, __bss_start@l",
    "    lis 4, __bss_end@ha",
    "    addi 4, 4, __bss_end@l",
    "1:  cmplw 3, 4",
    "    bge 2f",
    "    stw 0, 0(3)",
    "    addi 3, 3, 4",
    "    b 1b",
    // EVPR = 0: our vectors (PPC405 manual 5.1.3; the reset value, written so it is certain).
    "2:  mtspr 982, 0",
    "    bl {boot_entry}",
    "    b resume_context",
    // ---- The vectors ----------------------------------------------------------------------------
    ".macro vector offset",
    "    .org \\offset",
    "    mtspr 272, 1",
    "    mfspr 1, 273",
    "    stmw 2, {gpr2}(1)",
    "    li 3, \\offset",
    "    b save_noncritical",
    ".endm",
    ".macro critical_vector offset",
    "    .org \\offset",
    "    mtspr 272, 1",
    "    mfspr 1, 273",
    "    stmw 2, {gpr2}(1)",
    "    li 3, \\offset",
    "    b save_critical",
    ".endm",
    // A 16-byte slot (PIT, FIT, watchdog): no room for the cause; the tail loads it.
    ".macro short_vector offset, tail",
    "    .org \\offset",
    "    mtspr 272, 1",
    "    mfspr 1, 273",
    "    stmw 2, {gpr2}(1)",
    "    b \\tail",
    ".endm",
    ".section .vectors, \"ax\"",
    "critical_vector 0x0100", // critical input
    "critical_vector 0x0200", // machine check
    "vector 0x0300",          // data storage
    "vector 0x0400",          // instruction storage
    "vector 0x0500",          // external
    "vector 0x0600",          // alignment
    "short_vector 0x0700, program_entry", // program: fast path first (`fast_path`)
    "vector 0x0800",          // floating-point unavailable
    syscall_vector!(),        // system call: fast path first (`fast_path`), where it is built
    "vector 0x0f20",          // APU unavailable
    "short_vector 0x1000, pit_tail",
    "short_vector 0x1010, fit_tail",
    "short_vector 0x1020, watchdog_tail",
    "vector 0x1100",          // data TLB miss
    "vector 0x1200",          // instruction TLB miss
    "critical_vector 0x2000", // debug
    // ---- Save paths (in .text: the vector area holds only the vectors) ------------------------
    ".section .text.vectors_save, \"ax\"",
    "pit_tail:",
    "    li 3, 0x1000",
    "    b save_noncritical",
    "fit_tail:",
    "    li 3, 0x1010",
    "    b save_noncritical",
    "watchdog_tail:",
    "    li 3, 0x1020",
    "    b save_critical",
    // State here: r1 = context, r2-r31 saved in it, r3 = cause, interrupted r1 in SPRG0, r0 live.
    "save_critical:",
    "    mfspr 4, 990", // SRR2: interrupted PC
    "    mfspr 5, 991", // SRR3: interrupted MSR
    "    b save_context",
    "save_noncritical:",
    "    mfsrr0 4",
    "    mfsrr1 5",
    // r4 = interrupted PC, r5 = interrupted MSR.
    "save_context:",
    "    stw 4, {pc}(1)",
    "    stw 0, {gpr0}(1)",
    "    mfspr 0, 272",
    "    stw 0, {gpr1}(1)",
    "    mfcr 0",
    "    stw 0, {cr}(1)",
    // From here on the fast path joins (PC, r0, r1, CR saved; r3 = cause, r5 = MSR at the trap).
    ".globl save_rest",
    "save_rest:",
    "    mfxer 0",
    "    stw 0, {xer}(1)",
    "    mflr 0",
    "    stw 0, {lr}(1)",
    "    mfctr 0",
    "    stw 0, {ctr}(1)",
    // The whole context is saved. Call trap_entry(context, cause, msr) on the microvisor stack.
    "    mr 4, 3",
    "    mr 3, 1",
    "    lis 1, __stack_top@ha",
    "    addi 1, 1, __stack_top@l",
    "    li 0, 0",
    "    stwu 0, -16(1)",
    "    bl {trap_entry}",
    // r3 = context to run, r4 = its real MSR (trap_entry's u64 return value).
    "resume_context:",
    "    mtspr 273, 3",
    "    mtsrr1 4",
    "    mr 1, 3",
    // SPRG0 gets the guest's own value: QEMU lets user mode read it as USPRG0 (SPR 256) without a
    // trap, and it must not see what the vectors last stashed there (another context's r1).
    "    lwz 0, {sprg0}(1)",
    "    mtspr 272, 0",
    "    lwz 0, {pc}(1)",
    "    mtsrr0 0",
    "    lwz 0, {cr}(1)",
    "    mtcrf 0xff, 0",
    "    lwz 0, {xer}(1)",
    "    mtxer 0",
    "    lwz 0, {lr}(1)",
    "    mtlr 0",
    "    lwz 0, {ctr}(1)",
    "    mtctr 0",
    "    lwz 0, {gpr0}(1)",
    "    lmw 2, {gpr2}(1)",
    "    lwz 1, {gpr1}(1)",
    "    rfi",
    // The idle context: the core waits for an interrupt (PPC405 user's manual, section 5.5.1:
    // MSR[WE]). `resume_context` enters it with EE and ME, but only `mtmsr` can set WE: QEMU's `rfi`
    // clears it ("MSR:POW cannot be set by any form of rfi"), and a core that spins instead makes
    // QEMU under -icount execute every idle nanosecond where a sleeping one skips to the next timer.
    // An interrupt returns to the branch, which sleeps again. The idle context's r0 means nothing.
    ".globl idle_loop",
    "idle_loop:",
    "    lis 0, {idle_msr}@h",
    "    ori 0, 0, {idle_msr}@l",
    "    mtmsr 0",
    "    b idle_loop",
    gpr0 = const offset::GPR0,
    gpr1 = const offset::GPR1,
    gpr2 = const offset::GPR2,
    pc = const offset::PC,
    cr = const offset::CR,
    xer = const offset::XER,
    lr = const offset::LR,
    ctr = const offset::CTR,
    sprg0 = const offset::SPRG0,
    idle_msr = const crate::system::IDLE_MSR,
    trap_entry = sym super::entry::trap_entry,
    boot_entry = sym super::entry::boot_entry,
);

/// Address of the idle loop (the PC of the idle context).
pub fn idle_loop_address() -> u32 {
    #[cfg(target_arch = "powerpc")]
    {
        extern "C" {
            fn idle_loop();
        }
        idle_loop as *const () as usize as u32
    }
    #[cfg(not(target_arch = "powerpc"))]
    0x2100
}

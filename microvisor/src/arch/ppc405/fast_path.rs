//! The program-interrupt fast path: the hottest privileged instructions, emulated in assembly; and
//! the system call's (`syscall_entry`), reflected to the guest in assembly.
//!
//! PPC405 user's manual, section 5.2.8 (program interrupt) and chapter 9 (the instructions). A guest
//! always runs in user mode, so each privileged instruction it executes enters the program vector
//! (0x0700) with ESR[PPR]. Before anything else is saved beyond the GPRs, this path reads the
//! instruction word and emulates, on the partition's [`Vcpu`](crate::vcpu::Vcpu), without a stack
//! and without calling Rust:
//! - `mfspr`/`mtspr` of a plain-storage SPR (the `SPR_INDEX_*` tables in `vcpu` say which; writes
//!   flagged `SLOW_WRITE` are left to Rust, those flagged `REAL_COPY`, SPRG4–7, also write the real
//!   registers), `mfmsr`; with `tlb-virt`, `mfspr` of PID and `mtspr` of the PID it holds;
//! - `wrteei`, `wrtee`, `mtmsr`, `rfi`, unless they enable EE or CE while an interrupt is pending
//!   (it must be delivered), set MSR[WE] (`mtmsr`: the partition sleeps; `rfi` clears it, as QEMU's
//!   does), or (`mtmsr`, and `rfi` with
//!   `tlb-virt`) change PR, IR or DR (the translation context changes), except an `rfi` with
//!   `tlb-virt` back into the fully translated mode the shadows serve, or from one untranslated
//!   mode to the other (`fast_rfi_translation`).
//!
//! Everything else goes on to the common save path and `trap::dispatch`, with the state saved
//! exactly as the vectors save it. The path is straight-line but for the decode branches: 40 to
//! 60 instructions (measured per instruction in `docs/instructions.md`).
//!
//! Registers on entry (from the 0x0700 vector): r1 = the running context, r2–r31 saved in it by
//! `stmw`, the interrupted r1 in SPRG0, r0 live. Held during the path: r27 = rD×4, r28 = the
//! instruction, r29 = the virtual MSR, r30 = the guest PC (SRR0), r31 = the guest CR, r26 = the ESR.
//! The feature builds `trap-stats` and `inject-fault` leave out this path: every trap is then
//! counted (or mangled) by the Rust emulation.

#[cfg(all(target_arch = "powerpc", not(any(feature = "trap-stats", feature = "inject-fault"))))]
use {
    crate::reflect::source,
    crate::vcpu::{offset, Spr, INDEX, REAL_COPY, SLOW_WRITE},
    core::mem::offset_of,
};

// With `tlb-virt`, an rfi that changes MSR[PR, IR, DR] changes the real PID and ZPR: into full
// translation that is done here (`fast_rfi_translation`), anything else is left to Rust. With
// `irfm` alone, only a change of IR or DR is (nothing to do for it, but rare); a change of PR opens
// or closes the IRFM zone here (`irfm_zone_switch`).
#[cfg(feature = "tlb-virt")]
#[allow(unused_macros)]
macro_rules! rfi_translation_check {
    () => {
        "    xor 7, 6, 29\n    andi. 7, 7, 0x4030\n    bne- fast_rfi_translation\nfast_rfi_translated:"
    };
}
#[cfg(all(feature = "irfm", not(feature = "tlb-virt")))]
#[allow(unused_macros)]
macro_rules! rfi_translation_check {
    () => {
        "    xor 7, 6, 29\n    andi. 7, 7, 0x0030\n    bne- fast_to_slow"
    };
}
#[cfg(not(any(feature = "tlb-virt", feature = "irfm")))]
#[allow(unused_macros)]
macro_rules! rfi_translation_check {
    () => {
        ""
    };
}

// With `irfm` (and not `tlb-virt`), an rfi that changes MSR[PR] (r6 new, r29 old) opens the IRFM
// zone (15: the real ZPR's low two bits, `partition::with_irfm_zone`) for the guest's supervisor
// mode and closes it for its user mode, then writes the real PID twice, as `spr::set_zpr` does:
// QEMU flushes its TLB on a PID write, not on a ZPR write. Clobbers r3–r5 and CR0.
#[cfg(all(feature = "irfm", not(feature = "tlb-virt")))]
#[allow(unused_macros)]
macro_rules! irfm_zone_switch {
    () => {
        concat!(
            "    xor 3, 6, 29\n",
            "    andi. 3, 3, 0x4000\n",
            "    beq+ 93f\n",
            "    mfspr 3, 944\n",
            "    rlwinm 3, 3, 0, 0, 29\n",
            "    andi. 4, 6, 0x4000\n",
            "    bne- 92f\n",
            "    ori 3, 3, 1\n",
            "92: mtspr 944, 3\n",
            "    mfspr 4, 945\n",
            "    xori 5, 4, 0x80\n",
            "    mtspr 945, 5\n",
            "    mtspr 945, 4\n",
            "93:"
        )
    };
}
#[cfg(not(all(feature = "irfm", not(feature = "tlb-virt"))))]
#[allow(unused_macros)]
macro_rules! irfm_zone_switch {
    () => {
        ""
    };
}
// With `tlb-virt`, PID is read, and written with the value it holds, here (`fast_mfpid`,
// `fast_mtpid`): an OS that gives each task its own PID reads it on every interrupt entry and
// writes it back on every exit (ORCOS does), and only a new PID needs Rust (the shadows made for
// the old one go). Without `tlb-virt` PID changes nothing, and those instructions are rare enough
// for the slow path. In r5 the SPR's table entry (NONE here) and r6 its number.
#[cfg(feature = "tlb-virt")]
#[allow(unused_macros)]
macro_rules! not_plain {
    ($pid_label:literal) => {
        concat!("    beq- ", $pid_label)
    };
}
#[cfg(not(feature = "tlb-virt"))]
#[allow(unused_macros)]
macro_rules! not_plain {
    ($pid_label:literal) => {
        "    beq- fast_to_slow"
    };
}

#[cfg(feature = "irfm")]
const _: () = assert!(crate::partition::IRFM_ZONE == 15, "irfm_zone_switch assumes zone 15");

// With `irfm-fallback`, the hypercalls that stand for `mtmsr`, `wrtee`, `wrteei` and `rfi` in a
// para-virtual partition (SPRG2 ≠ 0) take the same paths as the instructions: a program interrupt
// with ESR[PIL] (r26) goes on only for those (`fast_hypercall`).
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! hypercall_filter {
    () => {
        concat!(
            "    bne+ 91f\n",                 // ESR[PPR]: a privileged instruction
            "    andis. 4, 26, 0x0800\n",     // ESR[PIL]: perhaps a hypercall …
            "    beq- fast_to_slow\n",
            "    mfspr 4, 274\n",             // … of a para-virtual partition
            "    cmplwi 4, 0\n",
            "    beq- fast_to_slow\n",
            "91:"
        )
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! hypercall_filter {
    () => {
        "    beq- fast_to_slow"
    };
}
// After the decode (r3 = primary opcode, r4 = extended opcode, both still needed): a hypercall
// has primary opcode 0; anything else that came with ESR[PIL] is not for here. Clobbers r5.
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! hypercall_decode {
    () => {
        "    cmplwi 3, 0\n    beq- fast_hypercall\n    andis. 5, 26, 0x0400\n    beq- fast_to_slow"
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! hypercall_decode {
    () => {
        ""
    };
}
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! hypercall_paths {
    () => {
        concat!(
            // A hypercall word (`irfm::hypercall`): opcode 0, bits 11–15 zero, the signature.
            "fast_hypercall:\n",
            "    andis. 4, 26, 0x0800\n",
            "    beq- fast_to_slow\n",
            "    lis 5, 0xfc1f\n",
            "    ori 5, 5, 0xff00\n",
            "    and 5, 28, 5\n",
            "    cmplwi 5, 0x4800\n",
            "    bne- fast_to_slow\n",
            "    rlwinm 4, 28, 0, 24, 31\n",   // the number
            "    cmplwi 4, 1\n",              // Mtmsr (rS in the operand field, as r27 has it)
            "    beq+ fast_mtmsr\n",
            "    cmplwi 4, 2\n",              // Wrtee
            "    beq+ fast_wrtee\n",
            "    cmplwi 4, 5\n",              // Rfi (SRR0/1 from the read-write page)
            "    beq+ fast_rfi\n",
            "    li 6, 0\n",
            "    cmplwi 4, 3\n",              // DisableInterrupts
            "    beq+ fast_ee\n",
            "    ori 6, 6, 0x8000\n",
            "    cmplwi 4, 4\n",              // EnableInterrupts
            "    beq+ fast_ee\n",
            "    b fast_to_slow\n"
        )
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! hypercall_paths {
    () => {
        ""
    };
}

// With `irfm-fallback`, SRR0–3 and SPRG0–3 (Spr indexes 0–7) live in the running partition's
// read-write page while it runs (SPRG2 = its read-only page, 0 for a fully virtualized partition),
// and every MSR the fast path sets is copied to its read-only page (`irfm_fallback`).
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! irfm_spr_slot {
    ($label:literal) => {
        concat!(
            "    mfspr 7, 274\n",
            "    cmplwi 7, 0\n",
            "    beq+ 97f\n",
            "    cmplwi 5, 8\n",
            "    bge+ 97f\n",
            "    slwi 5, 5, 2\n",
            "    addi 5, 5, 4096\n",
            "    add 5, 5, 7\n",
            "    li 7, 0\n",
            "    b ", $label, "\n",
            "97:"
        )
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! irfm_spr_slot {
    ($label:literal) => {
        ""
    };
}
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! irfm_msr_copy {
    () => {
        "    mfspr 7, 274\n    cmplwi 7, 0\n    beq+ 96f\n    stw 6, 0(7)\n96:"
    };
}
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! irfm_srr_base {
    () => {
        "    mfspr 7, 274\n    cmplwi 7, 0\n    beq+ 95f\n    addi 11, 7, 4096\n95:"
    };
}
#[cfg(feature = "irfm-fallback")]
#[allow(unused_macros)]
macro_rules! irfm_sprg0 {
    () => {
        "    mfspr 7, 274\n    cmplwi 7, 0\n    beq+ 94f\n    lwz 0, 4112(7)\n94:"
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! irfm_sprg0 {
    () => {
        ""
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! irfm_srr_base {
    () => {
        ""
    };
}
#[cfg(not(feature = "irfm-fallback"))]
#[allow(unused_macros)]
macro_rules! irfm_msr_copy {
    () => {
        ""
    };
}

#[cfg(all(target_arch = "powerpc", not(any(feature = "trap-stats", feature = "inject-fault"))))]
core::arch::global_asm!(
    // The SPR number of the word in r28 → its `Spr` table entry in r5 (NONE if not plain storage).
    // Clobbers r6–r8 and CR0.
    ".macro spr_entry",
    "    rlwinm 6, 28, 16, 27, 31",  // SPR[0:4] (instruction bits 11–15)
    "    rlwinm 7, 28, 26, 22, 26",  // SPR[5:9] (bits 16–20) << 5
    "    or 6, 6, 7",
    "    li 5, {srr0}",
    "    cmplwi 6, 26",
    "    beq 99f",
    "    li 5, {srr1}",
    "    cmplwi 6, 27",
    "    beq 99f",
    "    li 5, {none}",
    "    addi 7, 6, -944",
    "    cmplwi 7, 80",
    "    bge 98f",
    "    lis 8, {table944}@ha",
    "    addi 8, 8, {table944}@l",
    "    lbzx 5, 8, 7",
    "    b 99f",
    "98: addi 7, 6, -256",
    "    cmplwi 7, 32",
    "    bge 99f",
    "    lis 8, {table256}@ha",
    "    addi 8, 8, {table256}@l",
    "    lbzx 5, 8, 7",
    "99:",
    ".endm",
    ".section .text.fast_path, \"ax\"",
    ".globl program_entry",
    "program_entry:",
    "    stw 0, {gpr0}(1)",
    "    mfspr 0, 272",
    "    stw 0, {gpr1}(1)",
    "    mfcr 31",
    "    mfsrr0 30",
    // Only privileged instructions (and with `irfm-fallback` hypercalls) the guest ran in its
    // supervisor mode are emulated here.
    "    mfspr 26, 980",                // ESR
    "    andis. 3, 26, 0x0400",         // PPR
    hypercall_filter!(),
    "    lwz 29, {msr}(1)",
    "    andi. 3, 29, 0x4000",          // virtual MSR[PR]
    "    bne- fast_to_slow",
    // The instruction word, through the guest's own translation: data relocation on, PID is the
    // guest's, and the fetch that trapped just used the same (unified) TLB entry.
    "    mfmsr 4",
    "    ori 5, 4, 0x0010",             // MSR[DR]
    "    mtmsr 5",
    "    isync",
    "    lwz 28, 0(30)",
    "    mtmsr 4",
    "    isync",
    "    rlwinm 3, 28, 6, 26, 31",      // primary opcode
    "    rlwinm 4, 28, 31, 22, 31",     // extended opcode, bits 21–30
    "    rlwinm 27, 28, 13, 25, 29",    // rD (or rS) × 4
    "    addi 27, 27, {gpr0}",          // … as an offset in the context
    hypercall_decode!(),               // a hypercall, or else a privileged instruction
    "    cmplwi 3, 19",
    "    beq- fast_19",
    "    cmplwi 3, 31",
    "    bne- fast_to_slow",
    "    cmplwi 4, 339",
    "    beq+ fast_mfspr",
    "    cmplwi 4, 467",
    "    beq+ fast_mtspr",
    "    cmplwi 4, 83",
    "    beq- fast_mfmsr",
    "    cmplwi 4, 163",
    "    beq- fast_wrteei",
    "    cmplwi 4, 131",
    "    beq- fast_wrtee",
    "    cmplwi 4, 146",
    "    beq- fast_mtmsr",
    "    b fast_to_slow",
    // mfspr rD,SPRN of a plain-storage SPR: rD ← vcpu.sprs[index].
    "fast_mfspr:",
    "    spr_entry",
    "    cmplwi 5, {none}",
    not_plain!("fast_mfpid"),
    "    andi. 5, 5, {index}",
    irfm_spr_slot!("fast_mfspr_from"),   // r5 = page address, r7 = 0 base (fallback only)
    "    slwi 5, 5, 2",
    "    addi 5, 5, {sprs}",
    "    mr 7, 1",
    "fast_mfspr_from:",
    "    lwzx 6, 7, 5",
    "    stwx 6, 1, 27",
    "    b fast_next",
    // mtspr SPRN,rS of a plain-storage SPR whose write is a store.
    "fast_mtspr:",
    "    spr_entry",
    "    cmplwi 5, {none}",
    not_plain!("fast_mtpid"),
    "    andi. 7, 5, {slow_write} | {real_copy}",
    "    bne- fast_mtspr_flagged",
    "    andi. 5, 5, {index}",
    irfm_spr_slot!("fast_mtspr_to"),
    "    slwi 5, 5, 2",
    "    addi 5, 5, {sprs}",
    "    mr 7, 1",
    "fast_mtspr_to:",
    "    lwzx 6, 1, 27",
    "    stwx 6, 7, 5",
    "    b fast_next",
    // mtspr of a flagged SPR: SLOW_WRITE to Rust; REAL_COPY (SPRG4–7) the register file, then all
    // four real ones from it (mtspr names its SPR in the instruction, and four plain copies are
    // smaller than a branch per register), which the guest's user mode reads without a trap.
    "fast_mtspr_flagged:",
    "    andi. 7, 5, {slow_write}",
    "    bne- fast_to_slow",
    "    andi. 5, 5, {index}",
    "    slwi 5, 5, 2",
    "    addi 5, 5, {sprs}",
    "    lwzx 8, 1, 27",
    "    stwx 8, 1, 5",
    "    lwz 8, {sprg4}(1)",
    "    mtspr 276, 8",
    "    lwz 8, {sprg4}+4(1)",
    "    mtspr 277, 8",
    "    lwz 8, {sprg4}+8(1)",
    "    mtspr 278, 8",
    "    lwz 8, {sprg4}+12(1)",
    "    mtspr 279, 8",
    "    b fast_next",
    "fast_mfmsr:",
    "    stwx 29, 1, 27",
    "    b fast_next",
    // wrteei E / wrtee rS: the new EE in bit 16 of r6.
    "fast_wrteei:",
    "    mr 6, 28",
    "    b fast_ee",
    "fast_wrtee:",
    "    lwzx 6, 1, 27",
    "fast_ee:",
    "    rlwinm 6, 6, 0, 16, 16",       // EE alone
    "    rlwinm 7, 29, 0, 17, 15",      // the MSR without EE
    "    or 6, 7, 6",
    "    b fast_set_msr",
    // mtmsr rS: the bits it writes (`vcpu::MSR_MTMSR`), ME kept from the MSR; no change of PR,
    // IR, DR (translation) here. With L = 1 (bit 15) QEMU 7.2 writes EE alone, as wrtee does.
    "fast_mtmsr:",
    "    andis. 7, 28, 0x0001",         // L
    "    bne- fast_wrtee",
    "    lwzx 6, 1, 27",
    "    lis 7, {mtmsr_bits}@h",
    "    ori 7, 7, {mtmsr_bits}@l",
    "    and 6, 6, 7",
    "    rlwimi 6, 29, 0, 19, 19",      // ME (0x1000) as it was
    "    xor 7, 6, 29",
    "    andi. 7, 7, 0x4030",           // PR | IR | DR
    "    bne- fast_to_slow",
    // r6 = the new MSR: not asleep, and not enabling an interrupt that is waiting.
    "fast_set_msr:",
    "    andis. 7, 6, 0x0004",          // WE
    "    bne- fast_to_slow",
    "    andc 7, 6, 29",                // bits it sets
    "    lbz 8, {pending}(1)",
    "    andi. 9, 7, 0x8000",           // EE set now
    "    beq+ 2f",
    "    andi. 9, 8, {noncritical}",
    "    bne- fast_to_slow",
    "2:  andis. 9, 7, 0x0002",          // CE set now
    "    beq+ 3f",
    "    andi. 9, 8, {criticals}",
    "    bne- fast_to_slow",
    "3:  stw 6, {msr}(1)",
    irfm_msr_copy!(),
    // Past the emulated instruction.
    "fast_next:",
    "    addi 30, 30, 4",
    "fast_resume:",
    "    mtsrr0 30",
    // The guest's SPRG0 into the real one (QEMU's user-readable USPRG0 alias; see `vectors`).
    "    lwz 0, {sprg0_offset}(1)",
    irfm_sprg0!(),
    "    mtspr 272, 0",
    "    mtcrf 0xff, 31",
    "    lwz 0, {gpr0}(1)",
    "    lmw 2, {gpr2}(1)",
    "    lwz 1, {gpr1}(1)",
    "    rfi",
    // rfi: PC ← SRR0, MSR ← SRR1 (the bits `vcpu::MSR_RFI` keeps), same conditions as
    // fast_set_msr.
    "fast_19:",
    "    cmplwi 4, 50",
    "    bne- fast_to_slow",
    "fast_rfi:",
    "    addi 11, 1, {srr0_offset}",   // where SRR0, SRR1 are: the register file…
    irfm_srr_base!(),                 // … or the read-write page (fallback)
    "    lwz 6, 4(11)",
    "    lis 7, {rfi_bits}@h",          // WE never (as QEMU's rfi)
    "    ori 7, 7, {rfi_bits}@l",
    "    and 6, 6, 7",
    "    lwz 10, 0(11)",
    "    rlwinm 10, 10, 0, 0, 29",      // word-aligned
    rfi_translation_check!(),
    "    andc 7, 6, 29",
    "    lbz 8, {pending}(1)",
    "    andi. 9, 7, 0x8000",
    "    beq+ 4f",
    "    andi. 9, 8, {noncritical}",
    "    bne- fast_to_slow",
    "4:  andis. 9, 7, 0x0002",
    "    beq+ 5f",
    "    andi. 9, 8, {criticals}",
    "    bne- fast_to_slow",
    "5:",
    irfm_zone_switch!(),
    "    stw 6, {msr}(1)",
    irfm_msr_copy!(),
    "    mr 30, 10",
    "    b fast_resume",
    hypercall_paths!(),
    // Not for here: finish saving as the vectors do and go on to Rust.
    // r6 = the instruction word for Rust (`trap::program`), read above whenever ESR[PPR] came from
    // the guest's supervisor mode, the only case in which Rust needs it.
    "fast_to_slow:",
    "    stw 30, {pc}(1)",
    "    stw 31, {cr}(1)",
    "    li 3, 0x0700",
    "    mfsrr1 5",
    "    mr 6, 28",
    "    b save_rest",
    gpr0 = const offset::GPR0,
    gpr1 = const offset::GPR1,
    gpr2 = const offset::GPR2,
    pc = const offset::PC,
    cr = const offset::CR,
    msr = const offset::MSR,
    pending = const offset::PENDING,
    sprs = const offset_of!(crate::vcpu::Vcpu, sprs),
    sprg4 = const offset_of!(crate::vcpu::Vcpu, sprs) + 4 * Spr::Sprg4 as usize,
    srr0_offset = const offset::SRR0,
    sprg0_offset = const offset::SPRG0,
    srr0 = const Spr::Srr0 as u8,
    srr1 = const Spr::Srr1 as u8,
    none = const crate::vcpu::NONE,
    index = const INDEX,
    slow_write = const SLOW_WRITE,
    real_copy = const REAL_COPY,
    rfi_bits = const crate::vcpu::MSR_RFI,
    mtmsr_bits = const crate::vcpu::MSR_MTMSR,
    noncritical = const source::NONCRITICAL,
    criticals = const source::CRITICALS,
    table944 = sym crate::vcpu::SPR_INDEX_944,
    table256 = sym crate::vcpu::SPR_INDEX_256,
);

// `rfi` into full translation (MSR[IR] = MSR[DR] = 1) with `tlb-virt`, as a guest returns from an
// interrupt to its translated code: `address_space::translation_changed` where it changes nothing
// but the real registers, the mode (PR included) being the one the shadows were made for
// (`Tlb::shadow_key`). The real PID becomes the partition's shadow TID and the real ZPR the
// guest's (in its supervisor mode each zone promoted, `address_space::real_zpr`), or that of
// precise shadows; a new ZPR moves the PID away and back, as `spr::set_zpr` does for QEMU. A
// para-virtual partition or another mode goes to Rust. In: r6 the new MSR, r1 the register file;
// clobbers r3–r5, r7 and CR0. (If a pending interrupt then sends the rfi to Rust, `emulate::rfi`
// sets the same.)
#[cfg(all(target_arch = "powerpc", feature = "tlb-virt", not(any(feature = "trap-stats", feature = "inject-fault"))))]
core::arch::global_asm!(
    ".section .text.fast_path, \"ax\"",
    // Loads real PID r4 and real ZPR r7 and goes on at `done`; a new ZPR moves the PID away and
    // back, as `spr::set_zpr` does for QEMU. Clobbers r5.
    ".macro real_pid_zpr done",
    "    mtspr 945, 4",
    "    mfspr 5, 944",
    "    cmplw 5, 7",
    "    beq \\done",
    "    mtspr 944, 7",
    "    xori 5, 4, 0x80",
    "    mtspr 945, 5",
    "    mtspr 945, 4",
    "    b \\done",
    ".endm",
    "fast_rfi_translation:",
    "    lbz 7, {mode}(1)",
    "    cmplwi 7, {full}",
    "    bne- fast_to_slow",
    // Untranslated before and after (PR alone changed): the real PID and ZPR are the same for
    // both modes in a fully virtualized partition (`address_space::real_context`).
    "    or 7, 6, 29",
    "    andi. 7, 7, 0x0030",
    "    beq+ fast_rfi_translated",
    "    andi. 7, 6, 0x0030",            // IR | DR
    "    cmplwi 7, 0x0030",
    "    bne- fast_to_slow",
    "    rlwinm 3, 6, 20, 29, 29",       // the mode key: PR → 4 …
    "    ori 3, 3, 3",                   // … IR → 2, DR → 1
    "    lbz 5, {shadow_key}(1)",
    "    cmplw 3, 5",
    "    bne- fast_to_slow",             // another mode than the shadows': Rust
    "    lbz 4, {precise}(1)",
    "    lis 7, {precise_zpr}@h",
    "    ori 7, 7, {precise_zpr}@l",
    "    cmplwi 4, 0",
    "    bne 2f",
    "    lwz 7, {zpr}(1)",               // the guest's ZPR …
    "    andi. 5, 6, 0x4000",
    "    bne 2f",
    "    oris 7, 7, 0x5555",             // … promoted in its supervisor mode
    "    ori 7, 7, 0x5555",
    "2:  lbz 4, {index}(1)",
    "    addi 4, 4, {shadow_tid}",
    "    real_pid_zpr fast_rfi_translated",
    // A system call from translated code: the real PID and ZPR of the untranslated mode
    // (`address_space::real_context`).
    "syscall_untranslate:",
    "    lbz 4, {index}(1)",
    "    addi 4, 4, {real_mode_tid}",
    "    lis 7, {guest_zpr}@h",
    "    ori 7, 7, {guest_zpr}@l",
    "    real_pid_zpr syscall_untranslated",
    // mfspr rD,PID (r6 = the SPR number, which no table entry named).
    "fast_mfpid:",
    "    cmplwi 6, {pid_number}",
    "    bne- fast_to_slow",
    "    lbz 6, {pid}(1)",
    "    stwx 6, 1, 27",
    "    b fast_next",
    // mtspr PID,rS of the PID it holds (its low 8 bits: the 405's PID is a byte).
    "fast_mtpid:",
    "    cmplwi 6, {pid_number}",
    "    bne- fast_to_slow",
    "    lwzx 6, 1, 27",
    "    lbz 7, {pid}(1)",
    "    rlwinm 6, 6, 0, 24, 31",
    "    cmplw 6, 7",
    "    bne- fast_to_slow",
    "    b fast_next",
    real_mode_tid = const crate::partition::tid(0),
    guest_zpr = const crate::partition::GUEST_ZPR,
    pid_number = const irfm::spr::PID,
    pid = const offset_of!(crate::vcpu::Vcpu, pid),
    mode = const partition_offset::MODE,
    full = const irfm::image::Mode::Full as u8,
    precise = const partition_offset::PRECISE,
    shadow_key = const partition_offset::SHADOW_KEY,
    precise_zpr = const crate::address_space::PRECISE_ZPR,
    zpr = const offset_of!(crate::vcpu::Vcpu, sprs) + 4 * Spr::Zpr as usize,
    index = const partition_offset::INDEX,
    shadow_tid = const crate::address_space::shadow_tid(0),
);

// With `tlb-virt`, a system call from translated code enters the untranslated mode: the real PID
// and ZPR become that mode's (`syscall_untranslate`). Without it, translated code goes to Rust.
#[cfg(feature = "tlb-virt")]
#[allow(unused_macros)]
macro_rules! syscall_translation_check {
    () => {
        "    bne- syscall_untranslate\nsyscall_untranslated:"
    };
}
#[cfg(not(feature = "tlb-virt"))]
#[allow(unused_macros)]
macro_rules! syscall_translation_check {
    () => {
        "    bne- syscall_to_slow"
    };
}

// The system call (0x0C00; PPC405 manual 5.2.10), reflected to the guest's own vector without
// Rust: SRR0 ← the address after the `sc` (the real SRR0), SRR1 ← the MSR without WE and CE, the
// MSR ← ME alone, the PC ← EVPR[0:15] || 0x0C00, as `reflect::deliver` does. With EE and CE off
// afterwards no interrupt can be due. The guest's new mode (supervisor, untranslated) needs no other
// real PID or ZPR if it ran untranslated; from translated code, with `tlb-virt`, it gets them here;
// a para-virtual partition (IRFM pages) goes to Rust.
// Registers on entry as for the program vector (`program_entry`).
#[cfg(all(target_arch = "powerpc", not(any(feature = "trap-stats", feature = "inject-fault"))))]
core::arch::global_asm!(
    ".section .text.fast_path, \"ax\"",
    ".globl syscall_entry",
    "syscall_entry:",
    "    stw 0, {gpr0}(1)",
    "    mfspr 0, 272",
    "    stw 0, {gpr1}(1)",
    "    mfcr 31",
    "    mfsrr0 30",
    "    lwz 29, {msr}(1)",
    "    lbz 7, {mode}(1)",
    "    cmplwi 7, {full}",
    "    bne- syscall_to_slow",
    "    andi. 7, 29, 0x0030",          // IR | DR: translated
    syscall_translation_check!(),
    "    rlwinm 6, 29, 0, 15, 12",      // the MSR without WE (0x00040000) and CE (0x00020000)
    "    stw 30, {srr0}(1)",
    "    stw 6, {srr1}(1)",
    "    andi. 6, 29, {me}",
    "    stw 6, {msr}(1)",
    "    lhz 6, {evpr}(1)",
    "    slwi 30, 6, 16",
    "    ori 30, 30, 0x0c00",
    "    b fast_resume",
    "syscall_to_slow:",
    "    stw 30, {pc}(1)",
    "    stw 31, {cr}(1)",
    "    li 3, 0x0c00",
    "    mfsrr1 5",
    "    b save_rest",
    gpr0 = const offset::GPR0,
    gpr1 = const offset::GPR1,
    pc = const offset::PC,
    cr = const offset::CR,
    msr = const offset::MSR,
    srr0 = const offset::SRR0,
    srr1 = const offset::SRR1,
    evpr = const offset_of!(crate::vcpu::Vcpu, evpr),
    me = const irfm::spr::msr::ME,
    mode = const partition_offset::MODE,
    full = const irfm::image::Mode::Full as u8,
);
#[cfg(feature = "tlb-virt")]
const _: () = assert!(
    crate::partition::tid(3) == crate::partition::tid(0) + 3,
    "syscall_untranslate adds the partition index to tid(0)"
);
#[cfg(target_arch = "powerpc")]
const _: () = assert!(
    irfm::spr::msr::WE == 0x0004_0000 && irfm::spr::msr::CE == 0x0002_0000,
    "syscall_entry clears MSR bits 13 and 14"
);

/// Where fields of a [`Partition`](crate::system::Partition) are from its register file (the
/// address the fast path holds in r1).
#[cfg(all(target_arch = "powerpc", not(any(feature = "trap-stats", feature = "inject-fault"))))]
mod partition_offset {
    use crate::system::Partition;
    use core::mem::offset_of;

    const VCPU: isize = offset_of!(Partition, vcpu) as isize;
    pub const MODE: isize = offset_of!(Partition, mode) as isize - VCPU;
    #[cfg(feature = "tlb-virt")]
    pub const INDEX: isize = offset_of!(Partition, index) as isize - VCPU;
    #[cfg(feature = "tlb-virt")]
    pub const PRECISE: isize = (offset_of!(Partition, tlb) + offset_of!(crate::address_space::Tlb, precise)) as isize - VCPU;
    #[cfg(feature = "tlb-virt")]
    pub const SHADOW_KEY: isize = (offset_of!(Partition, tlb) + offset_of!(crate::address_space::Tlb, shadow_key)) as isize - VCPU;
}

/// Whether this build has the fast path.
pub const ENABLED: bool = !cfg!(any(feature = "trap-stats", feature = "inject-fault"));

// Without the fast path, the program vector's tail goes straight to the common save path.
#[cfg(all(target_arch = "powerpc", any(feature = "trap-stats", feature = "inject-fault")))]
core::arch::global_asm!(
    ".section .text.fast_path, \"ax\"",
    ".globl program_entry",
    "program_entry:",
    "    li 3, 0x0700",
    "    b save_noncritical",
);

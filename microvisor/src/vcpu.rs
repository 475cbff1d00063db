//! The virtual CPU: a partition's whole register file, 304 bytes.
//!
//! Two parts, in one `#[repr(C)]` struct read by the assembly in `arch::ppc405::vectors` through
//! `offset_of!` constants (never a literal offset):
//! - the user-visible state the vectors save and restore on every trap: GPRs, CR, XER, LR, CTR,
//!   the PC, and the *virtual* MSR (what the guest believes the MSR holds);
//! - the virtual supervisor SPR file: every privileged SPR of the 405 that a guest can write
//!   (PPC405 user's manual, section 10.2), most of them plain storage in [`Vcpu::sprs`] indexed by
//!   [`Spr`]. The real SPRs belong to the microvisor, except SPRG4–7, which user mode can read
//!   without a trap: the real ones hold the guest's values while it runs.
//!
//! Not here, because they are not per-partition CPU state: the time base (the board's wall clock,
//! shared; see `vtimer`), PVR (the real one is returned), ICDBDR (reads 0), the virtual UIC
//! (`vuic`, a device), trap counters (`stats`, a feature).

use irfm::spr::msr;

/// The supervisor SPRs a guest reads and writes as plain storage, as indexes of [`Vcpu::sprs`]
/// (`vcpu[Spr::Srr0]`). The few SPRs with effects beyond storage (TCR, TSR, PIT, EVPR, PID) are
/// fields of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Spr {
    /// Save/restore register 0 (non-critical interrupts: the PC).
    Srr0,
    /// Save/restore register 1 (non-critical interrupts: the MSR).
    Srr1,
    /// Save/restore register 2 (critical interrupts: the PC).
    Srr2,
    /// Save/restore register 3 (critical interrupts: the MSR).
    Srr3,
    /// SPR general 0.
    Sprg0,
    /// SPR general 1.
    Sprg1,
    /// SPR general 2.
    Sprg2,
    /// SPR general 3.
    Sprg3,
    /// SPR general 4 (user-readable).
    Sprg4,
    /// SPR general 5 (user-readable).
    Sprg5,
    /// SPR general 6 (user-readable).
    Sprg6,
    /// SPR general 7 (user-readable).
    Sprg7,
    /// Exception syndrome register.
    Esr,
    /// Data exception address register.
    Dear,
    /// Zone protection register.
    Zpr,
    /// Core configuration register 0.
    Ccr0,
    /// Instruction address compare 1.
    Iac1,
    /// Instruction address compare 2.
    Iac2,
    /// Instruction address compare 3.
    Iac3,
    /// Instruction address compare 4.
    Iac4,
    /// Data address compare 1.
    Dac1,
    /// Data address compare 2.
    Dac2,
    /// Data value compare 1.
    Dvc1,
    /// Data value compare 2.
    Dvc2,
    /// Debug control register 0: kept here, never written to the real one (its RST field resets the
    /// partition alone, see `reset`).
    Dbcr0,
    /// Debug control register 1.
    Dbcr1,
    /// Debug status register.
    Dbsr,
    /// Storage guarded register (real mode).
    Sgr,
    /// Data cache write-through register (real mode).
    Dcwr,
    /// Storage little-endian register (real mode): kept here, never written to the real one.
    Sler,
    /// Storage user-defined 0 register (real mode).
    Su0r,
    /// Data cache cachability register (real mode).
    Dccr,
    /// Instruction cache cachability register (real mode).
    Iccr,
}

impl Spr {
    /// How many.
    pub const COUNT: usize = Spr::Iccr as usize + 1;

    /// The index in [`Vcpu::sprs`] of the plain-storage SPR numbered `number` (PPC405 manual,
    /// table 10-2), if it is one: SRR0/SRR1 by number, SPRG0–7 (and the user aliases of SPRG4–7)
    /// and the 944–1023 block through small tables.
    pub const fn index_of(number: u16) -> Option<usize> {
        let index = match number {
            26 => Spr::Srr0 as u8,
            27 => Spr::Srr1 as u8,
            256..=287 => SPR_INDEX_256[(number - 256) as usize],
            944..=1023 => SPR_INDEX_944[(number - 944) as usize],
            _ => NONE,
        };
        if index == NONE {
            None
        } else {
            Some((index & INDEX) as usize)
        }
    }
}

/// The plain-storage SPRs QEMU's 405 resets to a value other than zero: CCR0 and SGR (PPC405
/// manual, processor state after reset), and DBSR[MRR] = 0b11, the most recent reset a system
/// reset, whatever the reset (QEMU's reset sets every SPR to its reset value).
const RESET_CCR0: u32 = 0x0070_0000;
/// See [`RESET_CCR0`].
const RESET_SGR: u32 = 0xffff_ffff;
/// See [`RESET_CCR0`].
const RESET_DBSR: u32 = 0x0000_0300;

/// Table entry of a number that is no plain-storage SPR.
pub const NONE: u8 = 0xff;
/// Table entry flag: an `mtspr` of this number needs more than a store (the fast path leaves it to
/// the emulation in Rust): the read-only user aliases of SPRG4–7, ZPR (translation), DBSR (write 1
/// to clear), DBCR0 (its RST field resets, see `reset`), SRR2/SRR3 (the real ones follow, see
/// `partition::enter`), and with `irfm` the SPRs of the read-only IRFM page (`irfm_pages` refreshes
/// it).
pub const SLOW_WRITE: u8 = 0x40;
/// Table entry flag: an `mtspr` of this number is a store and a copy of SPRG4–7 to the real
/// registers, which user mode reads without a trap (the fast path does both, as
/// `spr::load_user_sprgs`).
pub const REAL_COPY: u8 = 0x80;
/// Table entry bits that hold the [`Spr`] index.
pub const INDEX: u8 = 0x3f;

/// [`Spr`] indexes of SPRs 256–287 (read by `emulate::spr` and by the assembly fast path).
pub static SPR_INDEX_256: [u8; 32] = {
    let mut table = [NONE; 32];
    let mut n = 0;
    while n < 4 {
        table[4 + n] = (Spr::Sprg4 as u8 + n as u8) | SLOW_WRITE; // 260–263: user aliases of SPRG4–7
        n += 1;
    }
    let mut n = 0;
    while n < 8 {
        let copy = if n >= 4 { REAL_COPY } else { 0 };
        table[16 + n] = (Spr::Sprg0 as u8 + n as u8) | copy; // 272–279: SPRG0–7
        n += 1;
    }
    table
};

/// [`Spr`] indexes of SPRs 944–1023 (read by `emulate::spr` and by the assembly fast path).
pub static SPR_INDEX_944: [u8; 80] = {
    use irfm::spr as n;
    let mut table = [NONE; 80];
    let pairs: [(u16, Spr); 21] = [
        (n::SRR2, Spr::Srr2),
        (n::SRR3, Spr::Srr3),
        (n::ESR, Spr::Esr),
        (n::DEAR, Spr::Dear),
        (n::ZPR, Spr::Zpr),
        (n::CCR0, Spr::Ccr0),
        (n::IAC1, Spr::Iac1),
        (n::IAC2, Spr::Iac2),
        (n::IAC3, Spr::Iac3),
        (n::IAC4, Spr::Iac4),
        (n::DAC1, Spr::Dac1),
        (n::DAC2, Spr::Dac2),
        (n::DVC1, Spr::Dvc1),
        (n::DVC2, Spr::Dvc2),
        (n::DBCR0, Spr::Dbcr0),
        (n::DBCR1, Spr::Dbcr1),
        (n::DBSR, Spr::Dbsr),
        (n::SGR, Spr::Sgr),
        (n::DCWR, Spr::Dcwr),
        (n::SLER, Spr::Sler),
        (n::SU0R, Spr::Su0r),
    ];
    let mut i = 0;
    while i < pairs.len() {
        let spr = pairs[i].1;
        // With IRFM, SPRs a para-virtual guest reads from its read-only page are written by the
        // Rust path, which refreshes that page.
        let in_read_only_page = cfg!(feature = "irfm")
            && matches!(spr, Spr::Esr | Spr::Dear | Spr::Ccr0 | Spr::Sgr | Spr::Dcwr);
        let slow = matches!(spr, Spr::Srr2 | Spr::Srr3 | Spr::Zpr | Spr::Dbsr | Spr::Dbcr0) || in_read_only_page;
        table[(pairs[i].0 - 944) as usize] = spr as u8 | if slow { SLOW_WRITE } else { 0 };
        i += 1;
    }
    let page = if cfg!(feature = "irfm") { SLOW_WRITE } else { 0 };
    table[(n::DCCR - 944) as usize] = Spr::Dccr as u8 | page;
    table[(n::ICCR - 944) as usize] = Spr::Iccr as u8 | page;
    table
};

/// A partition's register file.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vcpu {
    /// The plain-storage supervisor SPRs, indexed by [`Spr`].
    pub sprs: [u32; Spr::COUNT],
    /// Timer control register (bits 0–9 used).
    pub tcr: u32,
    /// Timer status register (bits 0–5 used; bit 31 is microvisor bookkeeping, see `vtimer`).
    pub tsr: u32,
    /// Exception vector prefix, upper 16 bits (EVPR[0:15]).
    pub evpr: u16,
    /// Process ID (8 bits).
    pub pid: u8,
    /// Virtual interrupts asserted, one bit per `reflect::source` (a cache of TSR, TCR and the UIC).
    pub pending: u8,
    /// The value last written to PIT (the auto-reload period).
    pub pit_reload: u32,
    /// Time-base (TBL) value when the virtual PIT's current count began (written, or reloaded);
    /// meaningful while it runs. The count reaches 0 `pit_reload` ticks later.
    pub pit_start: u32,
    /// The virtual MSR.
    pub msr: u32,
    /// Address of the next guest instruction to run.
    pub pc: u32,
    /// Condition register.
    pub cr: u32,
    /// Fixed-point exception register.
    pub xer: u32,
    /// Link register.
    pub lr: u32,
    /// Count register.
    pub ctr: u32,
    /// General-purpose registers.
    pub gpr: [u32; 32],
}

impl core::ops::Index<Spr> for Vcpu {
    type Output = u32;
    fn index(&self, spr: Spr) -> &u32 {
        &self.sprs[spr as usize]
    }
}

impl core::ops::IndexMut<Spr> for Vcpu {
    fn index_mut(&mut self, spr: Spr) -> &mut u32 {
        &mut self.sprs[spr as usize]
    }
}

/// Bytes of [`Vcpu`]: at or under Proteus's 304 B per VM (checked at compile time).
pub const VCPU_BYTES: usize = core::mem::size_of::<Vcpu>();
const _: () = assert!(VCPU_BYTES <= 304, "the register file must stay within Proteus's 304 bytes per VM");

/// Offsets of the fields the assembly touches.
pub mod offset {
    use super::Vcpu;
    use core::mem::offset_of;
    /// `gpr[0]`.
    pub const GPR0: usize = offset_of!(Vcpu, gpr);
    /// `gpr[1]`.
    pub const GPR1: usize = GPR0 + 4;
    /// `gpr[2]` (first of the `stmw`/`lmw` block).
    pub const GPR2: usize = GPR0 + 8;
    /// `cr`.
    pub const CR: usize = offset_of!(Vcpu, cr);
    /// `xer`.
    pub const XER: usize = offset_of!(Vcpu, xer);
    /// `lr`.
    pub const LR: usize = offset_of!(Vcpu, lr);
    /// `ctr`.
    pub const CTR: usize = offset_of!(Vcpu, ctr);
    /// `pc`.
    pub const PC: usize = offset_of!(Vcpu, pc);
    /// `msr`.
    pub const MSR: usize = offset_of!(Vcpu, msr);
    /// `sprs[Spr::Srr0]`.
    pub const SRR0: usize = offset_of!(Vcpu, sprs) + 4 * super::Spr::Srr0 as usize;
    /// `sprs[Spr::Srr1]`.
    pub const SRR1: usize = offset_of!(Vcpu, sprs) + 4 * super::Spr::Srr1 as usize;
    /// `sprs[Spr::Sprg0]`.
    pub const SPRG0: usize = offset_of!(Vcpu, sprs) + 4 * super::Spr::Sprg0 as usize;
    /// `pending`.
    pub const PENDING: usize = offset_of!(Vcpu, pending);
}

/// MSR bits the guest's 405 keeps; others read as 0. The manual (section 3.6) also implements AP,
/// APE, FE0 and FE1, but QEMU 7.2's 405, which native runs are compared against, drops them, and
/// no guest can see a difference but the bits themselves (no APU, no FPU on this board).
pub const MSR_IMPLEMENTED: u32 =
    msr::WE | msr::CE | msr::EE | msr::PR | msr::FP | msr::ME | msr::DWE | msr::DE | msr::IR | msr::DR;

/// MSR bits `mtmsr` writes: the kept ones but ME, which QEMU 7.2's `mtmsr` leaves as it was (its
/// PowerPC ISA rule, "mtmsr does not alter ME"); only `rfi`/`rfci` and interrupts change it.
pub const MSR_MTMSR: u32 = MSR_IMPLEMENTED & !msr::ME;

/// MSR bits `rfi` and `rfci` restore: the kept ones but WE, which QEMU 7.2's `rfi` clears (its
/// "MSR:POW cannot be set by any form of rfi"), so a return never puts the guest to sleep.
pub const MSR_RFI: u32 = MSR_IMPLEMENTED & !msr::WE;

impl Vcpu {
    /// All zeros (an unused slot; keeps the microvisor's state in .bss).
    pub const ZERO: Vcpu = Vcpu {
        sprs: [0; Spr::COUNT],
        tcr: 0,
        tsr: 0,
        evpr: 0,
        pid: 0,
        pending: 0,
        pit_reload: 0,
        pit_start: 0,
        msr: 0,
        pc: 0,
        cr: 0,
        xer: 0,
        lr: 0,
        ctr: 0,
        gpr: [0; 32],
    };

    /// A register file in the state QEMU's `ref405ep` leaves the CPU in after `-kernel`: MSR = 0
    /// (real mode, interrupts off), PC = the entry point, r1 = top of the on-chip SRAM, r3 = the
    /// board-information block, r6 = r7 = the (empty) kernel command line, which QEMU puts at the
    /// same place (QEMU's boot protocol, kept so any guest sees the same registers).
    pub const fn at_reset(entry: u32, r1: u32, r3: u32) -> Vcpu {
        let mut vcpu = Vcpu::ZERO;
        vcpu.gpr[1] = r1;
        vcpu.gpr[3] = r3;
        vcpu.gpr[6] = r3;
        vcpu.gpr[7] = r3;
        vcpu.pc = entry;
        vcpu.sprs[Spr::Ccr0 as usize] = RESET_CCR0;
        vcpu.sprs[Spr::Sgr as usize] = RESET_SGR;
        vcpu.sprs[Spr::Dbsr as usize] = RESET_DBSR;
        vcpu
    }

    /// The plain-storage SPRs as a reset leaves them, in place (`reset`).
    pub fn reset_sprs(&mut self) {
        self.sprs.fill(0);
        self.sprs[Spr::Ccr0 as usize] = RESET_CCR0;
        self.sprs[Spr::Sgr as usize] = RESET_SGR;
        self.sprs[Spr::Dbsr as usize] = RESET_DBSR;
    }

    /// Whether the guest believes it is in user mode (MSR[PR]).
    pub const fn user_mode(&self) -> bool {
        self.msr & msr::PR != 0
    }

    /// Whether the guest believes its external interrupts are enabled (MSR[EE]).
    pub const fn external_enabled(&self) -> bool {
        self.msr & msr::EE != 0
    }

    /// The guest's exception vector for `offset` (EVPR[0:15] || offset).
    pub const fn vector(&self, offset: u16) -> u32 {
        ((self.evpr as u32) << 16) | offset as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plain_spr_is_found_by_its_number_and_nothing_else_is() {
        use irfm::spr as n;
        let expected = [
            (n::SRR0, Spr::Srr0),
            (n::SRR1, Spr::Srr1),
            (n::SRR2, Spr::Srr2),
            (n::SRR3, Spr::Srr3),
            (272, Spr::Sprg0),
            (275, Spr::Sprg3),
            (276, Spr::Sprg4),
            (260, Spr::Sprg4),
            (263, Spr::Sprg7),
            (279, Spr::Sprg7),
            (n::ESR, Spr::Esr),
            (n::SLER, Spr::Sler),
            (n::DCCR, Spr::Dccr),
            (n::ICCR, Spr::Iccr),
        ];
        for (number, spr) in expected {
            assert_eq!(Spr::index_of(number), Some(spr as usize), "SPR {number}");
        }
        let found = (0..1024).filter(|number| Spr::index_of(*number).is_some()).count();
        assert_eq!(found, Spr::COUNT + 4, "every plain SPR once, plus the four user aliases");
        for not_plain in [n::PVR, n::PID, n::EVPR, n::TCR, n::TSR, n::PIT, n::TBL_READ, 0, 1023] {
            assert_eq!(Spr::index_of(not_plain), None);
        }
    }

    #[test]
    fn the_register_file_is_304_bytes_with_the_saved_state_last() {
        assert_eq!(VCPU_BYTES, 304);
        assert_eq!(offset::GPR0, 304 - 128);
        assert_eq!(offset::PC, offset::MSR + 4);
    }

    #[test]
    fn reset_state_matches_qemu_kernel_boot() {
        let vcpu = Vcpu::at_reset(0x4000, 0xfff7_fff8, 0x00ff_ff80);
        assert_eq!((vcpu.pc, vcpu.msr, vcpu.gpr[1], vcpu.gpr[3]), (0x4000, 0, 0xfff7_fff8, 0x00ff_ff80));
        assert_eq!(vcpu.vector(0x700), 0x700);
    }
}

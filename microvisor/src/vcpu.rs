//! The virtual CPU: a partition's whole register file, 304 bytes.
//!
//! Two parts, in one `#[repr(C)]` struct read by the assembly in `arch::ppc405::vectors` through
//! `offset_of!` constants (never a literal offset):
//! - the user-visible state the vectors save and restore on every trap: GPRs, CR, XER, LR, CTR,
//!   the PC, and the *virtual* MSR (what the guest believes the MSR holds);
//! - the virtual supervisor SPR file: every privileged SPR of the 405 that a guest can write
//!   (PPC405 user's manual, section 10.2). The real SPRs belong to the microvisor, except SPRG4–7,
//!   which user mode can read without a trap: the real ones hold the guest's values while it runs.
//!
//! Not here, because they are not per-partition CPU state: the time base (the board's wall clock,
//! shared; see `vtimer`), PVR (the real one is returned), ICDBDR (reads 0), the virtual UIC
//! (`vuic`, a device), trap counters (`stats`, a feature).

use irfm::spr::msr;

/// A partition's register file. Field names follow the PPC405 manual.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vcpu {
    /// Save/restore register 0 (non-critical interrupts: the PC).
    pub srr0: u32,
    /// Save/restore register 1 (non-critical interrupts: the MSR).
    pub srr1: u32,
    /// Save/restore register 2 (critical interrupts: the PC).
    pub srr2: u32,
    /// Save/restore register 3 (critical interrupts: the MSR).
    pub srr3: u32,
    /// SPR general 0–7.
    pub sprg: [u32; 8],
    /// Exception syndrome register.
    pub esr: u32,
    /// Data exception address register.
    pub dear: u32,
    /// Zone protection register.
    pub zpr: u32,
    /// Timer control register (bits 0–9 used).
    pub tcr: u32,
    /// Timer status register (bits 0–5 used).
    pub tsr: u32,
    /// Exception vector prefix, upper 16 bits (EVPR[0:15]).
    pub evpr: u16,
    /// Process ID (8 bits).
    pub pid: u8,
    /// Virtual interrupts asserted, one bit per [`crate::reflect::Source`] (a cache of TSR, TCR and the UIC).
    pub pending: u8,
    /// The value last written to PIT (the auto-reload period).
    pub pit_reload: u32,
    /// Time-base (TBL) value at which the virtual PIT reaches 0; meaningful while it runs.
    pub pit_deadline: u32,
    /// Core configuration register 0.
    pub ccr0: u32,
    /// Data cache cachability register (real mode).
    pub dccr: u32,
    /// Instruction cache cachability register (real mode).
    pub iccr: u32,
    /// Data cache write-through register (real mode).
    pub dcwr: u32,
    /// Storage guarded register (real mode).
    pub sgr: u32,
    /// Storage little-endian register (real mode): kept here, never written to the real one.
    pub sler: u32,
    /// Storage user-defined 0 register (real mode).
    pub su0r: u32,
    /// Debug control register 0: kept here, never written to the real one (its RST field resets the chip).
    pub dbcr0: u32,
    /// Debug control register 1.
    pub dbcr1: u32,
    /// Debug status register.
    pub dbsr: u32,
    /// Data address compare 1.
    pub dac1: u32,
    /// Data address compare 2.
    pub dac2: u32,
    /// Data value compare 1.
    pub dvc1: u32,
    /// Data value compare 2.
    pub dvc2: u32,
    /// Instruction address compare 1–4.
    pub iac: [u32; 4],
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
    /// `srr0`.
    pub const SRR0: usize = offset_of!(Vcpu, srr0);
    /// `srr1`.
    pub const SRR1: usize = offset_of!(Vcpu, srr1);
    /// `sprg[0]`.
    pub const SPRG0: usize = offset_of!(Vcpu, sprg);
    /// `pending`.
    pub const PENDING: usize = offset_of!(Vcpu, pending);
}

/// MSR bits a 405 implements; others read as 0 (PPC405 manual, section 3.6).
pub const MSR_IMPLEMENTED: u32 = msr::AP
    | msr::APE
    | msr::WE
    | msr::CE
    | msr::EE
    | msr::PR
    | msr::FP
    | msr::ME
    | msr::FE0
    | msr::DWE
    | msr::DE
    | msr::FE1
    | msr::IR
    | msr::DR;

impl Vcpu {
    /// A register file in the state QEMU's `ref405ep` leaves the CPU in after `-kernel`: MSR = 0
    /// (real mode, interrupts off), PC = the entry point, r1 = top of the on-chip SRAM, r3 = the
    /// board-information block (QEMU's boot protocol, kept so any guest sees the same registers).
    pub const fn at_reset(entry: u32, r1: u32, r3: u32) -> Vcpu {
        let mut gpr = [0u32; 32];
        gpr[1] = r1;
        gpr[3] = r3;
        Vcpu {
            srr0: 0,
            srr1: 0,
            srr2: 0,
            srr3: 0,
            sprg: [0; 8],
            esr: 0,
            dear: 0,
            zpr: 0,
            tcr: 0,
            tsr: 0,
            evpr: 0,
            pid: 0,
            pending: 0,
            pit_reload: 0,
            pit_deadline: 0,
            ccr0: 0x0070_0000,
            dccr: 0,
            iccr: 0,
            dcwr: 0,
            sgr: 0xffff_ffff,
            sler: 0,
            su0r: 0,
            dbcr0: 0,
            dbcr1: 0,
            dbsr: 0,
            dac1: 0,
            dac2: 0,
            dvc1: 0,
            dvc2: 0,
            iac: [0; 4],
            msr: 0,
            pc: entry,
            cr: 0,
            xer: 0,
            lr: 0,
            ctr: 0,
            gpr,
        }
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

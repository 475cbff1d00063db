//! Trap-and-emulate: one function per privileged 405 instruction, named by its mnemonic.
//!
//! [`instruction`] is the one `match` on [`irfm::insn::Op`], without a catch-all arm: a new row in
//! the `irfm` table does not build until it is emulated here. Every emulation takes the partition and
//! the instruction word and returns an [`Outcome`]; none touches another partition.

pub mod cache;
pub mod dcr;
pub mod msr;
pub mod rfi;
pub mod spr;
// The TLB instructions: refused without `tlb-virt`, emulated on the virtual TLB with it.
#[cfg_attr(feature = "tlb-virt", path = "tlb_virt.rs")]
pub mod tlb;
pub mod unassigned;

use crate::reflect::{esr, Interrupt};
use crate::system::Partition;
use irfm::insn::Op;

/// What happens after a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// The instruction completed: continue after it.
    Next,
    /// Continue at `vcpu.pc` as the emulation left it (`rfi`, `rfci`, interrupts already delivered).
    Resume,
    /// The guest takes this interrupt at the trapping instruction.
    Reflect(Interrupt),
    /// MSR[WE] is set: the partition sleeps, at `vcpu.pc` as the emulation left it, until an
    /// interrupt it has enabled arrives.
    Wait,
    /// The microvisor refuses: the partition is stopped and the reason reported.
    Stop(Fault),
    /// The guest asked for a reset (DBCR0[RST]): its partition takes it alone (`reset`).
    Reset(crate::reset::Kind),
    /// The virtual watchdog's reset came before the instruction could complete: the health
    /// monitor's watchdog action (`health`).
    WatchdogReset,
}

/// Why a partition was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A TLB instruction, in a microvisor built without the `tlb-virt` feature.
    #[cfg(not(feature = "tlb-virt"))]
    NeedsTlbVirt,
    // The three below only arise with the guest's own translation (`tlb-virt`): without it, neither
    // they nor their reports are in the image.
    /// One instruction needs two translations of one page, for its fetch and for its access (with
    /// MSR[IR] ≠ MSR[DR], or guest TLB entries that overlap): the real 405 has one TLB for both.
    #[cfg(feature = "tlb-virt")]
    MixedTranslation,
    /// A valid 1 KiB TLB entry used (QEMU cannot map pages below 4 KiB).
    #[cfg(feature = "tlb-virt")]
    TinyPage,
    /// A little-endian TLB entry used (QEMU cannot map them).
    #[cfg(feature = "tlb-virt")]
    LittleEndianPage,
    /// A load, store or fetch outside the partition's memory and devices.
    OutsideMemory {
        /// The effective address.
        address: u32,
    },
    /// The partition's instruction at the trapping PC could not be read.
    UnreadableInstruction,
    /// A machine check while the guest ran, with its machine checks disabled (a 405 would checkstop).
    Checkstop,
    /// An interrupt the 405 raises only for a unit the guest cannot use (FPU, APU, debug).
    Unexpected {
        /// Its vector offset.
        vector: u32,
    },
}

impl Fault {
    /// What the report says.
    pub fn describe(&self) -> &'static str {
        match self {
            #[cfg(not(feature = "tlb-virt"))]
            Fault::NeedsTlbVirt => "TLB instruction needs the tlb-virt feature",
            #[cfg(feature = "tlb-virt")]
            Fault::MixedTranslation => "fetch and access need one page translated two ways",
            #[cfg(feature = "tlb-virt")]
            Fault::TinyPage => "1 KiB TLB page (unsupported)",
            #[cfg(feature = "tlb-virt")]
            Fault::LittleEndianPage => "little-endian TLB page (unsupported)",
            Fault::OutsideMemory { .. } => "access outside its memory",
            Fault::UnreadableInstruction => "unreadable instruction",
            Fault::Checkstop => "machine check with MSR[ME] = 0 (checkstop)",
            Fault::Unexpected { .. } => "unexpected interrupt",
        }
    }
}

/// An instruction the guest cannot execute: a 405 raises a program interrupt with `esr`.
pub const fn program(esr: u32) -> Outcome {
    Outcome::Reflect(Interrupt::Program { esr })
}

/// Emulates the privileged instruction `word` (`op`, from [`irfm::insn::op_of`]), which trapped
/// (privileged, PPR) at `vcpu.pc` while the guest was in its supervisor mode.
pub fn instruction(partition: &mut Partition, word: u32, op: Option<Op>) -> Outcome {
    let Some(op) = op else {
        // Trapped as privileged, yet no privileged instruction: a 405 in supervisor mode would have
        // run it, so it cannot be; answer as the hardware does for what it cannot execute.
        return program(esr::PIL);
    };
    match op {
        Op::Mfmsr => msr::mfmsr(partition, word),
        Op::Mtmsr => msr::mtmsr(partition, word),
        Op::Wrtee => msr::wrtee(partition, word),
        Op::Wrteei => msr::wrteei(partition, word),
        Op::Rfi => rfi::rfi(partition, word),
        Op::Rfci => rfi::rfci(partition, word),
        Op::Mfspr => spr::mfspr(partition, word),
        Op::Mtspr => spr::mtspr(partition, word),
        Op::Mfdcr => dcr::mfdcr(partition, word),
        Op::Mtdcr => dcr::mtdcr(partition, word),
        Op::Tlbwe => tlb::tlbwe(partition, word),
        Op::Tlbre => tlb::tlbre(partition, word),
        Op::Tlbsx => tlb::tlbsx(partition, word),
        Op::Tlbia => tlb::tlbia(partition, word),
        Op::Tlbsync => tlb::tlbsync(partition, word),
        Op::Iccci => cache::iccci(partition, word),
        Op::Dccci => cache::dccci(partition, word),
        Op::Dcbi => cache::dcbi(partition, word),
        Op::Dcread => cache::dcread(partition, word),
        Op::Icread => cache::icread(partition, word),
        // `mftb` of a TBR number other than 268/269 traps like an `mfspr` of an unknown SPR.
        Op::Mftb => spr::mfspr(partition, word),
        Op::MfsprUser => spr::mfspr(partition, word),
    }
}

/// The effective address of an X-form storage instruction: (rA|0) + rB.
pub fn effective_address(partition: &Partition, word: u32) -> u32 {
    let ra = irfm::insn::ra(word);
    let base = if ra == 0 { 0 } else { partition.vcpu.gpr[ra] };
    base.wrapping_add(partition.vcpu.gpr[irfm::insn::rb(word)])
}

//! Virtual interrupts: delivering an interrupt to a guest's own vector exactly as a 405 would.
//!
//! PPC405 user's manual, chapter 5: a non-critical interrupt saves the PC in SRR0 and the MSR in
//! SRR1; a critical one (critical input, machine check) saves into SRR2/SRR3 (the watchdog, critical
//! in the manual, is non-critical here as on QEMU: see `deliverable`). The PC
//! becomes EVPR[0:15] || the vector offset.
//!
//! The MSR is saved and changed as QEMU 7.2's 405 does, the machine native runs are compared
//! against, where it is narrower than the manual: the saved MSR holds neither WE nor CE (so a guest
//! that slept with `mtmsr` (WE|EE) resumes awake after its handler's `rfi`, and one that enabled CE
//! returns with it off), and every interrupt leaves only ME set in the MSR (the manual keeps CE and
//! DE across a non-critical one); a machine check clears ME too. A guest that prints its SRR1 or its
//! MSR after an interrupt sees what it sees natively.

use crate::system::Partition;
use crate::vcpu::{Spr, Vcpu};
use crate::vtimer::tsr;
use irfm::spr::msr;

/// ESR bits (PPC405 manual, section 5.2.6).
pub mod esr {
    /// Machine check, instruction side.
    pub const MCI: u32 = 0x8000_0000;
    /// Program: illegal instruction.
    pub const PIL: u32 = 0x0800_0000;
    /// Program: privileged instruction.
    pub const PPR: u32 = 0x0400_0000;
    /// Program: trap instruction.
    pub const PTR: u32 = 0x0200_0000;
    /// Data storage / data TLB miss: the access was a store.
    pub const DST: u32 = 0x0080_0000;
    /// Data or instruction storage: zone fault.
    pub const DIZ: u32 = 0x0040_0000;
}

/// An interrupt a guest takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// Program interrupt (0x700); ESR becomes exactly `esr`.
    Program {
        /// PIL, PPR or PTR.
        esr: u32,
    },
    /// System call (0x0C00); the PC already points after the `sc`.
    SystemCall,
    /// Data storage (0x0300).
    DataStorage {
        /// The effective address.
        dear: u32,
        /// DST and/or DIZ.
        esr: u32,
    },
    /// Instruction storage (0x0400).
    InstructionStorage {
        /// DIZ for a zone fault, else 0.
        esr: u32,
    },
    /// Alignment (0x0600); ESR unchanged.
    Alignment {
        /// The effective address.
        dear: u32,
    },
    /// Data TLB miss (0x1100).
    DataTlbMiss {
        /// The effective address.
        dear: u32,
        /// DST for a store, else 0.
        esr: u32,
    },
    /// Instruction TLB miss (0x1200). DEAR ← the fetch address and ESR ← 0, as QEMU 7.2's 405 does
    /// (the manual leaves both unchanged).
    InstructionTlbMiss,
    /// External input through the UIC (0x0500).
    External,
    /// Programmable interval timer (0x1000).
    Pit,
    /// Watchdog (0x1020): non-critical, as QEMU 7.2 delivers it (the manual makes it critical).
    Watchdog,
    /// Critical input through the UIC (0x0100), critical.
    CriticalInput,
    /// Machine check (0x0200), critical.
    MachineCheck,
}

impl Interrupt {
    /// The vector offset (PPC405 manual, table 5-2).
    pub const fn offset(self) -> u16 {
        match self {
            Interrupt::CriticalInput => 0x0100,
            Interrupt::MachineCheck => 0x0200,
            Interrupt::DataStorage { .. } => 0x0300,
            Interrupt::InstructionStorage { .. } => 0x0400,
            Interrupt::External => 0x0500,
            Interrupt::Alignment { .. } => 0x0600,
            Interrupt::Program { .. } => 0x0700,
            Interrupt::SystemCall => 0x0c00,
            Interrupt::Pit => 0x1000,
            Interrupt::Watchdog => 0x1020,
            Interrupt::DataTlbMiss { .. } => 0x1100,
            Interrupt::InstructionTlbMiss => 0x1200,
        }
    }
}

/// Delivers `interrupt` to the guest: the PC in `vcpu.pc` is what SRR0/SRR2 saves.
pub fn deliver(vcpu: &mut Vcpu, interrupt: Interrupt) {
    let saved_msr = vcpu.msr & !(msr::WE | msr::CE);
    match interrupt {
        Interrupt::CriticalInput | Interrupt::MachineCheck => {
            vcpu[Spr::Srr2] = vcpu.pc;
            vcpu[Spr::Srr3] = saved_msr;
        }
        _ => {
            vcpu[Spr::Srr0] = vcpu.pc;
            vcpu[Spr::Srr1] = saved_msr;
        }
    }
    vcpu.msr &= if interrupt == Interrupt::MachineCheck { 0 } else { msr::ME };
    // The timers' interrupts are edges (as on QEMU): taking one lowers it.
    match interrupt {
        Interrupt::Pit => {
            vcpu.tsr &= !tsr::PIT_RAISED;
            vcpu.pending &= !source::PIT;
        }
        Interrupt::Watchdog => {
            vcpu.tsr &= !tsr::WATCHDOG_RAISED;
            vcpu.pending &= !source::WATCHDOG;
        }
        _ => {}
    }
    match interrupt {
        Interrupt::Program { esr } => vcpu[Spr::Esr] = esr,
        Interrupt::DataStorage { dear, esr } | Interrupt::DataTlbMiss { dear, esr } => {
            vcpu[Spr::Dear] = dear;
            vcpu[Spr::Esr] = esr;
        }
        Interrupt::InstructionStorage { esr } => vcpu[Spr::Esr] = esr,
        Interrupt::Alignment { dear } => vcpu[Spr::Dear] = dear,
        Interrupt::InstructionTlbMiss => {
            vcpu[Spr::Dear] = vcpu.pc;
            vcpu[Spr::Esr] = 0;
        }
        Interrupt::MachineCheck => vcpu[Spr::Esr] = esr::MCI,
        _ => {}
    }
    vcpu.pc = vcpu.vector(interrupt.offset());
}

/// Asynchronous interrupt sources, as bits of [`Vcpu::pending`].
pub mod source {
    /// A PIT interrupt raised and not yet taken (an edge, as on QEMU: `vtimer`).
    pub const PIT: u8 = 1;
    /// A watchdog interrupt raised and not yet taken (an edge, as on QEMU: `vtimer`).
    pub const WATCHDOG: u8 = 4;
    /// A non-critical UIC line asserted and enabled.
    pub const EXTERNAL: u8 = 8;
    /// A critical UIC line asserted and enabled.
    pub const CRITICAL: u8 = 16;
    /// Sources gated by MSR[EE].
    pub const NONCRITICAL: u8 = PIT | EXTERNAL | WATCHDOG;
    /// Sources gated by MSR[CE].
    pub const CRITICALS: u8 = CRITICAL;
}

/// Recomputes `vcpu.pending` from the timers and the virtual UIC.
pub fn refresh_pending(partition: &mut Partition) {
    let vcpu = &partition.vcpu;
    let mut pending = 0;
    if vcpu.tsr & tsr::PIT_RAISED != 0 {
        pending |= source::PIT;
    }
    if vcpu.tsr & tsr::WATCHDOG_RAISED != 0 {
        pending |= source::WATCHDOG;
    }
    let (external, critical) = partition.uic.asserted(partition.owned_lines);
    if external {
        pending |= source::EXTERNAL;
    }
    if critical {
        pending |= source::CRITICAL;
    }
    partition.vcpu.pending = pending;
}

/// The asynchronous interrupt the guest takes now, if any, in QEMU 7.2's order (`ppc_hw_interrupt`):
/// the external input (MSR[EE]), the critical input (MSR[CE]), then the watchdog and the PIT
/// (MSR[EE]; the FIT never fires, as on QEMU: `vtimer`). The manual (section 5.1.5) puts the
/// critical input and the watchdog before the external input, but a guest's interrupt log must read
/// as natively. The watchdog is delivered through SRR0/SRR1, as QEMU 7.2's 405 does (the manual
/// makes it critical: a guest developed on QEMU returns from it with `rfi`).
pub fn deliverable(vcpu: &Vcpu) -> Option<Interrupt> {
    let enabled = vcpu.external_enabled();
    let pending = vcpu.pending;
    if enabled && pending & source::EXTERNAL != 0 {
        Some(Interrupt::External)
    } else if vcpu.msr & msr::CE != 0 && pending & source::CRITICAL != 0 {
        Some(Interrupt::CriticalInput)
    } else if !enabled {
        None
    } else if pending & source::WATCHDOG != 0 {
        Some(Interrupt::Watchdog)
    } else if pending & source::PIT != 0 {
        Some(Interrupt::Pit)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_interrupt_saves_pc_and_msr_and_enters_supervisor_real_mode() {
        let mut vcpu = Vcpu::at_reset(0x4000, 0, 0);
        vcpu.evpr = 0x0001;
        vcpu.msr = msr::PR | msr::EE | msr::IR | msr::DR | msr::ME | msr::CE | msr::DE;
        vcpu.pc = 0x5000;
        deliver(&mut vcpu, Interrupt::Program { esr: esr::PPR });
        // As QEMU's 405: CE is not saved, and only ME survives.
        assert_eq!((vcpu[Spr::Srr0], vcpu[Spr::Srr1]), (0x5000, msr::PR | msr::EE | msr::IR | msr::DR | msr::ME | msr::DE));
        assert_eq!(vcpu.msr, msr::ME, "only ME survives an interrupt");
        assert_eq!((vcpu.pc, vcpu[Spr::Esr]), (0x0001_0700, esr::PPR));
    }

    #[test]
    fn a_critical_interrupt_uses_srr2_srr3_and_the_watchdog_srr0_srr1() {
        let mut vcpu = Vcpu::at_reset(0x4000, 0, 0);
        vcpu.msr = msr::CE | msr::EE | msr::ME | msr::DE;
        deliver(&mut vcpu, Interrupt::CriticalInput);
        assert_eq!((vcpu[Spr::Srr2], vcpu[Spr::Srr3]), (0x4000, msr::EE | msr::ME | msr::DE));
        assert_eq!((vcpu.msr, vcpu.pc), (msr::ME, 0x0100));
        vcpu.msr = msr::EE | msr::ME;
        deliver(&mut vcpu, Interrupt::Watchdog);
        assert_eq!((vcpu[Spr::Srr0], vcpu[Spr::Srr1], vcpu.pc), (0x0100, msr::EE | msr::ME, 0x1020));
        vcpu.msr = msr::ME;
        deliver(&mut vcpu, Interrupt::MachineCheck);
        assert_eq!((vcpu[Spr::Srr3], vcpu.msr), (msr::ME, 0), "a machine check clears ME");
    }

    #[test]
    fn the_saved_msr_never_holds_we() {
        let mut vcpu = Vcpu::at_reset(0x4000, 0, 0);
        vcpu.msr = msr::WE | msr::EE;
        deliver(&mut vcpu, Interrupt::Pit);
        assert_eq!(vcpu[Spr::Srr1], msr::EE);
    }

    #[test]
    fn masked_sources_wait_and_the_external_input_comes_first_as_on_qemu() {
        let mut vcpu = Vcpu::at_reset(0, 0, 0);
        vcpu.pending = source::PIT | source::EXTERNAL | source::CRITICAL | source::WATCHDOG;
        assert_eq!(deliverable(&vcpu), None);
        vcpu.msr = msr::EE | msr::CE;
        assert_eq!(deliverable(&vcpu), Some(Interrupt::External));
        vcpu.msr = msr::CE;
        assert_eq!(deliverable(&vcpu), Some(Interrupt::CriticalInput));
        vcpu.msr = msr::EE | msr::CE;
        vcpu.pending = source::PIT | source::CRITICAL | source::WATCHDOG;
        assert_eq!(deliverable(&vcpu), Some(Interrupt::CriticalInput));
        vcpu.pending = source::PIT | source::WATCHDOG;
        assert_eq!(deliverable(&vcpu), Some(Interrupt::Watchdog));
        vcpu.pending = source::WATCHDOG;
        vcpu.msr = msr::CE;
        assert_eq!(deliverable(&vcpu), None, "the watchdog waits for EE, as on QEMU");
        vcpu.msr = msr::EE;
        assert_eq!(deliverable(&vcpu), Some(Interrupt::Watchdog));
    }
}

//! `mfspr` and `mtspr` of the 405's privileged SPRs (PPC405 manual, sections 9.11 and 10.2).
//!
//! Every SPR a guest can name is answered from its [`Vcpu`](crate::vcpu::Vcpu): the real registers
//! belong to the microvisor. The few with an effect beyond storage say so at their arm. Numbers the
//! 405 does not implement behave as QEMU 7.2's 405 does in supervisor mode (the manual calls them
//! boundedly undefined): `mfspr` leaves rD unchanged and `mtspr` does nothing, except numbers 0, 4,
//! 5, 6 (`mfspr`) and 0 (`mtspr`), which raise a privileged-instruction program interrupt.

use super::{program, Outcome};
use crate::arch::ppc405::spr as real;
use crate::reflect::esr;
use crate::system::Partition;
use crate::vtimer;
use irfm::insn::rd;
use irfm::spr::{self, from_word};

/// `mfspr rD,SPRN` (and `mftb` of a TBR number that trapped).
pub fn mfspr(partition: &mut Partition, word: u32) -> Outcome {
    let vcpu = &mut partition.vcpu;
    let value = match from_word(word) {
        spr::SRR0 => vcpu.srr0,
        spr::SRR1 => vcpu.srr1,
        spr::SRR2 => vcpu.srr2,
        spr::SRR3 => vcpu.srr3,
        number @ (spr::SPRG4_USER..=spr::SPRG7_USER) => vcpu.sprg[usize::from(number - 256)],
        number @ (spr::SPRG0..=spr::SPRG7) => vcpu.sprg[usize::from(number - spr::SPRG0)],
        spr::TBL_READ | spr::TBL_WRITE => real::time_base_lower(),
        spr::TBU_READ | spr::TBU_WRITE => (real::time_base() >> 32) as u32,
        spr::PVR => real::pvr(),
        spr::ZPR => vcpu.zpr,
        spr::PID => u32::from(vcpu.pid),
        spr::CCR0 => vcpu.ccr0,
        spr::IAC1 => vcpu.iac[0],
        spr::IAC2 => vcpu.iac[1],
        spr::IAC3 => vcpu.iac[2],
        spr::IAC4 => vcpu.iac[3],
        spr::DVC1 => vcpu.dvc1,
        spr::DVC2 => vcpu.dvc2,
        spr::SGR => vcpu.sgr,
        spr::DCWR => vcpu.dcwr,
        spr::SLER => vcpu.sler,
        spr::SU0R => vcpu.su0r,
        spr::DBCR0 => vcpu.dbcr0,
        spr::DBCR1 => vcpu.dbcr1,
        spr::DBSR => vcpu.dbsr,
        spr::DAC1 => vcpu.dac1,
        spr::DAC2 => vcpu.dac2,
        // The instruction-cache debug data register: what `icread` would have loaded (nothing).
        spr::ICDBDR => 0,
        spr::ESR => vcpu.esr,
        spr::DEAR => vcpu.dear,
        spr::EVPR => u32::from(vcpu.evpr) << 16,
        spr::TSR => vcpu.tsr & vtimer::tsr::IMPLEMENTED,
        spr::TCR => vcpu.tcr,
        spr::PIT => vtimer::read_pit(vcpu, real::time_base_lower()),
        spr::DCCR => vcpu.dccr,
        spr::ICCR => vcpu.iccr,
        0 | 4 | 5 | 6 => return program(esr::PPR),
        _ => return Outcome::Next,
    };
    #[cfg(feature = "inject-fault")]
    let value = if from_word(word) == spr::SPRG0 + 3 { value ^ 1 } else { value };
    vcpu.gpr[rd(word)] = value;
    Outcome::Next
}

/// `mtspr SPRN,rS`.
pub fn mtspr(partition: &mut Partition, word: u32) -> Outcome {
    let value = partition.vcpu.gpr[rd(word)];
    let vcpu = &mut partition.vcpu;
    match from_word(word) {
        spr::SRR0 => vcpu.srr0 = value,
        spr::SRR1 => vcpu.srr1 = value,
        spr::SRR2 => vcpu.srr2 = value,
        spr::SRR3 => vcpu.srr3 = value,
        number @ (spr::SPRG0..=spr::SPRG7) => {
            vcpu.sprg[usize::from(number - spr::SPRG0)] = value;
            // SPRG4–7 are readable in user mode without a trap: the real ones carry the guest's.
            if number >= spr::SPRG0 + 4 {
                real::load_user_sprgs(&[vcpu.sprg[4], vcpu.sprg[5], vcpu.sprg[6], vcpu.sprg[7]]);
            }
        }
        // Read-only: user aliases of SPRG4–7, USPRG0 as QEMU models it, PVR, ICDBDR.
        spr::USPRG0 | spr::SPRG4_USER..=spr::SPRG7_USER | spr::PVR | spr::ICDBDR => return program(esr::PPR),
        // The time base is the board's wall clock, shared by all partitions: writes are ignored.
        spr::TBL_WRITE | spr::TBU_WRITE => {}
        spr::ZPR => {
            vcpu.zpr = value;
            crate::partition::translation_changed(partition);
        }
        spr::PID => {
            vcpu.pid = value as u8;
            crate::partition::translation_changed(partition);
        }
        spr::CCR0 => vcpu.ccr0 = value,
        spr::IAC1 => vcpu.iac[0] = value,
        spr::IAC2 => vcpu.iac[1] = value,
        spr::IAC3 => vcpu.iac[2] = value,
        spr::IAC4 => vcpu.iac[3] = value,
        spr::DVC1 => vcpu.dvc1 = value,
        spr::DVC2 => vcpu.dvc2 = value,
        spr::SGR => vcpu.sgr = value,
        spr::DCWR => vcpu.dcwr = value,
        // Kept virtual: QEMU aborts on a non-zero SLER, and a little-endian region is the guest's business.
        spr::SLER => vcpu.sler = value,
        spr::SU0R => vcpu.su0r = value,
        // Kept virtual: DBCR0[RST] would reset the whole chip, and debug events belong to the microvisor.
        spr::DBCR0 => vcpu.dbcr0 = value,
        spr::DBCR1 => vcpu.dbcr1 = value,
        spr::DBSR => vcpu.dbsr &= !value,
        spr::DAC1 => vcpu.dac1 = value,
        spr::DAC2 => vcpu.dac2 = value,
        spr::ESR => vcpu.esr = value,
        spr::DEAR => vcpu.dear = value,
        spr::EVPR => vcpu.evpr = (value >> 16) as u16,
        spr::TSR => vtimer::write_tsr(vcpu, value),
        spr::TCR => vtimer::write_tcr(vcpu, value),
        spr::PIT => vtimer::write_pit(vcpu, value, real::time_base_lower()),
        spr::DCCR => vcpu.dccr = value,
        spr::ICCR => vcpu.iccr = value,
        0 => return program(esr::PPR),
        _ => {}
    }
    Outcome::Next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::Partition;
    use irfm::insn::encode;

    fn partition() -> Partition {
        let mut partition = Partition::EMPTY;
        partition.state = crate::system::State::Runnable;
        partition
    }

    #[test]
    fn mtspr_srr0_then_mfspr_returns_it() {
        let mut p = partition();
        p.vcpu.gpr[5] = 0x1234_5678;
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::SRR0, 5)), Outcome::Next);
        assert_eq!(mfspr(&mut p, encode::mfspr(9, spr::SRR0)), Outcome::Next);
        assert_eq!(p.vcpu.gpr[9], 0x1234_5678);
    }

    #[test]
    fn sprg4_writes_reach_the_real_register_that_user_mode_reads() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0xcafe;
        let _ = mtspr(&mut p, encode::mtspr(spr::SPRG0 + 4, 3));
        assert_eq!(crate::arch::host::read_spr(276), 0xcafe);
    }

    #[test]
    fn sler_and_dbcr0_never_reach_the_real_registers() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0xffff_ffff;
        let _ = mtspr(&mut p, encode::mtspr(spr::SLER, 3));
        let _ = mtspr(&mut p, encode::mtspr(spr::DBCR0, 3));
        assert_eq!(crate::arch::host::read_spr(spr::SLER), 0);
        assert_eq!(crate::arch::host::read_spr(spr::DBCR0), 0);
        assert_eq!((p.vcpu.sler, p.vcpu.dbcr0), (0xffff_ffff, 0xffff_ffff));
    }

    #[test]
    fn evpr_keeps_its_upper_half_and_pvr_is_read_only() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0x1234_5678;
        let _ = mtspr(&mut p, encode::mtspr(spr::EVPR, 3));
        let _ = mfspr(&mut p, encode::mfspr(4, spr::EVPR));
        assert_eq!(p.vcpu.gpr[4], 0x1234_0000);
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::PVR, 3)), program(esr::PPR));
    }

    #[test]
    fn an_unknown_spr_leaves_rd_alone_but_spr_0_traps() {
        let mut p = partition();
        p.vcpu.gpr[7] = 77;
        assert_eq!(mfspr(&mut p, encode::mfspr(7, 1023)), Outcome::Next);
        assert_eq!(p.vcpu.gpr[7], 77);
        assert_eq!(mfspr(&mut p, encode::mfspr(7, 0)), program(esr::PPR));
    }

    #[test]
    fn dbsr_is_write_one_to_clear() {
        let mut p = partition();
        p.vcpu.dbsr = 0x0300_0000;
        p.vcpu.gpr[3] = 0x0100_0000;
        let _ = mtspr(&mut p, encode::mtspr(spr::DBSR, 3));
        assert_eq!(p.vcpu.dbsr, 0x0200_0000);
    }
}

//! `mfmsr`, `mtmsr`, `wrtee`, `wrteei`: the guest's virtual MSR (PPC405 manual 3.6, 9.11).
//!
//! The real MSR never changes for a guest (user mode, translation on, interrupts on); what the
//! guest writes goes to `vcpu.msr`, and its effects are the microvisor's to produce: enabling EE
//! lets a pending virtual interrupt in at once (the dispatcher delivers it before the guest runs
//! again), WE puts the partition to sleep, IR/DR/PR change its translation context.

use super::Outcome;
use crate::system::Partition;
use crate::vcpu::MSR_MTMSR;
use irfm::insn::{rd, wrteei_enable};
use irfm::spr::msr;

/// `mfmsr rD`.
pub fn mfmsr(partition: &mut Partition, word: u32) -> Outcome {
    partition.vcpu.gpr[rd(word)] = partition.vcpu.msr;
    Outcome::Next
}

/// Bit 15 of `mtmsr`, reserved on the 405; QEMU 7.2 decodes it as the L field of later PowerPCs.
const MTMSR_L: u32 = 0x0001_0000;

/// `mtmsr rS`: the bits the 405 keeps, ME excepted (it stays as it was: see `MSR_MTMSR`). With the
/// reserved bit 15 (L) set, EE alone, as on QEMU 7.2 (which takes it for the L = 1 form).
pub fn mtmsr(partition: &mut Partition, word: u32) -> Outcome {
    if word & MTMSR_L != 0 {
        return wrtee(partition, word);
    }
    let value = (partition.vcpu.gpr[rd(word)] & MSR_MTMSR) | (partition.vcpu.msr & msr::ME);
    let changed = partition.vcpu.msr ^ value;
    partition.vcpu.msr = value;
    if changed & (msr::PR | msr::IR | msr::DR) != 0 {
        crate::address_space::translation_changed(partition);
    }
    if value & msr::WE != 0 {
        partition.vcpu.pc = partition.vcpu.pc.wrapping_add(4);
        Outcome::Wait
    } else {
        Outcome::Next
    }
}

/// `wrtee rS`: MSR[EE] from rS[EE].
pub fn wrtee(partition: &mut Partition, word: u32) -> Outcome {
    let ee = partition.vcpu.gpr[rd(word)] & msr::EE;
    partition.vcpu.msr = (partition.vcpu.msr & !msr::EE) | ee;
    Outcome::Next
}

/// `wrteei E`.
pub fn wrteei(partition: &mut Partition, word: u32) -> Outcome {
    if wrteei_enable(word) {
        partition.vcpu.msr |= msr::EE;
    } else {
        partition.vcpu.msr &= !msr::EE;
    }
    Outcome::Next
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mtmsr rS`.
    const fn mtmsr_word(rs: u32) -> u32 {
        (31 << 26) | (rs << 21) | (146 << 1)
    }

    #[test]
    fn mtmsr_with_bit_15_writes_ee_alone_as_on_qemu() {
        let mut p = Partition::EMPTY;
        p.vcpu.gpr[5] = msr::EE | msr::PR | msr::DE;
        assert_eq!(mtmsr(&mut p, mtmsr_word(5) | MTMSR_L), Outcome::Next);
        assert_eq!(p.vcpu.msr, msr::EE);
        assert_eq!(mtmsr(&mut p, mtmsr_word(5)), Outcome::Next);
        assert_eq!(p.vcpu.msr, msr::EE | msr::PR | msr::DE);
    }
}

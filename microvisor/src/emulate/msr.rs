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

/// `mtmsr rS`: the bits the 405 keeps, ME excepted (it stays as it was: see `MSR_MTMSR`).
pub fn mtmsr(partition: &mut Partition, word: u32) -> Outcome {
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

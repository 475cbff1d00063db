//! `rfi` and `rfci`: return from a (critical) interrupt (PPC405 manual 9.11).
//!
//! PC ← SRR0 (SRR2) with the low two bits cleared; MSR ← SRR1 (SRR3), the bits the 405 keeps
//! (`vcpu::MSR_IMPLEMENTED`, ME included) but WE, as on QEMU 7.2 (`vcpu::MSR_RFI`): the manual
//! lets an `rfi` enter the wait state, QEMU's never does.

use super::Outcome;
use crate::system::Partition;
use crate::vcpu::{Spr, MSR_RFI};
use irfm::spr::msr;

fn return_to(partition: &mut Partition, pc: u32, new_msr: u32) -> Outcome {
    let new_msr = new_msr & MSR_RFI;
    let changed = partition.vcpu.msr ^ new_msr;
    partition.vcpu.msr = new_msr;
    partition.vcpu.pc = pc & !3;
    if changed & (msr::PR | msr::IR | msr::DR) != 0 {
        crate::address_space::translation_changed(partition);
    }
    Outcome::Resume
}

/// `rfi`.
pub fn rfi(partition: &mut Partition, _word: u32) -> Outcome {
    let (pc, msr) = (partition.vcpu[Spr::Srr0], partition.vcpu[Spr::Srr1]);
    return_to(partition, pc, msr)
}

/// `rfci`.
pub fn rfci(partition: &mut Partition, _word: u32) -> Outcome {
    let (pc, msr) = (partition.vcpu[Spr::Srr2], partition.vcpu[Spr::Srr3]);
    return_to(partition, pc, msr)
}

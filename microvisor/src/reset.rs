//! The resets a guest asks for by writing DBCR0[RST] (PPC405 user's manual: DBCR0, and the
//! processor state after reset), each confined to its partition and done as QEMU 7.2's 405 does it
//! natively:
//! - **core or chip reset** (RST = 0b01, 0b10; QEMU resets the processor alone for both): its SPRs
//!   and MSR take their reset values and every TLB entry becomes invalid (its other fields stay);
//!   the GPRs, CR, LR, CTR and XER keep what they held; memory and devices (the UIC, the timers'
//!   counting) are untouched. It then fetches at the reset vector 0xFFFFFFFC, where the ref405ep has
//!   nothing: the guest takes the illegal-instruction program interrupt at 0x700 with SRR0 =
//!   0xFFFFFFFC (`emulate::unassigned`), as natively.
//! - **system reset** (RST = 0b11): QEMU resets the board and its `-kernel` boot starts the guest
//!   again: its image is loaded again (memory outside it keeps its contents) and it starts as at
//!   boot (`health::start_guest`). Nothing is printed, as natively.
//!
//! (The watchdog's reset, TCR[WRC], is a health event instead: see `health`.)

use crate::system::{Partition, System};
use crate::vcpu::Vcpu;
use crate::vtimer::tsr;

/// DBCR0[RST]: the reset a write asks for (0: none).
pub const RST: u32 = 0x3000_0000;
/// DBCR0[RST] = 0b11: system reset.
pub const SYSTEM: u32 = 0x3000_0000;
/// Where a 405 fetches its first instruction after a reset.
pub const VECTOR: u32 = 0xffff_fffc;

/// A core or chip reset of the partition's processor, taken at its `mtspr DBCR0`.
pub fn processor(partition: &mut Partition) {
    let before = partition.vcpu;
    let mut vcpu = Vcpu::at_reset(VECTOR, 0, 0);
    vcpu.gpr = before.gpr;
    (vcpu.cr, vcpu.lr, vcpu.ctr, vcpu.xer) = (before.cr, before.lr, before.ctr, before.xer);
    keep_counting(&before, &mut vcpu);
    partition.vcpu = vcpu;
    crate::address_space::reset(partition);
    // It is the running partition: the real registers that serve it directly (SPRG4–7) follow.
    crate::partition::enter(partition);
    crate::reflect::refresh_pending(partition);
}

/// QEMU's timers run apart from the registers, and no reset stops them: TCR and TSR read 0,
/// interrupts raised and not yet taken are dropped, and the PIT and watchdog go on counting to the
/// deadlines they had (`Partition::watchdog_next` stays too).
fn keep_counting(before: &Vcpu, after: &mut Vcpu) {
    (after.pit_reload, after.pit_start) = (before.pit_reload, before.pit_start);
    after.tsr = before.tsr & (tsr::PIT_RUNNING | tsr::WATCHDOG_ARMED | tsr::PIT_SKIPS);
}

/// A system reset of partition `index`: its image loaded again and its guest started as at boot.
pub fn system(system: &mut System, index: usize) {
    let partition = &mut system.partitions[index];
    let before = partition.vcpu;
    // What it printed of an unfinished line went out natively before the reset.
    crate::console::flush_line(partition);
    let (copy, bytes) = (partition.descriptor.image_copy, partition.descriptor.image_bytes);
    if crate::guest_mem::reload(partition, copy, bytes) {
        crate::health::start_guest(system, index);
        keep_counting(&before, &mut system.partitions[index].vcpu);
    } else {
        crate::console::report(index, "system reset without a pristine image to start again from", partition.vcpu.pc);
        crate::health::halt(system, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_processor_reset_keeps_the_gprs_and_resets_the_sprs_msr_and_pc() {
        let mut p = Partition::EMPTY;
        p.vcpu.gpr[31] = 0x3131;
        (p.vcpu.cr, p.vcpu.lr) = (0x8000_0000, 0x41d0);
        p.vcpu.msr = 0x0002_8030;
        p.vcpu[crate::vcpu::Spr::Sprg0] = 0x1111_1111;
        p.vcpu[crate::vcpu::Spr::Dbcr0] = 0x1000_0000;
        (p.vcpu.evpr, p.vcpu.pid, p.vcpu.tcr) = (0x00a0, 5, 0x0440_0000);
        p.vcpu.tsr = tsr::PIS | tsr::PIT_RUNNING | tsr::PIT_RAISED;
        processor(&mut p);
        let v = &p.vcpu;
        assert_eq!((v.gpr[31], v.cr, v.lr), (0x3131, 0x8000_0000, 0x41d0));
        assert_eq!((v.pc, v.msr, v.evpr, v.pid, v.tcr, v.tsr), (VECTOR, 0, 0, 0, 0, tsr::PIT_RUNNING));
        assert_eq!(v.sprs, Vcpu::at_reset(0, 0, 0).sprs);
    }
}

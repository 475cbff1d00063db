//! The resets of a 405, taken by one partition alone, each as QEMU 7.2's 405 does it natively
//! (PPC405 user's manual: DBCR0, TCR, and the processor state after reset). A guest asks for one
//! by writing DBCR0[RST]; its watchdog's last step does what TCR[WRC] says (with the default
//! health action, `reset`: see `health`). Both fields code the same kinds:
//! - **core or chip reset** (0b01, 0b10; QEMU resets the processor alone for both): its SPRs and
//!   MSR take their reset values and every TLB entry becomes invalid (its other fields stay); the
//!   GPRs, CR, LR, CTR and XER keep what they held; memory and devices (the UIC, the timers'
//!   counting) are untouched. It then fetches at the reset vector 0xFFFFFFFC, where the ref405ep
//!   has nothing: the guest takes the illegal-instruction program interrupt at 0x700 with SRR0 =
//!   0xFFFFFFFC (`emulate::unassigned`), as natively. A partition asleep in the wait state takes it
//!   only when an interrupt it has enabled wakes it, and then instead of that interrupt: QEMU does
//!   not wake a halted 405 for a reset, and once an interrupt wakes it, takes the reset at its next
//!   exit from translated code (the waking interrupt's handler may run a little first; the
//!   microvisor has no such point to copy). With its interrupts off it sleeps for ever.
//! - **system reset** (0b11): QEMU resets the board and its `-kernel` boot starts the guest again:
//!   its image is loaded again (memory outside it keeps its contents) and it starts as at boot
//!   (`health::start_guest`). Nothing is printed, as natively.

use crate::system::{Next, Partition, State, System};
use crate::vtimer::tsr;

/// Where a 405 fetches its first instruction after a reset.
pub const VECTOR: u32 = 0xffff_fffc;

/// A reset a 405 can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Core or chip reset: the processor alone.
    Processor,
    /// System reset: the board, and the guest booted again.
    System,
}

impl Kind {
    /// The reset coded in bits 2–3 of `register` (DBCR0[RST] or TCR[WRC]), if any.
    pub const fn of(register: u32) -> Option<Kind> {
        match (register >> 28) & 3 {
            0 => None,
            3 => Some(Kind::System),
            _ => Some(Kind::Processor),
        }
    }
}

/// Partition `index` takes the reset `kind`.
pub fn take(system: &mut System, index: usize, kind: Kind) {
    match kind {
        Kind::Processor => processor(system, index),
        Kind::System => board(system, index),
    }
}

/// What of TSR is the counting of QEMU's timers, which run apart from the registers and which no
/// reset stops: they go on to the deadlines they had (`Vcpu::pit_start`, `Vcpu::pit_reload` and
/// `Partition::watchdog_next` stay too), while TCR and TSR read 0 and interrupts raised and not yet
/// taken are dropped.
const COUNTING: u32 = tsr::PIT_RUNNING | tsr::WATCHDOG_ARMED | tsr::PIT_SKIPS;

/// A core or chip reset of partition `index`'s processor; asleep, when it wakes ([`take_pending`]).
fn processor(system: &mut System, index: usize) {
    let partition = &mut system.partitions[index];
    if partition.state == State::Waiting {
        partition.reset_pending = true;
        return;
    }
    reset_processor(partition);
    enter_if_running(system, index);
}

/// Partition `index`, about to run (`trap::resume`): the reset that came while it slept, if one did
/// and it has woken, with the real registers that serve it loaded again. Out of line: every return
/// to a guest passes where it is called, and rarely calls it.
#[inline(never)]
pub fn take_pending(system: &mut System, index: usize) {
    let partition = &mut system.partitions[index];
    if partition.reset_pending && partition.state == State::Runnable {
        reset_processor(partition);
        enter_if_running(system, index);
    }
}

/// The processor reset itself, in place: the GPRs, CR, LR, CTR, XER stay. (The real registers
/// that serve the partition directly follow: [`enter_if_running`].)
fn reset_processor(partition: &mut Partition) {
    let vcpu = &mut partition.vcpu;
    vcpu.reset_sprs();
    (vcpu.msr, vcpu.pc, vcpu.evpr, vcpu.pid, vcpu.tcr, vcpu.pending) = (0, VECTOR, 0, 0, 0, 0);
    vcpu.tsr &= COUNTING;
    partition.reset_pending = false;
    crate::address_space::reset(partition);
    crate::reflect::refresh_pending(partition);
}

/// A system reset of partition `index`: its image loaded again and its guest started as at boot.
fn board(system: &mut System, index: usize) {
    let vcpu = &system.partitions[index].vcpu;
    let counting = (vcpu.pit_reload, vcpu.pit_start, vcpu.tsr & COUNTING);
    // What it printed of an unfinished line went out natively before the reset.
    crate::console::flush_line(&mut system.partitions[index]);
    if crate::health::boot_again(system, index) {
        let vcpu = &mut system.partitions[index].vcpu;
        (vcpu.pit_reload, vcpu.pit_start, vcpu.tsr) = counting;
    }
}

/// Partition `index` was reset: if it is the one running, the real registers that serve it
/// directly (PID, ZPR, SPRG4–7, SRR2/SRR3) show its fresh state now, not when another partition next
/// leaves. (A watchdog may reset a partition that is not running: its turn loads them.)
pub fn enter_if_running(system: &System, index: usize) {
    if system.current == Next::Partition(index) {
        crate::partition::enter(&system.partitions[index]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbcr0_rst_and_tcr_wrc_code_the_same_kinds() {
        assert_eq!(Kind::of(0x8fff_ffff), None);
        assert_eq!(Kind::of(0x1000_0000), Some(Kind::Processor));
        assert_eq!(Kind::of(0x2000_0000), Some(Kind::Processor));
        assert_eq!(Kind::of(0xffff_ffff), Some(Kind::System));
    }

    #[test]
    fn a_processor_reset_keeps_the_gprs_and_resets_the_sprs_msr_and_pc() {
        let mut system = System::new();
        let p = &mut system.partitions[0];
        p.state = crate::system::State::Runnable;
        p.vcpu.gpr[31] = 0x3131;
        (p.vcpu.cr, p.vcpu.lr) = (0x8000_0000, 0x41d0);
        p.vcpu.msr = 0x0002_8030;
        p.vcpu[crate::vcpu::Spr::Sprg0] = 0x1111_1111;
        p.vcpu[crate::vcpu::Spr::Dbcr0] = 0x1000_0000;
        (p.vcpu.evpr, p.vcpu.pid, p.vcpu.tcr) = (0x00a0, 5, 0x0440_0000);
        p.vcpu.tsr = tsr::PIS | tsr::PIT_RUNNING | tsr::PIT_RAISED;
        take(&mut system, 0, Kind::Processor);
        let v = &system.partitions[0].vcpu;
        assert_eq!((v.gpr[31], v.cr, v.lr), (0x3131, 0x8000_0000, 0x41d0));
        assert_eq!((v.pc, v.msr, v.evpr, v.pid, v.tcr, v.tsr), (VECTOR, 0, 0, 0, 0, tsr::PIT_RUNNING));
        assert_eq!(v.sprs, crate::vcpu::Vcpu::at_reset(0, 0, 0).sprs);
    }

    #[test]
    fn a_sleeping_processor_takes_its_reset_when_an_interrupt_wakes_it_instead_of_the_interrupt() {
        use irfm::spr::msr;
        let mut system = System::new();
        let p = &mut system.partitions[0];
        p.state = State::Waiting;
        p.vcpu.msr = msr::WE | msr::EE;
        p.vcpu.gpr[31] = 0x3131;
        take(&mut system, 0, Kind::Processor);
        let p = &mut system.partitions[0];
        assert!(p.reset_pending);
        assert_eq!((p.state, p.vcpu.msr), (State::Waiting, msr::WE | msr::EE), "reset before it woke");
        // Its PIT expires, enabled: it wakes, and takes the reset when it is about to run.
        p.vcpu.tcr = crate::vtimer::tcr::PIE;
        p.vcpu.tsr = tsr::PIS | tsr::PIT_RAISED;
        crate::trap::wake(p);
        assert_eq!(p.state, State::Runnable);
        take_pending(&mut system, 0);
        let p = &mut system.partitions[0];
        assert_eq!((p.vcpu.pc, p.vcpu.msr, p.vcpu.gpr[31]), (VECTOR, 0, 0x3131));
        assert!(!p.reset_pending);
        assert_eq!(crate::reflect::deliverable(&p.vcpu), None, "the PIT interrupt is not taken");
    }
}

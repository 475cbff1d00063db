//! Virtual time: each partition's PIT, FIT and watchdog, on the board's shared time base.
//!
//! **The notion of virtual time.** The time base is the board's: a guest reads it with `mftb`
//! without a trap, so it cannot be virtualized per partition, and the microvisor does not pretend
//! otherwise. A partition alone owns it and may write it; the microvisor's own clock
//! (`arch::ppc405::spr::time_base_lower`, what every deadline below is a value of) then stays
//! apart from it, so no deadline moves. Several partitions share it as a wall clock none may move:
//! their writes are ignored (`docs/instructions.md` says so). Each partition's timers are defined on that
//! clock as the PPC405 manual defines the real ones (chapter 6, "Timer facilities"), except where
//! QEMU 7.2's 405, the machine every native run is compared against, does otherwise and a guest can
//! see it:
//! - PIT, as QEMU's: a write loads the count and the reload value, and the PIT runs if TCR[PIE] is
//!   set and the value is above 1; it expires at `write time + value`: TSR[PIS] is set, an
//!   interrupt is raised (an edge: taken once, or dropped by a TSR write with ENW), and with
//!   TCR[ARE] it goes on with the same period, else it stops. A TCR write lets it go on, one period
//!   after the expiry it was counting to, only with PIE and ARE, and stops it otherwise. A read
//!   gives the ticks to that expiry, negative once past (the manual stops a one-shot PIT at 0);
//! - FIT, as QEMU's: it never fires. TCR[FP] and TCR[FIE] are kept and read back, but TSR[FIS] is
//!   never set and no FIT interrupt is raised (QEMU 7.2 never arms its FIT timer; the manual sets
//!   FIS at each 0→1 transition of the time-base bit FP selects). A guest that enables it reads the
//!   TSR it reads natively;
//! - watchdog, as QEMU's: each TCR write steps its state machine once, and so does every period
//!   (2^(17 + 4 × TCR[WP]) ticks) after the last step: TSR[ENW], then TSR[WIS] (an interrupt, an
//!   edge, if TCR[WIE]; non-critical at 0x1020 as QEMU delivers it), then the reset TCR[WRC] asks
//!   for, after which it stops until the next TCR write. (The manual steps it at the transitions of
//!   a time-base bit from reset; a guest reading TSR would see other values than natively.)
//!
//! Timers keep running while their partition is not scheduled (it is wall-clock time); what they
//! raise is delivered when the partition next runs. The real PIT, one-shot, is always programmed
//! for the earliest event any partition's timers (or the scheduler) need, and never further than
//! [`HEARTBEAT`] away, so 32-bit TBL deadlines stay unambiguous. Each partition's timers are
//! advanced lazily to now, from their deadlines: when the real PIT fires, and when the guest
//! touches TCR, TSR or PIT.

use crate::arch::ppc405::spr as real;
use crate::system::{Partition, State, System};
use crate::vcpu::Vcpu;

/// TCR fields (PPC405 manual, section 6.6).
pub mod tcr {
    /// Watchdog period: 2^(17 + 4 × WP) time-base ticks.
    pub const WP: u32 = 0xc000_0000;
    /// Watchdog reset control.
    pub const WRC: u32 = 0x3000_0000;
    /// Watchdog interrupt enable.
    pub const WIE: u32 = 0x0800_0000;
    /// PIT interrupt enable.
    pub const PIE: u32 = 0x0400_0000;
    /// FIT period: 2^(9 + 4 × FP) time-base ticks.
    pub const FP: u32 = 0x0300_0000;
    /// FIT interrupt enable.
    pub const FIE: u32 = 0x0080_0000;
    /// PIT auto-reload.
    pub const ARE: u32 = 0x0040_0000;
    /// Bits a 405 implements.
    pub const IMPLEMENTED: u32 = 0xffc0_0000;
}

/// TSR fields (PPC405 manual, section 6.7); write 1 to clear.
pub mod tsr {
    /// Enable next watchdog.
    pub const ENW: u32 = 0x8000_0000;
    /// Watchdog interrupt status.
    pub const WIS: u32 = 0x4000_0000;
    /// Watchdog reset status (the WRC of the last watchdog reset).
    pub const WRS: u32 = 0x3000_0000;
    /// PIT interrupt status.
    pub const PIS: u32 = 0x0800_0000;
    /// FIT interrupt status.
    pub const FIS: u32 = 0x0400_0000;
    /// Bits a 405 implements; the rest read as 0.
    pub const IMPLEMENTED: u32 = 0xfc00_0000;
    /// Microvisor bookkeeping in a reserved bit: the virtual PIT is counting.
    pub const PIT_RUNNING: u32 = 0x0000_0001;
    /// Microvisor bookkeeping in a reserved bit: the watchdog steps again at
    /// `Partition::watchdog_next`.
    pub const WATCHDOG_ARMED: u32 = 0x0000_0002;
    /// Microvisor bookkeeping in a reserved bit: a PIT interrupt was raised and not yet taken.
    pub const PIT_RAISED: u32 = 0x0000_0004;
    /// Microvisor bookkeeping in a reserved bit: a watchdog interrupt was raised and not yet taken.
    pub const WATCHDOG_RAISED: u32 = 0x0000_0008;
    /// Microvisor bookkeeping in reserved bits: expiries the PIT lets pass silently, one per TCR
    /// write that let it go on (QEMU moves its deadline one period on at each).
    pub const PIT_SKIPS: u32 = 0x0000_ff00;
    /// One of [`PIT_SKIPS`].
    pub const PIT_SKIP: u32 = 0x0000_0100;
}

/// The longest the real PIT is ever programmed for: 2^30 ticks (about 3.2 s at 333 MHz).
pub const HEARTBEAT: u32 = 1 << 30;
/// The shortest: QEMU's PIT does not count from a value below 2.
pub const SHORTEST: u32 = 2;

/// What a timer update asks of the microvisor for one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum WatchdogAction {
    /// Nothing.
    None,
    /// The watchdog expired a third time with TCR[WRC] ≠ 0: reset the partition (the manual's
    /// core, chip or system reset, all confined to the partition).
    Reset,
}


fn watchdog_bits(tcr: u32) -> u32 {
    17 + 4 * (tcr >> 30)
}

/// Whether `word` is an `mtspr` of TCR or PIT: after its emulation the real PIT is programmed again.
pub fn reprograms(op: Option<irfm::insn::Op>, word: u32) -> bool {
    op == Some(irfm::insn::Op::Mtspr) && matches!(irfm::spr::from_word(word), irfm::spr::TCR | irfm::spr::PIT)
}

/// Advances one partition's timers to now (before its guest reads or writes TCR, TSR or PIT, and
/// when the real PIT fires) and refreshes what it has pending.
pub fn catch_up(partition: &mut Partition) -> WatchdogAction {
    let now = real::time_base_lower();
    advance(&mut partition.vcpu, now);
    let action = watchdog_until(&mut partition.vcpu, &mut partition.watchdog_next, now);
    crate::reflect::refresh_pending(partition);
    action
}

/// Whether the PIT may run on: TCR[PIE] set and a count above 1 (QEMU's `start_stop_pit`).
fn pit_may_run(vcpu: &Vcpu) -> bool {
    vcpu.pit_reload > 1 && vcpu.tcr & tcr::PIE != 0
}

/// `mtspr PIT`: loads the count and the reload value; the PIT runs from now if it may.
pub fn write_pit(vcpu: &mut Vcpu, value: u32, now: u32) {
    vcpu.pit_reload = value;
    vcpu.pit_start = now;
    vcpu.tsr &= !tsr::PIT_SKIPS;
    if pit_may_run(vcpu) {
        vcpu.tsr |= tsr::PIT_RUNNING;
    } else {
        vcpu.tsr &= !tsr::PIT_RUNNING;
    }
}

/// Ticks from the start of the current count to the expiry the PIT counts to (the skipped ones
/// included).
fn pit_span(vcpu: &Vcpu) -> u64 {
    u64::from(vcpu.pit_reload) * (1 + u64::from((vcpu.tsr & tsr::PIT_SKIPS) / tsr::PIT_SKIP))
}

/// `mfspr PIT`: the ticks to the expiry the PIT counts (or last counted) to, negative once past,
/// as QEMU's decrementer-based PIT reads.
pub fn read_pit(vcpu: &Vcpu, now: u32) -> u32 {
    (pit_span(vcpu) as u32).wrapping_sub(now.wrapping_sub(vcpu.pit_start))
}

/// `mtspr TCR`: WRC can be set once and then only a reset clears it (PPC405 manual 6.6). As on
/// QEMU, the write steps the watchdog, whose next step is a period later.
pub fn write_tcr(partition: &mut Partition, value: u32, now: u32) -> WatchdogAction {
    let vcpu = &mut partition.vcpu;
    let wrc = if vcpu.tcr & tcr::WRC != 0 { vcpu.tcr & tcr::WRC } else { value & tcr::WRC };
    vcpu.tcr = (value & tcr::IMPLEMENTED & !tcr::WRC) | wrc;
    // QEMU's `start_stop_pit` after a TCR write: with PIE and ARE the PIT goes on one period after
    // the expiry it was counting to (so that expiry is skipped); otherwise it stops.
    if pit_may_run(vcpu) && vcpu.tcr & tcr::ARE != 0 {
        if vcpu.tsr & tsr::PIT_SKIPS != tsr::PIT_SKIPS {
            vcpu.tsr += tsr::PIT_SKIP;
        }
        vcpu.tsr |= tsr::PIT_RUNNING;
    } else {
        vcpu.tsr &= !(tsr::PIT_RUNNING | tsr::PIT_SKIPS);
    }
    step_watchdog(vcpu, &mut partition.watchdog_next, now, false)
}

/// One step of the watchdog's state machine at `at` (QEMU's `cpu_4xx_wdt_cb`): ENW, then WIS, then
/// the reset TCR[WRC] asks for (recorded in TSR[WRS]). That last step schedules no other: a step
/// that came `due` (from its deadline) leaves the watchdog stopped, one from a TCR write leaves a
/// deadline already set in place (QEMU's timer stays armed).
fn step_watchdog(vcpu: &mut Vcpu, next: &mut u32, at: u32, due: bool) -> WatchdogAction {
    if vcpu.tsr & tsr::ENW != 0 && vcpu.tsr & tsr::WIS != 0 {
        if due {
            vcpu.tsr &= !tsr::WATCHDOG_ARMED;
        }
        vcpu.tsr = (vcpu.tsr & !tsr::WRS) | (vcpu.tcr & tcr::WRC);
        return if vcpu.tcr & tcr::WRC != 0 { WatchdogAction::Reset } else { WatchdogAction::None };
    }
    if vcpu.tsr & tsr::ENW == 0 {
        vcpu.tsr |= tsr::ENW;
    } else {
        vcpu.tsr |= tsr::WIS;
        if vcpu.tcr & tcr::WIE != 0 {
            vcpu.tsr |= tsr::WATCHDOG_RAISED;
        }
    }
    vcpu.tsr |= tsr::WATCHDOG_ARMED;
    *next = at.wrapping_add(1 << watchdog_bits(vcpu.tcr));
    WatchdogAction::None
}

/// The watchdog's steps due by `now` (at most three take it from any state to its end).
fn watchdog_until(vcpu: &mut Vcpu, next: &mut u32, now: u32) -> WatchdogAction {
    for _ in 0..3 {
        // Deadlines are less than 2^31 ticks ahead (the longest period is 2^29).
        if vcpu.tsr & tsr::WATCHDOG_ARMED == 0 || (now.wrapping_sub(*next) as i32) < 0 {
            break;
        }
        if step_watchdog(vcpu, next, *next, true) == WatchdogAction::Reset {
            return WatchdogAction::Reset;
        }
    }
    WatchdogAction::None
}

/// `mtspr TSR`: write 1 to clear. As on QEMU, writing ENW also drops a PIT interrupt not yet taken.
pub fn write_tsr(vcpu: &mut Vcpu, value: u32) {
    vcpu.tsr &= !(value & tsr::IMPLEMENTED);
    if value & tsr::ENW != 0 {
        vcpu.tsr &= !tsr::PIT_RAISED;
    }
}

/// Advances one partition's PIT to `now`.
pub fn advance(vcpu: &mut Vcpu, now: u32) {
    // Unsigned: any count up to 2^32 − 1 works, as updates come at least every HEARTBEAT ticks.
    // Expiries a TCR write moved on pass silently first (at most 255: bounded).
    while vcpu.tsr & tsr::PIT_RUNNING != 0
        && vcpu.tsr & tsr::PIT_SKIPS != 0
        && now.wrapping_sub(vcpu.pit_start) >= vcpu.pit_reload
    {
        vcpu.tsr -= tsr::PIT_SKIP;
        vcpu.pit_start = vcpu.pit_start.wrapping_add(vcpu.pit_reload);
    }
    let elapsed = now.wrapping_sub(vcpu.pit_start);
    if vcpu.tsr & tsr::PIT_RUNNING != 0 && elapsed >= vcpu.pit_reload {
        vcpu.tsr |= tsr::PIS;
        if vcpu.tcr & tcr::PIE != 0 {
            vcpu.tsr |= tsr::PIT_RAISED;
        }
        if pit_may_run(vcpu) && vcpu.tcr & tcr::ARE != 0 {
            // Keep the period's phase even when the expiry is noticed late.
            let periods = elapsed / vcpu.pit_reload;
            vcpu.pit_start = vcpu.pit_start.wrapping_add(periods.wrapping_mul(vcpu.pit_reload));
        } else {
            vcpu.tsr &= !(tsr::PIT_RUNNING | tsr::PIT_SKIPS);
        }
    }
}

/// Ticks from `now` until this partition's timers next need the microvisor ([`HEARTBEAT`] if never).
pub fn next_event(partition: &Partition, now: u32) -> u32 {
    let vcpu = &partition.vcpu;
    let mut next = HEARTBEAT;
    let mut consider = |ticks: u32| next = next.min(ticks);
    if vcpu.tsr & tsr::PIT_RUNNING != 0 {
        consider(vcpu.pit_reload.saturating_sub(now.wrapping_sub(vcpu.pit_start)));
    }
    if vcpu.tcr & (tcr::WIE | tcr::WRC) != 0 && vcpu.tsr & tsr::WATCHDOG_ARMED != 0 {
        let left = partition.watchdog_next.wrapping_sub(now);
        consider(if (left as i32) < 0 { 0 } else { left });
    }
    next
}

/// Advances every running partition's timers to now; returns those whose watchdog asks for a reset.
pub fn update(system: &mut System) -> [WatchdogAction; irfm::image::MAX_PARTITIONS] {
    let mut actions = [WatchdogAction::None; irfm::image::MAX_PARTITIONS];
    let count = system.count;
    for (partition, action) in system.partitions[..count].iter_mut().zip(actions.iter_mut()) {
        if matches!(partition.state, State::Runnable | State::Waiting) {
            *action = catch_up(partition);
        }
    }
    actions
}

/// Programs the real PIT for the earliest timer event that may take the processor now (see
/// `sched::timer_matters_after`: another partition's timer waits for the time the schedule gives
/// it), or `extra` ticks (the scheduler's next decision), or the heartbeat.
pub fn program(system: &System, extra: Option<u32>) {
    let now = real::time_base_lower();
    let mut ticks = extra.unwrap_or(HEARTBEAT).min(HEARTBEAT);
    for (index, partition) in system.partitions[..system.count].iter().enumerate() {
        if matches!(partition.state, State::Runnable | State::Waiting) {
            if let Some(after) = crate::sched::timer_matters_after(system, index, now) {
                ticks = ticks.min(next_event(partition, now).max(after));
            }
        }
    }
    // A running partition whose image is being loaded again takes the next step at once
    // (`health::go_on_loading`).
    if let crate::system::Next::Partition(current) = system.current {
        if system.partitions[current].loaded != crate::guest_mem::NOT_LOADING {
            ticks = SHORTEST;
        }
    }
    real::set_pit(ticks.max(SHORTEST));
}

/// The real PIT fired: acknowledge it (clearing the watchdog bits too, which the microvisor never uses).
pub fn acknowledge_real_pit() {
    real::clear_tsr(tsr::IMPLEMENTED);
}

/// Real timer set-up: PIT interrupts on, no auto-reload, FIT and watchdog interrupts off, no
/// watchdog reset. The only TCR write the microvisor makes (see `arch::ppc405::spr::set_tcr`).
pub fn init() {
    real::set_tcr(tcr::PIE);
    real::clear_tsr(tsr::IMPLEMENTED);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vcpu() -> Vcpu {
        Vcpu::at_reset(0, 0, 0)
    }

    fn partition() -> Partition {
        Partition { vcpu: vcpu(), ..Partition::EMPTY }
    }

    #[test]
    fn a_one_shot_pit_sets_pis_once_raises_one_interrupt_and_reads_negative_after() {
        let mut v = vcpu();
        v.tcr = tcr::PIE;
        write_pit(&mut v, 1000, 5000);
        assert_eq!(read_pit(&v, 5400), 600);
        advance(&mut v, 5999);
        assert_eq!(v.tsr & tsr::PIS, 0);
        advance(&mut v, 6000);
        assert_eq!(v.tsr & (tsr::PIS | tsr::PIT_RAISED | tsr::PIT_RUNNING), tsr::PIS | tsr::PIT_RAISED);
        assert_eq!(read_pit(&v, 7000), (-1000i32) as u32, "QEMU's decrementer-based PIT counts on below 0");
    }

    #[test]
    fn without_pie_the_pit_does_not_run() {
        let mut v = vcpu();
        write_pit(&mut v, 1000, 0);
        advance(&mut v, 5000);
        assert_eq!(v.tsr & tsr::PIS, 0, "as QEMU's: no PIS without TCR[PIE]");
    }

    #[test]
    fn a_tcr_write_skips_the_expiry_an_auto_reload_pit_counts_to_or_stops_a_one_shot() {
        let mut p = partition();
        p.vcpu.tcr = tcr::PIE | tcr::ARE;
        write_pit(&mut p.vcpu, 100, 0);
        let _ = write_tcr(&mut p, tcr::PIE | tcr::ARE, 50);
        assert_eq!(read_pit(&p.vcpu, 50), 150, "the count goes on to the expiry after the next");
        advance(&mut p.vcpu, 150);
        assert_eq!(p.vcpu.tsr & tsr::PIS, 0, "the expiry at 100 is skipped, as on QEMU");
        advance(&mut p.vcpu, 200);
        assert_eq!(p.vcpu.tsr & tsr::PIS, tsr::PIS);
        assert_eq!(read_pit(&p.vcpu, 250), 50, "then the period goes on from there");
        let _ = write_tcr(&mut p, tcr::PIE, 260);
        assert_eq!(p.vcpu.tsr & tsr::PIT_RUNNING, 0, "ARE off: a TCR write stops it");
    }

    #[test]
    fn writing_enw_to_tsr_drops_a_pit_interrupt_not_yet_taken() {
        let mut v = vcpu();
        v.tsr = tsr::PIS | tsr::PIT_RAISED;
        write_tsr(&mut v, tsr::PIS);
        assert_eq!(v.tsr, tsr::PIT_RAISED, "clearing PIS leaves the interrupt raised");
        write_tsr(&mut v, tsr::ENW);
        assert_eq!(v.tsr, 0);
    }

    #[test]
    fn an_auto_reload_pit_keeps_its_period_even_when_noticed_late() {
        let mut v = vcpu();
        v.tcr = tcr::ARE | tcr::PIE;
        write_pit(&mut v, 100, 0);
        advance(&mut v, 350);
        assert_eq!(v.tsr & tsr::PIS, tsr::PIS);
        assert_eq!(v.pit_start, 300);
        assert_eq!(read_pit(&v, 350), 50);
    }

    #[test]
    fn a_pit_count_above_2_to_the_31_counts_down_rather_than_expiring_at_once() {
        let mut v = vcpu();
        write_pit(&mut v, 0xf000_0000, 100);
        advance(&mut v, 1_000_100);
        assert_eq!(v.tsr & tsr::PIS, 0);
        assert_eq!(read_pit(&v, 1_000_100), 0xf000_0000 - 1_000_000);
    }

    #[test]
    fn the_fit_never_fires_as_on_qemu() {
        let mut v = vcpu();
        v.tcr = tcr::FIE; // FP = 0: the manual's period is 512 ticks
        advance(&mut v, 1 << 20);
        assert_eq!(v.tsr & tsr::FIS, 0);
        let p = Partition { vcpu: v, state: State::Runnable, ..Partition::EMPTY };
        assert_eq!(next_event(&p, 1 << 20), HEARTBEAT, "nothing to wake up for");
    }

    #[test]
    fn each_tcr_write_steps_the_watchdog_as_on_qemu() {
        let mut p = partition();
        assert_eq!(write_tcr(&mut p, 0, 1000), WatchdogAction::None);
        assert_eq!(p.vcpu.tsr & tsr::IMPLEMENTED, tsr::ENW, "the first write sets ENW at once");
        assert_eq!(write_tcr(&mut p, 0, 1100), WatchdogAction::None);
        assert_eq!(p.vcpu.tsr & tsr::IMPLEMENTED, tsr::ENW | tsr::WIS);
        assert_eq!(p.watchdog_next, 1100 + (1 << 17), "the next step is a period after the last one");
    }

    #[test]
    fn the_watchdog_steps_enw_then_wis_then_resets_when_wrc_is_set() {
        let mut p = partition();
        let period = 1u32 << 17;
        assert_eq!(write_tcr(&mut p, 0x1000_0000, 0), WatchdogAction::None); // WRC = 01, WP = 2^17
        assert_eq!(p.vcpu.tsr & (tsr::ENW | tsr::WIS), tsr::ENW);
        assert_eq!(watchdog_until(&mut p.vcpu, &mut p.watchdog_next, period - 1), WatchdogAction::None);
        assert_eq!(p.vcpu.tsr & (tsr::ENW | tsr::WIS), tsr::ENW);
        assert_eq!(watchdog_until(&mut p.vcpu, &mut p.watchdog_next, period), WatchdogAction::None);
        assert_eq!(p.vcpu.tsr & (tsr::ENW | tsr::WIS), tsr::ENW | tsr::WIS);
        assert_eq!(watchdog_until(&mut p.vcpu, &mut p.watchdog_next, 2 * period), WatchdogAction::Reset);
        assert_eq!(p.vcpu.tsr & tsr::WRS, 0x1000_0000);
        assert_eq!(p.vcpu.tsr & tsr::WATCHDOG_ARMED, 0, "it stops after its last step");
    }

    #[test]
    fn without_a_tcr_write_the_watchdog_never_runs() {
        let mut p = partition();
        assert_eq!(watchdog_until(&mut p.vcpu, &mut p.watchdog_next, 1 << 30), WatchdogAction::None);
        assert_eq!(p.vcpu.tsr & tsr::IMPLEMENTED, 0, "TSR reads 0 before TCR is written, as on QEMU");
    }

    #[test]
    fn wrc_is_write_once() {
        let mut p = partition();
        let _ = write_tcr(&mut p, 0x2000_0000, 0);
        let _ = write_tcr(&mut p, 0x0400_0000, 0);
        assert_eq!(p.vcpu.tcr, 0x2400_0000);
    }

    #[test]
    fn tsr_writes_clear_only_the_bits_written() {
        let mut v = vcpu();
        v.tsr = tsr::PIS | tsr::FIS | tsr::PIT_RUNNING;
        write_tsr(&mut v, tsr::PIS | 1);
        assert_eq!(v.tsr, tsr::FIS | tsr::PIT_RUNNING);
    }
}

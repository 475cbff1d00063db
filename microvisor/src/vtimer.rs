//! Virtual time: each partition's PIT, FIT and watchdog, on the board's shared time base.
//!
//! **The notion of virtual time.** The time base is the board's wall clock, shared by every
//! partition: a guest reads it with `mftb` without a trap, so it cannot be virtualized, and the
//! microvisor does not pretend otherwise. A guest's writes to TBL/TBU are ignored (the time base
//! belongs to the board; `docs/instructions.md` says so). Each partition's timers are defined on that
//! clock exactly as the PPC405 manual defines the real ones (chapter 6, "Timer facilities"):
//! - PIT: a write loads the count and the reload value; it reaches 0 at `write time + value`;
//!   then TSR[PIS] is set, and with TCR[ARE] it reloads, else it stops at 0;
//! - FIT: TSR[FIS] is set at each 0→1 transition of the time-base bit TCR[FP] selects;
//! - watchdog: at each 0→1 transition of the bit TCR[WP] selects, the state machine steps:
//!   TSR[ENW], then TSR[WIS] (a critical interrupt if TCR[WIE]), then the reset TCR[WRC] asks for.
//!
//! Timers keep running while their partition is not scheduled (it is wall-clock time); what they
//! raise is delivered when the partition next runs. The real PIT, one-shot, is always programmed
//! for the earliest event any partition's timers (or the scheduler) need, and never further than
//! [`HEARTBEAT`] away, so 32-bit TBL deadlines stay unambiguous. Each partition's timers are
//! advanced lazily, from the time they were last advanced (`Partition::timer_epoch`): when the real
//! PIT fires, and when the guest touches TCR, TSR or PIT.
//!
//! The FIT and the watchdog start at the guest's first TCR write, as QEMU 7.2's do (the manual runs
//! them from reset): a guest reads TSR = 0 until then, as it does natively, and one that never
//! writes TCR never sees them. Where QEMU 7.2 differs otherwise (its FIT never fires, its watchdog
//! is delivered as a non-critical interrupt, its PIT interrupt is edge-like), the microvisor
//! follows the manual; `tests/` say which behaviours the equivalence suite therefore leaves out.

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
    /// Microvisor bookkeeping in a reserved bit: TCR was written, so the FIT and the watchdog run.
    pub const TIMERS_STARTED: u32 = 0x0000_0002;
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


/// Events of a timer whose period is 2^`bits` ticks in `(from, to]`: the 0→1 transitions of
/// time-base bit `bits − 1`. `to − from` is below 2^31 and `bits` at most 29, so nothing overflows.
fn events(from: u32, to: u32, bits: u32) -> u32 {
    let period = 1u32 << bits;
    let phase = from.wrapping_add(period / 2) & (period - 1);
    (phase + to.wrapping_sub(from)) >> bits
}

/// Ticks from `now` to the next event of a timer with period 2^`bits`.
fn until_next_event(now: u32, bits: u32) -> u32 {
    let period = 1u32 << bits;
    period - (now.wrapping_add(period / 2) & (period - 1))
}

fn fit_bits(tcr: u32) -> u32 {
    9 + 4 * ((tcr & tcr::FP) >> 24)
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
    let action = advance(&mut partition.vcpu, partition.timer_epoch, now);
    partition.timer_epoch = now;
    crate::reflect::refresh_pending(partition);
    action
}

/// `mtspr PIT`: loads the count and the reload value; 0 stops the PIT.
pub fn write_pit(vcpu: &mut Vcpu, value: u32, now: u32) {
    vcpu.pit_reload = value;
    if value == 0 {
        vcpu.tsr &= !tsr::PIT_RUNNING;
    } else {
        vcpu.tsr |= tsr::PIT_RUNNING;
        vcpu.pit_start = now;
    }
}

/// `mfspr PIT`: the count left, 0 once it stopped.
pub fn read_pit(vcpu: &Vcpu, now: u32) -> u32 {
    if vcpu.tsr & tsr::PIT_RUNNING == 0 {
        return 0;
    }
    // Unsigned: any count up to 2^32 − 1 works, as updates come at least every HEARTBEAT ticks.
    vcpu.pit_reload.saturating_sub(now.wrapping_sub(vcpu.pit_start))
}

/// `mtspr TCR`: WRC can be set once and then only a reset clears it (PPC405 manual 6.6).
pub fn write_tcr(vcpu: &mut Vcpu, value: u32) {
    let wrc = if vcpu.tcr & tcr::WRC != 0 { vcpu.tcr & tcr::WRC } else { value & tcr::WRC };
    vcpu.tcr = (value & tcr::IMPLEMENTED & !tcr::WRC) | wrc;
    vcpu.tsr |= tsr::TIMERS_STARTED;
}

/// `mtspr TSR`: write 1 to clear.
pub fn write_tsr(vcpu: &mut Vcpu, value: u32) {
    vcpu.tsr &= !(value & tsr::IMPLEMENTED);
}

/// Advances one partition's timers to `now`; `last` is when they were last advanced.
pub fn advance(vcpu: &mut Vcpu, last: u32, now: u32) -> WatchdogAction {
    let elapsed = now.wrapping_sub(vcpu.pit_start);
    if vcpu.tsr & tsr::PIT_RUNNING != 0 && elapsed >= vcpu.pit_reload {
        vcpu.tsr |= tsr::PIS;
        if vcpu.tcr & tcr::ARE != 0 && vcpu.pit_reload != 0 {
            // Keep the period's phase even when the expiry is noticed late.
            let periods = elapsed / vcpu.pit_reload;
            vcpu.pit_start = vcpu.pit_start.wrapping_add(periods.wrapping_mul(vcpu.pit_reload));
        } else {
            vcpu.tsr &= !tsr::PIT_RUNNING;
        }
    }
    if vcpu.tsr & tsr::TIMERS_STARTED == 0 {
        return WatchdogAction::None;
    }
    if vcpu.tsr & tsr::FIS == 0 && events(last, now, fit_bits(vcpu.tcr)) > 0 {
        vcpu.tsr |= tsr::FIS;
    }
    // Once ENW and WIS are set and no reset is asked for, further expiries change nothing.
    let settled = vcpu.tsr & (tsr::ENW | tsr::WIS) == tsr::ENW | tsr::WIS && vcpu.tcr & tcr::WRC == 0;
    if settled {
        return WatchdogAction::None;
    }
    // Three steps take the state machine from any state to a reset: more cannot matter.
    for _ in 0..events(last, now, watchdog_bits(vcpu.tcr)).min(3) {
        if vcpu.tsr & tsr::ENW == 0 {
            vcpu.tsr |= tsr::ENW;
        } else if vcpu.tsr & tsr::WIS == 0 {
            vcpu.tsr |= tsr::WIS;
        } else if vcpu.tcr & tcr::WRC != 0 {
            vcpu.tsr = (vcpu.tsr & !tsr::WRS) | (vcpu.tcr & tcr::WRC);
            return WatchdogAction::Reset;
        }
    }
    WatchdogAction::None
}

/// Ticks from `now` until this partition's timers next need the microvisor ([`HEARTBEAT`] if never).
pub fn next_event(vcpu: &Vcpu, now: u32) -> u32 {
    let mut next = HEARTBEAT;
    let mut consider = |ticks: u32| next = next.min(ticks);
    if vcpu.tsr & tsr::PIT_RUNNING != 0 {
        consider(vcpu.pit_reload.saturating_sub(now.wrapping_sub(vcpu.pit_start)));
    }
    if vcpu.tcr & tcr::FIE != 0 && vcpu.tsr & tsr::FIS == 0 {
        consider(until_next_event(now, fit_bits(vcpu.tcr)));
    }
    if vcpu.tcr & (tcr::WIE | tcr::WRC) != 0 {
        consider(until_next_event(now, watchdog_bits(vcpu.tcr)));
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
                ticks = ticks.min(next_event(&partition.vcpu, now).max(after));
            }
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

    #[test]
    fn a_one_shot_pit_sets_pis_once_and_stops_at_zero() {
        let mut v = vcpu();
        write_pit(&mut v, 1000, 5000);
        assert_eq!(read_pit(&v, 5400), 600);
        assert_eq!(advance(&mut v, 5000, 5999), WatchdogAction::None);
        assert_eq!(v.tsr & tsr::PIS, 0);
        let _ = advance(&mut v, 5999, 6000);
        assert_eq!(v.tsr & tsr::PIS, tsr::PIS);
        assert_eq!(read_pit(&v, 7000), 0);
    }

    #[test]
    fn an_auto_reload_pit_keeps_its_period_even_when_noticed_late() {
        let mut v = vcpu();
        write_tcr(&mut v, tcr::ARE | tcr::PIE);
        write_pit(&mut v, 100, 0);
        let _ = advance(&mut v, 0, 350);
        assert_eq!(v.tsr & tsr::PIS, tsr::PIS);
        assert_eq!(v.pit_start, 300);
        assert_eq!(read_pit(&v, 350), 50);
    }

    #[test]
    fn a_pit_count_above_2_to_the_31_counts_down_rather_than_expiring_at_once() {
        let mut v = vcpu();
        write_pit(&mut v, 0xf000_0000, 100);
        let _ = advance(&mut v, 100, 1_000_100);
        assert_eq!(v.tsr & tsr::PIS, 0);
        assert_eq!(read_pit(&v, 1_000_100), 0xf000_0000 - 1_000_000);
    }

    #[test]
    fn the_fit_fires_on_each_rising_edge_of_its_bit() {
        // FP = 0: bit 8 (period 512) rises at 256, 768, 1280…
        assert_eq!(events(0, 255, 9), 0);
        assert_eq!(events(0, 256, 9), 1);
        assert_eq!(events(256, 768, 9), 1);
        assert_eq!(events(0, 1300, 9), 3);
        assert_eq!(until_next_event(0, 9), 256);
        assert_eq!(until_next_event(256, 9), 512);
    }

    #[test]
    fn the_watchdog_steps_enw_then_wis_then_resets_when_wrc_is_set() {
        let mut v = vcpu();
        write_tcr(&mut v, 0x1000_0000); // WRC = 01 (core reset), WP = 2^17
        let period = 1u32 << 17;
        assert_eq!(advance(&mut v, 0, period), WatchdogAction::None);
        assert_eq!(v.tsr & (tsr::ENW | tsr::WIS), tsr::ENW);
        assert_eq!(advance(&mut v, period, 2 * period), WatchdogAction::None);
        assert_eq!(v.tsr & (tsr::ENW | tsr::WIS), tsr::ENW | tsr::WIS);
        assert_eq!(advance(&mut v, 2 * period, 3 * period), WatchdogAction::Reset);
        assert_eq!(v.tsr & tsr::WRS, 0x1000_0000);
    }

    #[test]
    fn the_fit_and_the_watchdog_start_at_the_first_tcr_write() {
        let mut v = vcpu();
        let long = 1u32 << 20;
        assert_eq!(advance(&mut v, 0, long), WatchdogAction::None);
        assert_eq!(v.tsr & tsr::IMPLEMENTED, 0, "TSR reads 0 before TCR is written, as on QEMU");
        write_tcr(&mut v, 0);
        let _ = advance(&mut v, long, 2 * long);
        assert_eq!(v.tsr & (tsr::FIS | tsr::ENW | tsr::WIS), tsr::FIS | tsr::ENW | tsr::WIS);
    }

    #[test]
    fn wrc_is_write_once() {
        let mut v = vcpu();
        write_tcr(&mut v, 0x2000_0000);
        write_tcr(&mut v, 0x0400_0000);
        assert_eq!(v.tcr, 0x2400_0000);
    }

    #[test]
    fn tsr_writes_clear_only_the_bits_written() {
        let mut v = vcpu();
        v.tsr = tsr::PIS | tsr::FIS | tsr::PIT_RUNNING;
        write_tsr(&mut v, tsr::PIS | 1);
        assert_eq!(v.tsr, tsr::FIS | tsr::PIT_RUNNING);
    }
}

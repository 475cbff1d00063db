//! Scheduling: which partition runs, under the policy the system configuration chose.
//!
//! - **Round-robin** (here, always built): the runnable partitions in turn, [`SLICE`] each.
//! - **Cyclic** and **fixed priority with budgets** (feature `rt-sched`, module
//!   [`crate::rt_sched`]): ARINC 653 style slots, and priorities with budgets and periods. Without
//!   the feature a system table asking for them runs round-robin, and boot says so on UART0 (the
//!   packer refuses such a system for such an image first).
//!
//! A policy is two functions, [`decide`] (who runs now) and [`next_switch`] (when the real PIT must
//! fire for the policy's sake): adding one is adding an arm to each. Everything is deterministic:
//! decisions depend on the time base and the partitions' states alone, and every loop is bounded by
//! the number of partitions or slots.

use crate::arch::ppc405::spr::time_base_lower;
use crate::system::{Next, State, System};
use irfm::image::Schedule;
#[cfg(feature = "rt-sched")]
use irfm::image::Policy;

/// A partition's slice when several are runnable under round-robin: 10 ms of time base.
pub const SLICE: u32 = crate::platform::ref405ep::TIME_BASE_HZ / 100;

/// Takes the configured schedule.
pub fn configure(system: &mut System, schedule: &Schedule) {
    #[cfg(feature = "rt-sched")]
    crate::rt_sched::configure(system, schedule);
    #[cfg(not(feature = "rt-sched"))]
    if schedule.policy != irfm::image::Policy::RoundRobin {
        crate::console::print("microvisor: real-time scheduling is not in this build (feature rt-sched); round-robin\n");
    }
    system.slice_start = time_base_lower();
}

/// Who runs now. `time_moved` says the timers were just advanced (the real PIT fired or a guest
/// touched its timers): the moment to end slices, slots and periods.
pub fn decide(system: &mut System, time_moved: bool) -> Next {
    let yielded = core::mem::take(&mut system.yield_requested);
    #[cfg(feature = "rt-sched")]
    match system.schedule.policy {
        Policy::RoundRobin => {}
        Policy::Cyclic => return crate::rt_sched::cyclic(system, time_moved),
        Policy::FixedPriority => return crate::rt_sched::fixed_priority(system, time_moved, yielded),
    }
    round_robin(system, time_moved, yielded)
}

/// Ticks from now until the policy needs the processor back, if it does.
pub fn next_switch(system: &System) -> Option<u32> {
    let now = time_base_lower();
    #[cfg(feature = "rt-sched")]
    match system.schedule.policy {
        Policy::RoundRobin => {}
        Policy::Cyclic => return crate::rt_sched::cyclic_next_switch(system, now),
        Policy::FixedPriority => return crate::rt_sched::fixed_priority_next_switch(system, now),
    }
    let runnable = system.partitions[..system.count].iter().filter(|p| p.state == State::Runnable).count();
    (runnable > 1).then(|| SLICE.saturating_sub(now.wrapping_sub(system.slice_start)).max(1))
}

/// From how many ticks after `now` (TBL) partition `index`'s timer events may take the processor: the running
/// partition's (and everyone's while the core idles) at once; another's only when the policy could
/// let it run — round-robin at the end of the running partition's slice; cyclic never before the
/// next slot boundary, which [`next_switch`] fires for anyway (`None`: leave it to that); fixed
/// priority at once for a higher priority (it preempts), never for a lower or equal one (it runs
/// only when the running one stops, and that switch reprograms the PIT). So a partition's timer
/// cannot interrupt another partition's time: a guest with a PIT of a few ticks costs the others
/// nothing.
pub fn timer_matters_after(system: &System, index: usize, now: u32) -> Option<u32> {
    let Next::Partition(current) = system.current else { return Some(0) };
    if current == index {
        return Some(0);
    }
    #[cfg(feature = "rt-sched")]
    match system.schedule.policy {
        Policy::RoundRobin => {}
        Policy::Cyclic => return None,
        Policy::FixedPriority => {
            let higher = system.partitions[index].descriptor.priority < system.partitions[current].descriptor.priority;
            return higher.then_some(0);
        }
    }
    Some(SLICE.saturating_sub(now.wrapping_sub(system.slice_start)))
}

/// Whether partition `index` is ready to run.
pub fn runnable(system: &System, index: usize) -> bool {
    system.partitions[index].state == State::Runnable
}

fn round_robin(system: &mut System, time_moved: bool, yielded: bool) -> Next {
    let now = if time_moved || yielded { time_base_lower() } else { system.slice_start };
    let slice_over = yielded || (time_moved && now.wrapping_sub(system.slice_start) >= SLICE);
    if let Next::Partition(index) = system.current {
        if !slice_over && runnable(system, index) {
            return system.current;
        }
    }
    let count = system.count.max(1);
    let (start, first_step) = match system.current {
        Next::Partition(index) => (index, 1),
        Next::Idle => (count - 1, 1),
    };
    let next = (first_step..first_step + count)
        .map(|step| (start + step) % count)
        .find(|index| runnable(system, *index))
        .map_or(Next::Idle, Next::Partition);
    // A new slice, also when the same partition is picked again (alone, it would otherwise take
    // this longer path on every later decision).
    if next != system.current || slice_over {
        system.slice_start = time_base_lower();
    }
    next
}


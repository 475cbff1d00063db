//! Scheduling: which partition runs, under the policy the system configuration chose.
//!
//! - **Round-robin**: the runnable partitions in turn, [`SLICE`] each.
//! - **Cyclic** (ARINC 653 style): a major frame of fixed slots, each a partition's; a slot's time is
//!   its partition's whether it uses it or not (the core idles), so no partition can take another's
//!   time, and the frame repeats exactly.
//! - **Fixed priority with budgets**: the highest-priority runnable partition that has budget left
//!   runs; each partition's budget is given back at the start of each of its periods; using it all
//!   is an overrun, reported to the health monitor, and the partition waits for its next period.
//!
//! A policy is two functions, [`decide`] (who runs now) and [`next_switch`] (when the real PIT must
//! fire for the policy's sake): adding one is adding an arm to each. Everything is deterministic:
//! decisions depend on the time base and the partitions' states alone, and every loop is bounded by
//! the number of partitions or slots.

use crate::arch::ppc405::spr::time_base_lower;
use crate::health::{self, Event};
use crate::system::{Next, State, System};
use irfm::image::{Policy, Schedule};

/// A partition's slice when several are runnable under round-robin: 10 ms of time base.
pub const SLICE: u32 = crate::platform::ref405ep::TIME_BASE_HZ / 100;

/// Takes the configured schedule (a cyclic schedule naming no existing partition is round-robin).
pub fn configure(system: &mut System, schedule: &Schedule) {
    let valid = schedule.slots[..schedule.slot_count].iter().all(|(partition, ticks)| {
        usize::from(*partition) < system.count && *ticks > 0
    });
    system.schedule = *schedule;
    if schedule.policy == Policy::Cyclic && (schedule.slot_count == 0 || !valid) {
        system.schedule.policy = Policy::RoundRobin;
    }
    let now = time_base_lower();
    system.slot = (0, now);
    system.slice_start = now;
    system.run_start = now;
}

/// Who runs now. `time_moved` says the timers were just advanced (the real PIT fired or a guest
/// touched its timers): the moment to end slices, slots and periods.
pub fn decide(system: &mut System, time_moved: bool) -> Next {
    let yielded = core::mem::take(&mut system.yield_requested);
    match system.schedule.policy {
        Policy::RoundRobin => round_robin(system, time_moved, yielded),
        Policy::Cyclic => cyclic(system, time_moved),
        Policy::FixedPriority => fixed_priority(system, time_moved, yielded),
    }
}

/// Ticks from now until the policy needs the processor back, if it does.
pub fn next_switch(system: &System) -> Option<u32> {
    let now = time_base_lower();
    let runnable = system.partitions[..system.count].iter().filter(|p| p.state == State::Runnable).count();
    match system.schedule.policy {
        Policy::RoundRobin => {
            (runnable > 1).then(|| SLICE.saturating_sub(now.wrapping_sub(system.slice_start)).max(1))
        }
        Policy::Cyclic => {
            let (slot, start) = system.slot;
            let ticks = system.schedule.slots[usize::from(slot)].1;
            Some(ticks.saturating_sub(now.wrapping_sub(start)).max(1))
        }
        Policy::FixedPriority => {
            let mut next: Option<u32> = None;
            for p in system.partitions[..system.count].iter().filter(|p| p.descriptor.budget > 0) {
                let to_period = p.descriptor.period.saturating_sub(now.wrapping_sub(p.period_start)).max(1);
                next = Some(next.map_or(to_period, |n| n.min(to_period)));
            }
            if let Next::Partition(index) = system.current {
                let p = &system.partitions[index];
                if p.descriptor.budget > 0 {
                    let left = p.budget_left.max(1);
                    next = Some(next.map_or(left, |n| n.min(left)));
                }
            }
            next
        }
    }
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
    match system.schedule.policy {
        Policy::RoundRobin => Some(SLICE.saturating_sub(now.wrapping_sub(system.slice_start))),
        Policy::Cyclic => None,
        Policy::FixedPriority => {
            let higher = system.partitions[index].descriptor.priority < system.partitions[current].descriptor.priority;
            higher.then_some(0)
        }
    }
}

fn runnable(system: &System, index: usize) -> bool {
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

fn cyclic(system: &mut System, time_moved: bool) -> Next {
    if time_moved {
        let now = time_base_lower();
        let slots = &system.schedule.slots[..system.schedule.slot_count];
        let (mut slot, mut start) = system.slot;
        // At most one frame of catching up; further behind, the frame restarts now.
        for _ in 0..slots.len() {
            let ticks = slots[usize::from(slot)].1;
            if now.wrapping_sub(start) < ticks {
                break;
            }
            start = start.wrapping_add(ticks);
            slot = (slot + 1) % slots.len() as u8;
        }
        if now.wrapping_sub(start) >= slots[usize::from(slot)].1 {
            (slot, start) = (0, now);
        }
        system.slot = (slot, start);
    }
    let owner = usize::from(system.schedule.slots[usize::from(system.slot.0)].0);
    if runnable(system, owner) {
        Next::Partition(owner)
    } else {
        Next::Idle
    }
}

fn fixed_priority(system: &mut System, time_moved: bool, yielded: bool) -> Next {
    let now = time_base_lower();
    // Charge the partition that ran for the time it ran.
    if let Next::Partition(index) = system.current {
        let used = now.wrapping_sub(system.run_start);
        let partition = &mut system.partitions[index];
        if partition.descriptor.budget > 0 && partition.budget_left > 0 {
            partition.budget_left = partition.budget_left.saturating_sub(used);
            if partition.budget_left == 0 {
                health::handle(system, index, Event::Overrun);
            }
        }
    }
    system.run_start = now;
    if time_moved {
        for partition in system.partitions[..system.count].iter_mut().filter(|p| p.descriptor.budget > 0) {
            let period = partition.descriptor.period.max(1);
            let elapsed = now.wrapping_sub(partition.period_start);
            if elapsed >= period {
                partition.period_start = partition.period_start.wrapping_add(elapsed / period * period);
                partition.budget_left = partition.descriptor.budget;
            }
        }
    }
    let eligible = |system: &System, index: usize| {
        let p = &system.partitions[index];
        runnable(system, index) && (p.descriptor.budget == 0 || p.budget_left > 0)
    };
    let yielder = match system.current {
        Next::Partition(index) if yielded => Some(index),
        _ => None,
    };
    // The highest priority wins; among equals, the one after the yielder (or the lowest index).
    let count = system.count;
    let best = (0..count)
        .filter(|&index| eligible(system, index) && Some(index) != yielder)
        .min_by_key(|&index| (system.partitions[index].descriptor.priority, index));
    match (best, yielder) {
        (Some(index), _) => Next::Partition(index),
        (None, Some(index)) if eligible(system, index) => Next::Partition(index),
        _ => Next::Idle,
    }
}

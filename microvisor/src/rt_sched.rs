//! Real-time scheduling (feature `rt-sched`): the two policies beside round-robin ([`crate::sched`]).
//!
//! - **Cyclic** (ARINC 653 style): a major frame of fixed slots, each a partition's; a slot's time is
//!   its partition's whether it uses it or not (the core idles), so no partition can take another's
//!   time, and the frame repeats exactly.
//! - **Fixed priority with budgets**: the highest-priority runnable partition that has budget left
//!   runs; each partition's budget is given back at the start of each of its periods; using it all
//!   is an overrun, reported to the health monitor, and the partition waits for its next period.

use crate::arch::ppc405::spr::time_base_lower;
use crate::health::{self, Event};
use crate::sched::runnable;
use crate::system::{Next, System};
use irfm::image::{Policy, Schedule};

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
    system.run_start = now;
}

/// Cyclic: ticks from `now` to the end of the running slot.
pub fn cyclic_next_switch(system: &System, now: u32) -> Option<u32> {
    let (slot, start) = system.slot;
    let ticks = system.schedule.slots[usize::from(slot)].1;
    Some(ticks.saturating_sub(now.wrapping_sub(start)).max(1))
}

/// Fixed priority: ticks from `now` to the next period start or the end of the running
/// partition's budget, whichever comes first.
pub fn fixed_priority_next_switch(system: &System, now: u32) -> Option<u32> {
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

/// Cyclic: the owner of the slot now running, if it is runnable (else the core idles). Out of line,
/// as [`fixed_priority`]: inlined, either makes `sched::decide` save a dozen registers on every
/// trap that reaches it, whatever the policy.
#[inline(never)]
pub fn cyclic(system: &mut System, time_moved: bool) -> Next {
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

/// Fixed priority: the highest-priority eligible partition. Out of line (see [`cyclic`]).
#[inline(never)]
pub fn fixed_priority(system: &mut System, time_moved: bool, yielded: bool) -> Next {
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

//! Trap counters per partition (feature `trap-stats`): what `irfm::stats` says each slot counts.
//!
//! The counters sit first in the microvisor's state (`System`, exported as `MICROVISOR_SYSTEM`)
//! so a benchmark finds them by symbol; they are never shown to a guest.

use irfm::insn::Op;
use irfm::stats::{instruction_slot, Kind, KINDS};

/// One partition's counters.
pub type Stats = [u32; KINDS];

/// Counts an emulated instruction.
pub fn count_instruction(stats: &mut Stats, op: Op) {
    let slot = instruction_slot(op);
    stats[slot] = stats[slot].wrapping_add(1);
}

/// Counts an event of another kind.
pub fn count(stats: &mut Stats, kind: Kind) {
    let slot = kind as usize;
    stats[slot] = stats[slot].wrapping_add(1);
}

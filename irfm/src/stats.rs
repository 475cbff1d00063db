//! Per-partition trap counters (the microvisor's `trap-stats` feature): what each slot counts.
//!
//! The microvisor keeps, for each partition, one `u32` per [`Kind`] at the start of its state
//! (symbol [`SYMBOL`]): `MAX_PARTITIONS` arrays of [`KINDS`] words, partition 0 first. Benchmarks
//! read them from the guest-invisible memory through QEMU's monitor; nothing here runs in a guest.

use crate::insn::Op;

/// Symbol of the counters in the microvisor's ELF.
pub const SYMBOL: &str = "MICROVISOR_SYSTEM";

/// What one counter counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// An emulated privileged instruction; the [`Op`] is `Kind as u8 - Kind::Instruction as u8`.
    Instruction = 0,
    /// A program interrupt reflected to the guest (illegal, trap, privileged in its user mode).
    ProgramReflected = 22,
    /// A system call (`sc`), reflected.
    SystemCall = 23,
    /// A data storage interrupt.
    DataStorage = 24,
    /// An instruction storage interrupt.
    InstructionStorage = 25,
    /// An alignment interrupt.
    Alignment = 26,
    /// A real external interrupt.
    External = 27,
    /// A real PIT interrupt (the microvisor's timer).
    Timer = 28,
    /// A data TLB miss.
    DataTlbMiss = 29,
    /// An instruction TLB miss.
    InstructionTlbMiss = 30,
    /// A hypercall.
    Hypercall = 31,
    /// A virtual interrupt delivered to the guest's vector.
    Delivered = 32,
}

/// Counters per partition.
pub const KINDS: usize = 33;

/// Every [`Op`], in the order of its counter (`insn::ALL_OPS`: this order is the counters' layout).
pub const OPS: [Op; 22] = crate::insn::ALL_OPS;

/// The counter of an emulated instruction.
pub fn instruction_slot(op: Op) -> usize {
    OPS.iter().position(|candidate| *candidate == op).unwrap_or(0)
}

/// Name of counter `slot`, for reports.
pub fn name(slot: usize) -> &'static str {
    const OTHERS: [&str; 11] = [
        "program (reflected)",
        "sc",
        "data storage",
        "instruction storage",
        "alignment",
        "external",
        "timer",
        "data TLB miss",
        "instruction TLB miss",
        "hypercall",
        "interrupt delivered",
    ];
    match slot {
        0..=21 => crate::insn::row_of(OPS[slot]).mnemonic,
        22..=32 => OTHERS[slot - 22],
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_has_its_own_slot_and_name() {
        for (slot, op) in OPS.iter().enumerate() {
            assert_eq!(instruction_slot(*op), slot);
            assert_eq!(name(slot), crate::insn::row_of(*op).mnemonic);
        }
        assert_eq!(Kind::Delivered as usize + 1, KINDS);
        assert_eq!(name(Kind::Timer as usize), "timer");
    }
}

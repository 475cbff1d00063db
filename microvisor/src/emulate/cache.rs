//! `iccci`, `dccci`, `dcbi`, `dcread`, `icread` (PPC405 manual 9.11 and chapter 5).
//!
//! No partition may lose another's data, so nothing a guest asks for discards a real data-cache
//! line it does not own: `dcbi` on the guest's own memory becomes a flush of that line (the guest's
//! data reaches memory instead of vanishing, which only a guest relying on lost stores could tell);
//! `dccci` invalidates a congruence class, which may hold any partition's lines, and becomes a
//! no-op. Instruction-cache invalidation loses nothing and is done for real. `dcread` returns the
//! effective address (as QEMU's 405 does) rather than a cache line that may hold another
//! partition's data; `icread` loads nothing into ICDBDR (which reads 0).

use super::{effective_address, Outcome};
use crate::arch::ppc405::cache;
use crate::reflect::Interrupt;
use crate::system::Partition;
use irfm::insn::rd;

/// `iccci rA,rB`.
pub fn iccci(_partition: &mut Partition, _word: u32) -> Outcome {
    cache::invalidate_instruction_cache();
    Outcome::Next
}

/// `dccci rA,rB`.
pub fn dccci(_partition: &mut Partition, _word: u32) -> Outcome {
    Outcome::Next
}

/// `dcbi rA,rB`: a store-like access to the guest's line, flushed rather than discarded.
pub fn dcbi(partition: &mut Partition, word: u32) -> Outcome {
    let address = effective_address(partition, word);
    match crate::address_space::translate_data(partition, address, true) {
        Ok(real) => {
            cache::flush_data_line(real);
            Outcome::Next
        }
        Err(outcome) => outcome,
    }
}

/// `dcread rD,rA,rB`: faults like a load; rD ← the effective address.
pub fn dcread(partition: &mut Partition, word: u32) -> Outcome {
    let address = effective_address(partition, word);
    if address & 3 != 0 {
        return Outcome::Reflect(Interrupt::Alignment { dear: address });
    }
    match crate::address_space::translate_data(partition, address, false) {
        Ok(_) => {
            partition.vcpu.gpr[rd(word)] = address;
            Outcome::Next
        }
        Err(outcome) => outcome,
    }
}

/// `icread rA,rB`.
pub fn icread(_partition: &mut Partition, _word: u32) -> Outcome {
    Outcome::Next
}

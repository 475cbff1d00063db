//! `mfdcr` and `mtdcr` (PPC405 manual 9.11): the DCRs a guest may use.
//!
//! A guest sees a 405 whose DCR bus holds two units: its own virtual UIC0 (0x0C0–0x0C8, see
//! `vuic`) and the clock and power controller CPC0 (0x0F0–0x0F9), read-only: reads return the real
//! registers (clock settings a guest may want to know), writes are ignored (changing the board's
//! clocks would change every partition's time). Every other DCR number raises an illegal-instruction
//! program interrupt, which is what QEMU's 405 does for a DCR no unit answers.

use super::{program, Outcome};
use crate::arch::ppc405::dcr as real;
use crate::reflect::esr;
use crate::system::Partition;
use irfm::insn::rd;
use irfm::spr::from_word;

/// `mfdcr rD,DCRN`.
pub fn mfdcr(partition: &mut Partition, word: u32) -> Outcome {
    let number = from_word(word);
    let owned = partition.owned_lines;
    let Some(value) = partition.uic.read(number, owned).or_else(|| real::read_cpc(number)) else {
        return program(esr::PIL);
    };
    partition.vcpu.gpr[rd(word)] = value;
    Outcome::Next
}

/// `mtdcr DCRN,rS`.
pub fn mtdcr(partition: &mut Partition, word: u32) -> Outcome {
    let number = from_word(word);
    let value = partition.vcpu.gpr[rd(word)];
    let owned = partition.owned_lines;
    if partition.uic.write(number, value, owned) {
        crate::reflect::refresh_pending(partition);
        Outcome::Next
    } else if real::read_cpc(number).is_some() {
        Outcome::Next
    } else {
        program(esr::PIL)
    }
}

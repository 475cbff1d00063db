//! `mfdcr` and `mtdcr` (PPC405 manual 9.11): the DCRs a guest may use.
//!
//! A guest sees a 405 whose DCR bus holds its own virtual UIC0 (0x0C0–0x0C8, see `vuic`) and the
//! board's other units as QEMU 7.2's ref405ep has them, read-only: the clock and power controller
//! CPC0 (0x0F0–0x0F9), SDRAM0 and EBC0 through their index and data registers (0x010–0x013: the
//! index is the guest's own, the data the board's), OCM, PLB, POB, DMA and MAL
//! (`arch::ppc405::dcr::read_board`). Reads return the real registers (the configuration a guest
//! may want to know, as natively); writes are ignored but for the index registers (changing the
//! board's clocks, memory or bus setup would change every partition's). Every other DCR number
//! raises an illegal-instruction program interrupt, which is what QEMU's 405 does for a DCR no unit
//! answers.

use super::{program, Outcome};
use crate::arch::ppc405::dcr::{self as real, IndirectRegister};
use crate::reflect::esr;
use crate::system::Partition;
use irfm::insn::rd;
use irfm::spr::from_word;

/// `mfdcr rD,DCRN`.
pub fn mfdcr(partition: &mut Partition, word: u32) -> Outcome {
    let number = from_word(word);
    let owned = partition.owned_lines;
    let value = match IndirectRegister::of(number) {
        Some(IndirectRegister::Index(unit)) => Some(partition.dcr_index[unit as usize]),
        Some(IndirectRegister::Data(unit)) => Some(real::read_indirect(unit, partition.dcr_index[unit as usize])),
        None => partition.uic.read(number, owned).or_else(|| real::read_cpc(number)).or_else(|| real::read_board(number)),
    };
    let Some(value) = value else {
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
        return Outcome::Next;
    }
    match IndirectRegister::of(number) {
        Some(IndirectRegister::Index(unit)) => partition.dcr_index[unit as usize] = value,
        // Data, CPC0 and the other units: read-only to guests, the write is dropped.
        Some(IndirectRegister::Data(_)) => {}
        None if real::read_cpc(number).is_some() || real::BOARD_DCRS.binary_search(&number).is_ok() => {}
        None => return program(esr::PIL),
    }
    Outcome::Next
}

//! IRFM: the Innocuous Register File Mapping, two pages a para-virtualized guest reads and writes
//! instead of trapping.
//!
//! Registers whose reads have no side effect, or whose writes take effect only later, need no trap
//! if the guest can reach them in memory: `mfspr rD,SRR0` becomes `lwz rD,SRR0(0)`. The pages sit at
//! the top of the guest's address space, so every slot is reachable with a 16-bit displacement from
//! address 0 (`d(0)` form, no base register), and one instruction replaces one instruction:
//!
//! - the **read-write page** at [`RW_PAGE`] holds SRR0–SRR3 and SPRG0–SPRG3: registers a guest
//!   writes with no immediate effect (they matter only at the next `rfi`/`rfci`, or only to the
//!   guest itself). SPRG4–7 are not here: user mode reads the real ones without a trap, so their
//!   writes must reach the real registers (a trap);
//! - the **read-only page** at [`RO_PAGE`] holds the virtual MSR and the SPRs a guest only reads
//!   between writes that have effects (ESR, DEAR, EVPR, PID, ZPR, PVR, TCR, CCR0…): the microvisor
//!   keeps it current, the guest's TLB entry for it lacks write permission, and a store to it is a
//!   data storage interrupt reflected to the guest as its 405 would raise it.
//!
//! Offsets are words from the page start, as the microvisor and `previrt` both use them. The RW
//! page's first eight words are exactly the first eight plain-storage SPRs of the microvisor's
//! register file (SRR0–3, SPRG0–3), in that order.

use crate::spr;

/// Guest effective address of the read-only page by default (a 4 KiB page;
/// `lwz rD,-0x8000+offset(0)`). A partition may have its pages elsewhere ([`valid_base`]).
pub const RO_PAGE: u32 = 0xffff_8000;
/// Guest effective address of the read-write page.
pub const RW_PAGE: u32 = 0xffff_9000;
/// Bytes of each page (the 405's smallest page QEMU maps).
pub const PAGE_BYTES: u32 = 4096;

/// SPRs in the read-write page, in slot order.
pub const RW_SPRS: [u16; 8] = [spr::SRR0, spr::SRR1, spr::SRR2, spr::SRR3, 272, 273, 274, 275];

/// Slot of the virtual MSR in the read-only page.
pub const RO_MSR: u32 = 0;
/// SPRs in the read-only page, from slot 1 on.
pub const RO_SPRS: [u16; 12] = [
    spr::ESR,
    spr::DEAR,
    spr::EVPR,
    spr::PID,
    spr::ZPR,
    spr::PVR,
    spr::TCR,
    spr::CCR0,
    spr::SGR,
    spr::DCWR,
    spr::DCCR,
    spr::ICCR,
];
/// Slot, in the read-write page, where a para-virtual `mtmsr`/`wrtee` leaves its operand for the
/// hypercall that follows (see `hypercall`).
pub const RW_OPERAND: u32 = 8;

/// Where `mfspr` of `number` is read from in a para-virtualized guest: (page address, byte offset).
pub fn read_slot(number: u16) -> Option<(u32, u32)> {
    if let Some(slot) = RW_SPRS.iter().position(|n| *n == number) {
        return Some((RW_PAGE, 4 * slot as u32));
    }
    RO_SPRS.iter().position(|n| *n == number).map(|slot| (RO_PAGE, 4 * (slot as u32 + 1)))
}

/// Where `mtspr` of `number` is written in a para-virtualized guest (read-write page only).
pub fn write_slot(number: u16) -> Option<u32> {
    RW_SPRS.iter().position(|n| *n == number).map(|slot| RW_PAGE + 4 * slot as u32)
}

/// Whether a partition's pages may start at guest address `base` (the read-only page there, the
/// read-write page after it): page-aligned and both pages in the top 32 KiB, the only place a `d(0)`
/// displacement reaches besides the bottom 32 KiB, where guests have their memory and vectors.
/// The default is [`RO_PAGE`]; a guest that maps something of its own at the very top (a boot ROM)
/// can have them lower.
pub const fn valid_base(base: u32) -> bool {
    base.is_multiple_of(PAGE_BYTES) && base >= RO_PAGE && base <= u32::MAX - 2 * PAGE_BYTES + 1
}

/// `address` (in the default placement) moved to pages starting at `base`.
const fn placed(address: u32, base: u32) -> u32 {
    address - RO_PAGE + base
}

/// The 16-bit displacement of guest address `address` from 0 (`d(0)`), if reachable.
pub const fn displacement(address: u32) -> Option<i16> {
    let value = address as i32;
    if value >= i16::MIN as i32 && value <= i16::MAX as i32 {
        Some(value as i16)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_reachable_with_a_displacement_from_zero() {
        for number in RW_SPRS.iter().chain(RO_SPRS.iter()) {
            let (page, offset) = read_slot(*number).unwrap();
            assert!(displacement(page + offset).is_some(), "SPR {number}");
        }
        assert!(displacement(RW_PAGE + 4 * RW_OPERAND).is_some());
        assert_eq!(displacement(RO_PAGE), Some(-0x8000));
    }

    #[test]
    fn only_read_write_sprs_have_write_slots() {
        assert_eq!(write_slot(spr::SRR0), Some(RW_PAGE));
        assert_eq!(write_slot(275), Some(RW_PAGE + 28));
        assert_eq!(write_slot(spr::ESR), None);
        assert_eq!(read_slot(spr::ESR), Some((RO_PAGE, 4)));
    }
}

/// The para-virtual replacement of a privileged instruction, as the microvisor's load-time patcher
/// writes it over the original (the NOPs `previrt` left after it stay NOPs): an IRFM load or store,
/// or a hypercall. `None`: the instruction keeps trapping.
pub fn replacement(word: u32) -> Option<u32> {
    replacement_at(word, RO_PAGE)
}

/// [`replacement`] for a partition whose pages start at `base` ([`valid_base`]).
pub fn replacement_at(word: u32, base: u32) -> Option<u32> {
    use crate::hypercall::{encode, Number};
    use crate::insn::{encode as insn, rd, wrteei_enable, Op};
    if !valid_base(base) {
        return None;
    }
    let register = rd(word) as u32;
    let load = |address: u32| displacement(placed(address, base)).map(|d| insn::lwz(register, 0, d));
    let op = crate::insn::classify(word)?;
    if word & crate::insn::reserved_bits(op) != 0 {
        return None; // an invalid form: it traps, and the guest gets what QEMU's 405 gives
    }
    Some(match op {
        Op::Mfmsr => load(RO_PAGE + 4 * RO_MSR)?,
        Op::Mfspr => {
            let (page, offset) = read_slot(spr::from_word(word))?;
            load(page + offset)?
        }
        Op::Mtspr => insn::stw(register, 0, displacement(placed(write_slot(spr::from_word(word))?, base))?),
        Op::Mtmsr => encode(Number::Mtmsr, register),
        Op::Wrtee => encode(Number::Wrtee, register),
        Op::Wrteei if wrteei_enable(word) => encode(Number::EnableInterrupts, 0),
        Op::Wrteei => encode(Number::DisableInterrupts, 0),
        Op::Rfi => encode(Number::Rfi, 0),
        Op::Rfci => encode(Number::Rfci, 0),
        _ => return None,
    })
}

#[cfg(test)]
mod replacement_tests {
    use super::*;
    use crate::insn::encode;

    #[test]
    fn pages_placed_lower_shift_every_displacement() {
        assert!(valid_base(0xffff_8000) && valid_base(0xffff_e000));
        assert!(!valid_base(0xffff_f000) && !valid_base(0xffff_7000) && !valid_base(0xffff_8800) && !valid_base(0));
        // mfspr r5,SRR0 with the pages at 0xffffc000: the read-write page is at 0xffffd000.
        assert_eq!(replacement_at(encode::mfspr(5, spr::SRR0), 0xffff_c000), Some(encode::lwz(5, 0, -0x3000)));
        assert_eq!(replacement_at(encode::mtspr(273, 6), 0xffff_c000), Some(encode::stw(6, 0, -0x2fec)));
        assert_eq!(replacement_at(encode::mfspr(5, spr::SRR0), 0xffff_f000), None, "not a valid placement");
    }

    #[test]
    fn sprs_in_the_pages_become_one_load_or_store() {
        // mfspr r5,SRR0 → lwz r5,-0x7000(0); mtspr SPRG1,r6 → stw r6,-0x6fec(0) (slot 5)
        assert_eq!(replacement(encode::mfspr(5, spr::SRR0)), Some(encode::lwz(5, 0, -0x7000)));
        assert_eq!(replacement(encode::mtspr(273, 6)), Some(encode::stw(6, 0, -0x6fec)));
        assert_eq!(replacement(encode::mfspr(5, spr::ESR)), Some(encode::lwz(5, 0, -0x7ffc)));
        assert_eq!(replacement(0x7c60_00a6), Some(encode::lwz(3, 0, -0x8000)), "mfmsr r3");
    }

    #[test]
    fn msr_changes_become_hypercalls_and_the_rest_keeps_trapping() {
        use crate::hypercall::{decode, Number};
        assert_eq!(replacement(0x7c60_0124).and_then(decode), Some((Number::Mtmsr as u8, 3)), "mtmsr r3");
        assert_eq!(replacement(0x7c61_0124), None, "mtmsr r3 with bit 15 (QEMU's L) keeps trapping");
        assert_eq!(replacement(0x7c60_00a7), None, "mfmsr. r3 (no record form) keeps trapping");
        assert_eq!(replacement(0x4c00_0064 | 0x0020_0000), None, "rfi with a reserved field set keeps trapping");
        assert_eq!(replacement(0x7c00_8146).and_then(decode), Some((Number::EnableInterrupts as u8, 0)));
        assert_eq!(replacement(0x4c00_0064).and_then(decode), Some((Number::Rfi as u8, 0)));
        assert_eq!(replacement(encode::mtspr(spr::PID, 3)), None, "PID writes have effects: they trap");
        assert_eq!(replacement(0x7c22_07a4), None, "tlbwe traps");
    }
}

//! Loads and stores where nothing on the board answers, answered as QEMU 7.2's ref405ep answers
//! them: a load reads 0, a store vanishes, and no interrupt comes (QEMU's unassigned memory raises
//! no machine check on the 405).
//!
//! A guest's memory and its granted device windows are mapped; an access anywhere else misses in
//! the real TLB. Where the board has SDRAM or a device there (another partition's memory, a device
//! not granted), the partition is stopped: it reaches for what is not its own. Where the board has
//! nothing (`platform::ref405ep::answers`), a native run goes on, so the guest does too: an RTOS
//! built for another board writing its console, or a driver probing for a device, prints the same
//! transcript as natively. This module decodes the instruction and completes it: the loaded
//! registers become 0, an update form writes the effective address back to rA, and the cache-block
//! instructions that translate like a load or a store (`dcbz`, `dcbst`, `dcbf`, `icbi`) do nothing.
//! `lwarx` and `stwcx.` (whose reservation the microvisor cannot give the guest) and accesses that
//! cross a 4 KiB page still stop the partition. A fetch from such an address reads the word 0, an
//! illegal instruction: the guest takes the program interrupt (ESR[PIL]) there, as natively.

use super::Outcome;
use crate::platform::ref405ep;
use crate::reflect::{esr, Interrupt};
use crate::system::Partition;
use irfm::insn::{ra, rb, rd};

// How each data-access instruction reaches memory, in one byte: its size code (below), whether it
// loads registers, whether rA receives the effective address (update forms), whether the address is
// (rA|0) + rB (X-form) rather than (rA|0) + d. Size codes 0–3: 2^n bytes; the others as named.
const MULTIPLE: u8 = 4; // lmw, stmw: 4 × (32 − rD) bytes
const STRING_NB: u8 = 5; // lswi, stswi: NB bytes (0 meaning 32), from (rA|0)
const STRING_XER: u8 = 6; // lswx, stswx: XER[TBC] bytes
const LINE: u8 = 7; // dcbz: the 32-byte line around the address
const SIZE: u8 = 7;
const LOAD: u8 = 8;
const UPDATE: u8 = 16;
const INDEXED: u8 = 32;

/// Primary opcodes 32–47 (PPC405 manual, chapter 9): lwz(u), lbz(u), stw(u), stb(u), lhz(u),
/// lha(u), sth(u), lmw, stmw.
const D_FORMS: [u8; 16] = [
    2 | LOAD, 2 | LOAD | UPDATE, LOAD, LOAD | UPDATE, 2, 2 | UPDATE, 0, UPDATE,
    1 | LOAD, 1 | LOAD | UPDATE, 1 | LOAD, 1 | LOAD | UPDATE, 1, 1 | UPDATE, MULTIPLE | LOAD, MULTIPLE,
];

/// Primary opcode 31, by extended opcode: the X-form loads and stores, the string instructions, and
/// the cache-block instructions that translate (`dcbst`, `dcbf`, `icbi` like a one-byte access).
const X_FORMS: [(u16, u8); 24] = [
    (23, 2 | LOAD | INDEXED), (55, 2 | LOAD | UPDATE | INDEXED), (87, LOAD | INDEXED), (119, LOAD | UPDATE | INDEXED),
    (151, 2 | INDEXED), (183, 2 | UPDATE | INDEXED), (215, INDEXED), (247, UPDATE | INDEXED),
    (279, 1 | LOAD | INDEXED), (311, 1 | LOAD | UPDATE | INDEXED), (343, 1 | LOAD | INDEXED), (375, 1 | LOAD | UPDATE | INDEXED),
    (407, 1 | INDEXED), (439, 1 | UPDATE | INDEXED), (534, 2 | LOAD | INDEXED), (662, 2 | INDEXED),
    (790, 1 | LOAD | INDEXED), (918, 1 | INDEXED), (533, STRING_XER | LOAD | INDEXED), (597, STRING_NB | LOAD),
    (661, STRING_XER | INDEXED), (725, STRING_NB), (1014, LINE | INDEXED), (54, INDEXED),
];
// dcbf (86) and icbi (982) are dcbst's twins.
const CACHE_BLOCK: [u16; 2] = [86, 982];

/// The access byte of `word`, if it is a data-access instruction that can reach an unassigned
/// address; `None` for any other (the caller stops the partition).
fn kind(word: u32) -> Option<u8> {
    match word >> 26 {
        primary @ 32..=47 => Some(D_FORMS[primary as usize - 32]),
        31 => {
            let xo = ((word >> 1) & 0x3ff) as u16;
            let xo = if CACHE_BLOCK.contains(&xo) { 54 } else { xo };
            X_FORMS.iter().find(|(form, _)| *form == xo).map(|(_, kind)| *kind)
        }
        _ => None,
    }
}

/// Completes the guest's data access that missed at effective address `address` (guest physical
/// `physical`), if it reaches only addresses where nothing on the board answers; `None` otherwise.
pub fn access(partition: &mut Partition, address: u32, physical: u32) -> Option<Outcome> {
    let word = crate::guest_mem::fetch(partition, partition.vcpu.pc)?;
    let kind = kind(word)?;
    let vcpu = &mut partition.vcpu;
    let register = rd(word);
    let bytes = match kind & SIZE {
        MULTIPLE => 4 * (32 - register as u32),
        STRING_NB if rb(word) == 0 => 32,
        STRING_NB => rb(word) as u32,
        STRING_XER => vcpu.xer & 0x7f,
        LINE => 32,
        size => 1 << size,
    };
    let base = if ra(word) == 0 { 0 } else { vcpu.gpr[ra(word)] };
    let mut effective = match kind & (INDEXED | SIZE) {
        STRING_NB => base,
        _ if kind & INDEXED != 0 => base.wrapping_add(vcpu.gpr[rb(word)]),
        _ => base.wrapping_add(word as u16 as i16 as u32),
    };
    if kind & SIZE == LINE {
        effective &= !31;
    }
    // All of it in the page that missed, so `physical` places all of it.
    let last = effective.wrapping_add(bytes.max(1) - 1);
    if (effective ^ address) & !0xfff != 0 || (last ^ address) & !0xfff != 0 {
        return None;
    }
    let first_physical = physical.wrapping_sub(address.wrapping_sub(effective));
    if ref405ep::answers(first_physical) || ref405ep::answers(first_physical.wrapping_add(last.wrapping_sub(effective))) {
        return None;
    }
    if kind & LOAD != 0 {
        // Registers from rD on (wrapping from r31 to r0 for strings), a word each.
        for offset in 0..bytes.div_ceil(4) as usize {
            vcpu.gpr[(register + offset) % 32] = 0;
        }
    }
    if kind & UPDATE != 0 {
        vcpu.gpr[ra(word)] = effective;
    }
    Some(Outcome::Next)
}

/// A fetch that missed at guest physical `physical`: where nothing on the board answers, the word 0,
/// which a 405 cannot execute; `None` elsewhere.
pub fn fetch(physical: u32) -> Option<Outcome> {
    (!ref405ep::answers(physical)).then_some(Outcome::Reflect(Interrupt::Program { esr: esr::PIL }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition() -> Partition {
        let mut partition = Partition { real_base: 16 << 20, size: 16 << 20, ..Partition::EMPTY };
        partition.state = crate::system::State::Runnable;
        partition.vcpu.pc = 0x1000;
        partition
    }

    fn run(partition: &mut Partition, word: u32, address: u32) -> Option<Outcome> {
        crate::guest_mem::write_physical_word(partition, partition.vcpu.pc, word);
        access(partition, address, address)
    }

    #[test]
    fn a_load_from_nothing_reads_zero_and_an_update_form_writes_the_address_back() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0x1000_0000;
        p.vcpu.gpr[4] = 0xdead_beef;
        // lwzu r4, 8(r3)
        assert_eq!(run(&mut p, 0x8483_0008, 0x1000_0008), Some(Outcome::Next));
        assert_eq!((p.vcpu.gpr[4], p.vcpu.gpr[3]), (0, 0x1000_0008));
        // lmw r29, 0(r3): r29, r30, r31
        p.vcpu.gpr[29..].fill(7);
        assert_eq!(run(&mut p, 0xbba3_0000, 0x1000_0008), Some(Outcome::Next));
        assert_eq!(&p.vcpu.gpr[29..], &[0, 0, 0]);
    }

    #[test]
    fn a_store_to_nothing_vanishes_but_memory_and_devices_still_stop_the_guest() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0x8000_0000;
        p.vcpu.gpr[5] = 0x1234;
        // stw r5, 0(r3)
        assert_eq!(run(&mut p, 0x90a3_0000, 0x8000_0000), Some(Outcome::Next));
        assert_eq!(p.vcpu.gpr[3], 0x8000_0000);
        p.vcpu.gpr[3] = 0x0200_0000; // the board's SDRAM, not this partition's
        assert_eq!(run(&mut p, 0x90a3_0000, 0x0200_0000), None);
        p.vcpu.gpr[3] = 0xef60_0300; // UART0, not granted
        assert_eq!(run(&mut p, 0x90a3_0000, 0xef60_0300), None);
    }

    #[test]
    fn a_fetch_from_nothing_is_an_illegal_instruction_and_from_memory_a_stop() {
        assert_eq!(fetch(0x1000_0000), Some(Outcome::Reflect(Interrupt::Program { esr: esr::PIL })));
        assert_eq!(fetch(0x0200_0000), None);
        assert_eq!(fetch(0xfff0_0000), None, "the SRAM is there");
    }

    #[test]
    fn reservations_and_accesses_across_a_page_still_stop_the_guest() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0x8000_0ffe;
        // lwarx r4, 0, r3
        assert_eq!(run(&mut p, 0x7c80_1828, 0x8000_0ffe), None);
        // lwz r4, 0(r3), its last bytes in the next page
        assert_eq!(run(&mut p, 0x8083_0000, 0x8000_0ffe), None);
    }
}

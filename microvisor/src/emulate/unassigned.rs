//! Loads and stores where nothing on the board answers, answered as QEMU 7.2's ref405ep answers
//! them: a load reads 0, a store vanishes, and no interrupt comes (QEMU's unassigned memory raises
//! no machine check on the 405).
//!
//! A guest's memory and its granted device windows are mapped; an access anywhere else misses in
//! the real TLB. Where the board has SDRAM or a device there (another partition's memory, a device
//! not granted), the partition is stopped: it reaches for what is not its own. Where the board has
//! nothing (`platform::ref405ep::answers`), a native run goes on, so the guest does too: an RTOS
//! built for another board writing its console, or a driver probing for a device, prints the same
//! transcript as natively. This module decodes the instruction (`irfm::access`) and completes it: the loaded
//! registers become 0, an update form writes the effective address back to rA, and the cache-block
//! instructions that translate like a load or a store (`dcbz`, `dcbst`, `dcbf`, `icbi`) do nothing.
//! `lwarx` and `stwcx.` (whose reservation the microvisor cannot give the guest) and accesses that
//! cross a 4 KiB page still stop the partition. A fetch from such an address reads the word 0, an
//! illegal instruction: the guest takes the program interrupt (ESR[PIL]) there, as natively.

use super::Outcome;
use crate::platform::ref405ep;
use crate::reflect::{esr, Interrupt};
use crate::system::Partition;
use irfm::access::DataAccess;
use irfm::insn::{ra, rd};

/// Completes the guest's data access that missed at effective address `address` (guest physical
/// `physical`), if it reaches only addresses where nothing on the board answers; `None` otherwise.
pub fn access(partition: &mut Partition, address: u32, physical: u32) -> Option<Outcome> {
    let word = crate::guest_mem::fetch(partition, partition.vcpu.pc)?;
    let kind = DataAccess::decode(word)?;
    let vcpu = &mut partition.vcpu;
    let bytes = kind.bytes(word, vcpu.xer);
    let effective = kind.effective_address(word, &vcpu.gpr);
    // All of it in the page that missed, so `physical` places all of it.
    let last = effective.wrapping_add(bytes.max(1) - 1);
    if (effective ^ address) & !0xfff != 0 || (last ^ address) & !0xfff != 0 {
        return None;
    }
    let first_physical = physical.wrapping_sub(address.wrapping_sub(effective));
    if ref405ep::answers(first_physical) || ref405ep::answers(first_physical.wrapping_add(last.wrapping_sub(effective))) {
        return None;
    }
    for offset in 0..kind.registers_loaded(word, vcpu.xer) {
        vcpu.gpr[(rd(word) + offset) % 32] = 0;
    }
    if kind.updates() {
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
        let mut partition = Partition::with_memory(16 << 20, 16 << 20);
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

//! With `tlb-virt`: each partition has its own 64-entry virtual TLB, PID and ZPR.
//!
//! PPC405 user's manual, chapter 7. The guest manages its virtual TLB with the TLB instructions
//! (`emulate::tlb`); while it runs with translation on (MSR[IR] or MSR[DR]), the real TLB holds
//! *shadow* entries derived from it, installed when the real TLB misses:
//! - the guest's entry is looked up as the 405 would (valid, TID 0 or equal to the virtual PID,
//!   lowest index first);
//! - its guest-physical page is mapped onto the partition's real memory, or onto a device window the
//!   partition was granted, never elsewhere: a guest entry pointing at memory it does not own stops
//!   the partition when it is used;
//! - the shadow keeps the guest's EX, WR, ZSEL, W, I, M, G (device pages are always I and G) and
//!   carries the partition's shadow TID (`0x10 + n`): a guest entry with TID 0 cannot match
//!   another partition's PID;
//! - a guest page larger than what the partition owns around the address is shadowed by the
//!   largest smaller page that fits (down to 4 KiB).
//!
//! The guest's user/supervisor distinction survives the real MSR[PR] = 1 through the zones: the
//! real ZPR is the guest's in its user mode, and in its supervisor mode each zone field is
//! promoted (00 → 01, 10 → 11), which is exactly the access the 405 gives a supervisor
//! (PPC405 manual 7.5.2). DSI and ISI raised by a shadow entry therefore carry the ESR and DEAR the
//! guest's own entry would have produced, and are reflected as they are.
//!
//! Shadows are flushed when the guest writes its TLB (`tlbwe`, `tlbia`) or its PID; a guest in
//! (virtual) real mode runs on the one-to-one map of `partition`. Limits (`docs/instructions.md`):
//! MSR[IR] ≠ MSR[DR] and 1 KiB pages are refused with a report (QEMU cannot map 1 KiB pages).

use crate::arch::ppc405::spr as real;
use crate::arch::ppc405::tlb::{self, hi, lo, page_bytes, Entry};
use crate::emulate::{Fault, Outcome};
use crate::partition::{in_granted_window, tid, GUEST_ZPR};
use crate::reflect::{esr, Interrupt};
use crate::system::{Partition, System};
use irfm::spr::msr;

/// Entries of a virtual TLB (as many as the 405 has).
pub const ENTRIES: usize = 64;

/// A partition's virtual TLB: 576 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlb {
    /// The tag words (TLBHI).
    pub hi: [u32; ENTRIES],
    /// The data words (TLBLO).
    pub lo: [u32; ENTRIES],
    /// The TIDs.
    pub tid: [u8; ENTRIES],
}

impl Tlb {
    /// All entries invalid, as QEMU's 405 starts: EPN 0, and read back as 4 KiB pages
    /// (`emulate::tlb_virt`).
    pub const EMPTY: Tlb = Tlb { hi: [hi::SIZE_4K << hi::SIZE_SHIFT; ENTRIES], lo: [0; ENTRIES], tid: [0; ENTRIES] };

    /// The index of the entry that translates `address` for process `pid`, if any.
    pub fn find(&self, address: u32, pid: u8) -> Option<usize> {
        (0..ENTRIES).find(|&index| {
            let tag = self.hi[index];
            let tid = self.tid[index];
            let mask = !(page_bytes((tag & hi::SIZE) >> hi::SIZE_SHIFT) - 1);
            tag & hi::V != 0 && (tid == 0 || tid == pid) && (address & mask) == (tag & hi::EPN & mask)
        })
    }
}

/// The real TID of partition `index`'s shadow entries.
pub const fn shadow_tid(index: u8) -> u8 {
    0x10 + index
}

fn translating(partition: &Partition) -> bool {
    partition.vcpu.msr & (msr::IR | msr::DR) != 0
}

/// The real ZPR for a guest ZPR: in the guest's supervisor mode each zone field is promoted
/// (00 → 01, 10 → 11), in its user mode it is the guest's.
pub const fn real_zpr(guest_zpr: u32, user: bool) -> u32 {
    if user {
        guest_zpr
    } else {
        guest_zpr | 0x5555_5555
    }
}

/// The real PID and ZPR the partition runs with.
pub fn real_context(partition: &Partition) -> (u8, u32) {
    let user = partition.vcpu.user_mode();
    let (pid, zpr) = if translating(partition) {
        let zpr = partition.vcpu[crate::vcpu::Spr::Zpr];
        (shadow_tid(partition.index), real_zpr(zpr, user))
    } else {
        (tid(usize::from(partition.index)), GUEST_ZPR)
    };
    let zpr = if cfg!(feature = "irfm") { crate::partition::with_irfm_zone(zpr, user) } else { zpr };
    (pid, zpr)
}

/// The guest changed MSR[PR, IR, DR] or ZPR: load the real PID and ZPR that now apply.
pub fn translation_changed(partition: &mut Partition) {
    let (pid, zpr) = real_context(partition);
    real::set_pid(pid);
    real::set_zpr(zpr);
}

/// The guest changed its PID: shadows made for the old one go.
pub fn pid_changed(partition: &mut Partition) {
    flush_shadows(partition.index);
    translation_changed(partition);
}

/// Invalidates every real entry made for partition `index`'s virtual TLB.
pub fn flush_shadows(index: u8) {
    tlb::invalidate_tid(shadow_tid(index));
}

/// What an access does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Fetch,
    Load,
    Store,
}

/// The real address of a guest-physical address the partition owns.
fn owned(partition: &Partition, physical: u32) -> Option<u32> {
    partition
        .real_address(physical)
        .or_else(|| in_granted_window(partition, physical).then_some(physical))
}

/// Translates an access at `address` as the guest's own 405 would: (real address, the guest entry).
fn translate(partition: &Partition, address: u32, access: Access) -> Result<(u32, Option<usize>), Outcome> {
    let relocate = if access == Access::Fetch { msr::IR } else { msr::DR };
    let vcpu = &partition.vcpu;
    if vcpu.msr & relocate == 0 {
        return owned(partition, address)
            .map(|real| (real, None))
            .ok_or(Outcome::Stop(Fault::OutsideMemory { address }));
    }
    let store = if access == Access::Store { esr::DST } else { 0 };
    let tlb = &partition.tlb;
    let Some(index) = tlb.find(address, vcpu.pid) else {
        return Err(Outcome::Reflect(match access {
            Access::Fetch => Interrupt::InstructionTlbMiss,
            _ => Interrupt::DataTlbMiss { dear: address, esr: store },
        }));
    };
    let data = tlb.lo[index];
    let zone = (vcpu[crate::vcpu::Spr::Zpr] >> (30 - 2 * ((data >> lo::ZSEL_SHIFT) & 0xf))) & 3;
    let user = vcpu.user_mode();
    if user && zone == 0 {
        return Err(Outcome::Reflect(match access {
            Access::Fetch => Interrupt::InstructionStorage { esr: esr::DIZ },
            _ => Interrupt::DataStorage { dear: address, esr: esr::DIZ | store },
        }));
    }
    let full = zone == 3 || (!user && zone == 2);
    if !full && access == Access::Store && data & lo::WR == 0 {
        return Err(Outcome::Reflect(Interrupt::DataStorage { dear: address, esr: esr::DST }));
    }
    if !full && access == Access::Fetch && data & lo::EX == 0 {
        return Err(Outcome::Reflect(Interrupt::InstructionStorage { esr: 0 }));
    }
    let mask = page_bytes((tlb.hi[index] & hi::SIZE) >> hi::SIZE_SHIFT) - 1;
    let physical = (data & lo::RPN & !mask) | (address & mask);
    owned(partition, physical)
        .map(|real| (real, Some(index)))
        .ok_or(Outcome::Stop(Fault::OutsideMemory { address: physical }))
}

/// The real address of a guest data access at effective address `address`, or what the guest gets
/// instead.
pub fn translate_data(partition: &Partition, address: u32, store: bool) -> Result<u32, Outcome> {
    translate(partition, address, if store { Access::Store } else { Access::Load }).map(|(real, _)| real)
}

/// The real address of the guest instruction at effective address `address`.
pub fn translate_fetch(partition: &Partition, address: u32) -> Option<u32> {
    translate(partition, address, Access::Fetch).ok().map(|(real, _)| real)
}

/// A real TLB miss while partition `index` ran: install a shadow entry, or give the guest what its
/// own 405 would (TLB miss, DSI, ISI), or stop it if its entry reaches memory it does not own.
pub fn tlb_miss(system: &mut System, index: usize, address: u32, data: bool, store: bool) -> Outcome {
    let partition = &system.partitions[index];
    let access = match (data, store) {
        (false, _) => Access::Fetch,
        (true, false) => Access::Load,
        (true, true) => Access::Store,
    };
    let msr = partition.vcpu.msr;
    if (msr & msr::IR == 0) != (msr & msr::DR == 0) {
        return Outcome::Stop(Fault::MixedTranslation);
    }
    let (_, entry) = match translate(partition, address, access) {
        Ok(found) => found,
        // An emulated device (I/O address-map translation) behind the guest's own mapping, or none.
        Err(Outcome::Stop(Fault::OutsideMemory { address: physical })) if data => {
            let partition = &mut system.partitions[index];
            return crate::io_map::access(partition, physical)
                .unwrap_or(Outcome::Stop(Fault::OutsideMemory { address: physical }));
        }
        Err(outcome) => return outcome,
    };
    let Some(entry) = entry else {
        // Untranslated, and the one-to-one map missed: an emulated device, or outside its memory.
        let partition = &mut system.partitions[index];
        return crate::io_map::access(partition, address).unwrap_or(Outcome::Stop(Fault::OutsideMemory { address }));
    };
    let (tag, data_word) = (partition.tlb.hi[entry], partition.tlb.lo[entry]);
    let size = (tag & hi::SIZE) >> hi::SIZE_SHIFT;
    if size == 0 {
        return Outcome::Stop(Fault::TinyPage);
    }
    if tag & hi::E != 0 {
        return Outcome::Stop(Fault::LittleEndianPage);
    }
    let guest_mask = page_bytes(size) - 1;
    let physical = (data_word & lo::RPN & !guest_mask) | (address & guest_mask);
    // The largest page, no larger than the guest's, around the address that the partition owns whole.
    let Some(shadow_size) = (1..=size).rev().find(|&candidate| {
        let bytes = page_bytes(candidate);
        let first = physical & !(bytes - 1);
        let Some(last) = first.checked_add(bytes - 1) else { return false };
        let (Some(start), Some(end)) = (owned(partition, first), owned(partition, last)) else {
            return false;
        };
        end.wrapping_sub(start) == bytes - 1 && start & (bytes - 1) == 0
    }) else {
        return Outcome::Stop(Fault::OutsideMemory { address: physical });
    };
    let bytes = page_bytes(shadow_size);
    let real_page = owned(partition, physical & !(bytes - 1)).unwrap_or(0);
    let device = partition.real_address(physical).is_none();
    let attributes = data_word & (lo::EX | lo::WR | (0xf << lo::ZSEL_SHIFT) | lo::W | lo::I | lo::M | lo::G);
    let attributes = if device { attributes | lo::I | lo::G } else { attributes };
    let shadow = Entry {
        hi: (address & !(bytes - 1)) | (shadow_size << hi::SIZE_SHIFT) | hi::V,
        lo: real_page | attributes,
        tid: shadow_tid(partition.index),
    };
    let slot = usize::from(system.next_shadow_slot).max(usize::from(system.first_shadow_slot));
    system.next_shadow_slot =
        if slot + 1 >= tlb::ENTRIES { system.first_shadow_slot } else { slot as u8 + 1 };
    tlb::write(slot, shadow, shadow.tid);
    Outcome::Resume
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition() -> Partition {
        let mut p = Partition { real_base: 16 << 20, size: 16 << 20, index: 0, ..Partition::EMPTY };
        // Entry 3: EA 0x1000_0000 → guest physical 0x0010_0000, 16 KiB, zone 1, EX|WR; TID 5.
        p.tlb.hi[3] = 0x1000_0000 | (2 << hi::SIZE_SHIFT) | hi::V;
        p.tlb.lo[3] = 0x0010_0000 | lo::EX | lo::WR | (1 << lo::ZSEL_SHIFT);
        p.tlb.tid[3] = 5;
        p.vcpu.msr = msr::IR | msr::DR;
        p.vcpu.pid = 5;
        p.vcpu[crate::vcpu::Spr::Zpr] = 0x1000_0000; // zone 1 = 01
        p
    }

    #[test]
    fn an_address_translates_through_the_guests_entry_onto_its_memory() {
        let p = partition();
        assert_eq!(translate_data(&p, 0x1000_2345, false), Ok((16 << 20) + 0x0010_2345));
    }

    #[test]
    fn another_pid_misses_and_the_guest_gets_its_own_tlb_miss() {
        let mut p = partition();
        p.vcpu.pid = 6;
        assert_eq!(
            translate_data(&p, 0x1000_2345, true),
            Err(Outcome::Reflect(Interrupt::DataTlbMiss { dear: 0x1000_2345, esr: esr::DST }))
        );
    }

    #[test]
    fn a_store_to_a_read_only_page_is_a_dsi_with_dst() {
        let mut p = partition();
        p.tlb.lo[3] &= !lo::WR;
        assert_eq!(
            translate_data(&p, 0x1000_0010, true),
            Err(Outcome::Reflect(Interrupt::DataStorage { dear: 0x1000_0010, esr: esr::DST }))
        );
    }

    #[test]
    fn zone_00_denies_user_mode_but_not_supervisor() {
        let mut p = partition();
        p.vcpu[crate::vcpu::Spr::Zpr] = 0;
        assert!(translate_data(&p, 0x1000_0010, false).is_ok());
        p.vcpu.msr |= msr::PR;
        assert_eq!(
            translate_data(&p, 0x1000_0010, false),
            Err(Outcome::Reflect(Interrupt::DataStorage { dear: 0x1000_0010, esr: esr::DIZ }))
        );
    }

    #[test]
    fn an_entry_reaching_foreign_memory_stops_the_partition() {
        let mut p = partition();
        p.tlb.lo[3] = 0x0200_0000 | lo::WR; // another partition's real memory, as guest physical
        assert_eq!(
            translate_data(&p, 0x1000_0000, false),
            Err(Outcome::Stop(Fault::OutsideMemory { address: 0x0200_0000 }))
        );
    }

    #[test]
    fn supervisor_zones_are_promoted_in_the_real_zpr() {
        assert_eq!(real_zpr(0x0000_0000, false), 0x5555_5555);
        assert_eq!(real_zpr(0x8000_0000, false), 0xd555_5555);
        assert_eq!(real_zpr(0x8000_0000, true), 0x8000_0000);
    }
}

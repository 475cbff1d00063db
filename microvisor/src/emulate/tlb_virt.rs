//! `tlbwe`, `tlbre`, `tlbsx`, `tlbia`, `tlbsync` on the partition's virtual TLB (feature
//! `tlb-virt`; PPC405 manual 9.11 and chapter 7).
//!
//! The entries are the guest's own (`address_space::virtual_tlb`); what reaches the real TLB are
//! shadows made from them on demand, so a write here flushes the partition's shadows over the pages
//! the written entry covered and covers.
//!
//! Where QEMU 7.2's 405 (the machine the equivalence suite compares against) is narrower than the
//! manual, the virtual TLB does as QEMU does, so that a guest sees the same values natively and
//! virtualized: writing TLBLO invalidates the entry (QEMU keeps V with the access rights that
//! TLBLO rewrites, so a TLBHI written before its TLBLO ends up invalid), `tlbre` returns only the
//! fields QEMU keeps (TLBHI: EPN down to the page size, SIZE, V; TLBLO: RPN, EX, WR), and an entry
//! never written reads as a 4 KiB page (QEMU's zeroed entries have no valid size and read as its
//! default one).

use super::{program, Outcome};
use crate::address_space::{flush_shadows, flush_shadows_over, pid_changed, ENTRIES};
use crate::arch::ppc405::tlb::{hi, lo, tag_bytes};
use crate::reflect::esr;
use crate::system::Partition;
use irfm::insn::{ra, rb, rc, rd};

/// The TLB index an instruction names: (rA)[26:31].
pub fn index(partition: &Partition, word: u32) -> usize {
    partition.vcpu.gpr[ra(word)] as usize % ENTRIES
}

/// `tlbwe rS,rA,WS`: WS = 0 writes TLBHI (and the TID from PID), WS = 1 TLBLO.
pub fn tlbwe(partition: &mut Partition, word: u32) -> Outcome {
    let (slot, value) = (index(partition, word), partition.vcpu.gpr[rd(word)]);
    let before = partition.tlb.hi[slot];
    match rb(word) {
        0 => {
            partition.tlb.set_hi(slot, value);
            partition.tlb.tid[slot] = partition.vcpu.pid;
            partition.tlb.hi_written(slot);
        }
        1 => {
            partition.tlb.lo[slot] = value;
            partition.tlb.set_hi(slot, before & !hi::V);
        }
        _ => return program(esr::PIL),
    }
    // Only the shadows of the pages this entry covered or now covers can change.
    flush_shadows_over(partition.index, [before, partition.tlb.hi[slot]]);
    Outcome::Next
}

/// `tlbre rD,rA,WS`: WS = 0 reads TLBHI and sets PID to the entry's TID, WS = 1 reads TLBLO.
pub fn tlbre(partition: &mut Partition, word: u32) -> Outcome {
    let slot = index(partition, word);
    match rb(word) {
        0 => {
            let tag = partition.tlb.hi[slot];
            let page_mask = !(tag_bytes(tag) - 1);
            partition.vcpu.gpr[rd(word)] = (tag & hi::EPN & page_mask) | (tag & (hi::SIZE | hi::V));
            if partition.vcpu.pid != partition.tlb.tid[slot] {
                partition.vcpu.pid = partition.tlb.tid[slot];
                pid_changed(partition);
            }
        }
        1 => partition.vcpu.gpr[rd(word)] = partition.tlb.lo[slot] & (lo::RPN | lo::EX | lo::WR),
        _ => return program(esr::PIL),
    }
    Outcome::Next
}

/// `tlbsx[.] rD,rA,rB`: the index of the entry translating (rA|0)+(rB) under PID, or −1 (the
/// manual leaves rD undefined then; QEMU's 405 gives −1). With the record bit, CR0[EQ] says whether
/// it was found and CR0[SO] copies XER[SO].
pub fn tlbsx(partition: &mut Partition, word: u32) -> Outcome {
    let address = super::effective_address(partition, word);
    let found = partition.tlb.find(address, partition.vcpu.pid);
    partition.vcpu.gpr[rd(word)] = found.map_or(u32::MAX, |slot| slot as u32);
    if rc(word) {
        let equal = if found.is_some() { 0x2000_0000 } else { 0 };
        let summary_overflow = (partition.vcpu.xer >> 31) << 28;
        partition.vcpu.cr = (partition.vcpu.cr & 0x0fff_ffff) | equal | summary_overflow;
    }
    Outcome::Next
}

/// `tlbia`: every entry invalid.
pub fn tlbia(partition: &mut Partition, _word: u32) -> Outcome {
    partition.tlb.invalidate_entries();
    flush_shadows(partition.index);
    Outcome::Next
}

/// `tlbsync`: nothing to wait for on the 405.
pub fn tlbsync(_partition: &mut Partition, _word: u32) -> Outcome {
    Outcome::Next
}

#[cfg(test)]
mod tests {
    use super::*;
    use irfm::spr::msr;

    fn x_form(rt: u32, ra: u32, rb: u32, xo: u32) -> u32 {
        (31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1)
    }

    #[test]
    fn tlbwe_then_tlbre_returns_both_words_and_the_tid() {
        let mut p = Partition::EMPTY;
        p.vcpu.pid = 9;
        p.vcpu.gpr[3] = 0x1000_0000 | (1 << 7) | 0x40;
        p.vcpu.gpr[4] = 0x0020_0000 | 0x300;
        p.vcpu.gpr[5] = 7;
        assert_eq!(tlbwe(&mut p, x_form(4, 5, 1, 978)), Outcome::Next);
        assert_eq!(tlbwe(&mut p, x_form(3, 5, 0, 978)), Outcome::Next);
        p.vcpu.pid = 0;
        assert_eq!(tlbre(&mut p, x_form(6, 5, 0, 946)), Outcome::Next);
        assert_eq!(tlbre(&mut p, x_form(8, 5, 1, 946)), Outcome::Next);
        assert_eq!((p.vcpu.gpr[6], p.vcpu.gpr[8], p.vcpu.pid), (p.vcpu.gpr[3], p.vcpu.gpr[4], 9));
    }

    #[test]
    fn as_on_qemu_tlblo_invalidates_and_tlbre_returns_only_the_kept_fields() {
        let mut p = Partition::EMPTY;
        p.vcpu.gpr[5] = 2;
        // Never written: EPN 0, a 4 KiB page, invalid.
        let _ = tlbre(&mut p, x_form(6, 5, 0, 946));
        assert_eq!(p.vcpu.gpr[6], 1 << 7);
        // TLBHI (16 KiB, with EPN bits below the page and U0 set), then TLBLO (with ZSEL, W, I, M, G).
        p.vcpu.gpr[3] = 0x1000_1000 | (2 << 7) | 0x40 | 0x10;
        p.vcpu.gpr[4] = 0x0020_0000 | 0x300 | 0xff;
        let _ = tlbwe(&mut p, x_form(3, 5, 0, 978));
        let _ = tlbwe(&mut p, x_form(4, 5, 1, 978));
        let _ = tlbre(&mut p, x_form(6, 5, 0, 946));
        let _ = tlbre(&mut p, x_form(8, 5, 1, 946));
        assert_eq!((p.vcpu.gpr[6], p.vcpu.gpr[8]), (0x1000_0000 | (2 << 7), 0x0020_0000 | 0x300));
        assert_eq!(p.tlb.find(0x1000_0000, 0), None, "TLBLO after TLBHI leaves the entry invalid");
    }

    #[test]
    fn tlbsx_dot_reports_found_and_missing_in_cr0() {
        let mut p = Partition::EMPTY;
        p.tlb.set_hi(12, 0x2000_0000 | (1 << 7) | 0x40);
        p.vcpu.gpr[4] = 0x2000_0abc;
        p.vcpu.cr = 0xffff_ffff;
        assert_eq!(tlbsx(&mut p, x_form(3, 0, 4, 914) | 1), Outcome::Next);
        assert_eq!((p.vcpu.gpr[3], p.vcpu.cr >> 28), (12, 0b0010));
        p.vcpu.gpr[4] = 0x3000_0000;
        let _ = tlbsx(&mut p, x_form(3, 0, 4, 914) | 1);
        assert_eq!((p.vcpu.gpr[3], p.vcpu.cr >> 28), (u32::MAX, 0));
        let _ = p.vcpu.msr & msr::PR;
    }

    #[test]
    fn tlbwe_drops_the_shadows_over_the_old_and_new_pages_and_keeps_the_others() {
        use crate::address_space::shadow_tid;
        use crate::arch::ppc405::tlb::Entry;
        let mut p = Partition::EMPTY;
        p.index = 1;
        let shadow = |page: u32, size: u32| Entry { hi: page | (size << 7) | 0x40, lo: 0x0100_0000 | 0x300, tid: shadow_tid(1) };
        crate::arch::host::with(|m| {
            m.tlb[10] = shadow(0x1000_0000, 1); // in entry 3's old page (4 KiB)
            m.tlb[11] = shadow(0x2000_4000, 1); // in the 16 KiB page entry 3 gets
            m.tlb[12] = shadow(0x3000_0000, 1); // elsewhere
            m.tlb[13] = shadow(0x2000_0000, 7); // a 16 MiB shadow holding the new page
            m.tlb[14] = Entry { tid: 1, ..shadow(0x1000_0000, 1) }; // another TID, same page
        });
        p.tlb.set_hi(3, 0x1000_0000 | (1 << 7) | 0x40);
        p.vcpu.gpr[4] = 3;
        p.vcpu.gpr[5] = 0x2000_4000 | (2 << 7) | 0x40;
        assert_eq!(tlbwe(&mut p, x_form(5, 4, 0, 978)), Outcome::Next);
        let valid: Vec<bool> = crate::arch::host::with(|m| (10..15).map(|slot| m.tlb[slot].hi & 0x40 != 0).collect());
        assert_eq!(valid, [false, false, true, false, true]);
    }

    #[test]
    fn a_refill_drops_the_shadows_of_both_4_kib_pages_even_behind_a_tid_0_entry_and_an_invalid_entry_none() {
        use crate::address_space::shadow_tid;
        use crate::arch::ppc405::tlb::Entry;
        let mut p = Partition::EMPTY;
        p.index = 1;
        let shadow = |page: u32| Entry { hi: page | (1 << 7) | 0x40, lo: 0x0100_0000 | 0x300, tid: shadow_tid(1) };
        crate::arch::host::with(|m| {
            m.tlb[20] = Entry { tid: 0, ..shadow(0x1000_0000) }; // TID 0 translates for every PID
            m.tlb[21] = shadow(0x1000_0000); // entry 3's old page, behind it
            m.tlb[22] = shadow(0x1000_0000); // and again
            m.tlb[23] = shadow(0x5000_0000); // the page entry 3 gets
            m.tlb[24] = shadow(0x6000_0000); // the page of entry 4, already invalid
        });
        p.tlb.set_hi(3, 0x1000_0000 | (1 << 7) | 0x40);
        p.tlb.set_hi(4, 0x6000_0000 | (1 << 7));
        (p.vcpu.gpr[6], p.vcpu.gpr[7]) = (3, 4);
        p.vcpu.gpr[5] = 0x0300_0000 | 0x300;
        p.vcpu.gpr[8] = 0x5000_0000 | (1 << 7) | 0x40;
        // As a software refill does: TLBLO, then TLBHI; then TLBLO of an entry that maps nothing.
        assert_eq!(tlbwe(&mut p, x_form(5, 6, 1, 978)), Outcome::Next);
        assert_eq!(tlbwe(&mut p, x_form(8, 6, 0, 978)), Outcome::Next);
        assert_eq!(tlbwe(&mut p, x_form(5, 7, 1, 978)), Outcome::Next);
        let valid: Vec<bool> = crate::arch::host::with(|m| (20..25).map(|slot| m.tlb[slot].hi & 0x40 != 0).collect());
        assert_eq!(valid, [true, false, false, false, true]);
    }

    #[test]
    fn a_write_selector_above_1_is_an_illegal_instruction() {
        let mut p = Partition::EMPTY;
        assert_eq!(tlbwe(&mut p, x_form(3, 4, 2, 978)), program(esr::PIL));
    }
}

//! IRFM pages (feature `irfm`): each partition's read-only and read-write register pages.
//!
//! The layout is `irfm::page`'s. Each partition owns two 4 KiB pages of microvisor memory, mapped
//! at its `irfm_base` (by default `irfm::page::RO_PAGE`; no write permission) and the page after it
//! (read-write) in its address space, under its
//! one-to-one TID and, with `tlb-virt`, its shadow TID. While the guest runs, the pages are the
//! truth for what it reads and writes through them; while the microvisor runs, the register file
//! is: the read-write page is read back into the `Vcpu` when a trap enters the Rust path, and both
//! pages are written from it when the guest resumes. (The assembly fast path does not go through
//! Rust: with `irfm-fallback` it reads and writes the pages itself; without, a guest that mixes
//! trapped and mapped accesses to one register between two slow traps may see two values — a
//! fully para-virtualized guest never does.)
//!
//! The pages are the guest kernel's: they sit in zone [`crate::partition::IRFM_ZONE`], which the
//! real ZPR opens only while the guest is in its supervisor mode. In its user mode an IRFM load or
//! store (which replaced a privileged instruction) raises a data storage interrupt that the
//! dispatcher turns into the privileged-instruction program interrupt the original instruction
//! would have raised, at the same address.

use crate::arch::ppc405::tlb::{self, hi, lo, Entry};
use crate::system::Partition;
use crate::vcpu::Spr;
use irfm::page::{PAGE_BYTES, RO_SPRS};

/// Words in a page.
const WORDS: usize = PAGE_BYTES as usize / 4;

/// A partition's two pages, read-only first; page-aligned as the TLB needs.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(4096))]
pub struct Pages {
    /// The read-only page.
    pub ro: [u32; WORDS],
    /// The read-write page.
    pub rw: [u32; WORDS],
}

impl Pages {
    /// Both pages zero.
    pub const ZERO: Pages = Pages { ro: [0; WORDS], rw: [0; WORDS] };

    /// Real address of the read-only page (the read-write page follows it).
    pub fn real_address(&self) -> u32 {
        self as *const Pages as usize as u32
    }
}

/// The real TLB entries that map the pages at guest address `at` under `tid`: the read-only page,
/// then the read-write page, both in the IRFM zone.
pub fn entries(pages: &Pages, at: u32, tid: u8) -> [Entry; 2] {
    let base = pages.real_address();
    let zone = u32::from(crate::partition::IRFM_ZONE) << lo::ZSEL_SHIFT;
    [(at, base, 0), (at + PAGE_BYTES, base + PAGE_BYTES, lo::WR)]
        .map(|(address, real, write)| Entry { hi: address | (1 << hi::SIZE_SHIFT) | hi::V, lo: real | write | zone, tid })
}

/// Maps the pages at guest address `at` into a partition's address space under `tid`, from real
/// TLB slot `*slot`.
pub fn map(pages: &Pages, at: u32, tid: u8, slot: &mut usize) -> bool {
    for entry in entries(pages, at, tid) {
        if *slot >= tlb::ENTRIES {
            return false;
        }
        tlb::write(*slot, entry, 0);
        *slot += 1;
    }
    true
}

/// Copies the read-write page's registers (SRR0–3, SPRG0–3: the first eight of `Vcpu::sprs`),
/// spelled out: a slice copy becomes a call to the generic `memcpy`, several times slower on
/// this path that runs on every trap of a para-virtual guest.
macro_rules! copy_rw_registers {
    ($to:expr, $from:expr) => {{
        let (to, from) = (&mut $to, &$from);
        to[0] = from[0];
        to[1] = from[1];
        to[2] = from[2];
        to[3] = from[3];
        to[4] = from[4];
        to[5] = from[5];
        to[6] = from[6];
        to[7] = from[7];
    }};
}
const _: () = assert!(irfm::page::RW_SPRS.len() == 8);

/// The guest may have written SRR0–3 and SPRG0–3 in its read-write page: take them.
pub fn load(partition: &mut Partition, pages: &Pages) {
    copy_rw_registers!(partition.vcpu.sprs, pages.rw);
}

/// The read-only page's slot of SPR `number` (slot 0 is the MSR).
const fn ro_slot(number: u16) -> usize {
    let mut slot = 0;
    while slot < RO_SPRS.len() {
        if RO_SPRS[slot] == number {
            return 1 + slot;
        }
        slot += 1;
    }
    panic!("not an SPR of the read-only IRFM page")
}

/// The read-only page's SPRs that are plain storage in the register file: (page slot, index in
/// `Vcpu::sprs`). Every other one has a field of its own (EVPR, PID, TCR) or is the real one
/// (PVR). Worked out at build time, so that [`store`], which runs on every return to a
/// para-virtual guest, is straight-line loads and stores.
const RO_PLAIN: [(usize, usize); 8] = {
    let mut pairs = [(0, 0); 8];
    let (mut slot, mut n) = (0, 0);
    while slot < RO_SPRS.len() {
        let number = RO_SPRS[slot];
        if !matches!(number, irfm::spr::EVPR | irfm::spr::PID | irfm::spr::PVR | irfm::spr::TCR) {
            pairs[n] = match Spr::index_of(number) {
                Some(index) => (1 + slot, index),
                None => panic!("an SPR of the read-only IRFM page has no place in the register file"),
            };
            n += 1;
        }
        slot += 1;
    }
    assert!(n == pairs.len(), "RO_PLAIN's length must be the count of plain SPRs in irfm::page::RO_SPRS");
    pairs
};

/// Writes the register file's view into both pages before the guest runs again.
pub fn store(partition: &Partition, pages: &mut Pages) {
    let vcpu = &partition.vcpu;
    copy_rw_registers!(pages.rw, vcpu.sprs);
    let ro = &mut pages.ro;
    ro[irfm::page::RO_MSR as usize] = vcpu.msr;
    ro[const { ro_slot(irfm::spr::EVPR) }] = u32::from(vcpu.evpr) << 16;
    ro[const { ro_slot(irfm::spr::PID) }] = u32::from(vcpu.pid);
    ro[const { ro_slot(irfm::spr::PVR) }] = crate::arch::ppc405::spr::pvr();
    ro[const { ro_slot(irfm::spr::TCR) }] = vcpu.tcr;
    // Spelled out (not a loop) so that each is one load and one store.
    macro_rules! plain {
        ($($n:literal)*) => { $( ro[RO_PLAIN[$n].0] = vcpu.sprs[RO_PLAIN[$n].1]; )* };
    }
    plain!(0 1 2 3 4 5 6 7);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_carry_the_register_file_both_ways() {
        let mut partition = Partition::EMPTY;
        let mut pages = Pages::ZERO;
        partition.vcpu[Spr::Srr0] = 0x1234;
        partition.vcpu[Spr::Esr] = 0x0800_0000;
        partition.vcpu.msr = 0x8000;
        store(&partition, &mut pages);
        assert_eq!((pages.rw[0], pages.ro[0], pages.ro[1]), (0x1234, 0x8000, 0x0800_0000));
        pages.rw[5] = 0xabcd; // the guest writes SPRG1 with a store
        load(&mut partition, &pages);
        assert_eq!(partition.vcpu[Spr::Sprg1], 0xabcd);
    }
}

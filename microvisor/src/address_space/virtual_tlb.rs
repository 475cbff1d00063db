//! With `tlb-virt`: each partition has its own 64-entry virtual TLB, PID and ZPR.
//!
//! PPC405 user's manual, chapter 7. The guest manages its virtual TLB with the TLB instructions
//! (`emulate::tlb`); while it runs with translation on (MSR[IR] or MSR[DR]), the real TLB holds
//! *shadow* entries derived from it, installed when the real TLB misses:
//! - the guest's entry is looked up as QEMU's 405 does (valid, TID 0 or equal to the virtual PID,
//!   lowest index first, and where an entry refuses the access the next matching one is tried:
//!   [`search`]);
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
//! Shadows are flushed when the guest writes its TLB (`tlbwe`: those over the pages of the entry's
//! valid old and new tags; `tlbia`) or its PID; a guest in (virtual) real mode runs on the
//! one-to-one map of `partition`. A `tlbwe` of TLBHI also makes the entry's shadow at once where it
//! depends on that entry alone ([`preload`]), as a software-refilled TLB writes one to be used next.
//!
//! Two cases serve kinds of access differently on one page, while the real 405 has a single TLB for
//! all of them: MSR[IR] ≠ MSR[DR] (a *mixed* mode: fetches translated and data not, or the other way
//! round), and guest entries that overlap (an entry that refuses a fetch or a store hands it to the
//! next); and a para-virtual guest's pages in zone 15, the zone its IRFM pages hold in the real ZPR,
//! need their zone worked out in software. There the shadow is *precise*: a 4 KiB page made for the access that missed, whose EX and
//! WR say whether fetches and stores reach the same page and are allowed there; where they are not,
//! they fault on the real TLB and the page is shadowed again for them ([`storage_fault`]). Loads
//! cannot be made to fault, so a load from a page that loads and the missed access reach
//! differently reads the page last shadowed for it. An instruction that needs two translations of
//! one such page (fetched from it and storing to it) cannot run, and stops the partition with a
//! report. Precise shadows depend on MSR[PR] and ZPR: they are flushed when the mode, PR or ZPR
//! change.
//!
//! Limits (`docs/instructions.md`): 1 KiB and little-endian pages are refused with a report (QEMU
//! cannot map them).

use crate::arch::ppc405::spr as real;
use crate::arch::ppc405::tlb::{self, hi, lo, page_bytes, tag_bytes, Entry};
use crate::emulate::{Fault, Outcome};
use crate::partition::{in_granted_window, tid, GUEST_ZPR};
use crate::reflect::{esr, Interrupt};
use crate::system::{Partition, System};
use irfm::spr::msr;

/// Entries of a virtual TLB (as many as the 405 has).
pub const ENTRIES: usize = 64;

/// A partition's virtual TLB: 656 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlb {
    /// The tag words (TLBHI).
    pub hi: [u32; ENTRIES],
    /// The data words (TLBLO).
    pub lo: [u32; ENTRIES],
    /// The TIDs.
    pub tid: [u8; ENTRIES],
    /// MSR[PR, IR, DR] (as [`mode_key`]) under which the shadows in the real TLB were made.
    pub shadow_key: u8,
    /// The shadows are precise (`shadow_precise`), every one of them, until the next flush that a
    /// change of mode, PR, ZPR or PID makes.
    pub precise: bool,
    /// Real storage faults in a row at `fault_pc` with precise shadows (see [`storage_fault`]).
    pub faults: u8,
    /// Where the last real storage fault with precise shadows happened.
    pub fault_pc: u32,
    /// Two valid entries have overlapped since the last `tlbia` (whatever their TIDs): only then
    /// does a miss look for entries other than the one that serves it.
    pub overlaps: bool,
    /// The valid entries by where their pages lie ([`Tlb::candidates`]), so that a lookup tests a
    /// few entries instead of all 64: bit `i` of `blocks[b]` is entry `i`, of 16 KiB or less, in a
    /// 16 KiB block `b` modulo [`BLOCKS`]; bit `i` of `blocks[BLOCKS]`, entry `i` of 64 KiB or more,
    /// which meets every block. Kept by [`Tlb::set_hi`], the only writer of TLBHI.
    blocks: [u64; BLOCKS + 1],
}

/// The 16 KiB blocks [`Tlb::blocks`] sorts small pages into (modulo this many): a software-refilled
/// TLB of 4 KiB pages spreads over all of them.
const BLOCKS: usize = 8;

/// Bytes of a block: the largest page that lies in one.
const BLOCK_BYTES: u32 = 16 << 10;

/// The list of [`Tlb::blocks`] a valid entry with TLBHI `tag` belongs in.
const fn block_list(tag: u32) -> usize {
    if tag_bytes(tag) > BLOCK_BYTES {
        BLOCKS
    } else {
        block_of(tag)
    }
}

/// The block of `address`.
const fn block_of(address: u32) -> usize {
    (address / BLOCK_BYTES) as usize % BLOCKS
}

impl Tlb {
    /// All entries invalid, as QEMU's 405 starts: EPN 0, and read back as 4 KiB pages
    /// (`emulate::tlb_virt`).
    pub const EMPTY: Tlb = Tlb {
        hi: [hi::SIZE_4K << hi::SIZE_SHIFT; ENTRIES],
        lo: [0; ENTRIES],
        tid: [0; ENTRIES],
        shadow_key: FULL_TRANSLATION,
        precise: false,
        faults: 0,
        fault_pc: 0,
        overlaps: false,
        blocks: [0; BLOCKS + 1],
    };

    /// A reset: every entry invalid, its other fields kept (QEMU's reset clears V alone), the
    /// bookkeeping as it starts. (In place, field by field: a whole `Tlb` built and copied would
    /// bring a 656-byte constant into the image.)
    pub fn reset(&mut self) {
        self.invalidate_entries();
        (self.shadow_key, self.precise, self.faults, self.fault_pc) = (FULL_TRANSLATION, false, 0, 0);
    }

    /// `tlbia`: every entry invalid, its other fields kept (as QEMU's). The shadows' bookkeeping is
    /// the caller's.
    pub fn invalidate_entries(&mut self) {
        self.hi.iter_mut().for_each(|tag| *tag &= !hi::V);
        self.blocks = [0; BLOCKS + 1];
        self.overlaps = false;
    }

    /// Writes TLBHI of entry `slot` (every write goes here, so that [`Tlb::blocks`] stays right).
    pub fn set_hi(&mut self, slot: usize, tag: u32) {
        let bit = 1u64 << slot;
        let before = self.hi[slot];
        if before & hi::V != 0 {
            self.blocks[block_list(before)] &= !bit;
        }
        self.hi[slot] = tag;
        if tag & hi::V != 0 {
            self.blocks[block_list(tag)] |= bit;
        }
    }

    /// The valid entries that may cover any of the `bytes` (a page size) at `address`: those in its
    /// block and the large ones, or for a large page all of them. (A superset: each is still tested.)
    fn candidates(&self, address: u32, bytes: u32) -> u64 {
        #[cfg(test)]
        self.check_blocks();
        if bytes > BLOCK_BYTES {
            self.blocks.iter().fold(0, |all, list| all | list)
        } else {
            self.blocks[block_of(address)] | self.blocks[BLOCKS]
        }
    }

    /// Host tests: [`Tlb::blocks`] says what TLBHI says (a test that wrote `hi` directly fails here).
    #[cfg(test)]
    fn check_blocks(&self) {
        let mut blocks = [0u64; BLOCKS + 1];
        for (slot, &tag) in self.hi.iter().enumerate() {
            if tag & hi::V != 0 {
                blocks[block_list(tag)] |= 1 << slot;
            }
        }
        assert_eq!(self.blocks, blocks, "blocks out of step with TLBHI");
    }

    /// Notes that TLBHI of entry `slot` was written: whether it now overlaps another valid entry.
    /// (A software-refilled TLB writes one on every miss: the scan is tight, and once an overlap is
    /// noted it is not made again. Two pages overlap where their EPNs agree above the larger one's
    /// size; the mask `!(bytes − 1)` of a power of two is `−bytes`, and of 1 KiB at least it drops
    /// the fields below EPN.)
    pub fn hi_written(&mut self, slot: usize) {
        let tag = self.hi[slot];
        if tag & hi::V != 0 && !self.overlaps {
            let mask = tag_bytes(tag).wrapping_neg();
            let others = self.candidates(tag, tag_bytes(tag)) & !(1u64 << slot);
            self.overlaps = entries_in(others, |other| {
                let other_tag = self.hi[other];
                (tag ^ other_tag) & mask & tag_bytes(other_tag).wrapping_neg() == 0
            })
            .next()
            .is_some();
        }
    }

    /// The index of the first entry that translates `address` for process `pid`, if any.
    pub fn find(&self, address: u32, pid: u8) -> Option<usize> {
        self.translating(address, pid).next()
    }

    /// The entries, lowest index first, that translate `address` for process `pid`: [`Tlb::matching`]
    /// for one byte, scanned with the page size as the only mask (what every shadow miss does).
    pub fn translating(&self, address: u32, pid: u8) -> impl Iterator<Item = usize> + '_ {
        entries_in(self.candidates(address, 4), move |index| self.covers(index, address, pid, 4))
    }

    /// The entries, lowest index first, that cover any of the `bytes` (a page size) at `address`
    /// for process `pid`.
    fn matching(&self, address: u32, pid: u8, bytes: u32) -> impl Iterator<Item = usize> + '_ {
        entries_in(self.candidates(address, bytes), move |index| self.covers(index, address, pid, bytes))
    }

    /// Whether entry `index` covers any of the `bytes` at `address` for process `pid`. Inlined into
    /// the scans of [`Tlb::translating`] (every shadow miss makes one, over the candidates of
    /// [`Tlb::candidates`]) and [`Tlb::matching`]. The address is compared first, as it rules out
    /// most entries, and the TID is apart ([`Tlb::translates_for`]), so the loop holds the page test
    /// alone. Only valid entries are candidates, so V is not tested again.
    #[inline(always)]
    fn covers(&self, index: usize, address: u32, pid: u8, bytes: u32) -> bool {
        let tag = self.hi[index];
        // At least 1 KiB, so the mask also drops TLBHI's fields below EPN.
        let mask = !(tag_bytes(tag).max(bytes) - 1);
        (address ^ tag) & mask == 0 && self.translates_for(index, pid)
    }

    /// Whether entry `index` translates for process `pid`: TID 0 or `pid`. (Cold: it keeps the
    /// scans that test the page first tight.)
    #[cold]
    fn translates_for(&self, index: usize, pid: u8) -> bool {
        let tid = self.tid[index];
        tid == 0 || tid == pid
    }
}

/// The entry indexes in `set` (bit `i`: entry `i`), lowest first, for which `selected` holds: one
/// loop per caller's test (generic, so a caller's constants fold into its own scan).
fn entries_in(set: u64, selected: impl Fn(usize) -> bool) -> impl Iterator<Item = usize> {
    // By 32-bit halves: the 405 has no 64-bit arithmetic.
    let (mut low, mut high) = (set as u32, (set >> 32) as u32);
    core::iter::from_fn(move || loop {
        let index = if low != 0 {
            let bit = low.trailing_zeros();
            low &= low - 1;
            bit
        } else if high != 0 {
            let bit = high.trailing_zeros();
            high &= high - 1;
            32 + bit
        } else {
            return None;
        };
        if selected(index as usize) {
            return Some(index as usize);
        }
    })
}

/// The real TID of partition `index`'s shadow entries.
pub const fn shadow_tid(index: u8) -> u8 {
    0x10 + index
}

fn translating(partition: &Partition) -> bool {
    partition.vcpu.msr & (msr::IR | msr::DR) != 0
}

/// [`mode_key`] of MSR[IR] = MSR[DR] = 1 in supervisor mode.
const FULL_TRANSLATION: u8 = 3;

/// The zone of precise shadows.
const PRECISE_ZONE: u32 = 0;
/// The real ZPR while precise shadows are used: zone 0 = 01 (EX and WR apply, in user mode too),
/// the others closed (no precise shadow uses them). The fast path's `rfi` loads it too.
pub const PRECISE_ZPR: u32 = 0x4000_0000;

/// MSR[PR, IR, DR] in one byte: IR → 2, DR → 1, PR → 4.
const fn mode_key(msr_value: u32) -> u8 {
    (((msr_value & (msr::IR | msr::DR)) >> 4) | ((msr_value & msr::PR) >> 12)) as u8
}

/// Whether a [`mode_key`] translates one side only.
const fn mixed_key(key: u8) -> bool {
    matches!(key & 3, 1 | 2)
}

/// Whether the partition runs with MSR[IR] ≠ MSR[DR].
pub fn mixed(partition: &Partition) -> bool {
    mixed_key(mode_key(partition.vcpu.msr))
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
    let (pid, zpr) = if translating(partition) && partition.tlb.precise {
        (shadow_tid(partition.index), PRECISE_ZPR)
    } else if translating(partition) {
        let zpr = partition.vcpu[crate::vcpu::Spr::Zpr];
        (shadow_tid(partition.index), real_zpr(zpr, user))
    } else {
        (tid(usize::from(partition.index)), GUEST_ZPR)
    };
    // Only a para-virtual partition has IRFM pages: a fully virtualized one keeps all 16 zones.
    let irfm_pages = cfg!(feature = "irfm") && partition.mode != irfm::image::Mode::Full;
    let zpr = if irfm_pages { crate::partition::with_irfm_zone(zpr, user) } else { zpr };
    (pid, zpr)
}

/// The guest changed MSR[PR, IR, DR]: load the real PID and ZPR that now apply. Precise shadows serve
/// only the mode (PR included) they were made in, and a mixed mode cannot use the others: they go
/// when the guest enters another translated mode. (Plain shadows serve both PR values through the
/// real ZPR; in real mode no shadow is used, so they wait for the guest's return.)
pub fn translation_changed(partition: &mut Partition) {
    let key = mode_key(partition.vcpu.msr);
    let tlb = &mut partition.tlb;
    if key & 3 != 0 && key != tlb.shadow_key {
        if tlb.precise || mixed_key(key) {
            flush_shadows(partition.index);
            tlb.precise = false;
        }
        tlb.shadow_key = key;
    }
    let (pid, zpr) = real_context(partition);
    real::set_pid(pid);
    real::set_zpr(zpr);
}

/// The guest wrote ZPR: precise shadows, which were worked out with the old one, go.
pub fn zpr_changed(partition: &mut Partition) {
    if partition.tlb.precise {
        flush_shadows(partition.index);
        partition.tlb.precise = false;
    }
    translation_changed(partition);
}

/// The guest changed its PID: shadows made for the old one go.
pub fn pid_changed(partition: &mut Partition) {
    flush_shadows(partition.index);
    partition.tlb.precise = false;
    translation_changed(partition);
}

/// A processor reset (`reset`): every virtual entry invalid and the shadows gone. (The real PID and
/// ZPR are loaded by `partition::enter` if the partition runs.)
pub fn reset(partition: &mut Partition) {
    partition.tlb.reset();
    flush_shadows(partition.index);
}

/// Invalidates every real entry made for partition `index`'s virtual TLB.
pub fn flush_shadows(index: u8) {
    tlb::invalidate_tid(shadow_tid(index));
}

/// Invalidates the real entries made for partition `index`'s virtual TLB that lie, even in part,
/// in the page of either TLBHI word if it is valid: what a guest `tlbwe` that changed an entry from
/// the first to the second can change. A shadow never spans more than the guest entries it was made
/// from, what any other address translates to depends only on the valid entries that cover it, and
/// an invalid entry takes part in no translation, so the rest stay right.
///
/// The page of a 4 KiB (or 1 KiB) entry, which a software-refilled TLB writes on every miss, is
/// searched for (`tlb::invalidate_tid_at`): every shadow is an aligned page of 4 KiB or more, so one
/// that holds a byte of it translates its first. Larger pages are looked for in all 64 entries.
pub fn flush_shadows_over(index: u8, tags: [u32; 2]) {
    let tid = shadow_tid(index);
    // (first, last) = (MAX, 0): a range no page overlaps.
    let mut scan = [(u32::MAX, 0); 2];
    for (range, tag) in scan.iter_mut().zip(tags) {
        let (first, last) = tlb::tag_range(tag);
        if tag & hi::V != 0 && (last - first >= 4 << 10 || !tlb::invalidate_tid_at(tid, first)) {
            *range = (first, last);
        }
    }
    if scan != [(u32::MAX, 0); 2] {
        tlb::invalidate_tid_within(tid, scan);
    }
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

/// What an access gets: (its real address, the guest entry that served it), or what the guest gets
/// instead.
type Translation = Result<(u32, Option<usize>), Outcome>;

/// Translates an access at `address` as the guest's own 405 does, as QEMU 7.2 models it (PPC405
/// manual 7.5 leaves several matching entries undefined): every entry that matches the address and
/// PID is tried, lowest index first, and the first that allows the access serves it. Each one that
/// does not leaves its mark in ESR (DIZ for a zone fault, 0 for a missing EX or WR), even when a
/// later one serves the access; the last mark is the fault's when none does. Returns the mark too.
fn search(partition: &Partition, address: u32, access: Access) -> (Translation, Option<u32>) {
    let relocate = if access == Access::Fetch { msr::IR } else { msr::DR };
    let vcpu = &partition.vcpu;
    if vcpu.msr & relocate == 0 {
        let real = owned(partition, address).map(|real| (real, None));
        return (real.ok_or(Outcome::Stop(Fault::OutsideMemory { address })), None);
    }
    let tlb = &partition.tlb;
    let user = vcpu.user_mode();
    let mut mark = None;
    for index in tlb.translating(address, vcpu.pid) {
        let data = tlb.lo[index];
        let zone = (vcpu[crate::vcpu::Spr::Zpr] >> (30 - 2 * ((data >> lo::ZSEL_SHIFT) & 0xf))) & 3;
        let allowed = match zone {
            0 if user => false,
            3 => true,
            2 if !user => true,
            _ => match access {
                Access::Fetch => data & lo::EX != 0,
                Access::Store => data & lo::WR != 0,
                Access::Load => true,
            },
        };
        if !allowed {
            mark = Some(if zone == 0 && user { esr::DIZ } else { 0 });
            continue;
        }
        let mask = tag_bytes(tlb.hi[index]) - 1;
        let physical = (data & lo::RPN & !mask) | (address & mask);
        let real = owned(partition, physical).map(|real| (real, Some(index)));
        return (real.ok_or(Outcome::Stop(Fault::OutsideMemory { address: physical })), mark);
    }
    let store = if access == Access::Store { esr::DST } else { 0 };
    let interrupt = match (mark, access) {
        (None, Access::Fetch) => Interrupt::InstructionTlbMiss,
        (None, _) => Interrupt::DataTlbMiss { dear: address, esr: store },
        (Some(esr), Access::Fetch) => Interrupt::InstructionStorage { esr },
        (Some(esr), _) => Interrupt::DataStorage { dear: address, esr: esr | store },
    };
    (Err(Outcome::Reflect(interrupt)), mark)
}

/// [`search`]'s translation alone.
fn translate(partition: &Partition, address: u32, access: Access) -> Translation {
    search(partition, address, access).0
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
    system.partitions[index].tlb.faults = 0;
    shadow_for(system, index, address, data, store)
}

/// What a real miss (or, with precise shadows, a real storage fault) at `address` gets: see [`tlb_miss`].
fn shadow_for(system: &mut System, index: usize, address: u32, data: bool, store: bool) -> Outcome {
    #[cfg(feature = "irfm")]
    if let Some(outcome) = irfm_page(system, index, address) {
        return outcome;
    }
    let partition = &system.partitions[index];
    let access = match (data, store) {
        (false, _) => Access::Fetch,
        (true, false) => Access::Load,
        (true, true) => Access::Store,
    };
    let (translation, mark) = search(partition, address, access);
    let (real, entry) = match translation {
        Ok(found) => found,
        // An emulated device (I/O address-map translation) behind the guest's own mapping, nothing
        // on the board, or the partition reaching for what is not its own.
        Err(Outcome::Stop(Fault::OutsideMemory { address: physical })) => {
            return crate::io_map::outside(&mut system.partitions[index], address, physical, data);
        }
        Err(outcome) => return outcome,
    };
    if let Some(mark) = mark {
        // Entries before the one that serves the access refused it: QEMU leaves their mark in ESR.
        system.partitions[index].vcpu[crate::vcpu::Spr::Esr] = mark;
    }
    let partition = &system.partitions[index];
    if mixed(partition) || partition.tlb.precise {
        return shadow_precise(system, index, address, real, entry);
    }
    let Some(entry) = entry else {
        // Untranslated, and the one-to-one map missed: an emulated device, or outside its memory.
        return crate::io_map::outside(&mut system.partitions[index], address, address, data);
    };
    let tag = partition.tlb.hi[entry];
    let size = (tag & hi::SIZE) >> hi::SIZE_SHIFT;
    if size == 0 {
        return Outcome::Stop(Fault::TinyPage);
    }
    if tag & hi::E != 0 {
        return Outcome::Stop(Fault::LittleEndianPage);
    }
    // A para-virtual partition's zone 15 is its IRFM pages' in the real ZPR: a page of the guest's in
    // that zone gets its access worked out in software.
    #[cfg(feature = "irfm")]
    if partition.mode != irfm::image::Mode::Full && (partition.tlb.lo[entry] >> lo::ZSEL_SHIFT) & 0xf == u32::from(crate::partition::IRFM_ZONE) {
        return shadow_precise(system, index, address, real, Some(entry));
    }
    let crowded = partition.tlb.overlaps && overlapped(partition, address, entry, page_bytes(size));
    if crowded && overlapped(partition, address, entry, page_bytes(1)) {
        return shadow_precise(system, index, address, real, Some(entry));
    }
    let shadow = match plain_shadow(partition, address, entry, crowded) {
        Ok(shadow) => shadow,
        Err(physical) => return Outcome::Stop(Fault::OutsideMemory { address: physical }),
    };
    install(system, shadow);
    Outcome::Resume
}

/// Whether an entry of the guest's other than `entry` covers any of the `bytes` (a page size)
/// around `address` for its PID.
fn overlapped(partition: &Partition, address: u32, entry: usize, bytes: u32) -> bool {
    partition.tlb.matching(address & !(bytes - 1), partition.vcpu.pid, bytes).any(|other| other != entry)
}

/// The plain shadow of the guest's valid `entry` for an access at `address`:
/// the largest page, no larger than the guest's, around the address that the partition owns whole
/// and, where entries overlap (`crowded`), that no other entry of the guest overlaps (an access
/// this entry refuses may be another's: QEMU tries them all). `Err` with the guest physical address
/// if the partition does not own even 4 KiB there, or the entry is of 1 KiB.
fn plain_shadow(partition: &Partition, address: u32, entry: usize, crowded: bool) -> Result<Entry, u32> {
    let (tag, data_word) = (partition.tlb.hi[entry], partition.tlb.lo[entry]);
    let size = (tag & hi::SIZE) >> hi::SIZE_SHIFT;
    let guest_mask = page_bytes(size) - 1;
    let physical = (data_word & lo::RPN & !guest_mask) | (address & guest_mask);
    let shadow_size = (1..=size)
        .rev()
        .find(|&candidate| {
            let bytes = page_bytes(candidate);
            if crowded && overlapped(partition, address, entry, bytes) {
                return false;
            }
            let first = physical & !(bytes - 1);
            let Some(last) = first.checked_add(bytes - 1) else { return false };
            let (Some(start), Some(end)) = (owned(partition, first), owned(partition, last)) else {
                return false;
            };
            end.wrapping_sub(start) == bytes - 1 && start & (bytes - 1) == 0
        })
        .ok_or(physical)?;
    let bytes = page_bytes(shadow_size);
    let real_page = owned(partition, physical & !(bytes - 1)).unwrap_or(0);
    let device = partition.real_address(physical).is_none();
    let attributes = data_word & (lo::EX | lo::WR | (0xf << lo::ZSEL_SHIFT) | lo::W | lo::I | lo::M | lo::G);
    let attributes = if device { attributes | lo::I | lo::G } else { attributes };
    Ok(Entry {
        hi: (address & !(bytes - 1)) | (shadow_size << hi::SIZE_SHIFT) | hi::V,
        lo: real_page | attributes,
        tid: shadow_tid(partition.index),
    })
}

/// The guest wrote a TLBHI word with `tlbwe` (`word`; `emulate::tlb` has written it and flushed the
/// shadows over the page): where its next access to the page would make a plain shadow, one that
/// depends on this entry alone, that shadow is made now, sparing a software-refilled TLB the real
/// miss that follows every refill. That is: the shadows are plain and serve a mode that is not
/// mixed, no two entries overlap, the entry is valid, of 4 KiB or more, big-endian (its TID is the
/// current PID, as `tlbwe` took it), not in a para-virtual guest's IRFM zone, and the partition owns
/// its page.
/// Otherwise the miss makes (or refuses) it, as before.
pub fn preload(system: &mut System, index: usize, word: u32) {
    let partition = &system.partitions[index];
    let slot = crate::emulate::tlb::index(partition, word);
    let tlb = &partition.tlb;
    let tag = tlb.hi[slot];
    let plain = !tlb.precise && !tlb.overlaps && !mixed_key(tlb.shadow_key);
    let simple = irfm::insn::rb(word) == 0
        && tag & (hi::V | hi::E) == hi::V;
    #[cfg(feature = "irfm")]
    let simple = simple
        && (partition.mode == irfm::image::Mode::Full
            || (tlb.lo[slot] >> lo::ZSEL_SHIFT) & 0xf != u32::from(crate::partition::IRFM_ZONE));
    if plain && simple {
        if let Ok(shadow) = plain_shadow(partition, tag & hi::EPN, slot, false) {
            // The guest may be in real mode (a TLB-miss handler), whose PID is not the shadows'.
            let pid = real_context(partition).0;
            install_leaving_pid(system, shadow, pid);
        }
    }
}

/// A para-virtual partition's IRFM page at `address`, mapped again: translated, the guest reaches
/// its IRFM pages through entries with its shadow TID, which go whenever its shadows are flushed.
#[cfg(feature = "irfm")]
fn irfm_page(system: &mut System, index: usize, address: u32) -> Option<Outcome> {
    let partition = &system.partitions[index];
    let offset = address.wrapping_sub(partition.descriptor.irfm_base);
    if partition.mode == irfm::image::Mode::Full || offset >= 2 * irfm::page::PAGE_BYTES {
        return None;
    }
    let entries = crate::irfm_pages::entries(&system.irfm[index], partition.descriptor.irfm_base, shadow_tid(partition.index));
    install(system, entries[(offset / irfm::page::PAGE_BYTES) as usize]);
    Some(Outcome::Resume)
}

/// Writes a shadow entry into the next shadow slot of the real TLB (round robin), for a guest that
/// translates (the real PID is left at the shadow's TID).
fn install(system: &mut System, shadow: Entry) {
    install_leaving_pid(system, shadow, shadow.tid);
}

/// [`install`], leaving the real PID at `pid`.
fn install_leaving_pid(system: &mut System, shadow: Entry, pid: u8) {
    let slot = usize::from(system.next_shadow_slot).max(usize::from(system.first_shadow_slot));
    system.next_shadow_slot =
        if slot + 1 >= tlb::ENTRIES { system.first_shadow_slot } else { slot as u8 + 1 };
    tlb::write(slot, shadow, pid);
}

/// A *precise* shadow for an access at `address` that reaches `real` (through the guest's `entry`, or
/// one-to-one), where the kinds of access may be served differently: in a mixed mode, or where
/// several guest entries cover the page. A 4 KiB page, with EX and WR only where fetches and stores
/// reach the same page and are allowed there, worked out for the current MSR[PR] and ZPR (see the
/// module's documentation): such shadows go when those change.
fn shadow_precise(system: &mut System, index: usize, address: u32, real: u32, entry: Option<usize>) -> Outcome {
    let partition = &mut system.partitions[index];
    if !partition.tlb.precise {
        // Plain shadows lean on the real ZPR, which precise ones replace (PRECISE_ZPR): they go.
        flush_shadows(partition.index);
        partition.tlb.precise = true;
        let (pid, zpr) = real_context(partition);
        real::set_pid(pid);
        real::set_zpr(zpr);
    }
    let partition = &system.partitions[index];
    let page = real & !0xfff;
    let reaches = |access| matches!(translate(partition, address, access), Ok((other, _)) if other & !0xfff == page);
    let (fetch, store) = (reaches(Access::Fetch), reaches(Access::Store));
    let guest_attributes = entry.map_or(0, |entry| partition.tlb.lo[entry] & (lo::W | lo::I | lo::M | lo::G));
    // A granted device window, not the partition's memory: guarded and cache-inhibited, always.
    let device = if partition.owns_real(real) { 0 } else { lo::I | lo::G };
    let shadow = Entry {
        hi: (address & !0xfff) | (hi::SIZE_4K << hi::SIZE_SHIFT) | hi::V,
        lo: page
            | (PRECISE_ZONE << lo::ZSEL_SHIFT)
            | if fetch { lo::EX } else { 0 }
            | if store { lo::WR } else { 0 }
            | guest_attributes
            | device,
        tid: shadow_tid(partition.index),
    };
    install(system, shadow);
    Outcome::Resume
}

/// A real DSI or ISI (`data`, `store`) at `address` while the partition runs: with precise shadows
/// (a mixed mode, or guest entries that overlap) it may come from a shadow made for another kind of
/// access, so the page is shadowed again for this one (which gives the guest its own interrupt if
/// its 405 would raise one); `None` otherwise (the interrupt is the guest's, as it is). The same
/// instruction faulting again and again needs two translations of one page: it is stopped.
pub fn storage_fault(system: &mut System, index: usize, address: u32, data: bool, store: bool) -> Option<Outcome> {
    let partition = &mut system.partitions[index];
    if !partition.tlb.precise {
        return None;
    }
    let pc = partition.vcpu.pc;
    let tlb = &mut partition.tlb;
    tlb.faults = if tlb.fault_pc == pc { tlb.faults.saturating_add(1) } else { 1 };
    tlb.fault_pc = pc;
    if tlb.faults > FAULTS_IN_A_ROW {
        return Some(Outcome::Stop(Fault::MixedTranslation));
    }
    flush_shadows(partition.index);
    let outcome = shadow_for(system, index, address, data, store);
    if matches!(outcome, Outcome::Reflect(_)) {
        system.partitions[index].tlb.faults = 0; // the guest takes its own interrupt: that is progress
    }
    Some(outcome)
}

/// Real storage faults one instruction may take in a row with precise shadows before it is stopped: its
/// fetch and its access may each find the other side's shadow (twice each with a string access
/// across two pages); an instruction needing both sides of one page goes on without end.
const FAULTS_IN_A_ROW: u8 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    fn partition() -> Partition {
        let mut p = Partition { index: 0, ..Partition::with_memory(16 << 20, 16 << 20) };
        // Entry 3: EA 0x1000_0000 → guest physical 0x0010_0000, 16 KiB, zone 1, EX|WR; TID 5.
        p.tlb.set_hi(3, 0x1000_0000 | (2 << hi::SIZE_SHIFT) | hi::V);
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

    /// A system whose partition 0 is [`partition`] with MSR[PR, IR, DR] = `msr_bits`, shadows from slot 8.
    fn system_in(msr_bits: u32) -> System {
        let mut system = System::new();
        system.partitions[0] = partition();
        system.partitions[0].vcpu.msr = msr_bits;
        system.partitions[0].vcpu.pc = 0x0000_2000;
        system.first_shadow_slot = 8;
        system
    }

    fn shadows() -> Vec<Entry> {
        crate::arch::host::with(|m| m.tlb.iter().copied().filter(|e| e.hi & hi::V != 0 && e.tid == shadow_tid(0)).collect())
    }

    /// `tlbwe r4,r6,0` of entry 3's own TLBHI (r6 = 3), as the last write of a refill, then
    /// [`preload`], as `trap::program` calls it.
    fn refill_entry_3(system: &mut System) {
        let word = (31 << 26) | (4 << 21) | (6 << 16) | (978 << 1);
        let p = &mut system.partitions[0];
        (p.vcpu.gpr[4], p.vcpu.gpr[6]) = (p.tlb.hi[3], 3);
        assert_eq!(crate::emulate::tlb::tlbwe(p, word), Outcome::Next);
        preload(system, 0, word);
    }

    #[test]
    fn a_refill_in_real_mode_preloads_the_shadow_the_miss_would_make_and_leaves_the_real_mode_pid() {
        let mut system = system_in(0); // the guest's TLB-miss handler, untranslated
        refill_entry_3(&mut system);
        let [preloaded] = shadows()[..] else { panic!("one shadow expected: {:x?}", shadows()) };
        assert_eq!(crate::arch::host::read_spr(945), u32::from(crate::partition::tid(0)), "the real-mode map's PID");
        // Back in translated mode, what a miss in the page makes instead:
        crate::arch::host::invalidate_tlb();
        system.partitions[0].vcpu.msr = msr::IR | msr::DR;
        translation_changed(&mut system.partitions[0]);
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_2345, true, false), Outcome::Resume);
        assert_eq!(shadows(), [preloaded]);
    }

    #[test]
    fn no_shadow_is_preloaded_where_the_miss_would_look_beyond_the_entry_or_refuse_it() {
        let changes: [fn(&mut Partition); 6] = [
            |p| p.tlb.overlaps = true,
            |p| p.tlb.precise = true,
            |p| p.tlb.shadow_key = mode_key(msr::DR), // the shadows serve a mixed mode
            |p| p.tlb.lo[3] = 0x0200_0000 | lo::WR,  // memory not its own: the miss stops it
            |p| p.tlb.hi[3] &= !hi::SIZE,            // a 1 KiB page: the miss stops it
            |p| p.tlb.hi[3] |= hi::E,                // little-endian: the miss stops it
        ];
        for change in changes {
            let mut system = system_in(0);
            crate::arch::host::invalidate_tlb();
            change(&mut system.partitions[0]);
            refill_entry_3(&mut system);
            assert!(shadows().is_empty(), "{:x?}", shadows());
        }
    }

    #[test]
    #[cfg(feature = "irfm")]
    fn no_shadow_is_preloaded_for_a_para_virtual_guests_page_in_the_irfm_zone() {
        let mut system = system_in(0);
        system.partitions[0].mode = irfm::image::Mode::Para;
        system.partitions[0].tlb.lo[3] |= 0xf << lo::ZSEL_SHIFT; // zone 15
        refill_entry_3(&mut system);
        assert!(shadows().is_empty(), "{:x?}", shadows());
    }

    #[test]
    fn with_data_translation_alone_a_data_page_is_shadowed_without_ex_where_fetches_go_elsewhere() {
        let mut system = system_in(msr::DR);
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, true, true), Outcome::Resume);
        // Fetches at 0x1000_0000 are one-to-one, outside the partition's memory: no EX.
        let [shadow] = shadows()[..] else { panic!("one shadow expected: {:x?}", shadows()) };
        assert_eq!(shadow.hi, 0x1000_0000 | (hi::SIZE_4K << hi::SIZE_SHIFT) | hi::V);
        assert_eq!(shadow.lo & (lo::RPN | lo::EX | lo::WR), ((16 << 20) + 0x0010_0000) | lo::WR);
    }

    #[test]
    fn with_data_translation_alone_a_code_page_is_shadowed_one_to_one_without_wr_where_data_misses() {
        let mut system = system_in(msr::DR);
        assert_eq!(tlb_miss(&mut system, 0, 0x0000_2000, false, false), Outcome::Resume);
        let shadow = shadows()[0];
        assert_eq!(shadow.lo & (lo::RPN | lo::EX | lo::WR), ((16 << 20) + 0x2000) | lo::EX, "{shadow:x?}");
        // A store there finds the fetch's shadow: shadowed again, the guest gets its own data TLB miss.
        assert_eq!(
            storage_fault(&mut system, 0, 0x0000_2004, true, true),
            Some(Outcome::Reflect(Interrupt::DataTlbMiss { dear: 0x0000_2004, esr: esr::DST }))
        );
    }

    #[test]
    fn a_page_both_sides_reach_alike_gets_ex_and_wr() {
        let mut system = system_in(msr::IR);
        // The guest's entry 3 maps EA 0x0010_0000 onto itself: fetches through it, data one-to-one.
        system.partitions[0].tlb.set_hi(3, 0x0010_0000 | (2 << hi::SIZE_SHIFT) | hi::V);
        assert_eq!(tlb_miss(&mut system, 0, 0x0010_1000, false, false), Outcome::Resume);
        assert_eq!(shadows()[0].lo & (lo::EX | lo::WR), lo::EX | lo::WR);
    }

    #[test]
    fn an_instruction_needing_both_translations_of_its_page_is_stopped_not_looped() {
        let mut system = system_in(msr::IR);
        // Fetched through entry 3 (EA 0x4000 → guest page 0x0010_0000), storing one-to-one to 0x4000.
        system.partitions[0].tlb.set_hi(3, 0x0000_4000 | (2 << hi::SIZE_SHIFT) | hi::V);
        system.partitions[0].vcpu.pc = 0x0000_4000;
        translation_changed(&mut system.partitions[0]);
        assert_eq!(tlb_miss(&mut system, 0, 0x0000_4000, false, false), Outcome::Resume);
        let outcomes: Vec<_> = (0..6).map(|n| storage_fault(&mut system, 0, 0x0000_4000, n % 2 == 0, true)).collect();
        assert!(outcomes[..4].iter().all(|o| *o == Some(Outcome::Resume)), "{outcomes:?}");
        assert_eq!(outcomes[4], Some(Outcome::Stop(Fault::MixedTranslation)));
    }

    #[test]
    fn shadows_of_a_mixed_mode_go_when_the_mode_changes() {
        let mut system = system_in(msr::DR);
        translation_changed(&mut system.partitions[0]);
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, true, false), Outcome::Resume);
        assert_eq!(shadows().len(), 1);
        let partition = &mut system.partitions[0];
        partition.vcpu.msr = msr::IR | msr::DR;
        translation_changed(partition);
        assert!(shadows().is_empty());
        assert_eq!(partition.tlb.shadow_key, FULL_TRANSLATION);
    }

    #[test]
    fn precise_shadows_of_one_mode_go_when_an_rfi_returns_through_real_mode_into_another() {
        // Made in the guest's supervisor mode (entries 1 and 3 overlap); then an interrupt and an rfi
        // into its user mode, as an OS returns to a task: they must not serve the other mode.
        let mut system = system_in(msr::IR | msr::DR);
        translation_changed(&mut system.partitions[0]);
        system.partitions[0].tlb.set_hi(1, 0x1000_0000 | (2 << hi::SIZE_SHIFT) | hi::V);
        system.partitions[0].tlb.lo[1] = 0x0020_0000 | lo::WR | (1 << lo::ZSEL_SHIFT);
        system.partitions[0].tlb.hi_written(1);
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, false, false), Outcome::Resume);
        assert!(system.partitions[0].tlb.precise);
        let partition = &mut system.partitions[0];
        partition.vcpu.msr = 0; // the interrupt
        translation_changed(partition);
        assert_eq!(shadows().len(), 1, "kept while the guest runs untranslated");
        assert_eq!(partition.tlb.shadow_key, FULL_TRANSLATION, "still the mode they serve");
        partition.vcpu.msr = msr::PR | msr::IR | msr::DR; // the rfi
        translation_changed(partition);
        assert!(shadows().is_empty());
        assert_eq!((partition.tlb.precise, partition.tlb.shadow_key), (false, mode_key(partition.vcpu.msr)));
    }

    #[test]
    fn an_access_one_entry_refuses_is_served_by_a_later_matching_entry_as_on_qemu() {
        let mut system = system_in(msr::IR | msr::DR);
        // Entry 1 covers the same 16 KiB as entry 3, onto another page, without EX.
        system.partitions[0].tlb.set_hi(1, 0x1000_0000 | (2 << hi::SIZE_SHIFT) | hi::V);
        system.partitions[0].tlb.lo[1] = 0x0020_0000 | lo::WR | (1 << lo::ZSEL_SHIFT);
        system.partitions[0].tlb.hi_written(1);
        assert!(system.partitions[0].tlb.overlaps);
        system.partitions[0].vcpu[crate::vcpu::Spr::Esr] = 0x1234;
        let partition = &system.partitions[0];
        assert_eq!(search(partition, 0x1000_0010, Access::Fetch), (Ok(((16 << 20) + 0x0010_0010, Some(3))), Some(0)));
        assert_eq!(search(partition, 0x1000_0010, Access::Load), (Ok(((16 << 20) + 0x0020_0010, Some(1))), None));
        // The fetch's shadow is a precise 4 KiB page: EX, no WR (stores go to entry 1's page).
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, false, false), Outcome::Resume);
        let [shadow] = shadows()[..] else { panic!("one shadow expected: {:x?}", shadows()) };
        assert_eq!(shadow.hi & (hi::EPN | hi::SIZE), 0x1000_0000 | (hi::SIZE_4K << hi::SIZE_SHIFT));
        assert_eq!(shadow.lo & (lo::RPN | lo::EX | lo::WR), ((16 << 20) + 0x0010_0000) | lo::EX);
        assert_eq!(shadow.lo & (lo::I | lo::G), 0, "memory, not a device window");
        assert_eq!(system.partitions[0].vcpu[crate::vcpu::Spr::Esr], 0, "entry 1's refusal left its mark in ESR");
        // The store that then faults on the real TLB is shadowed again, through entry 1.
        assert_eq!(storage_fault(&mut system, 0, 0x1000_0020, true, true), Some(Outcome::Resume));
        assert_eq!(shadows()[0].lo & (lo::RPN | lo::EX | lo::WR), ((16 << 20) + 0x0020_0000) | lo::WR);
    }

    #[test]
    fn hi_written_notes_an_overlap_whichever_page_is_larger_and_only_with_a_valid_entry() {
        let page = |epn: u32, size: u32, valid: bool| epn | (size << hi::SIZE_SHIFT) | if valid { hi::V } else { 0 };
        let written = |others: &[(usize, u32)], slot: usize, tag: u32| {
            let mut tlb = Tlb::EMPTY;
            for &(index, other) in others {
                tlb.set_hi(index, other);
            }
            tlb.set_hi(slot, tag);
            tlb.hi_written(slot);
            tlb.overlaps
        };
        let big = page(0x1000_0000, hi::SIZE_16M, true); // 0x1000_0000–0x10FF_FFFF
        assert!(written(&[(0, big)], 5, page(0x10ff_f000, 1, true)), "a 4 KiB page inside a 16 MiB one");
        assert!(written(&[(5, page(0x10ff_f000, 1, true))], 0, big), "and the other way round");
        assert!(!written(&[(0, big)], 5, page(0x1100_0000, 1, true)), "the page just past it");
        assert!(!written(&[(0, page(0x1000_0000, hi::SIZE_16M, false))], 5, page(0x1000_0000, 1, true)), "invalid");
        assert!(!written(&[(0, page(0x2000_0000, 1, true))], 0, page(0x2000_0000, 1, true)), "itself");
        assert!(!written(&[(0, page(0x2000_0000, 2, true))], 1, page(0x2000_4000, 2, true)), "adjacent 16 KiB pages");
        assert!(written(&[(0, page(0x2000_0000, 2, true))], 1, page(0x2000_3c00, 0, true)), "1 KiB at its end");
    }

    #[test]
    fn lookups_through_the_blocks_find_what_a_scan_of_all_64_entries_finds() {
        // Random entries of every size, rewritten, invalidated and cleared by tlbia, near a few
        // addresses (so they overlap and share blocks); after each change, lookups, overlap tests
        // and the overlap flag against plain scans of every entry.
        let mut state = 0x2545_f491u32;
        let mut random = move |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state % n
        };
        let covers = |tlb: &Tlb, index: usize, address: u32, pid: u8, bytes: u32| {
            let tag = tlb.hi[index];
            let mask = !(tag_bytes(tag).max(bytes) - 1);
            tag & hi::V != 0 && (address ^ tag) & mask == 0 && (tlb.tid[index] == 0 || tlb.tid[index] == pid)
        };
        let bases = [0x0000_0000u32, 0x1000_0000, 0x1003_c000, 0xc000_0000];
        let mut tlb = Tlb::EMPTY;
        for step in 0..20_000 {
            let slot = random(64) as usize;
            match random(40) {
                0 => tlb.invalidate_entries(),
                1..=4 => tlb.set_hi(slot, tlb.hi[slot] & !hi::V),
                _ => {
                    let size = random(8);
                    let epn = (bases[random(4) as usize] + random(0x10_0000)) & !(page_bytes(size) - 1);
                    tlb.set_hi(slot, epn | (size << hi::SIZE_SHIFT) | if random(8) != 0 { hi::V } else { 0 });
                    tlb.tid[slot] = random(3) as u8;
                    let overlapped_before = tlb.overlaps;
                    tlb.hi_written(slot);
                    let tag = tlb.hi[slot];
                    let overlap = tag & hi::V != 0
                        && (0..ENTRIES).any(|other| other != slot && tlb.hi[other] & hi::V != 0 && covers(&tlb, other, tag, tlb.tid[other], tag_bytes(tag)));
                    assert_eq!(tlb.overlaps, overlapped_before || overlap, "step {step}: overlap of {tag:#x}");
                }
            }
            for _ in 0..4 {
                let address = bases[random(4) as usize] + random(0x10_0000);
                let (pid, bytes) = (random(3) as u8, page_bytes(random(8)));
                let all = |bytes: u32| (0..ENTRIES).filter(move |&i| covers(&tlb, i, address, pid, bytes));
                assert_eq!(tlb.find(address, pid), all(4).next(), "step {step}: {address:#x}");
                assert!(tlb.translating(address, pid).eq(all(4)), "step {step}: {address:#x}");
                assert!(tlb.matching(address, pid, bytes).eq(all(bytes)), "step {step}: {address:#x}, {bytes} bytes");
            }
        }
    }

    #[test]
    fn a_page_no_other_entry_overlaps_keeps_its_plain_shadow() {
        let mut system = system_in(msr::IR | msr::DR);
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, true, false), Outcome::Resume);
        let [shadow] = shadows()[..] else { panic!("one shadow expected: {:x?}", shadows()) };
        assert_eq!(shadow.hi & hi::SIZE, 2 << hi::SIZE_SHIFT, "the guest's 16 KiB page");
        assert_eq!(shadow.lo & (lo::EX | lo::WR | (0xf << lo::ZSEL_SHIFT)), lo::EX | lo::WR | (1 << lo::ZSEL_SHIFT));
        assert!(!system.partitions[0].tlb.precise);
    }

    #[test]
    #[cfg(feature = "irfm")]
    fn a_para_virtual_guests_page_in_the_irfm_zone_gets_a_precise_shadow() {
        let mut system = system_in(msr::IR | msr::DR);
        system.partitions[0].mode = irfm::image::Mode::Para;
        system.partitions[0].tlb.lo[3] |= 0xf << lo::ZSEL_SHIFT; // zone 15
        assert_eq!(tlb_miss(&mut system, 0, 0x1000_0010, true, false), Outcome::Resume);
        assert!(system.partitions[0].tlb.precise);
        assert_eq!(shadows()[0].lo & (0xf << lo::ZSEL_SHIFT), PRECISE_ZONE << lo::ZSEL_SHIFT);
    }

    #[test]
    fn supervisor_zones_are_promoted_in_the_real_zpr() {
        assert_eq!(real_zpr(0x0000_0000, false), 0x5555_5555);
        assert_eq!(real_zpr(0x8000_0000, false), 0xd555_5555);
        assert_eq!(real_zpr(0x8000_0000, true), 0x8000_0000);
    }
}

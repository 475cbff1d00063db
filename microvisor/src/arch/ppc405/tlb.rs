//! The real 64-entry TLB (PPC405 user's manual, chapter 7 "Memory management").
//!
//! An entry is a tag word (TLBHI: EPN, SIZE, V, E, U0), a data word (TLBLO: RPN, EX, WR, ZSEL,
//! W, I, M, G) and an 8-bit TID taken from PID when TLBHI is written. Only the microvisor writes
//! the real TLB; guests see their own virtual TLB (`tlb-virt`) or none.

/// TLBHI fields.
pub mod hi {
    /// Effective page number mask.
    pub const EPN: u32 = 0xffff_fc00;
    /// SIZE field shift (bits 22–24); size = 1 KiB << (2 × SIZE).
    pub const SIZE_SHIFT: u32 = 7;
    /// SIZE field.
    pub const SIZE: u32 = 0x0000_0380;
    /// Valid.
    pub const V: u32 = 0x0000_0040;
    /// Endian (little-endian page; QEMU aborts on it).
    pub const E: u32 = 0x0000_0020;
    /// User-defined attribute.
    pub const U0: u32 = 0x0000_0010;
    /// SIZE encoding of a 4 KiB page.
    pub const SIZE_4K: u32 = 1;
    /// SIZE encoding of a 16 MiB page.
    pub const SIZE_16M: u32 = 7;
}

/// TLBLO fields.
pub mod lo {
    /// Real page number mask.
    pub const RPN: u32 = 0xffff_fc00;
    /// Execute permission.
    pub const EX: u32 = 0x0000_0200;
    /// Write permission.
    pub const WR: u32 = 0x0000_0100;
    /// Zone select shift (bits 24–27).
    pub const ZSEL_SHIFT: u32 = 4;
    /// Write-through.
    pub const W: u32 = 0x0000_0008;
    /// Caching inhibited.
    pub const I: u32 = 0x0000_0004;
    /// Memory coherent.
    pub const M: u32 = 0x0000_0002;
    /// Guarded.
    pub const G: u32 = 0x0000_0001;
}

/// Bytes covered by a SIZE field value.
pub const fn page_bytes(size: u32) -> u32 {
    1024 << (2 * size)
}

/// Bytes of the page a TLBHI word maps.
pub const fn tag_bytes(tag: u32) -> u32 {
    page_bytes((tag & hi::SIZE) >> hi::SIZE_SHIFT)
}

/// The first and last byte of the page a TLBHI word maps.
pub const fn tag_range(tag: u32) -> (u32, u32) {
    let end = tag_bytes(tag) - 1;
    (tag & hi::EPN & !end, (tag & hi::EPN) | end)
}

/// One TLB entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The tag word.
    pub hi: u32,
    /// The data word.
    pub lo: u32,
    /// Translation ID: matches when it equals PID, or when 0.
    pub tid: u8,
}

/// Entries in the 405's TLB.
pub const ENTRIES: usize = 64;

/// Writes entry `index` (0–63); `pid_after` is the PID to leave in place (tlbwe takes the TID from PID).
pub fn write(index: usize, entry: Entry, pid_after: u8) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the microvisor runs in real mode, so no translation it depends on changes; PID is
    // restored before any guest runs. LO is written before HI because QEMU clears the valid bit of
    // an entry whose LO is written after its HI (`../shared/platform.md`); hardware accepts either.
    unsafe {
        core::arch::asm!(
            "mtspr 945, {tid}",
            "tlbwe {lo}, {index}, 1",
            "tlbwe {hi}, {index}, 0",
            "mtspr 945, {pid}",
            "isync",
            tid = in(reg) u32::from(entry.tid),
            lo = in(reg) entry.lo,
            hi = in(reg) entry.hi,
            index = in(reg) index as u32 & 63,
            pid = in(reg) u32::from(pid_after),
            options(nostack)
        );
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::write_tlb(index, entry, pid_after);
}

/// Invalidates every entry (`tlbia`).
pub fn invalidate_all() {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the microvisor runs untranslated; guests are re-mapped before they run again.
    unsafe {
        core::arch::asm!("tlbia", "isync", options(nostack))
    };
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::invalidate_tlb();
}

/// Invalidates every valid entry whose TID is `tid` and that translates `address` for PID `tid`,
/// leaving the real PID as it was: `tlbsx` finds them one at a time (PPC405 manual 7.4, `tlbsx`),
/// some fifteen instructions each instead of a read of all 64 entries. `false` if it found first an
/// entry of TID 0, which translates for every PID and may hide one of `tid`'s behind it: the caller
/// then scans ([`invalidate_tid_within`]). At most 64 rounds, as each invalidates an entry.
pub fn invalidate_tid_at(tid: u8, address: u32) -> bool {
    #[cfg(target_arch = "powerpc")]
    {
        let found_other: u32;
        // SAFETY: the microvisor runs untranslated; PID is set to `tid` for the search (and reading
        // an entry with tlbre copies its TID into PID), then restored; the only entries written are
        // `tid`'s, made invalid.
        unsafe {
            core::arch::asm!(
                "mfspr {saved}, 945",
                "mtspr 945, {tid}",
                "isync",
                "li {other}, 0",
                "1: tlbsx. {slot}, 0, {address}",
                "bne 2f",                           // nothing translates it (any more)
                "tlbre {tag}, {slot}, 0",           // PID ← the entry's TID
                "mfspr {scratch}, 945",
                "cmplw {scratch}, {tid}",
                "bne 3f",                           // TID 0: not ours, and it may hide ours
                "rlwinm {tag}, {tag}, 0, 26, 24",   // V cleared
                "tlbwe {tag}, {slot}, 0",
                "b 1b",
                "3: li {other}, 1",
                "2: mtspr 945, {saved}",
                "isync",
                saved = out(reg) _,
                slot = out(reg) _,
                tag = out(reg) _,
                scratch = out(reg) _,
                other = out(reg) found_other,
                tid = in(reg) u32::from(tid),
                address = in(reg) address,
                out("cr0") _,
                options(nostack)
            );
        }
        found_other == 0
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::with(|m| loop {
        let translating = m.tlb.iter_mut().find(|entry| {
            let (start, end) = tag_range(entry.hi);
            entry.hi & hi::V != 0 && (entry.tid == 0 || entry.tid == tid) && start <= address && address <= end
        });
        match translating {
            None => return true,
            Some(entry) if entry.tid != tid => return false,
            Some(entry) => entry.hi &= !hi::V,
        }
    })
}

/// Invalidates every valid entry whose TID is `tid` and whose page holds a byte of either range
/// `[first, last]` (inclusive bounds), leaving the real PID as it was.
pub fn invalidate_tid_within(tid: u8, ranges: [(u32, u32); 2]) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the microvisor runs untranslated; reading an entry (tlbre) copies its TID into PID,
    // which is restored at the end; the only entries written are made invalid.
    unsafe {
        core::arch::asm!(
            "mfspr {saved}, 945",
            "li {slot}, 0",
            "1: tlbre {tag}, {slot}, 0",        // PID ← the entry's TID
            "andi. {scratch}, {tag}, 0x40",     // V
            "beq 3f",
            "mfspr {scratch}, 945",
            "cmplw {scratch}, {tid}",
            "bne 3f",
            // The page's last byte: EPN | (bytes − 1), bytes = 1 KiB << (2 × SIZE).
            "rlwinm {scratch}, {tag}, 26, 28, 30", // 2 × SIZE
            "li {end}, 1024",
            "slw {end}, {end}, {scratch}",
            "addi {end}, {end}, -1",
            "andc {start}, {tag}, {end}",       // its first byte (EPN down to the page size)
            "or {end}, {start}, {end}",
            // It overlaps [first, last] if first ≤ end and start ≤ last.
            "cmplw {first0}, {end}",
            "bgt 2f",
            "cmplw {start}, {last0}",
            "ble 4f",
            "2: cmplw {first1}, {end}",
            "bgt 3f",
            "cmplw {start}, {last1}",
            "bgt 3f",
            "4: rlwinm {tag}, {tag}, 0, 26, 24", // V cleared
            "tlbwe {tag}, {slot}, 0",
            "3: addi {slot}, {slot}, 1",
            "cmplwi {slot}, 64",
            "blt 1b",
            "mtspr 945, {saved}",
            "isync",
            saved = out(reg) _,
            slot = out(reg) _,
            tag = out(reg) _,
            scratch = out(reg) _,
            start = out(reg) _,
            end = out(reg) _,
            tid = in(reg) u32::from(tid),
            first0 = in(reg) ranges[0].0,
            last0 = in(reg) ranges[0].1,
            first1 = in(reg) ranges[1].0,
            last1 = in(reg) ranges[1].1,
            out("cr0") _,
            options(nostack)
        );
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::with(|m| {
        for entry in m.tlb.iter_mut().filter(|entry| entry.tid == tid && entry.hi & hi::V != 0) {
            let (start, end) = tag_range(entry.hi);
            if ranges.iter().any(|&(first, last)| first <= end && start <= last) {
                entry.hi &= !hi::V;
            }
        }
    });
}

/// Invalidates every valid entry whose TID is `tid`, leaving the real PID as it was.
pub fn invalidate_tid(tid: u8) {
    invalidate_tid_within(tid, [(0, u32::MAX); 2]);
}

//! The pre-virtualization table `previrt patch` writes into a guest and the microvisor reads.
//!
//! One record per privileged instruction of the guest (every [`insn::ROWS`](crate::insn::ROWS) row
//! with `privileged == true`): where it is, the word that was there, its [`Op`], and how many NOP
//! words follow it (or follow its copy in a trampoline stub), so the microvisor may replace the
//! instruction by its para-virtual sequence at load time.
//!
//! # Finding the table
//!
//! The table lives in a loaded section named [`SECTION`] (`.previrt`) of the guest, in a `PT_LOAD`
//! segment of its own, so a loader that copies the segments copies the table with them. Two ways
//! lead to it, and both end in [`Table::parse`], which validates everything before a field is used:
//! - the ELF symbol [`SYMBOL`] (`__previrt_table`) holds the header's address;
//! - without the ELF (a raw image in guest memory), [`find`] scans for [`MAGIC`] at 4-byte
//!   alignment and returns the first candidate that validates.
//!
//! # Layout (all fields big-endian, as the PPC405 reads them)
//!
//! Header, [`HEADER_SIZE`] = 24 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | [`MAGIC`], the bytes `PVRT` |
//! | 4 | 2 | [`VERSION`] |
//! | 6 | 2 | header size (24) |
//! | 8 | 2 | entry size (16) |
//! | 10 | 2 | flags: [`FLAG_TRAMPOLINES`] when some entry has a stub |
//! | 12 | 4 | entry count |
//! | 16 | 4 | CRC-32 (IEEE) of the header with this field zero, then of every entry |
//! | 20 | 4 | reserved, zero |
//!
//! Then `count` entries of [`ENTRY_SIZE`] = 16 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | site: signed offset of the instruction from the table header |
//! | 4 | 4 | the original instruction word |
//! | 8 | 1 | [`Op`] code ([`op_code`]) |
//! | 9 | 1 | [`Class`] code ([`class_code`]), the op's row class |
//! | 10 | 1 | padding: NOP words after the instruction (or after its copy in the stub) |
//! | 11 | 1 | reserved, zero |
//! | 12 | 4 | stub: signed offset from the header of the trampoline stub, 0 when the instruction was padded in place |
//!
//! Offsets are relative to the header, so the table stays right wherever the partition's image is
//! placed (the idea of self-relative fixup tables). Entries are sorted by site, sites are unique.
//! A trampoline stub holds the original instruction, `padding` NOPs and a `b` back to site + 4;
//! the site itself holds a `b` to the stub.

use crate::insn::{self, Class, Op};

/// The four bytes `PVRT` that open the header.
pub const MAGIC: u32 = 0x5056_5254;
/// The format described in this module.
pub const VERSION: u16 = 1;
/// Size of the header in bytes.
pub const HEADER_SIZE: usize = 24;
/// Size of one entry in bytes.
pub const ENTRY_SIZE: usize = 16;
/// Header flag: some entries were moved to trampoline stubs.
pub const FLAG_TRAMPOLINES: u16 = 1;
/// The ELF section that holds the table.
pub const SECTION: &str = ".previrt";
/// The ELF section that holds trampoline stubs (when there are any).
pub const STUB_SECTION: &str = ".previrt.stubs";
/// The ELF symbol whose value is the header's address.
pub const SYMBOL: &str = "__previrt_table";
/// Most NOP words one site may carry (`previrt patch --pad` refuses more).
pub const MAX_PADDING: u8 = 64;

/// Why a table was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// Fewer bytes than a header or than the entries the header announces.
    Truncated,
    /// The first word is not [`MAGIC`].
    BadMagic,
    /// A version this code does not read.
    UnsupportedVersion(u16),
    /// Header or entry size differ from this version's.
    BadSizes,
    /// Unknown flag bits, or non-zero reserved fields in the header.
    BadHeader,
    /// The CRC does not match.
    BadChecksum {
        /// What the header says.
        stored: u32,
        /// What the bytes give.
        computed: u32,
    },
    /// Entry `index` has an unknown op or class code, a class that is not its op's, or non-zero reserved bits.
    BadCode(u32),
    /// Entry `index`'s original word is not the privileged instruction its op says.
    WrongInstruction(u32),
    /// Entry `index`'s padding exceeds [`MAX_PADDING`].
    BadPadding(u32),
    /// Entry `index`'s site is not after the previous entry's, or a site or stub is misaligned.
    BadOrder(u32),
    /// The output buffer is too small (writer).
    NoSpace,
}

impl core::fmt::Display for TableError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TableError::Truncated => write!(f, "pre-virtualization table truncated"),
            TableError::BadMagic => write!(f, "no pre-virtualization table magic"),
            TableError::UnsupportedVersion(v) => write!(f, "pre-virtualization table version {v}, expected {VERSION}"),
            TableError::BadSizes => write!(f, "pre-virtualization table header or entry size is wrong"),
            TableError::BadHeader => write!(f, "pre-virtualization table header has unknown flags or reserved bits"),
            TableError::BadChecksum { stored, computed } => {
                write!(f, "pre-virtualization table checksum {stored:#010x}, computed {computed:#010x}")
            }
            TableError::BadCode(i) => write!(f, "pre-virtualization table entry {i}: bad op or class code"),
            TableError::WrongInstruction(i) => {
                write!(f, "pre-virtualization table entry {i}: original word is not the instruction its op names")
            }
            TableError::BadPadding(i) => write!(f, "pre-virtualization table entry {i}: padding over {MAX_PADDING}"),
            TableError::BadOrder(i) => write!(f, "pre-virtualization table entry {i}: site out of order or misaligned"),
            TableError::NoSpace => write!(f, "buffer too small for the pre-virtualization table"),
        }
    }
}

/// One privileged instruction of the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Offset of the instruction from the table header (bytes, signed).
    pub site: i32,
    /// The instruction word `previrt` found there.
    pub original: u32,
    /// What it is.
    pub op: Op,
    /// NOP words that follow it (in place, or in its stub).
    pub padding: u8,
    /// Offset of its trampoline stub from the header, or 0 when it was padded in place.
    pub stub: i32,
}

impl Entry {
    /// The class of [`op`](Self::op) (from its [`insn`] row).
    pub fn class(&self) -> Class {
        insn::row_of(self.op).class
    }

    /// The instruction's address, given the header's address.
    pub fn site_address(&self, header_address: u32) -> u32 {
        header_address.wrapping_add(self.site as u32)
    }

    /// The stub's address, given the header's address, or `None` when padded in place.
    pub fn stub_address(&self, header_address: u32) -> Option<u32> {
        (self.stub != 0).then(|| header_address.wrapping_add(self.stub as u32))
    }
}

/// The stable one-byte code of an op in the table (never reuse a number).
pub const fn op_code(op: Op) -> u8 {
    match op {
        Op::Mfmsr => 1,
        Op::Mtmsr => 2,
        Op::Wrtee => 3,
        Op::Wrteei => 4,
        Op::Rfi => 5,
        Op::Rfci => 6,
        Op::Mfspr => 7,
        Op::Mtspr => 8,
        Op::Mfdcr => 9,
        Op::Mtdcr => 10,
        Op::Tlbwe => 11,
        Op::Tlbre => 12,
        Op::Tlbsx => 13,
        Op::Tlbia => 14,
        Op::Tlbsync => 15,
        Op::Iccci => 16,
        Op::Dccci => 17,
        Op::Dcbi => 18,
        Op::Dcread => 19,
        Op::Icread => 20,
        Op::MfsprUser => 21,
        Op::Mftb => 22,
    }
}


/// The op with table code `code`.
pub fn op_from_code(code: u8) -> Option<Op> {
    // Codes are places in `insn::ALL_OPS` plus one; `op_code` is the authority, checked here.
    let op = *insn::ALL_OPS.get(usize::from(code).checked_sub(1)?)?;
    (op_code(op) == code).then_some(op)
}

/// The stable one-byte code of a class in the table.
pub const fn class_code(class: Class) -> u8 {
    match class {
        Class::Msr => 1,
        Class::InterruptEnable => 2,
        Class::Return => 3,
        Class::Spr => 4,
        Class::Dcr => 5,
        Class::Tlb => 6,
        Class::Cache => 7,
        Class::SensitiveUnprivileged => 8,
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it), continued from `crc`.
pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A validated table over borrowed bytes.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    bytes: &'a [u8],
    count: u32,
    flags: u16,
}

impl<'a> Table<'a> {
    /// Validates the table at the start of `bytes` (which may extend past it): header, sizes,
    /// checksum, and every entry (known op, matching class, the original word really is that op,
    /// padding bound, sorted unique aligned sites).
    pub fn parse(bytes: &'a [u8]) -> Result<Table<'a>, TableError> {
        if bytes.len() < HEADER_SIZE {
            return Err(TableError::Truncated);
        }
        if be32(bytes, 0) != MAGIC {
            return Err(TableError::BadMagic);
        }
        let version = be16(bytes, 4);
        if version != VERSION {
            return Err(TableError::UnsupportedVersion(version));
        }
        if be16(bytes, 6) as usize != HEADER_SIZE || be16(bytes, 8) as usize != ENTRY_SIZE {
            return Err(TableError::BadSizes);
        }
        let flags = be16(bytes, 10);
        if flags & !FLAG_TRAMPOLINES != 0 || be32(bytes, 20) != 0 {
            return Err(TableError::BadHeader);
        }
        let count = be32(bytes, 12);
        let length = (count as usize)
            .checked_mul(ENTRY_SIZE)
            .and_then(|entries| entries.checked_add(HEADER_SIZE))
            .ok_or(TableError::Truncated)?;
        if bytes.len() < length {
            return Err(TableError::Truncated);
        }
        let stored = be32(bytes, 16);
        let computed = checksum(&bytes[..length]);
        if stored != computed {
            return Err(TableError::BadChecksum { stored, computed });
        }
        let table = Table { bytes: &bytes[..length], count, flags };
        let mut previous: Option<i32> = None;
        for index in 0..count {
            let entry = table.decode(index)?;
            if entry.site % 4 != 0 || entry.stub % 4 != 0 || previous.is_some_and(|site| site >= entry.site) {
                return Err(TableError::BadOrder(index));
            }
            previous = Some(entry.site);
        }
        Ok(table)
    }

    fn decode(&self, index: u32) -> Result<Entry, TableError> {
        let at = HEADER_SIZE + index as usize * ENTRY_SIZE;
        let raw = &self.bytes[at..at + ENTRY_SIZE];
        let op = op_from_code(raw[8]).ok_or(TableError::BadCode(index))?;
        if raw[9] != class_code(insn::class_of(op)) || raw[11] != 0 {
            return Err(TableError::BadCode(index));
        }
        let original = be32(raw, 4);
        if insn::classify(original) != Some(op) {
            return Err(TableError::WrongInstruction(index));
        }
        if raw[10] > MAX_PADDING {
            return Err(TableError::BadPadding(index));
        }
        Ok(Entry { site: be32(raw, 0) as i32, original, op, padding: raw[10], stub: be32(raw, 12) as i32 })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The header flags.
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// Size of the table in bytes (header and entries).
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// Entry `index` (validated by [`parse`](Self::parse)).
    pub fn get(&self, index: usize) -> Option<Entry> {
        (index < self.len()).then(|| self.decode(index as u32).ok()).flatten()
    }

    /// Every entry, in site order.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + 'a {
        let table = *self;
        (0..self.count).filter_map(move |index| table.decode(index).ok())
    }
}

/// The checksum of a whole table (`bytes` = header and entries), with the checksum field taken as zero.
fn checksum(bytes: &[u8]) -> u32 {
    let crc = crc32_update(0, &bytes[..16]);
    let crc = crc32_update(crc, &[0; 4]);
    crc32_update(crc, &bytes[20..])
}

/// Bytes [`write`] needs for `count` entries.
pub const fn encoded_len(count: usize) -> usize {
    HEADER_SIZE + count * ENTRY_SIZE
}

/// Writes a table of `entries` (sorted by site) into the start of `out`; returns its length.
pub fn write(entries: &[Entry], out: &mut [u8]) -> Result<usize, TableError> {
    let length = encoded_len(entries.len());
    if out.len() < length {
        return Err(TableError::NoSpace);
    }
    let out = &mut out[..length];
    let flags = if entries.iter().any(|entry| entry.stub != 0) { FLAG_TRAMPOLINES } else { 0 };
    out[0..4].copy_from_slice(&MAGIC.to_be_bytes());
    out[4..6].copy_from_slice(&VERSION.to_be_bytes());
    out[6..8].copy_from_slice(&(HEADER_SIZE as u16).to_be_bytes());
    out[8..10].copy_from_slice(&(ENTRY_SIZE as u16).to_be_bytes());
    out[10..12].copy_from_slice(&flags.to_be_bytes());
    out[12..16].copy_from_slice(&(entries.len() as u32).to_be_bytes());
    out[16..24].fill(0);
    for (index, entry) in entries.iter().enumerate() {
        let raw = &mut out[HEADER_SIZE + index * ENTRY_SIZE..][..ENTRY_SIZE];
        raw[0..4].copy_from_slice(&entry.site.to_be_bytes());
        raw[4..8].copy_from_slice(&entry.original.to_be_bytes());
        raw[8] = op_code(entry.op);
        raw[9] = class_code(entry.class());
        raw[10] = entry.padding;
        raw[11] = 0;
        raw[12..16].copy_from_slice(&entry.stub.to_be_bytes());
    }
    let crc = checksum(out);
    out[16..20].copy_from_slice(&crc.to_be_bytes());
    Ok(length)
}

/// Scans a guest image for a valid table: the offset of the first 4-byte-aligned [`MAGIC`] whose
/// table validates.
pub fn find(image: &[u8]) -> Option<usize> {
    let magic = MAGIC.to_be_bytes();
    (0..image.len().saturating_sub(HEADER_SIZE - 1))
        .step_by(4)
        .filter(|&at| image[at..at + 4] == magic)
        .find(|&at| Table::parse(&image[at..]).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::encode;

    const MTMSR_R3: u32 = 0x7c60_0124;
    const RFI: u32 = 0x4c00_0064;

    #[test]
    fn every_op_has_one_code_and_is_found_by_it() {
        for row in insn::ROWS {
            assert_eq!(op_from_code(op_code(row.op)), Some(row.op), "{}", row.mnemonic);
        }
        assert_eq!(insn::ALL_OPS.len(), insn::ROWS.len());
        assert_eq!(op_from_code(0), None);
        assert_eq!(op_from_code(insn::ALL_OPS.len() as u8 + 1), None);
    }

    fn sample() -> [Entry; 2] {
        [
            Entry { site: -0x1000, original: MTMSR_R3, op: Op::Mtmsr, padding: 5, stub: 0 },
            Entry { site: -0x800, original: RFI, op: Op::Rfi, padding: 5, stub: 0x40 },
        ]
    }

    fn written() -> ([u8; 64], usize) {
        let mut out = [0u8; 64];
        let length = write(&sample(), &mut out).unwrap();
        (out, length)
    }

    #[test]
    fn written_table_parses_back_to_the_same_entries() {
        let (out, length) = written();
        assert_eq!(length, encoded_len(2));
        let table = Table::parse(&out).unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.flags(), FLAG_TRAMPOLINES);
        let mut entries = table.entries();
        assert_eq!(entries.next(), Some(sample()[0]));
        assert_eq!(entries.next(), Some(sample()[1]));
        assert_eq!(entries.next(), None);
        assert_eq!(sample()[1].site_address(0x9000), 0x8800);
        assert_eq!(sample()[1].stub_address(0x9000), Some(0x9040));
        assert_eq!(sample()[0].stub_address(0x9000), None);
    }

    #[test]
    fn crc_matches_the_ieee_check_value() {
        assert_eq!(crc32_update(0, b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn every_op_code_round_trips() {
        for row in insn::ROWS {
            assert_eq!(op_from_code(op_code(row.op)), Some(row.op));
        }
        assert_eq!(op_from_code(0), None);
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum() {
        let (mut out, _) = written();
        out[HEADER_SIZE + 3] ^= 4;
        assert!(matches!(Table::parse(&out), Err(TableError::BadChecksum { .. })));
    }

    #[test]
    fn bad_headers_are_refused_with_their_cause() {
        let (out, length) = written();
        assert_eq!(Table::parse(&out[..10]).unwrap_err(), TableError::Truncated);
        assert_eq!(Table::parse(&out[..length - 1]).unwrap_err(), TableError::Truncated);
        let mut bad = out;
        bad[0] = b'X';
        assert_eq!(Table::parse(&bad).unwrap_err(), TableError::BadMagic);
        let mut bad = out;
        bad[5] = 9;
        assert_eq!(Table::parse(&bad).unwrap_err(), TableError::UnsupportedVersion(9));
        let mut bad = out;
        bad[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(Table::parse(&bad).unwrap_err(), TableError::Truncated);
    }

    /// Writes `entries` unchecked and returns what the parser says.
    fn parse_written(entries: &[Entry]) -> Result<usize, TableError> {
        let mut out = [0u8; 64];
        write(entries, &mut out)?;
        Table::parse(&out).map(|table| table.len())
    }

    #[test]
    fn entries_that_lie_are_refused() {
        let [first, second] = sample();
        let nop_as_mtmsr = Entry { original: encode::NOP, ..first };
        assert_eq!(parse_written(&[nop_as_mtmsr]), Err(TableError::WrongInstruction(0)));
        let too_padded = Entry { padding: MAX_PADDING + 1, ..first };
        assert_eq!(parse_written(&[too_padded]), Err(TableError::BadPadding(0)));
        assert_eq!(parse_written(&[second, first]), Err(TableError::BadOrder(1)));
        let misaligned = Entry { site: -0x7ff, ..first };
        assert_eq!(parse_written(&[misaligned]), Err(TableError::BadOrder(0)));
    }

    #[test]
    fn find_skips_a_stray_magic_and_returns_the_valid_table() {
        let (table, length) = written();
        let mut image = [0u8; 160];
        image[8..12].copy_from_slice(&MAGIC.to_be_bytes());
        image[64..64 + length].copy_from_slice(&table[..length]);
        assert_eq!(find(&image), Some(64));
        assert_eq!(find(&image[..64]), None);
        assert_eq!(find(&[]), None);
    }
}

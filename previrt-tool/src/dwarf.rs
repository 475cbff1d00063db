//! DWARF: source lines for reports, and keeping debug information true after code moved.
//!
//! After a move, `patch` regenerates every line program of `.debug_line` from its rows with the
//! new addresses (the header bytes are kept; the program is re-encoded with `advance_pc`,
//! `advance_line` and `copy`), then moves `DW_AT_stmt_list` offsets (through the relocations of
//! `.debug_info`), and fixes the lengths nothing relocates: `DW_AT_high_pc` given as a length,
//! `.debug_aranges` lengths and `.debug_frame` FDE address ranges. Addresses themselves are
//! relocated fields and are fixed with all the others. Not moved: base-relative offset pairs in
//! DWARF 5 `.debug_rnglists`/`.debug_loclists`, and `DW_CFA_advance_loc` steps inside an FDE
//! (unwinding between a padded instruction and the next CFA row may be off by the padding).

use crate::elf::Elf;
use crate::Error;
use gimli::{BigEndian, EndianSlice};
use std::collections::HashMap;

type Reader<'a> = EndianSlice<'a, BigEndian>;

/// A source position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// File name (with its directory when DWARF gives one).
    pub file: String,
    /// Line, 1-based (0: no line).
    pub line: u32,
}

/// Rows of every line program, for address → source look-ups.
#[derive(Default)]
pub struct Lines {
    /// `(start, end, file index into files, line)`, sorted by start.
    rows: Vec<(u32, u32, usize, u32)>,
    files: Vec<String>,
}

impl Lines {
    /// Reads the line programs of `elf` (nothing when it has no DWARF or it is unreadable).
    pub fn read(elf: &Elf) -> Lines {
        read_lines(elf).unwrap_or_default()
    }

    /// Where `address` comes from.
    pub fn lookup(&self, address: u32) -> Option<Position> {
        let index = self.rows.partition_point(|row| row.0 <= address).checked_sub(1)?;
        let (start, end, file, line) = self.rows[index];
        (address >= start && address < end).then(|| Position { file: self.files[file].clone(), line })
    }
}

fn section<'a>(elf: &Elf<'a>, name: &str) -> Reader<'a> {
    let data = elf.section_by_name(name).map(|index| elf.section_data(index)).unwrap_or(&[]);
    EndianSlice::new(data, BigEndian)
}

fn read_lines(elf: &Elf) -> gimli::Result<Lines> {
    let dwarf = gimli::Dwarf::load(|id| -> gimli::Result<Reader> { Ok(section(elf, id.name())) })?;
    let mut lines = Lines::default();
    let mut file_ids: HashMap<String, usize> = HashMap::new();
    let mut units = dwarf.units();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        let Some(program) = unit.line_program.clone() else { continue };
        let mut rows = program.rows();
        let mut previous: Option<(u32, usize, u32)> = None;
        while let Some((header, row)) = rows.next_row()? {
            let address = row.address() as u32;
            if let Some((start, file, line)) = previous.take() {
                if address > start {
                    lines.rows.push((start, address, file, line));
                }
            }
            if row.end_sequence() {
                continue;
            }
            let mut name = String::new();
            if let Some(file) = row.file(header) {
                if let Some(directory) = file.directory(header) {
                    if let Ok(directory) = dwarf.attr_string(&unit, directory) {
                        let directory = directory.to_string_lossy();
                        if !directory.is_empty() {
                            name.push_str(&directory);
                            name.push('/');
                        }
                    }
                }
                if let Ok(path) = dwarf.attr_string(&unit, file.path_name()) {
                    name.push_str(&path.to_string_lossy());
                }
            }
            let next = file_ids.len();
            let file = *file_ids.entry(name.clone()).or_insert_with(|| {
                lines.files.push(name);
                next
            });
            previous = Some((address, file, row.line().map_or(0, |line| line.get() as u32)));
        }
    }
    lines.rows.sort_by_key(|row| (row.0, row.1));
    Ok(lines)
}

/// The regenerated `.debug_line` and how its offsets moved.
#[derive(Clone, Debug, Default)]
pub struct LineRewrite {
    /// The new section contents.
    pub bytes: Vec<u8>,
    /// Per unit: old start, old program start (end of header), old end, new start.
    units: Vec<(u32, u32, u32, u32)>,
    /// Offsets of the `DW_LNE_set_address` operands written, with the (new) address.
    pub addresses: Vec<(u32, u32)>,
}

impl LineRewrite {
    /// The new offset of old offset `offset` (a unit start, or inside a unit's header).
    pub fn map_offset(&self, offset: u32) -> u32 {
        match self.units.iter().find(|unit| offset >= unit.0 && offset < unit.2) {
            Some(&(old, _, _, new)) => new + (offset - old),
            None if self.units.last().is_some_and(|unit| offset == unit.2) => self.bytes.len() as u32,
            None => offset,
        }
    }

    /// The new offset of an old offset inside a unit header, `None` if it lies in a program.
    pub fn map_header_offset(&self, offset: u32) -> Option<u32> {
        let &(old, program, _, new) = self.units.iter().find(|unit| offset >= unit.0 && offset < unit.2)?;
        (offset < program).then(|| new + (offset - old))
    }
}

fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn be32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// Regenerates every line program of `data` (a `.debug_line`) with addresses passed through `map`.
pub fn rewrite_line_programs(data: &[u8], map: &dyn Fn(u32) -> u32) -> Result<LineRewrite, String> {
    let debug_line = gimli::DebugLine::new(data, BigEndian);
    let mut out = LineRewrite::default();
    let mut offset = 0usize;
    while offset < data.len() {
        let length = be32_at(data, offset).ok_or("truncated unit length")? as usize;
        if length >= 0xffff_fff0 {
            return Err("64-bit DWARF is not supported".into());
        }
        let end = offset.checked_add(4 + length).filter(|&end| end <= data.len()).ok_or("unit runs past the section")?;
        let version = data.get(offset + 4..offset + 6).map(|v| u16::from_be_bytes([v[0], v[1]])).ok_or("truncated")?;
        if !(2..=5).contains(&version) {
            return Err(format!("line program version {version}"));
        }
        let header_length_at = offset + 6 + if version >= 5 { 2 } else { 0 };
        let header_length = be32_at(data, header_length_at).ok_or("truncated header")? as usize;
        let program = header_length_at + 4 + header_length;
        if program > end {
            return Err("header runs past its unit".into());
        }
        let incomplete = debug_line
            .program(gimli::DebugLineOffset(offset), 4, None, None)
            .map_err(|e| format!("unit at {offset:#x}: {e}"))?;
        let header = incomplete.header().clone();
        let new_start = out.bytes.len();
        out.bytes.extend_from_slice(&data[offset..program]);
        let emitter = Emitter {
            min_length: header.minimum_instruction_length().max(1) as u32,
            default_is_stmt: header.default_is_stmt(),
            opcode_base: header.opcode_base(),
        };
        let mut rows = incomplete.rows();
        let mut state = emitter.initial();
        let mut program_bytes = Vec::new();
        let mut addresses = Vec::new();
        let mut in_sequence = false;
        while let Some((_, row)) = rows.next_row().map_err(|e| format!("unit at {offset:#x}: {e}"))? {
            let address = map(row.address() as u32);
            if !in_sequence || address < state.address {
                addresses.push((program_bytes.len() as u32 + 3, address));
                program_bytes.extend_from_slice(&[0, 5, 2]);
                program_bytes.extend_from_slice(&address.to_be_bytes());
                state.address = address;
                in_sequence = true;
            }
            emitter.row(&mut program_bytes, &mut state, address, row);
            if row.end_sequence() {
                state = emitter.initial();
                in_sequence = false;
            }
        }
        let base = (new_start + program - offset) as u32;
        out.addresses.extend(addresses.into_iter().map(|(at, address)| (base + at, address)));
        out.bytes.extend_from_slice(&program_bytes);
        let new_length = (out.bytes.len() - new_start - 4) as u32;
        out.bytes[new_start..new_start + 4].copy_from_slice(&new_length.to_be_bytes());
        out.units.push((offset as u32, program as u32, end as u32, new_start as u32));
        offset = end;
    }
    Ok(out)
}

struct Emitter {
    min_length: u32,
    default_is_stmt: bool,
    opcode_base: u8,
}

struct State {
    address: u32,
    file: u64,
    line: u64,
    column: u64,
    is_stmt: bool,
}

impl Emitter {
    fn initial(&self) -> State {
        State { address: 0, file: 1, line: 1, column: 0, is_stmt: self.default_is_stmt }
    }

    fn row(&self, out: &mut Vec<u8>, state: &mut State, address: u32, row: &gimli::LineRow) {
        let delta = address - state.address;
        if delta != 0 {
            if delta.is_multiple_of(self.min_length) {
                out.push(gimli::constants::DW_LNS_advance_pc.0);
                uleb(out, (delta / self.min_length) as u64);
            } else {
                out.extend_from_slice(&[0, 5, 2]);
                out.extend_from_slice(&address.to_be_bytes());
            }
            state.address = address;
        }
        if row.file_index() != state.file {
            out.push(gimli::constants::DW_LNS_set_file.0);
            uleb(out, row.file_index());
            state.file = row.file_index();
        }
        let line = row.line().map_or(0, |line| line.get());
        if line != state.line {
            out.push(gimli::constants::DW_LNS_advance_line.0);
            sleb(out, line as i64 - state.line as i64);
            state.line = line;
        }
        let column = match row.column() {
            gimli::ColumnType::LeftEdge => 0,
            gimli::ColumnType::Column(column) => column.get(),
        };
        if column != state.column {
            out.push(gimli::constants::DW_LNS_set_column.0);
            uleb(out, column);
            state.column = column;
        }
        if row.is_stmt() != state.is_stmt {
            out.push(gimli::constants::DW_LNS_negate_stmt.0);
            state.is_stmt = row.is_stmt();
        }
        if row.end_sequence() {
            out.extend_from_slice(&[0, 1, gimli::constants::DW_LNE_end_sequence.0]);
            return;
        }
        if row.basic_block() {
            out.push(gimli::constants::DW_LNS_set_basic_block.0);
        }
        if row.prologue_end() && self.opcode_base > 10 {
            out.push(gimli::constants::DW_LNS_set_prologue_end.0);
        }
        if row.epilogue_begin() && self.opcode_base > 11 {
            out.push(gimli::constants::DW_LNS_set_epilogue_begin.0);
        }
        if row.isa() != 0 && self.opcode_base > 12 {
            out.push(gimli::constants::DW_LNS_set_isa.0);
            uleb(out, row.isa());
        }
        if row.discriminator() != 0 {
            let mut operand = Vec::new();
            uleb(&mut operand, row.discriminator());
            out.push(0);
            uleb(out, operand.len() as u64 + 1);
            out.push(gimli::constants::DW_LNE_set_discriminator.0);
            out.extend_from_slice(&operand);
        }
        out.push(gimli::constants::DW_LNS_copy.0);
    }
}

/// Fixes the lengths nothing relocates, in the new section `contents`, given the old-to-new `map`.
pub fn fix_after_move(elf: &Elf, contents: &mut [Vec<u8>], map: &dyn Fn(u32) -> u32, _line: &LineRewrite) -> Result<(), Error> {
    let new_length = |start: u32, length: u32| map(start.wrapping_add(length)).wrapping_sub(map(start));
    if let Some(index) = elf.section_by_name(".debug_aranges") {
        fix_aranges(elf.section_data(index), &mut contents[index], &new_length);
    }
    if let Some(index) = elf.section_by_name(".debug_frame") {
        fix_frame(elf.section_data(index), &mut contents[index], &new_length);
    }
    if let Some(index) = elf.section_by_name(".debug_info") {
        fix_high_pc(elf, &mut contents[index], &new_length).map_err(|e| Error::input(format!(".debug_info: {e}")))?;
    }
    Ok(())
}

fn fix_aranges(old: &[u8], new: &mut [u8], new_length: &dyn Fn(u32, u32) -> u32) {
    let mut offset = 0usize;
    while let Some(length) = be32_at(old, offset) {
        let end = offset + 4 + length as usize;
        if length >= 0xffff_fff0 || end > old.len() || old.len() < offset + 12 {
            return;
        }
        let (address_size, segment_size) = (old[offset + 10], old[offset + 11]);
        if address_size != 4 || segment_size != 0 {
            offset = end;
            continue;
        }
        // Tuples start at a multiple of twice the address size from the unit start.
        let mut at = offset + 16;
        while at + 8 <= end {
            let (start, length) = (be32_at(old, at).unwrap_or(0), be32_at(old, at + 4).unwrap_or(0));
            if start == 0 && length == 0 {
                break;
            }
            new[at + 4..at + 8].copy_from_slice(&new_length(start, length).to_be_bytes());
            at += 8;
        }
        offset = end;
    }
}

fn fix_frame(old: &[u8], new: &mut [u8], new_length: &dyn Fn(u32, u32) -> u32) {
    let mut offset = 0usize;
    while let Some(length) = be32_at(old, offset) {
        if length == 0 || length >= 0xffff_fff0 {
            return;
        }
        let end = offset + 4 + length as usize;
        if end > old.len() || length < 12 {
            return;
        }
        let id = be32_at(old, offset + 4).unwrap_or(u32::MAX);
        if id != u32::MAX {
            // An FDE: CIE pointer, initial location (relocated), address range (fixed here).
            let start = be32_at(old, offset + 8).unwrap_or(0);
            let range = be32_at(old, offset + 12).unwrap_or(0);
            new[offset + 12..offset + 16].copy_from_slice(&new_length(start, range).to_be_bytes());
        }
        offset = end;
    }
}

fn fix_high_pc(elf: &Elf, new: &mut [u8], new_length: &dyn Fn(u32, u32) -> u32) -> gimli::Result<()> {
    let info = gimli::DebugInfo::from(section(elf, ".debug_info"));
    let abbrev = gimli::DebugAbbrev::from(section(elf, ".debug_abbrev"));
    let mut units = info.units();
    while let Some(header) = units.next()? {
        let Some(unit_start) = header.offset().as_debug_info_offset() else { continue };
        let abbreviations = header.abbreviations(&abbrev)?;
        let mut entries = header.entries_raw(&abbreviations, None)?;
        while !entries.is_empty() {
            let Some(abbreviation) = entries.read_abbreviation()? else { continue };
            let mut low = None;
            let mut high = None;
            for spec in abbreviation.attributes() {
                let at = entries.next_offset();
                let attribute = entries.read_attribute(*spec)?;
                match (attribute.name(), attribute.value()) {
                    (gimli::DW_AT_low_pc, gimli::AttributeValue::Addr(address)) => low = Some(address as u32),
                    (gimli::DW_AT_high_pc, value) => {
                        let size = match spec.form() {
                            gimli::DW_FORM_data1 => 1,
                            gimli::DW_FORM_data2 => 2,
                            gimli::DW_FORM_data4 => 4,
                            gimli::DW_FORM_data8 => 8,
                            _ => 0,
                        };
                        if let (true, Some(length)) = (size > 0, value.udata_value()) {
                            high = Some((unit_start.0 + at.0, size, length as u32));
                        }
                    }
                    _ => {}
                }
            }
            if let (Some(low), Some((at, size, length))) = (low, high) {
                let length = new_length(low, length) as u64;
                let bytes = length.to_be_bytes();
                new[at..at + size].copy_from_slice(&bytes[8 - size..]);
            }
        }
    }
    Ok(())
}

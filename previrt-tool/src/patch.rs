//! `previrt patch`: pad every privileged instruction, move code, fix all that refers to it.
//!
//! Two modes:
//! - **relocations** (the image was linked with `--emit-relocs`): after each privileged
//!   instruction go its padding NOPs (its [`irfm::insn::Row::padding`], or `--pad N`). Code moves;
//!   relative branches are re-aimed by decoding them (a `bc` that no longer reaches gets a branch
//!   island: `bc` to the next-but-one word, `b` over it, `b target`); every relocated field
//!   (`@ha`/`@l` pairs, addresses and jump-table entries in data, DWARF addresses) is recomputed
//!   from its relocation; symbols, section and segment headers, the entry point and the DWARF
//!   line program follow. Pinned sections (the exception vectors, see [`code::is_pinned`]) do not
//!   move: their padded instructions go to trampoline stubs.
//! - **trampolines** (no relocations, `--trampolines`): nothing moves. Each privileged
//!   instruction that needs padding becomes a `b` to a stub in an appended section: the
//!   instruction, its padding, a `b` back. Instructions whose padding is zero stay where they are.
//!
//! Both write the table of [`irfm::table`] into a new section [`table::SECTION`] in a new
//! `PT_LOAD` segment above everything the guest loads, with the symbol [`table::SYMBOL`].

use crate::code::{self, Found};
use crate::dwarf;
use crate::elf::{self, Elf, Rela, Section, Segment, Symbol};
use crate::layout::{Layout, Placement};
use crate::reloc::{self, Field};
use crate::writer::{self, OutSection, OutSegment};
use crate::Error;
use irfm::insn::{self, encode::NOP};
use irfm::isa;
use irfm::table::{self, Entry};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// How to patch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// NOP words after every privileged instruction instead of its row's padding.
    pub pad: Option<u8>,
    /// Patch in place with trampolines (required when the image has no relocations).
    pub trampolines: bool,
}

/// Which way the image was patched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Code moved, using the relocations.
    Relocations,
    /// Nothing moved; padded instructions went to stubs.
    Trampolines,
}

/// What `patch` did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The mode used.
    pub mode: Mode,
    /// Privileged instructions recorded in the table.
    pub sites: usize,
    /// Of those, padded in place.
    pub padded: usize,
    /// Of those, moved to a trampoline stub.
    pub trampolines: usize,
    /// Branch islands added for `bc`s that no longer reached.
    pub islands: usize,
    /// NOP words inserted in total.
    pub nops: usize,
    /// Address of the table header.
    pub table_address: u32,
    /// Bytes the code grew by.
    pub growth: u32,
}

/// A patched image and what was done.
pub struct Patched {
    /// The new ELF file.
    pub bytes: Vec<u8>,
    /// Summary.
    pub report: Report,
}

/// The relink advice for an image without relocations.
pub const RELINK_HINT: &str = "no relocations in the image: relink with -Wl,--emit-relocs (gcc) or \
     -C link-arg=--emit-relocs (rustc), or patch in place with --trampolines";

/// Whether a table is already in the image (section, symbol, or a valid header in loaded data).
pub fn has_table(elf: &Elf) -> bool {
    elf.section_by_name(table::SECTION).is_some()
        || elf.symbols.iter().any(|symbol| symbol.name == table::SYMBOL)
        || (1..elf.sections.len())
            .any(|i| elf.sections[i].is_alloc() && table::find(elf.section_data(i)).is_some())
}

/// A privileged instruction and what happens to it.
#[derive(Clone, Debug)]
struct Site {
    found: Found,
    padding: u8,
    trampoline: bool,
}

fn put32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

fn get32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn sign_fits(value: i64, bits: u32) -> bool {
    let limit = 1i64 << (bits - 1);
    (-limit..limit).contains(&value)
}

/// The jump-table reading of an `R_PPC_REL32` at `place` with `S + A` = `value`: gcc writes
/// `case label - table start`, which the assembler turns into `S + A - P` with the distance from
/// the table start folded into `A`. The table start is taken as the nearest address at or below
/// `place`, in the same section, that code builds with `@ha`/`@l` (`anchors`, sorted). Returns
/// `(target, base)`; `base == place` for a plain PC-relative word.
pub fn rel32_parts(anchors: &[u32], section: &Section, place: u32, value: u32) -> (u32, u32) {
    let index = anchors.partition_point(|&anchor| anchor <= place);
    let base = index
        .checked_sub(1)
        .map(|i| anchors[i])
        .filter(|&anchor| anchor >= section.addr)
        .unwrap_or(place);
    (value.wrapping_sub(place - base), base)
}

/// Addresses that code builds with `@ha`/`@h`/`@l` halves: candidate jump-table starts.
pub fn anchors(elf: &Elf) -> Vec<u32> {
    let mut anchors: Vec<u32> = elf
        .relocations
        .iter()
        .filter(|rela| elf.sections[rela.target].is_exec())
        .flat_map(|rela| rela.entries.iter())
        .filter(|entry| matches!(reloc::field(entry.kind), Some(Field::Half(_))))
        .map(|entry| symbol_value(elf, entry.symbol).wrapping_add(entry.addend as u32))
        .collect();
    anchors.sort_unstable();
    anchors.dedup();
    anchors
}

/// The value of symbol `index` (0 for the null symbol).
pub fn symbol_value(elf: &Elf, index: u32) -> u32 {
    elf.symbols.get(index as usize).map_or(0, |symbol| symbol.value)
}

/// The section a symbol is defined in, if a real one.
pub fn symbol_section(elf: &Elf, index: u32) -> Option<usize> {
    let symbol = elf.symbols.get(index as usize)?;
    let shndx = symbol.shndx as usize;
    (symbol.shndx != elf::SHN_UNDEF && symbol.shndx < elf::SHN_LORESERVE && shndx < elf.sections.len()).then_some(shndx)
}

/// Whether a symbol's value is an address that moves (defined in a loaded section).
fn moves(elf: &Elf, symbol: &Symbol) -> bool {
    symbol.shndx != elf::SHN_UNDEF
        && symbol.shndx < elf::SHN_LORESERVE
        && elf.sections.get(symbol.shndx as usize).is_some_and(|section| section.is_alloc())
}

/// Patches the file `input` into `output` (temporary file, then rename).
pub fn patch_file(input: &Path, output: &Path, options: &Options) -> Result<Report, Error> {
    if same_file(input, output) {
        return Err(Error::input(format!("output {} is the input; choose another path with -o", output.display())));
    }
    let bytes = std::fs::read(input).map_err(|e| Error::input(format!("cannot read: {e}")))?;
    let patched = patch(&bytes, options)?;
    write_atomically(output, &patched.bytes)?;
    Ok(patched.report)
}

/// Whether two paths name the same file (or would, once `b` exists).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        (Ok(a), Err(_)) => {
            let parent = b.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            match (std::fs::canonicalize(parent), b.file_name()) {
                (Ok(parent), Some(name)) => parent.join(name) == a,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let temporary = path.with_file_name(format!(".{name}.previrt-{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::input(format!("cannot write {}: {e}", temporary.display()))
    })?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::input(format!("cannot rename to {}: {e}", path.display()))
    })
}

/// Patches an image in memory.
pub fn patch(input: &[u8], options: &Options) -> Result<Patched, Error> {
    let elf = Elf::parse(input)?;
    if options.pad.is_some_and(|pad| pad > table::MAX_PADDING) {
        return Err(Error::input(format!("--pad over {}", table::MAX_PADDING)));
    }
    if has_table(&elf) {
        return Err(Error::input("already pre-virtualized: it holds a pre-virtualization table"));
    }
    let mode = if options.trampolines {
        Mode::Trampolines
    } else if elf.has_load_relocations() {
        Mode::Relocations
    } else {
        return Err(Error::input(RELINK_HINT));
    };
    let pinned = |index: usize| mode == Mode::Trampolines || code::is_pinned(&elf, index);
    let sites: Vec<Site> = code::find_sensitive(&elf)
        .into_iter()
        .filter(Found::privileged)
        .map(|found| {
            let padding = options.pad.unwrap_or(insn::row_of(found.op).padding);
            let trampoline = padding > 0 && pinned(found.section);
            Site { found, padding, trampoline }
        })
        .collect();
    let data = code::data_words(&elf);

    // Inserted bytes per section: padding now, branch islands as the layout demands.
    let mut extras: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); elf.sections.len()];
    for site in sites.iter().filter(|site| !site.trampoline && site.padding > 0) {
        let offset = site.found.address - elf.sections[site.found.section].addr;
        extras[site.found.section].insert(offset, 4 * site.padding as u32);
    }
    let branches = branches(&elf, &data);
    let mut islands: HashSet<(usize, u32)> = HashSet::new();
    let layout = loop {
        let layout = Layout::build(&elf, extras.iter().map(|m| m.iter().map(|(&k, &v)| (k, v)).collect()).collect(), &pinned)?;
        let mut added = false;
        for &(section, offset, word) in &branches {
            if word & 2 != 0 || islands.contains(&(section, offset)) {
                continue;
            }
            let old = elf.sections[section].addr + offset;
            let target = isa::branch_target(word, old).expect("a branch");
            let from = layout.map_in(section, old) as i64;
            let displacement = layout.map(target) as i64 - from;
            if isa::displacement_fits(word, displacement) {
                continue;
            }
            if isa::primary(word) == 18 || pinned(section) {
                return Err(Error::input(format!(
                    "branch at {old:#x} to {target:#x} no longer reaches after padding ({displacement:+#x} bytes)"
                )));
            }
            islands.insert((section, offset));
            extras[section].insert(offset, 8);
            added = true;
        }
        if !added {
            break layout;
        }
    };
    Builder { elf: &elf, layout: &layout, data: &data, sites: &sites, islands: &islands, mode }.build()
}

/// Every relative or absolute `b`/`bc` in code: (section, offset, word).
fn branches(elf: &Elf, data: &HashSet<u32>) -> Vec<(usize, u32, u32)> {
    let mut found = Vec::new();
    for (index, section) in elf.sections.iter().enumerate() {
        if !section.is_exec() {
            continue;
        }
        for (address, word) in code::words(elf, index, data) {
            if matches!(isa::primary(word), 16 | 18) {
                found.push((index, address - section.addr, word));
            }
        }
    }
    found
}

struct Builder<'a> {
    elf: &'a Elf<'a>,
    layout: &'a Layout,
    data: &'a HashSet<u32>,
    sites: &'a [Site],
    islands: &'a HashSet<(usize, u32)>,
    mode: Mode,
}

impl Builder<'_> {
    fn build(&self) -> Result<Patched, Error> {
        let elf = self.elf;
        let layout = self.layout;
        let mut contents: Vec<Vec<u8>> = (0..elf.sections.len()).map(|i| self.moved_contents(i)).collect();

        // The new segment: trampoline stubs, then the table, above everything loaded.
        let trampolines: Vec<&Site> = self.sites.iter().filter(|site| site.trampoline).collect();
        let base = align_up(layout.end().max(segments_end(elf, layout)), 0x1000)?;
        let stub_size: u32 = trampolines.iter().map(|site| 4 * (site.padding as u32 + 2)).sum();
        let table_address = align_up(base + stub_size, 8)?;
        let table_size = table::encoded_len(self.sites.len()) as u32;
        if table_address as u64 + table_size as u64 > 1 << 32 {
            return Err(Error::input("no room for the table below 4 GiB"));
        }
        let mut stubs = Vec::with_capacity(stub_size as usize);
        let mut stub_of: HashMap<u32, u32> = HashMap::new();
        for site in &trampolines {
            let stub = base + stubs.len() as u32;
            let new_site = layout.map_in(site.found.section, site.found.address);
            stubs.extend_from_slice(&site.found.word.to_be_bytes());
            for _ in 0..site.padding {
                stubs.extend_from_slice(&NOP.to_be_bytes());
            }
            let back_from = base + stubs.len() as u32;
            let back = self.branch(back_from, new_site + 4)?;
            stubs.extend_from_slice(&back.to_be_bytes());
            let there = self.branch(new_site, stub)?;
            let section = site.found.section;
            let at = (new_site - layout.sections[section].new_addr) as usize;
            put32(&mut contents[section], at, there);
            stub_of.insert(site.found.address, stub);
        }

        self.fix_branches(&mut contents)?;
        let line = self.rewrite_debug_line(&mut contents)?;
        let relocations = self.apply_relocations(&mut contents, line.as_ref())?;
        if let Some(line) = &line {
            dwarf::fix_after_move(elf, &mut contents, &|address| layout.map(address), line)?;
        }

        let mut entries: Vec<Entry> = self
            .sites
            .iter()
            .map(|site| {
                let new_site = layout.map_in(site.found.section, site.found.address);
                Entry {
                    site: new_site.wrapping_sub(table_address) as i32,
                    original: site.found.word,
                    op: site.found.op,
                    padding: site.padding,
                    stub: stub_of.get(&site.found.address).map_or(0, |stub| stub.wrapping_sub(table_address) as i32),
                }
            })
            .collect();
        entries.sort_by_key(|entry| entry.site);
        let mut table_bytes = vec![0u8; table_size as usize];
        table::write(&entries, &mut table_bytes).map_err(|e| Error::input(e.to_string()))?;

        // Headers: existing sections keep their indices; the new ones come last.
        let mut out_sections: Vec<OutSection> = Vec::with_capacity(elf.sections.len() + 2);
        for (index, section) in elf.sections.iter().enumerate() {
            let mut header = section.clone();
            if section.is_alloc() {
                header.addr = layout.sections[index].new_addr;
                header.size = layout.sections[index].new_size;
            } else if section.has_bytes() {
                header.size = contents[index].len() as u32;
            }
            out_sections.push(OutSection { header, data: std::mem::take(&mut contents[index]) });
        }
        for (index, entries) in relocations {
            out_sections[index].data = entries;
            out_sections[index].header.size = out_sections[index].data.len() as u32;
        }
        let shstrndx = elf.header.shstrndx as usize;
        let mut new_section = |name: &str, flags: u32, addr: u32, data: Vec<u8>, align: u32| {
            let names = &mut out_sections[shstrndx];
            let name_offset = names.data.len() as u32;
            names.data.extend_from_slice(name.as_bytes());
            names.data.push(0);
            names.header.size = names.data.len() as u32;
            let size = data.len() as u32;
            out_sections.push(OutSection {
                header: Section {
                    name: name.to_string(),
                    name_offset,
                    kind: elf::SHT_PROGBITS,
                    flags,
                    addr,
                    offset: 0,
                    size,
                    link: 0,
                    info: 0,
                    align,
                    entsize: 0,
                },
                data,
            });
            out_sections.len() - 1
        };
        if !stubs.is_empty() {
            new_section(table::STUB_SECTION, elf::SHF_ALLOC | elf::SHF_EXECINSTR, base, stubs, 4);
        }
        let table_index = new_section(table::SECTION, elf::SHF_ALLOC, table_address, table_bytes, 8);
        self.rewrite_symbols(&mut out_sections, table_index, table_address, table_size)?;

        let mut segments = self.segments();
        let flags = if stub_size > 0 { elf::PF_R | elf::PF_X } else { elf::PF_R };
        let end = table_address + table_size;
        let new_segment = Segment {
            kind: elf::PT_LOAD,
            offset: 0,
            vaddr: base,
            paddr: base,
            filesz: end - base,
            memsz: end - base,
            flags,
            align: 0x1000,
        };
        let position = segments.iter().rposition(|s| s.header.kind == elf::PT_LOAD).map_or(segments.len(), |p| p + 1);
        segments.insert(position, OutSegment { header: new_segment, prefix: Vec::new() });
        let entry = layout.map(elf.header.entry);
        let bytes = writer::write(&elf.header, entry, &mut segments, &mut out_sections);
        // Self-check: what we write must pass the checks we apply to what we read.
        Elf::parse(&bytes).map_err(|e| Error::input(format!("cannot patch this layout: the result would have {e}")))?;
        let growth: u32 = layout.sections.iter().filter(|p| p.alloc).map(|p| p.new_size - p.old_size).sum();
        let report = Report {
            mode: self.mode,
            sites: self.sites.len(),
            padded: self.sites.iter().filter(|site| !site.trampoline && site.padding > 0).count(),
            trampolines: trampolines.len(),
            islands: self.islands.len(),
            nops: self.sites.iter().map(|site| site.padding as usize).sum(),
            table_address,
            growth,
        };
        Ok(Patched { bytes, report })
    }

    /// `b to` placed at `from`, checked for reach.
    fn branch(&self, from: u32, to: u32) -> Result<u32, Error> {
        let displacement = to as i64 - from as i64;
        if !isa::displacement_fits(insn::encode::b(0, 0), displacement) {
            return Err(Error::input(format!("trampoline from {from:#x} to {to:#x} is beyond the reach of b (32 MiB)")));
        }
        Ok(insn::encode::b(from, to))
    }

    /// A section's bytes with the inserted words in place (NOPs; islands are filled later).
    fn moved_contents(&self, index: usize) -> Vec<u8> {
        let old = self.elf.section_data(index);
        let placement = &self.layout.sections[index];
        if placement.extras.is_empty() {
            return old.to_vec();
        }
        let mut out = Vec::with_capacity(placement.new_size as usize);
        let mut from = 0usize;
        for &(offset, bytes) in &placement.extras {
            let end = offset as usize + 4;
            out.extend_from_slice(&old[from..end]);
            for _ in 0..bytes / 4 {
                out.extend_from_slice(&NOP.to_be_bytes());
            }
            from = end;
        }
        out.extend_from_slice(&old[from..]);
        out
    }

    /// Re-aims every `b`/`bc` at the new image of its old target (through an island if needed).
    fn fix_branches(&self, contents: &mut [Vec<u8>]) -> Result<(), Error> {
        let elf = self.elf;
        let layout = self.layout;
        for (index, section) in elf.sections.iter().enumerate() {
            if !section.is_exec() {
                continue;
            }
            let placement = &layout.sections[index];
            for (old, word) in code::words(elf, index, self.data) {
                if !matches!(isa::primary(word), 16 | 18) {
                    continue;
                }
                let target = isa::branch_target(word, old).expect("a branch");
                let new_target = layout.map(target);
                let from = placement.map(old);
                let at = (from - placement.new_addr) as usize;
                let absolute = word & 2 != 0;
                let fixed = if absolute {
                    if new_target == target {
                        continue;
                    }
                    let bits = if isa::primary(word) == 18 { 26 } else { 16 };
                    if !sign_fits(new_target as i32 as i64, bits) {
                        return Err(Error::input(format!("absolute branch at {old:#x}: {new_target:#x} does not fit")));
                    }
                    isa::with_displacement(word, new_target as i32)
                } else if self.islands.contains(&(index, old - section.addr)) {
                    // bc → island: `bc` +8, `b` +8 (fall-through skips the island), `b target`.
                    put32(&mut contents[index], at + 4, insn::encode::b(0, 8));
                    put32(&mut contents[index], at + 8, self.branch(from + 8, new_target)?);
                    isa::with_displacement(word, 8)
                } else {
                    let displacement = new_target as i64 - from as i64;
                    if !isa::displacement_fits(word, displacement) {
                        return Err(Error::input(format!("branch at {old:#x} no longer reaches {target:#x}")));
                    }
                    isa::with_displacement(word, displacement as i32)
                };
                put32(&mut contents[index], at, fixed);
            }
        }
        Ok(())
    }

    /// Regenerates `.debug_line` with the new addresses when code moved.
    fn rewrite_debug_line(&self, contents: &mut [Vec<u8>]) -> Result<Option<dwarf::LineRewrite>, Error> {
        if self.mode == Mode::Trampolines {
            return Ok(None);
        }
        let Some(index) = self.elf.section_by_name(".debug_line") else { return Ok(None) };
        let layout = self.layout;
        let rewrite = dwarf::rewrite_line_programs(self.elf.section_data(index), &|address| layout.map(address))
            .map_err(|e| Error::input(format!(".debug_line: {e}")))?;
        contents[index] = rewrite.bytes.clone();
        Ok(Some(rewrite))
    }

    /// Recomputes every relocated field; returns the new bytes of each relocation section.
    fn apply_relocations(
        &self,
        contents: &mut [Vec<u8>],
        line: Option<&dwarf::LineRewrite>,
    ) -> Result<Vec<(usize, Vec<u8>)>, Error> {
        let elf = self.elf;
        let layout = self.layout;
        let anchors = anchors(elf);
        let debug_line = elf.section_by_name(".debug_line");
        let new_symbol_value = |index: u32| -> u32 {
            let symbol = &elf.symbols[index as usize];
            if moves(elf, symbol) {
                layout.map_from(symbol_section(elf, index), symbol.value)
            } else {
                symbol.value
            }
        };
        let mut rewritten = Vec::new();
        for rela in &elf.relocations {
            let target = &elf.sections[rela.target];
            let placement: &Placement = &layout.sections[rela.target];
            let mut entries: Vec<Rela> = Vec::with_capacity(rela.entries.len());
            let line_target = line.filter(|_| Some(rela.target) == debug_line);
            for entry in &rela.entries {
                let field = reloc::field(entry.kind).ok_or_else(|| {
                    Error::input(format!(
                        "{}: unsupported {} at {:#x}",
                        target.name,
                        reloc::name(entry.kind),
                        entry.offset
                    ))
                })?;
                let new_symbol = new_symbol_value(entry.symbol);
                if let Some(line) = line_target {
                    // The program was regenerated: keep header relocations (moved with their
                    // unit), drop the program's; the new ones are added below.
                    if let Some(offset) = line.map_header_offset(entry.offset) {
                        entries.push(Rela { offset, ..*entry });
                    }
                    continue;
                }
                let place = entry.offset;
                let new_place = if target.is_alloc() { placement.map(place) } else { place };
                let at = (new_place - if target.is_alloc() { placement.new_addr } else { 0 }) as usize;
                let bytes = &mut contents[rela.target];
                let Some(new_value) = relocated_value(elf, layout, &anchors, rela.target, entry, line) else {
                    entries.push(Rela { offset: new_place, ..*entry });
                    continue;
                };
                match field {
                    Field::Word | Field::RelativeWord => {
                        if at + 4 > bytes.len() {
                            return Err(Error::input(format!("{}: relocation at {place:#x} past the section end", target.name)));
                        }
                        put32(bytes, at, new_value);
                    }
                    Field::Half(half) | Field::RelativeHalf(half) => {
                        let half_value = half.of(new_value).ok_or_else(|| {
                            Error::input(format!("{} at {place:#x}: {new_value:#x} no longer fits 16 bits", reloc::name(entry.kind)))
                        })?;
                        if at + 2 > bytes.len() {
                            return Err(Error::input(format!("{}: relocation at {place:#x} past the section end", target.name)));
                        }
                        bytes[at..at + 2].copy_from_slice(&half_value.to_be_bytes());
                    }
                    Field::Branch | Field::None => {}
                }
                // Keep the relocation true to the new image: S' + A' = the new value (plus P' for relative ones).
                let addend = match field {
                    Field::RelativeWord | Field::RelativeHalf(_) => new_value.wrapping_add(new_place).wrapping_sub(new_symbol),
                    _ => new_value.wrapping_sub(new_symbol),
                };
                entries.push(Rela { offset: new_place, kind: entry.kind, symbol: entry.symbol, addend: addend as i32 });
            }
            if let Some(line) = line_target {
                for &(offset, address) in &line.addresses {
                    let (symbol, addend) = section_symbol_for(elf, layout, address);
                    entries.push(Rela { offset, kind: reloc::R_PPC_ADDR32, symbol, addend });
                }
                entries.sort_by_key(|entry| entry.offset);
            }
            let mut bytes = Vec::with_capacity(entries.len() * 12);
            for entry in &entries {
                bytes.extend_from_slice(&entry.offset.to_be_bytes());
                bytes.extend_from_slice(&((entry.symbol << 8) | entry.kind as u32).to_be_bytes());
                bytes.extend_from_slice(&entry.addend.to_be_bytes());
            }
            rewritten.push((rela.index, bytes));
        }
        Ok(rewritten)
    }

    /// New symbol values and sizes, plus `__previrt_table`.
    fn rewrite_symbols(&self, out: &mut [OutSection], table_index: usize, table_address: u32, table_size: u32) -> Result<(), Error> {
        let elf = self.elf;
        let layout = self.layout;
        let Some(symtab) = elf.symtab else { return Ok(()) };
        let mut bytes = elf.section_data(symtab).to_vec();
        for (number, symbol) in elf.symbols.iter().enumerate() {
            if !moves(elf, symbol) {
                continue;
            }
            let section = symbol_section(elf, number as u32);
            let value = layout.map_from(section, symbol.value);
            let size = if symbol.size > 0 && matches!(symbol.kind(), elf::STT_FUNC | elf::STT_OBJECT) {
                layout.map_from(section, symbol.value.wrapping_add(symbol.size)).wrapping_sub(value)
            } else {
                symbol.size
            };
            put32(&mut bytes, number * 16 + 4, value);
            put32(&mut bytes, number * 16 + 8, size);
        }
        let strtab = elf.sections[symtab].link as usize;
        let name_offset = out[strtab].data.len() as u32;
        out[strtab].data.extend_from_slice(table::SYMBOL.as_bytes());
        out[strtab].data.push(0);
        out[strtab].header.size = out[strtab].data.len() as u32;
        bytes.extend_from_slice(&name_offset.to_be_bytes());
        bytes.extend_from_slice(&table_address.to_be_bytes());
        bytes.extend_from_slice(&table_size.to_be_bytes());
        bytes.push((1 << 4) | elf::STT_OBJECT); // STB_GLOBAL, STT_OBJECT
        bytes.push(0);
        bytes.extend_from_slice(&(table_index as u16).to_be_bytes());
        out[symtab].data = bytes;
        out[symtab].header.size = out[symtab].data.len() as u32;
        Ok(())
    }

    /// Program headers with their new addresses and sizes.
    fn segments(&self) -> Vec<OutSegment> {
        let elf = self.elf;
        let layout = self.layout;
        elf.segments
            .iter()
            .map(|segment| {
                let mut header = *segment;
                let members: Vec<usize> = (1..elf.sections.len())
                    .filter(|&i| {
                        let s = &elf.sections[i];
                        s.is_alloc()
                            && s.addr >= segment.vaddr
                            && s.end() <= segment.vaddr.saturating_add(segment.memsz)
                            && (s.addr < segment.vaddr.saturating_add(segment.memsz) || segment.memsz == 0)
                    })
                    .collect();
                let mut prefix = Vec::new();
                if let (Some(&first), true) = (members.first(), segment.memsz > 0) {
                    let first_section = &elf.sections[first];
                    let lead = first_section.addr - segment.vaddr;
                    let new_first = layout.sections[first].new_addr;
                    header.vaddr = new_first - lead;
                    header.paddr = segment.paddr.wrapping_add(header.vaddr.wrapping_sub(segment.vaddr));
                    let old_end = segment.vaddr + segment.memsz;
                    let last_end = members.iter().map(|&i| elf.sections[i].end()).max().unwrap_or(old_end);
                    let new_last_end = members
                        .iter()
                        .map(|&i| layout.sections[i].new_addr + layout.sections[i].new_size)
                        .max()
                        .unwrap_or(old_end);
                    header.memsz = new_last_end + (old_end - last_end) - header.vaddr;
                    if segment.kind == elf::PT_LOAD && lead > 0 && segment.filesz > 0 {
                        let take = lead.min(segment.filesz) as usize;
                        prefix = elf.data[segment.offset as usize..][..take].to_vec();
                    }
                }
                header.filesz = 0;
                if segment.kind != elf::PT_LOAD {
                    header.filesz = if segment.filesz > 0 { header.memsz.min(segment.filesz.max(header.memsz)) } else { 0 };
                }
                OutSegment { header, prefix }
            })
            .collect()
    }
}

/// The end of the highest loaded segment after the move.
fn segments_end(elf: &Elf, layout: &Layout) -> u32 {
    elf.segments
        .iter()
        .filter(|segment| segment.kind == elf::PT_LOAD && segment.memsz > 0)
        .map(|segment| {
            let end = segment.vaddr + segment.memsz;
            layout.map(end - 1).max(end - 1).saturating_add(1)
        })
        .max()
        .unwrap_or(0)
}

/// The new value of the field relocation `entry` (applying to section `target`) patches, or
/// `None` for `R_PPC_NONE`. Branch fields give the new target (the branch itself is re-aimed by
/// decoding it). `line`: how `.debug_line` offsets moved, when it was regenerated.
pub fn relocated_value(
    elf: &Elf,
    layout: &Layout,
    anchors: &[u32],
    target: usize,
    entry: &Rela,
    line: Option<&dwarf::LineRewrite>,
) -> Option<u32> {
    let field = reloc::field(entry.kind)?;
    let section = &elf.sections[target];
    let symbol_section = symbol_section(elf, entry.symbol);
    let value = symbol_value(elf, entry.symbol).wrapping_add(entry.addend as u32);
    let moving = symbol_section.is_some_and(|s| elf.sections[s].is_alloc());
    Some(match field {
        Field::None => return None,
        Field::Branch => layout.map_from(symbol_section, value),
        Field::Word | Field::Half(_) => {
            let debug_line = elf.section_by_name(".debug_line");
            match line {
                Some(line) if symbol_section.is_some() && symbol_section == debug_line => line.map_offset(value),
                _ if moving => layout.map_from(symbol_section, value),
                _ => value,
            }
        }
        Field::RelativeWord | Field::RelativeHalf(_) => {
            let (to, base) = rel32_parts(anchors, section, entry.offset, value);
            let new_to = if moving { layout.map(to) } else { to };
            let new_base = if section.is_alloc() { layout.map_in(target, base) } else { base };
            new_to.wrapping_sub(new_base)
        }
    })
}

fn align_up(value: u32, align: u32) -> Result<u32, Error> {
    value.checked_next_multiple_of(align).ok_or_else(|| Error::input("no room above the image for the table"))
}

/// A symbol and addend for a new relocation of `address` (new): the section symbol of the code
/// section holding it, or the null symbol with the address as addend.
fn section_symbol_for(elf: &Elf, layout: &Layout, address: u32) -> (u32, i32) {
    for (number, symbol) in elf.symbols.iter().enumerate() {
        if symbol.kind() != elf::STT_SECTION {
            continue;
        }
        let Some(index) = symbol_section(elf, number as u32) else { continue };
        let placement = &layout.sections[index];
        if placement.alloc && address.wrapping_sub(placement.new_addr) < placement.new_size {
            return (number as u32, address.wrapping_sub(placement.new_addr) as i32);
        }
    }
    (0, address as i32)
}

/// Reads a word of section contents (for tests and verify).
pub fn word_at(bytes: &[u8], at: usize) -> u32 {
    get32(bytes, at)
}

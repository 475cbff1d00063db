//! `previrt verify`: proves a patched image is its original plus padding.
//!
//! From the two files alone (and the patched image's table), without trusting how `patch` works:
//! 1. every code section of the original is walked word by word against the patched one: each
//!    original word must be there, in order; what may come between is only what the table
//!    records (NOP padding after a site), a branch island after a `bc` (`b .+8`, `b target`), or,
//!    for a trampoline site, a `b` to a stub that holds the original word, its padding and a `b`
//!    back; words may differ from the original only in a branch displacement or a relocated field;
//! 2. this walk gives the old-to-new address map; with it, every branch must reach the new image
//!    of its old target, and every relocated field (in code, data and DWARF addresses) must hold
//!    the new image of what it held; symbols and the entry point must have moved with their code;
//! 3. every privileged instruction of the original is in the table, and nothing else is.

use crate::code;
use crate::elf::Elf;
use crate::layout::Layout;
use crate::patch::{self, word_at};
use crate::reloc::{self, Field};
use crate::Error;
use irfm::insn::{self, encode::NOP};
use irfm::isa;
use irfm::table::{self, Table};
use std::collections::HashMap;

/// What verification checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Original instructions found in order.
    pub instructions: usize,
    /// Branches whose targets were checked.
    pub branches: usize,
    /// Relocated fields checked.
    pub relocations: usize,
    /// Table entries checked.
    pub sites: usize,
    /// Of which trampolines.
    pub trampolines: usize,
    /// Branch islands found.
    pub islands: usize,
}

fn fail(message: impl Into<String>) -> Error {
    Error::failure(message)
}

/// The table of a patched image: its address and its entries, validated.
pub fn read_table(elf: &Elf) -> Result<(u32, Vec<table::Entry>), Error> {
    let index = elf
        .section_by_name(table::SECTION)
        .ok_or_else(|| fail(format!("no {} section: not a patched image", table::SECTION)))?;
    let section = &elf.sections[index];
    let address = elf.symbols.iter().find(|symbol| symbol.name == table::SYMBOL).map_or(section.addr, |s| s.value);
    if !section.contains(address) {
        return Err(fail(format!("{} does not point into {}", table::SYMBOL, table::SECTION)));
    }
    let bytes = &elf.section_data(index)[(address - section.addr) as usize..];
    let table = Table::parse(bytes).map_err(|e| fail(e.to_string()))?;
    Ok((address, table.entries().collect()))
}

/// Reads the word at new address `address` in the patched image.
fn patched_word(patched: &Elf, address: u32) -> Option<u32> {
    let index = patched.section_at(address)?;
    let section = &patched.sections[index];
    let at = (address - section.addr) as usize;
    let data = patched.section_data(index);
    (at + 4 <= data.len()).then(|| word_at(data, at))
}

fn displacement_mask(word: u32) -> u32 {
    if isa::primary(word) == 18 {
        0x03ff_fffc
    } else {
        0xfffc
    }
}

/// Verifies `patched_bytes` against `original_bytes`.
pub fn verify(original_bytes: &[u8], patched_bytes: &[u8]) -> Result<Summary, Error> {
    let original = Elf::parse(original_bytes).map_err(|e| Error::input(format!("original: {e}")))?;
    let patched = Elf::parse(patched_bytes).map_err(|e| Error::input(format!("patched: {e}")))?;
    let (table_address, entries) = read_table(&patched)?;
    let by_site: HashMap<u32, &table::Entry> =
        entries.iter().map(|entry| (entry.site_address(table_address), entry)).collect();
    let mut summary = Summary { sites: entries.len(), ..Summary::default() };
    if patched.sections.len() < original.sections.len() {
        return Err(fail("the patched image has fewer sections than the original"));
    }
    for (index, (old, new)) in original.sections.iter().zip(&patched.sections).enumerate().skip(1) {
        if old.name != new.name || old.kind != new.kind || old.flags != new.flags {
            return Err(fail(format!("section {index} is {} in the original, {} in the patched image", old.name, new.name)));
        }
        if old.is_alloc() && !old.is_exec() && old.size != new.size {
            return Err(fail(format!("{}: size changed from {:#x} to {:#x}", old.name, old.size, new.size)));
        }
    }

    // Words holding a relocated field may differ from the original; step 2 checks them.
    let relocated: std::collections::HashSet<u32> = original
        .relocations
        .iter()
        .filter(|rela| original.sections[rela.target].is_alloc())
        .flat_map(|rela| rela.entries.iter())
        .filter(|entry| !matches!(reloc::field(entry.kind), Some(Field::None | Field::Branch)))
        .flat_map(|entry| [entry.offset & !3, (entry.offset + 3) & !3])
        .collect();
    for (index, section) in original.sections.iter().enumerate() {
        if !section.is_alloc() || section.is_exec() || !section.has_bytes() {
            continue;
        }
        let (old_bytes, new_bytes) = (original.section_data(index), patched.section_data(index));
        if let Some(at) = (0..old_bytes.len())
            .find(|&at| old_bytes[at] != new_bytes[at] && !relocated.contains(&((section.addr + at as u32) & !3)))
        {
            return Err(fail(format!("{}: byte at {:#x} changed, and no relocation covers it", section.name, section.addr + at as u32)));
        }
    }

    // 1. Walk code, build the map.
    let data = code::data_words(&original);
    let mut extras: Vec<Vec<(u32, u32)>> = vec![Vec::new(); original.sections.len()];
    let mut branches: Vec<(u32, u32, u32)> = Vec::new(); // (old address, old target, new effective target)
    let mut seen_sites = 0usize;
    for (index, section) in original.sections.iter().enumerate() {
        if !section.is_exec() {
            continue;
        }
        let old_bytes = original.section_data(index);
        let new_section = &patched.sections[index];
        let new_bytes = patched.section_data(index);
        let mut j = 0usize;
        let words = old_bytes.len() / 4;
        for i in 0..words {
            let old_address = section.addr + 4 * i as u32;
            let new_address = new_section.addr + j as u32;
            let word = word_at(old_bytes, 4 * i);
            let new_word = (j + 4 <= new_bytes.len())
                .then(|| word_at(new_bytes, j))
                .ok_or_else(|| fail(format!("{}: patched code ends before the original's word at {old_address:#x}", section.name)))?;
            let is_code = !data.contains(&old_address);
            let privileged = is_code && insn::classify(word).is_some_and(|op| insn::row_of(op).privileged);
            let mut extra = 0u32;
            if privileged {
                seen_sites += 1;
                let entry = by_site
                    .get(&new_address)
                    .ok_or_else(|| fail(format!("privileged instruction at {old_address:#x} ({new_address:#x}) is not in the table")))?;
                if entry.original != word {
                    return Err(fail(format!("table entry at {new_address:#x} records {:#010x}, the original has {word:#010x}", entry.original)));
                }
                let padding = entry.padding as usize;
                if let Some(stub) = entry.stub_address(table_address) {
                    summary.trampolines += 1;
                    if isa::branch_target(new_word, new_address) != Some(stub) || new_word & 3 != 0 {
                        return Err(fail(format!("trampoline site {new_address:#x} does not branch to its stub {stub:#x}")));
                    }
                    for k in 0..=padding + 1 {
                        let expected_kind = if k == 0 { Some(word) } else if k <= padding { Some(NOP) } else { None };
                        let stub_word = patched_word(&patched, stub + 4 * k as u32)
                            .ok_or_else(|| fail(format!("stub {stub:#x} runs outside the image")))?;
                        match expected_kind {
                            Some(expected) if stub_word != expected => {
                                return Err(fail(format!("stub {stub:#x} word {k} is {stub_word:#010x}, expected {expected:#010x}")))
                            }
                            None if isa::branch_target(stub_word, stub + 4 * k as u32) != Some(new_address + 4)
                                || stub_word & 3 != 0 =>
                            {
                                return Err(fail(format!("stub {stub:#x} does not branch back to {:#x}", new_address + 4)))
                            }
                            _ => {}
                        }
                    }
                } else {
                    if new_word != word {
                        return Err(fail(format!("site {new_address:#x} holds {new_word:#010x}, expected {word:#010x}")));
                    }
                    for k in 1..=padding {
                        let at = j + 4 * k;
                        if at + 4 > new_bytes.len() || word_at(new_bytes, at) != NOP {
                            return Err(fail(format!("site {new_address:#x}: padding word {k} is not a NOP")));
                        }
                    }
                    extra = 4 * padding as u32;
                }
            } else if is_code && matches!(isa::primary(word), 16 | 18) {
                let mask = displacement_mask(word);
                if new_word & !mask != word & !mask {
                    return Err(fail(format!("branch at {old_address:#x} became {new_word:#010x} (was {word:#010x})")));
                }
                let old_target = isa::branch_target(word, old_address).expect("a branch");
                let mut target = isa::branch_target(new_word, new_address).expect("a branch");
                let island = isa::primary(word) == 16
                    && word & 2 == 0
                    && target == new_address + 8
                    && j + 12 <= new_bytes.len()
                    && word_at(new_bytes, j + 4) == insn::encode::b(0, 8)
                    && isa::primary(word_at(new_bytes, j + 8)) == 18
                    && !(i + 1 < words && word_at(old_bytes, 4 * i + 4) == insn::encode::b(0, 8));
                if island {
                    summary.islands += 1;
                    target = isa::branch_target(word_at(new_bytes, j + 8), new_address + 8).expect("a branch");
                    extra = 8;
                }
                branches.push((old_address, old_target, target));
            } else if new_word != word && !relocated.contains(&old_address) {
                return Err(fail(format!("{old_address:#x}: {word:#010x} became {new_word:#010x}, and no relocation covers it")));
            }
            summary.instructions += 1;
            if extra > 0 {
                extras[index].push((4 * i as u32, extra));
            }
            j += 4 + extra as usize;
        }
        j += old_bytes.len() % 4;
        if j != new_bytes.len() {
            return Err(fail(format!("{}: {} bytes left over after the original's last word", section.name, new_bytes.len() as i64 - j as i64)));
        }
    }
    let found_privileged = entries.len();
    if seen_sites != found_privileged {
        return Err(fail(format!("the table has {found_privileged} entries, the original {seen_sites} privileged instructions")));
    }
    let addresses: Vec<u32> = patched.sections.iter().take(original.sections.len()).map(|s| s.addr).collect();
    let layout = Layout::with_addresses(&original, extras, &addresses)?;
    for (index, section) in original.sections.iter().enumerate() {
        if section.is_alloc() && layout.sections[index].new_size != patched.sections[index].size {
            return Err(fail(format!("{}: size {:#x}, expected {:#x}", section.name, patched.sections[index].size, layout.sections[index].new_size)));
        }
    }

    // 2. Branches, relocated fields, symbols, entry point.
    for &(old, old_target, new_target) in &branches {
        let expected = layout.map(old_target);
        if new_target != expected {
            return Err(fail(format!("branch at {old:#x} reaches {new_target:#x}, expected {expected:#x} (image of {old_target:#x})")));
        }
        summary.branches += 1;
    }
    let anchors = patch::anchors(&original);
    for rela in &original.relocations {
        let section = &original.sections[rela.target];
        if !section.is_alloc() {
            continue;
        }
        for entry in &rela.entries {
            let Some(field) = reloc::field(entry.kind) else {
                return Err(Error::input(format!("original: unsupported {}", reloc::name(entry.kind))));
            };
            if matches!(field, Field::None | Field::Branch) {
                continue;
            }
            let Some(expected) = patch::relocated_value(&original, &layout, &anchors, rela.target, entry, None) else { continue };
            let place = layout.map_in(rela.target, entry.offset);
            let at = (place - patched.sections[rela.target].addr) as usize;
            let bytes = patched.section_data(rela.target);
            let ok = match field {
                Field::Word | Field::RelativeWord => at + 4 <= bytes.len() && word_at(bytes, at) == expected,
                Field::Half(half) | Field::RelativeHalf(half) => {
                    at + 2 <= bytes.len()
                        && half.of(expected).is_some_and(|h| u16::from_be_bytes([bytes[at], bytes[at + 1]]) == h)
                }
                Field::Branch | Field::None => true,
            };
            if !ok {
                return Err(fail(format!("{} at {:#x} ({place:#x}) does not hold {expected:#x}", reloc::name(entry.kind), entry.offset)));
            }
            summary.relocations += 1;
        }
    }
    for (number, symbol) in original.symbols.iter().enumerate() {
        let Some(section) = patch::symbol_section(&original, number as u32) else { continue };
        if !original.sections[section].is_alloc() {
            continue;
        }
        let expected = layout.map_from(Some(section), symbol.value);
        let actual = patched.symbols.get(number).map(|s| s.value);
        if actual != Some(expected) {
            return Err(fail(format!("symbol {} is at {:#x?}, expected {expected:#x}", symbol.name, actual)));
        }
    }
    let entry = layout.map(original.header.entry);
    if patched.header.entry != entry {
        return Err(fail(format!("entry point {:#x}, expected {entry:#x}", patched.header.entry)));
    }
    Ok(summary)
}

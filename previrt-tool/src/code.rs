//! What in a guest is code, and where its privileged and sensitive instructions are.
//!
//! Every 4-byte word of every loaded executable section is an instruction, except the words a
//! relocation says hold data (`R_PPC_ADDR32`, `R_PPC_REL32`… at the word itself) and the bytes of
//! `STT_OBJECT` symbols placed in code (literal pools, tables). Those are never classified nor
//! treated as branches.

use crate::elf::{Elf, STT_OBJECT};
use crate::reloc;
use irfm::insn::{self, Op};
use std::collections::HashSet;

/// A privileged or sensitive instruction found in the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Section index.
    pub section: usize,
    /// Its address.
    pub address: u32,
    /// The word.
    pub word: u32,
    /// What it is.
    pub op: Op,
}

impl Found {
    /// Whether it traps in user mode (and so is padded and recorded by `patch`).
    pub fn privileged(&self) -> bool {
        insn::row_of(self.op).privileged
    }
}

/// Addresses of words in code sections that hold data, not instructions.
pub fn data_words(elf: &Elf) -> HashSet<u32> {
    let mut data = HashSet::new();
    for rela in &elf.relocations {
        let target = &elf.sections[rela.target];
        if !target.is_exec() {
            continue;
        }
        for entry in &rela.entries {
            if reloc::is_data_word(entry.kind) {
                data.insert(entry.offset & !3);
            }
        }
    }
    for symbol in &elf.symbols {
        if symbol.kind() != STT_OBJECT || symbol.size == 0 {
            continue;
        }
        let Some(section) = elf.sections.get(symbol.shndx as usize) else { continue };
        if !section.is_exec() || !section.contains(symbol.value) {
            continue;
        }
        let end = symbol.value.saturating_add(symbol.size).min(section.end());
        let mut word = symbol.value & !3;
        while word < end {
            data.insert(word);
            word += 4;
        }
    }
    data
}

/// The words of code section `index`, with their addresses, skipping data words and a trailing partial word.
pub fn words<'a>(elf: &'a Elf, index: usize, data: &'a HashSet<u32>) -> impl Iterator<Item = (u32, u32)> + 'a {
    let section = &elf.sections[index];
    let base = section.addr;
    elf.section_data(index)
        .chunks_exact(4)
        .enumerate()
        .map(move |(i, chunk)| (base + 4 * i as u32, u32::from_be_bytes(chunk.try_into().expect("4 bytes"))))
        .filter(move |(address, _)| !data.contains(address))
}

/// Every privileged or sensitive instruction in the loaded code of `elf`, in address order.
pub fn find_sensitive(elf: &Elf) -> Vec<Found> {
    let data = data_words(elf);
    let mut found = Vec::new();
    for (index, section) in elf.sections.iter().enumerate() {
        if !section.is_exec() {
            continue;
        }
        for (address, word) in words(elf, index, &data) {
            if let Some(op) = insn::classify(word) {
                found.push(Found { section: index, address, word, op });
            }
        }
    }
    found.sort_by_key(|found| found.address);
    found
}

/// Whether code section `index` must keep its addresses: the exception vectors, which the 405
/// enters at fixed offsets from EVPR (PPC405 manual, section 6.1.3). Sections named `.vectors*`
/// and code below 0x2100 (the vector area when EVPR = 0) are pinned: their privileged
/// instructions go to trampoline stubs instead of being padded in place.
pub fn is_pinned(elf: &Elf, index: usize) -> bool {
    let section = &elf.sections[index];
    section.is_exec() && (section.name.starts_with(".vectors") || section.addr < 0x2100)
}

//! Where every loaded section, and every word of moved code, goes in the patched image.
//!
//! Words inserted after an instruction (NOP padding, a branch island) belong to that
//! instruction: an address inside or at the end of the instruction maps with it, the next
//! instruction's address maps past the insertion. A section moves only when a section below it
//! grew into it, and then as little as it must, keeping its alignment (at least its
//! `sh_addralign`, and the alignment its old address had, up to 4 KiB). Pinned sections (the
//! exception vectors) never move and never grow.

use crate::elf::Elf;
use crate::Error;

/// Where one section goes.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// Old address.
    pub old_addr: u32,
    /// Old size.
    pub old_size: u32,
    /// New address.
    pub new_addr: u32,
    /// New size (old size plus inserted bytes).
    pub new_size: u32,
    /// Bytes inserted after the word at each offset, sorted by offset.
    pub extras: Vec<(u32, u32)>,
    /// `prefix[i]`: bytes inserted before `extras[i]`'s word ends (sum of `extras[..i]`).
    prefix: Vec<u32>,
    /// Whether this is a loaded section.
    pub alloc: bool,
}

impl Placement {
    /// The new address of old address `address` in this section (`[old_addr, old_addr + old_size]`).
    pub fn map(&self, address: u32) -> u32 {
        let offset = address.wrapping_sub(self.old_addr);
        let index = self.extras.partition_point(|&(word, _)| word + 4 <= offset);
        self.new_addr.wrapping_add(offset).wrapping_add(self.prefix[index])
    }

    /// Bytes inserted after the word at `offset`.
    pub fn extra_after(&self, offset: u32) -> u32 {
        match self.extras.binary_search_by_key(&offset, |&(word, _)| word) {
            Ok(index) => self.extras[index].1,
            Err(_) => 0,
        }
    }
}

/// The placement of every section of an image.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Indexed like the ELF's section headers.
    pub sections: Vec<Placement>,
    /// Loaded sections with their old ranges, sorted by address, code first among equals.
    order: Vec<usize>,
}

fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

impl Layout {
    /// Places the sections of `elf` given the bytes inserted in each (`extras[section]`, sorted).
    pub fn build(elf: &Elf, mut extras: Vec<Vec<(u32, u32)>>, pinned: &dyn Fn(usize) -> bool) -> Result<Layout, Error> {
        extras.resize(elf.sections.len(), Vec::new());
        let mut sections: Vec<Placement> = elf
            .sections
            .iter()
            .zip(extras)
            .map(|(section, extras)| {
                let mut prefix = Vec::with_capacity(extras.len() + 1);
                let mut sum = 0u32;
                prefix.push(0);
                for &(_, bytes) in &extras {
                    sum += bytes;
                    prefix.push(sum);
                }
                Placement {
                    old_addr: section.addr,
                    old_size: section.size,
                    new_addr: section.addr,
                    new_size: section.size + sum,
                    extras,
                    prefix,
                    alloc: section.is_alloc(),
                }
            })
            .collect();
        let mut order: Vec<usize> = (1..elf.sections.len()).filter(|&i| elf.sections[i].is_alloc()).collect();
        order.sort_by_key(|&i| (elf.sections[i].addr, !elf.sections[i].is_exec(), i));
        let mut end: u64 = 0;
        for &index in &order {
            let section = &elf.sections[index];
            let placement = &mut sections[index];
            let old = section.addr as u64;
            let new = if pinned(index) || old >= end {
                old
            } else {
                let natural = if old == 0 { 0x1000 } else { (1u64 << old.trailing_zeros()).min(0x1000) };
                align_up(end, natural.max(section.align.max(1) as u64))
            };
            if new < end && placement.new_size > 0 {
                return Err(Error::input(format!(
                    "{} at {:#x} is pinned, but the code below it grew past it",
                    section.name, section.addr
                )));
            }
            if new + placement.new_size as u64 > 1 << 32 {
                return Err(Error::input(format!("{}: patched image would pass the 4 GiB address space", section.name)));
            }
            placement.new_addr = new as u32;
            end = end.max(new + placement.new_size as u64);
        }
        Ok(Layout { sections, order })
    }

    /// A layout whose new section addresses are given (`verify` reads them from a patched image).
    pub fn with_addresses(elf: &Elf, extras: Vec<Vec<(u32, u32)>>, addresses: &[u32]) -> Result<Layout, Error> {
        let mut layout = Layout::build(elf, extras, &|_| false)?;
        for (placement, &address) in layout.sections.iter_mut().zip(addresses) {
            placement.new_addr = address;
        }
        Ok(layout)
    }

    /// The new address of old `address`, known to belong to section `index` (its end included).
    pub fn map_in(&self, index: usize, address: u32) -> u32 {
        self.sections[index].map(address)
    }

    /// The section an old address belongs to: the loaded section holding it (code first), else
    /// one ending exactly there; `None` outside every section.
    pub fn section_of(&self, address: u32) -> Option<usize> {
        let inside = self.order.iter().copied().find(|&i| {
            let p = &self.sections[i];
            address.wrapping_sub(p.old_addr) < p.old_size
        });
        inside.or_else(|| {
            self.order.iter().copied().find(|&i| {
                let p = &self.sections[i];
                p.old_size > 0 && p.old_addr.wrapping_add(p.old_size) == address
            })
        })
    }

    /// The new address of old `address` wherever it is (unchanged outside every section).
    pub fn map(&self, address: u32) -> u32 {
        match self.section_of(address) {
            Some(index) => self.map_in(index, address),
            None => address,
        }
    }

    /// The new address of `symbol_section`-relative old `address` (a symbol's value or a
    /// relocation's `S + A`): in that section if it lies there (end included), else anywhere.
    pub fn map_from(&self, symbol_section: Option<usize>, address: u32) -> u32 {
        if let Some(index) = symbol_section {
            let p = &self.sections[index];
            if p.alloc && address.wrapping_sub(p.old_addr) <= p.old_size {
                return self.map_in(index, address);
            }
        }
        self.map(address)
    }

    /// Highest new end of any loaded section.
    pub fn end(&self) -> u32 {
        self.order.iter().map(|&i| self.sections[i].new_addr + self.sections[i].new_size).max().unwrap_or(0)
    }
}

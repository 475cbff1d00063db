//! Writes an ELF32 big-endian executable from section contents and headers, choosing file offsets.
//!
//! Layout: ELF header, program headers, then each `PT_LOAD` segment's sections at offsets
//! congruent to their addresses modulo the segment alignment (so `p_offset ≡ p_vaddr`), then the
//! remaining sections, then the section header table.

use crate::elf::{Header, Section, Segment, EHDR_SIZE, PHDR_SIZE, PT_LOAD, SHDR_SIZE, SHT_NOBITS};

/// A section to write: its header (offset chosen here) and bytes.
pub struct OutSection {
    /// Header; `offset` is filled in by [`write`].
    pub header: Section,
    /// Contents (empty for `SHT_NOBITS`).
    pub data: Vec<u8>,
}

/// A segment to write; `offset` and `filesz` are filled in from the sections it holds.
pub struct OutSegment {
    /// Header (for `PT_LOAD`: vaddr, paddr, memsz, flags, align as wanted).
    pub header: Segment,
    /// Bytes the segment holds before its first section (kept from the input, e.g. headers).
    pub prefix: Vec<u8>,
}

fn put16(out: &mut [u8], at: usize, value: u16) {
    out[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

fn put32(out: &mut [u8], at: usize, value: u32) {
    out[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

fn align_up(value: usize, align: usize) -> usize {
    value.div_ceil(align.max(1)) * align.max(1)
}

/// Writes the image. Sections keep their indices; segments their order.
pub fn write(header: &Header, entry: u32, segments: &mut [OutSegment], sections: &mut [OutSection]) -> Vec<u8> {
    let phoff = EHDR_SIZE;
    let mut cursor = phoff + segments.len() * PHDR_SIZE;
    let mut placed = vec![false; sections.len()];
    let mut out = vec![0u8; cursor];
    let mut loads: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].header.kind == PT_LOAD).collect();
    loads.sort_by_key(|&i| segments[i].header.vaddr);
    for &index in &loads {
        let segment = &mut segments[index];
        let vaddr = segment.header.vaddr;
        let end = vaddr as u64 + segment.header.memsz as u64;
        let members: Vec<usize> = (1..sections.len())
            .filter(|&i| {
                let s = &sections[i].header;
                s.is_alloc() && !placed[i] && s.addr >= vaddr && (s.addr as u64) < end.max(vaddr as u64 + 1)
                    && (s.addr as u64 + s.size as u64) <= end
                    && !(s.size == 0 && s.addr as u64 == end && segment.header.memsz != 0)
            })
            .collect();
        let file_members: Vec<usize> = members.iter().copied().filter(|&i| sections[i].header.kind != SHT_NOBITS).collect();
        let file_end = file_members
            .iter()
            .map(|&i| sections[i].header.addr - vaddr + sections[i].header.size)
            .max()
            .unwrap_or(0)
            .max(segment.prefix.len() as u32);
        let align = segment.header.align.clamp(4, 0x10000) as usize;
        let misalign = if file_end == 0 { 0 } else { (vaddr as usize % align + align - cursor % align) % align };
        let offset = cursor + misalign;
        segment.header.offset = offset as u32;
        segment.header.filesz = file_end;
        segment.header.memsz = segment.header.memsz.max(file_end);
        out.resize(offset + file_end as usize, 0);
        out[offset..offset + segment.prefix.len()].copy_from_slice(&segment.prefix);
        for &i in &members {
            let section = &mut sections[i];
            section.header.offset = offset as u32 + (section.header.addr - vaddr);
            if section.header.kind != SHT_NOBITS {
                let at = section.header.offset as usize;
                out[at..at + section.data.len()].copy_from_slice(&section.data);
            }
            placed[i] = true;
        }
        cursor = out.len();
    }
    for segment in segments.iter_mut() {
        if segment.header.kind == PT_LOAD {
            continue;
        }
        // Other segments describe ranges of loaded sections: follow their first section.
        if let Some(i) = (1..sections.len()).find(|&i| {
            let s = &sections[i].header;
            s.is_alloc() && s.addr == segment.header.vaddr && segment.header.memsz > 0
        }) {
            segment.header.offset = sections[i].header.offset;
        }
    }
    for (index, section) in sections.iter_mut().enumerate().skip(1) {
        if placed[index] {
            continue;
        }
        if section.header.kind == SHT_NOBITS {
            section.header.offset = cursor as u32;
            continue;
        }
        let at = align_up(cursor, section.header.align.max(1) as usize);
        out.resize(at, 0);
        section.header.offset = at as u32;
        out.extend_from_slice(&section.data);
        cursor = out.len();
    }
    let shoff = align_up(cursor, 4);
    out.resize(shoff + sections.len() * SHDR_SIZE, 0);
    for (index, section) in sections.iter().enumerate() {
        let at = shoff + index * SHDR_SIZE;
        let s = &section.header;
        for (k, value) in [s.name_offset, s.kind, s.flags, s.addr, s.offset, s.size, s.link, s.info, s.align, s.entsize]
            .into_iter()
            .enumerate()
        {
            put32(&mut out, at + 4 * k, value);
        }
    }
    for (index, segment) in segments.iter().enumerate() {
        let at = phoff + index * PHDR_SIZE;
        let p = &segment.header;
        for (k, value) in [p.kind, p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.flags, p.align].into_iter().enumerate() {
            put32(&mut out, at + 4 * k, value);
        }
    }
    out[..16].copy_from_slice(&header.ident);
    put16(&mut out, 16, header.kind);
    put16(&mut out, 18, crate::elf::EM_PPC);
    put32(&mut out, 20, header.version);
    put32(&mut out, 24, entry);
    put32(&mut out, 28, phoff as u32);
    put32(&mut out, 32, shoff as u32);
    put32(&mut out, 36, header.flags);
    put16(&mut out, 40, EHDR_SIZE as u16);
    put16(&mut out, 42, PHDR_SIZE as u16);
    put16(&mut out, 44, segments.len() as u16);
    put16(&mut out, 46, SHDR_SIZE as u16);
    put16(&mut out, 48, sections.len() as u16);
    put16(&mut out, 50, header.shstrndx);
    out
}

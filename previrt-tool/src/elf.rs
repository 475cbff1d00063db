//! Reading 32-bit big-endian PowerPC executables, trusting no header until it is checked.
//!
//! [`Elf::parse`] validates the ELF header, every program and section header (within the file,
//! no overlaps, sane sizes and alignments), the string tables, the symbol table and every
//! relocation section before anything else looks at them, so the rest of `previrt` can index
//! without checks. Each refusal is one line naming what is wrong.

use crate::Error;

/// `EM_PPC`.
pub const EM_PPC: u16 = 20;
/// `ET_EXEC`.
pub const ET_EXEC: u16 = 2;
/// Section types we care about.
pub const SHT_PROGBITS: u32 = 1;
/// Symbol table.
pub const SHT_SYMTAB: u32 = 2;
/// String table.
pub const SHT_STRTAB: u32 = 3;
/// Relocations with addends.
pub const SHT_RELA: u32 = 4;
/// Dynamic linking information (refused).
pub const SHT_DYNAMIC: u32 = 6;
/// Uninitialized data.
pub const SHT_NOBITS: u32 = 8;
/// Relocations without addends (not used by PowerPC; refused).
pub const SHT_REL: u32 = 9;
/// Dynamic symbols.
pub const SHT_DYNSYM: u32 = 11;
/// Section flag: writable.
pub const SHF_WRITE: u32 = 1;
/// Section flag: occupies memory.
pub const SHF_ALLOC: u32 = 2;
/// Section flag: executable.
pub const SHF_EXECINSTR: u32 = 4;
/// Segment type: loadable.
pub const PT_LOAD: u32 = 1;
/// Segment type: dynamic linking (refused).
pub const PT_DYNAMIC: u32 = 2;
/// Segment type: interpreter (refused).
pub const PT_INTERP: u32 = 3;
/// Segment type: program header table.
pub const PT_PHDR: u32 = 6;
/// Segment flags.
pub const PF_X: u32 = 1;
/// Writable segment.
pub const PF_W: u32 = 2;
/// Readable segment.
pub const PF_R: u32 = 4;
/// Symbol type: data object.
pub const STT_OBJECT: u8 = 1;
/// Symbol type: function.
pub const STT_FUNC: u8 = 2;
/// Symbol type: section.
pub const STT_SECTION: u8 = 3;
/// Undefined section index.
pub const SHN_UNDEF: u16 = 0;
/// First reserved section index (SHN_LORESERVE); SHN_ABS is 0xfff1.
pub const SHN_LORESERVE: u16 = 0xff00;
/// Absolute symbol.
pub const SHN_ABS: u16 = 0xfff1;

/// ELF header size, program header size, section header size of ELF32.
pub const EHDR_SIZE: usize = 52;
/// Program header entry size.
pub const PHDR_SIZE: usize = 32;
/// Section header entry size.
pub const SHDR_SIZE: usize = 40;

/// The ELF header fields we keep.
#[derive(Clone, Debug)]
pub struct Header {
    /// `e_ident` (16 bytes).
    pub ident: [u8; 16],
    /// `e_type`.
    pub kind: u16,
    /// `e_version`.
    pub version: u32,
    /// `e_entry`.
    pub entry: u32,
    /// `e_flags`.
    pub flags: u32,
    /// `e_shstrndx`.
    pub shstrndx: u16,
}

/// A program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `p_type`.
    pub kind: u32,
    /// `p_offset`.
    pub offset: u32,
    /// `p_vaddr`.
    pub vaddr: u32,
    /// `p_paddr`.
    pub paddr: u32,
    /// `p_filesz`.
    pub filesz: u32,
    /// `p_memsz`.
    pub memsz: u32,
    /// `p_flags`.
    pub flags: u32,
    /// `p_align`.
    pub align: u32,
}

/// A section header, with its name resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its name in `.shstrtab`.
    pub name: String,
    /// `sh_name` (offset in `.shstrtab`).
    pub name_offset: u32,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u32,
    /// `sh_addr`.
    pub addr: u32,
    /// `sh_offset`.
    pub offset: u32,
    /// `sh_size`.
    pub size: u32,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_addralign`.
    pub align: u32,
    /// `sh_entsize`.
    pub entsize: u32,
}

impl Section {
    /// Whether it occupies memory when loaded.
    pub fn is_alloc(&self) -> bool {
        self.flags & SHF_ALLOC != 0
    }

    /// Whether it holds code.
    pub fn is_exec(&self) -> bool {
        self.is_alloc() && self.flags & SHF_EXECINSTR != 0 && self.kind != SHT_NOBITS
    }

    /// Whether it has bytes in the file.
    pub fn has_bytes(&self) -> bool {
        self.kind != SHT_NOBITS && self.kind != 0
    }

    /// Whether `address` lies in it (`[addr, addr + size)`).
    pub fn contains(&self, address: u32) -> bool {
        address.wrapping_sub(self.addr) < self.size
    }

    /// One past its last byte in memory.
    pub fn end(&self) -> u32 {
        self.addr.wrapping_add(self.size)
    }
}

/// A symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// `st_name`.
    pub name_offset: u32,
    /// `st_value`.
    pub value: u32,
    /// `st_size`.
    pub size: u32,
    /// `st_info`.
    pub info: u8,
    /// `st_other`.
    pub other: u8,
    /// `st_shndx`.
    pub shndx: u16,
}

impl Symbol {
    /// `ELF32_ST_TYPE`.
    pub fn kind(&self) -> u8 {
        self.info & 15
    }
}

/// A relocation with addend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rela {
    /// `r_offset`: an address for loaded sections, an offset in the section otherwise.
    pub offset: u32,
    /// Relocation type (`ELF32_R_TYPE`).
    pub kind: u8,
    /// Symbol index (`ELF32_R_SYM`).
    pub symbol: u32,
    /// `r_addend`.
    pub addend: i32,
}

/// A relocation section and the section it applies to.
#[derive(Clone, Debug)]
pub struct RelaSection {
    /// Index of the `SHT_RELA` section.
    pub index: usize,
    /// Index of the section it relocates.
    pub target: usize,
    /// Its entries.
    pub entries: Vec<Rela>,
}

/// A parsed, validated executable.
#[derive(Clone, Debug)]
pub struct Elf<'a> {
    /// The whole file.
    pub data: &'a [u8],
    /// The ELF header.
    pub header: Header,
    /// Program headers.
    pub segments: Vec<Segment>,
    /// Section headers (index 0 is the null section).
    pub sections: Vec<Section>,
    /// Index of `.symtab`, if any.
    pub symtab: Option<usize>,
    /// The symbols of `.symtab` (index 0 is the null symbol); empty when stripped.
    pub symbols: Vec<Symbol>,
    /// Every `SHT_RELA` section.
    pub relocations: Vec<RelaSection>,
}

fn be16(data: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([data[at], data[at + 1]])
}

/// Reads a big-endian word at `at` (the caller checked the bounds).
pub fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

fn bad(message: impl Into<String>) -> Error {
    Error::input(message)
}

fn in_file(data: &[u8], offset: u32, size: u32) -> bool {
    (offset as u64 + size as u64) <= data.len() as u64
}

fn string_at(table: &[u8], offset: u32) -> Option<String> {
    let rest = table.get(offset as usize..)?;
    let end = rest.iter().position(|&byte| byte == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// The machine name of an `e_machine` value, for messages.
fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86",
        8 => "MIPS",
        21 => "64-bit PowerPC",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "unknown",
    }
}

impl<'a> Elf<'a> {
    /// Parses and validates `data`.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, Error> {
        const EXPECTED: &str = "expected 32-bit big-endian PowerPC";
        if data.len() < 4 || data[..4] != *b"\x7fELF" {
            return Err(bad("not an ELF file"));
        }
        if data.len() < 6 {
            return Err(bad("truncated ELF header"));
        }
        match data[4] {
            1 => {}
            2 => return Err(bad(format!("64-bit ELF, {EXPECTED}"))),
            class => return Err(bad(format!("ELF class {class}, {EXPECTED}"))),
        }
        match data[5] {
            2 => {}
            1 => return Err(bad(format!("little-endian ELF, {EXPECTED}"))),
            encoding => return Err(bad(format!("ELF data encoding {encoding}, {EXPECTED}"))),
        }
        if data.len() < EHDR_SIZE {
            return Err(bad(format!("truncated ELF header ({} bytes, need {EHDR_SIZE})", data.len())));
        }
        let machine = be16(data, 18);
        if machine != EM_PPC {
            return Err(bad(format!("machine {machine} ({}), {EXPECTED}", machine_name(machine))));
        }
        let kind = be16(data, 16);
        if kind != ET_EXEC {
            let what = match kind {
                1 => "a relocatable object (ET_REL)",
                3 => "a shared object or PIE (ET_DYN)",
                4 => "a core file",
                _ => "an unknown ELF type",
            };
            return Err(bad(format!("{what}, expected a linked executable (ET_EXEC)")));
        }
        let mut ident = [0u8; 16];
        ident.copy_from_slice(&data[..16]);
        let header = Header {
            ident,
            kind,
            version: be32(data, 20),
            entry: be32(data, 24),
            flags: be32(data, 36),
            shstrndx: be16(data, 50),
        };
        let phoff = be32(data, 28);
        let shoff = be32(data, 32);
        let (ehsize, phentsize, phnum) = (be16(data, 40), be16(data, 42), be16(data, 44));
        let (shentsize, shnum) = (be16(data, 46), be16(data, 48));
        if ehsize as usize != EHDR_SIZE {
            return Err(bad(format!("ELF header size {ehsize}, expected {EHDR_SIZE}")));
        }
        if phnum > 0 && phentsize as usize != PHDR_SIZE {
            return Err(bad(format!("program header size {phentsize}, expected {PHDR_SIZE}")));
        }
        if shnum > 0 && shentsize as usize != SHDR_SIZE {
            return Err(bad(format!("section header size {shentsize}, expected {SHDR_SIZE}")));
        }
        if phnum == 0 {
            return Err(bad("no program headers: nothing would be loaded"));
        }
        if !in_file(data, phoff, phnum as u32 * PHDR_SIZE as u32) {
            return Err(bad("truncated: program headers extend past the end of the file"));
        }
        if shnum == 0 {
            return Err(bad("no section headers (previrt needs them to find code and relocations)"));
        }
        if !in_file(data, shoff, shnum as u32 * SHDR_SIZE as u32) {
            return Err(bad("truncated: section headers extend past the end of the file"));
        }
        let segments = (0..phnum as usize)
            .map(|index| {
                let at = phoff as usize + index * PHDR_SIZE;
                Segment {
                    kind: be32(data, at),
                    offset: be32(data, at + 4),
                    vaddr: be32(data, at + 8),
                    paddr: be32(data, at + 12),
                    filesz: be32(data, at + 16),
                    memsz: be32(data, at + 20),
                    flags: be32(data, at + 24),
                    align: be32(data, at + 28),
                }
            })
            .collect::<Vec<_>>();
        let mut sections = (0..shnum as usize)
            .map(|index| {
                let at = shoff as usize + index * SHDR_SIZE;
                Section {
                    name: String::new(),
                    name_offset: be32(data, at),
                    kind: be32(data, at + 4),
                    flags: be32(data, at + 8),
                    addr: be32(data, at + 12),
                    offset: be32(data, at + 16),
                    size: be32(data, at + 20),
                    link: be32(data, at + 24),
                    info: be32(data, at + 28),
                    align: be32(data, at + 32),
                    entsize: be32(data, at + 36),
                }
            })
            .collect::<Vec<_>>();
        validate_segments(data, &segments)?;
        if header.shstrndx as usize >= sections.len() || sections[header.shstrndx as usize].kind != SHT_STRTAB {
            return Err(bad(format!("section name table index {} is not a string table", header.shstrndx)));
        }
        validate_sections(data, &sections)?;
        validate_membership(&sections, &segments)?;
        let names = &sections[header.shstrndx as usize];
        let names = &data[names.offset as usize..][..names.size as usize];
        for (index, section) in sections.iter_mut().enumerate().skip(1) {
            section.name = string_at(names, section.name_offset)
                .ok_or_else(|| bad(format!("section {index}: name offset {} outside .shstrtab", section.name_offset)))?;
        }
        let mut elf = Elf { data, header, segments, sections, symtab: None, symbols: Vec::new(), relocations: Vec::new() };
        elf.read_symbols()?;
        elf.read_relocations()?;
        Ok(elf)
    }

    fn read_symbols(&mut self) -> Result<(), Error> {
        let tables: Vec<usize> = (0..self.sections.len()).filter(|&i| self.sections[i].kind == SHT_SYMTAB).collect();
        if tables.len() > 1 {
            return Err(bad("more than one symbol table"));
        }
        if self.sections.iter().any(|section| section.kind == SHT_DYNSYM || section.kind == SHT_DYNAMIC) {
            return Err(bad("dynamically linked, expected a static guest image"));
        }
        let Some(&index) = tables.first() else { return Ok(()) };
        let table = &self.sections[index];
        if table.entsize != 16 || !table.size.is_multiple_of(16) {
            return Err(bad(format!("{}: entry size {} or size {} is not a multiple of 16", table.name, table.entsize, table.size)));
        }
        let strings = self.sections.get(table.link as usize).filter(|s| s.kind == SHT_STRTAB).ok_or_else(|| {
            bad(format!("{}: linked string table {} is not a string table", table.name, table.link))
        })?;
        let strings = &self.data[strings.offset as usize..][..strings.size as usize];
        let bytes = &self.data[table.offset as usize..][..table.size as usize];
        let mut symbols = Vec::with_capacity(bytes.len() / 16);
        for (number, raw) in bytes.chunks_exact(16).enumerate() {
            let name_offset = be32(raw, 0);
            let name = string_at(strings, name_offset)
                .ok_or_else(|| bad(format!("symbol {number}: name offset {name_offset} outside the string table")))?;
            let shndx = be16(raw, 14);
            if shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx as usize >= self.sections.len() {
                return Err(bad(format!("symbol {name}: section index {shndx} does not exist")));
            }
            symbols.push(Symbol { name, name_offset, value: be32(raw, 4), size: be32(raw, 8), info: raw[12], other: raw[13], shndx });
        }
        self.symtab = Some(index);
        self.symbols = symbols;
        Ok(())
    }

    fn read_relocations(&mut self) -> Result<(), Error> {
        for (index, section) in self.sections.iter().enumerate() {
            if section.kind == SHT_REL {
                return Err(bad(format!("{}: SHT_REL relocations are not used on PowerPC; expected SHT_RELA", section.name)));
            }
            if section.kind != SHT_RELA {
                continue;
            }
            if section.entsize != 12 || !section.size.is_multiple_of(12) {
                return Err(bad(format!("{}: entry size {} or size {} is not a multiple of 12", section.name, section.entsize, section.size)));
            }
            if Some(section.link as usize) != self.symtab {
                return Err(bad(format!("{}: linked to section {}, which is not the symbol table", section.name, section.link)));
            }
            let target = section.info as usize;
            if target == 0 || target >= self.sections.len() || !self.sections[target].has_bytes() {
                return Err(bad(format!("{}: applies to section {target}, which has no contents", section.name)));
            }
            let applies = &self.sections[target];
            let base = if applies.is_alloc() { applies.addr } else { 0 };
            let bytes = &self.data[section.offset as usize..][..section.size as usize];
            let mut entries = Vec::with_capacity(bytes.len() / 12);
            for raw in bytes.chunks_exact(12) {
                let info = be32(raw, 4);
                let rela = Rela { offset: be32(raw, 0), kind: info as u8, symbol: info >> 8, addend: be32(raw, 8) as i32 };
                if rela.symbol as usize >= self.symbols.len() {
                    return Err(bad(format!("{}: relocation at {:#x} names symbol {}, beyond the symbol table", section.name, rela.offset, rela.symbol)));
                }
                let within = rela.offset.wrapping_sub(base);
                if within as u64 + 2 > applies.size as u64 {
                    return Err(bad(format!("{}: relocation at {:#x} lies outside {}", section.name, rela.offset, applies.name)));
                }
                entries.push(rela);
            }
            self.relocations.push(RelaSection { index, target, entries });
        }
        Ok(())
    }

    /// The bytes of section `index` (empty for `SHT_NOBITS`).
    pub fn section_data(&self, index: usize) -> &'a [u8] {
        let section = &self.sections[index];
        if !section.has_bytes() {
            return &[];
        }
        &self.data[section.offset as usize..][..section.size as usize]
    }

    /// The index of the section named `name`.
    pub fn section_by_name(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|section| section.name == name)
    }

    /// Whether any relocation applies to a loaded section (the image was linked with `--emit-relocs`).
    pub fn has_load_relocations(&self) -> bool {
        self.relocations.iter().any(|rela| self.sections[rela.target].is_alloc() && !rela.entries.is_empty())
    }

    /// The loaded section that holds `address`, preferring code.
    pub fn section_at(&self, address: u32) -> Option<usize> {
        let mut found = None;
        for (index, section) in self.sections.iter().enumerate() {
            if section.is_alloc() && section.contains(address) {
                if section.is_exec() {
                    return Some(index);
                }
                found.get_or_insert(index);
            }
        }
        found
    }

    /// The function or object symbol enclosing `address` (`name+offset`), for reports.
    pub fn symbolize(&self, address: u32) -> Option<String> {
        let best = self
            .symbols
            .iter()
            .filter(|symbol| {
                matches!(symbol.kind(), STT_FUNC | STT_OBJECT | 0)
                    && !symbol.name.is_empty()
                    && symbol.shndx != SHN_UNDEF
                    && symbol.shndx < SHN_LORESERVE
                    && !symbol.name.starts_with('$')
                    && symbol.value <= address
                    && (symbol.size == 0 || address - symbol.value < symbol.size)
            })
            .max_by_key(|symbol| (symbol.value, symbol.size != 0))?;
        let offset = address - best.value;
        Some(if offset == 0 { best.name.clone() } else { format!("{}+{offset:#x}", best.name) })
    }
}

fn validate_segments(data: &[u8], segments: &[Segment]) -> Result<(), Error> {
    let mut loads: Vec<&Segment> = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        match segment.kind {
            PT_DYNAMIC | PT_INTERP => return Err(bad("dynamically linked, expected a static guest image")),
            PT_LOAD => {}
            _ => continue,
        }
        if !in_file(data, segment.offset, segment.filesz) {
            return Err(bad(format!("truncated: segment {index} extends past the end of the file")));
        }
        if segment.filesz > segment.memsz {
            return Err(bad(format!("segment {index}: file size {:#x} exceeds memory size {:#x}", segment.filesz, segment.memsz)));
        }
        if segment.vaddr as u64 + segment.memsz as u64 > 1 << 32 || segment.paddr as u64 + segment.memsz as u64 > 1 << 32 {
            return Err(bad(format!("segment {index}: extends past the 4 GiB address space")));
        }
        if segment.align > 1 && !segment.align.is_power_of_two() {
            return Err(bad(format!("segment {index}: alignment {:#x} is not a power of two", segment.align)));
        }
        for other in &loads {
            let overlaps = segment.memsz > 0
                && other.memsz > 0
                && segment.vaddr < other.vaddr + other.memsz
                && other.vaddr < segment.vaddr + segment.memsz;
            if overlaps {
                return Err(bad(format!("overlapping segments at {:#x} and {:#x}", other.vaddr, segment.vaddr)));
            }
        }
        loads.push(segment);
    }
    Ok(())
}

/// A loaded section lies wholly inside a `PT_LOAD` segment or wholly outside every one
/// (a segment edge through a section would make "move the section" meaningless).
fn validate_membership(sections: &[Section], segments: &[Segment]) -> Result<(), Error> {
    for (index, section) in sections.iter().enumerate().skip(1) {
        if !section.is_alloc() || section.size == 0 {
            continue;
        }
        let (start, end) = (section.addr as u64, section.addr as u64 + section.size as u64);
        for (number, segment) in segments.iter().enumerate().filter(|(_, s)| s.kind == PT_LOAD && s.memsz > 0) {
            let (low, high) = (segment.vaddr as u64, segment.vaddr as u64 + segment.memsz as u64);
            let overlaps = start < high && low < end;
            if overlaps && (start < low || end > high) {
                return Err(bad(format!("section {index} straddles the edge of segment {number}")));
            }
        }
    }
    Ok(())
}

fn validate_sections(data: &[u8], sections: &[Section]) -> Result<(), Error> {
    let mut in_file_ranges: Vec<(u32, u32, usize)> = Vec::new();
    let mut in_memory: Vec<(u32, u32, usize)> = Vec::new();
    for (index, section) in sections.iter().enumerate().skip(1) {
        if section.align > 1 && !section.align.is_power_of_two() {
            return Err(bad(format!("section {index}: alignment {:#x} is not a power of two", section.align)));
        }
        if section.has_bytes() {
            if !in_file(data, section.offset, section.size) {
                return Err(bad(format!("truncated: section {index} extends past the end of the file")));
            }
            if section.size > 0 {
                in_file_ranges.push((section.offset, section.offset + section.size, index));
            }
        }
        if section.is_alloc() {
            if section.addr as u64 + section.size as u64 > 1 << 32 {
                return Err(bad(format!("section {index}: extends past the 4 GiB address space")));
            }
            if section.align > 1 && section.addr % section.align != 0 {
                return Err(bad(format!("section {index}: address {:#x} not aligned to {:#x}", section.addr, section.align)));
            }
            if section.is_exec() && (section.addr % 4 != 0) {
                return Err(bad(format!("section {index}: code at {:#x} is not word-aligned", section.addr)));
            }
            if section.size > 0 {
                in_memory.push((section.addr, section.addr + section.size, index));
            }
        }
    }
    for (ranges, what) in [(&mut in_file_ranges, "file contents"), (&mut in_memory, "addresses")] {
        ranges.sort_unstable();
        for pair in ranges.windows(2) {
            if pair[1].0 < pair[0].1 {
                return Err(bad(format!("overlapping sections {} and {} ({what})", pair[0].2, pair[1].2)));
            }
        }
    }
    Ok(())
}

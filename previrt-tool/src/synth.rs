//! Small synthetic PPC405 executables, for tests, the benchmark and the fuzz target's seeds.
//!
//! Layout like `linker/guest.ld`: `.text` at [`TEXT`], `.rodata` after it (8-aligned), `.bss`
//! after that, in two `PT_LOAD` segments; `.symtab` with the two section symbols first
//! ([`TEXT_SYMBOL`], [`RODATA_SYMBOL`]) and then the given symbols; `.rela.text` and
//! `.rela.rodata` as `--emit-relocs` leaves them (offsets are addresses).

use crate::elf::{self, Header, Section, Segment};
use crate::writer::{self, OutSection, OutSegment};

/// Address of `.text`, as in `linker/guest.ld`.
pub const TEXT: u32 = 0x4000;
/// Symbol index of the `.text` section symbol.
pub const TEXT_SYMBOL: u32 = 1;
/// Symbol index of the `.rodata` section symbol.
pub const RODATA_SYMBOL: u32 = 2;

/// Which section a symbol or relocation is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `.text`.
    Text,
    /// `.rodata`.
    Rodata,
}

/// A relocation: at `offset` (bytes into its section), `kind`, against `symbol` (an index) plus `addend`.
#[derive(Clone, Copy, Debug)]
pub struct Reloc {
    /// Bytes into the section it applies to.
    pub offset: u32,
    /// `R_PPC_*` type.
    pub kind: u8,
    /// Symbol index ([`TEXT_SYMBOL`], [`RODATA_SYMBOL`], or 3 + an index into [`Synth::symbols`]).
    pub symbol: u32,
    /// Addend.
    pub addend: i32,
}

/// A symbol to define.
#[derive(Clone, Debug)]
pub struct Sym {
    /// Name.
    pub name: String,
    /// Section.
    pub section: Which,
    /// Offset in it.
    pub offset: u32,
    /// Size.
    pub size: u32,
    /// `STT_FUNC`, `STT_OBJECT`…
    pub kind: u8,
}

/// An executable to build.
#[derive(Clone, Debug, Default)]
pub struct Synth {
    /// `.text` words.
    pub text: Vec<u32>,
    /// `.rodata` words.
    pub rodata: Vec<u32>,
    /// Relocations of `.text`.
    pub text_relocs: Vec<Reloc>,
    /// Relocations of `.rodata`.
    pub rodata_relocs: Vec<Reloc>,
    /// Global symbols (after the two section symbols).
    pub symbols: Vec<Sym>,
    /// Leave out the relocation sections (as a link without `--emit-relocs`).
    pub no_relocations: bool,
    /// Leave out the symbol table too (a stripped image).
    pub stripped: bool,
    /// Bytes of `.bss`.
    pub bss: u32,
}

impl Synth {
    /// The address of `.rodata`.
    pub fn rodata_address(&self) -> u32 {
        (TEXT + 4 * self.text.len() as u32).next_multiple_of(8)
    }

    /// The ELF file.
    pub fn build(&self) -> Vec<u8> {
        let words = |words: &[u32]| words.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        let text = words(&self.text);
        let rodata = words(&self.rodata);
        let rodata_address = self.rodata_address();
        let bss_address = (rodata_address + rodata.len() as u32).next_multiple_of(8);
        let mut names = vec![0u8];
        let mut name = |text: &str| {
            let offset = names.len() as u32;
            names.extend_from_slice(text.as_bytes());
            names.push(0);
            offset
        };
        let section = |name_offset: u32, kind: u32, flags: u32, addr: u32, size: u32, align: u32| Section {
            name: String::new(),
            name_offset,
            kind,
            flags,
            addr,
            offset: 0,
            size,
            link: 0,
            info: 0,
            align,
            entsize: 0,
        };
        let mut sections = vec![OutSection { header: section(0, 0, 0, 0, 0, 0), data: Vec::new() }];
        let text_name = name(".text");
        sections.push(OutSection {
            header: section(text_name, elf::SHT_PROGBITS, elf::SHF_ALLOC | elf::SHF_EXECINSTR, TEXT, text.len() as u32, 4),
            data: text,
        });
        let rodata_name = name(".rodata");
        sections.push(OutSection {
            header: section(rodata_name, elf::SHT_PROGBITS, elf::SHF_ALLOC, rodata_address, rodata.len() as u32, 8),
            data: rodata,
        });
        let bss_name = name(".bss");
        sections.push(OutSection {
            header: section(bss_name, elf::SHT_NOBITS, elf::SHF_ALLOC | elf::SHF_WRITE, bss_address, self.bss, 8),
            data: Vec::new(),
        });
        if !self.stripped {
            let mut strings = vec![0u8];
            let mut symbols = vec![0u8; 16];
            let mut symbol = |name: &str, value: u32, size: u32, info: u8, shndx: u16| {
                let offset = if name.is_empty() {
                    0
                } else {
                    let offset = strings.len() as u32;
                    strings.extend_from_slice(name.as_bytes());
                    strings.push(0);
                    offset
                };
                symbols.extend_from_slice(&offset.to_be_bytes());
                symbols.extend_from_slice(&value.to_be_bytes());
                symbols.extend_from_slice(&size.to_be_bytes());
                symbols.extend_from_slice(&[info, 0]);
                symbols.extend_from_slice(&shndx.to_be_bytes());
            };
            symbol("", TEXT, 0, elf::STT_SECTION, 1);
            symbol("", rodata_address, 0, elf::STT_SECTION, 2);
            for sym in &self.symbols {
                let (base, shndx) = match sym.section {
                    Which::Text => (TEXT, 1),
                    Which::Rodata => (rodata_address, 2),
                };
                symbol(&sym.name, base + sym.offset, sym.size, (1 << 4) | sym.kind, shndx);
            }
            let symtab_name = name(".symtab");
            let strtab_name = name(".strtab");
            let symtab_index = sections.len() as u32;
            let mut header = section(symtab_name, elf::SHT_SYMTAB, 0, 0, symbols.len() as u32, 4);
            header.link = symtab_index + 1;
            header.info = 3;
            header.entsize = 16;
            sections.push(OutSection { header, data: symbols });
            sections.push(OutSection {
                header: section(strtab_name, elf::SHT_STRTAB, 0, 0, strings.len() as u32, 1),
                data: strings,
            });
            if !self.no_relocations {
                for (relocs, target, base, label) in
                    [(&self.text_relocs, 1, TEXT, ".rela.text"), (&self.rodata_relocs, 2, rodata_address, ".rela.rodata")]
                {
                    let mut data = Vec::new();
                    for reloc in relocs {
                        data.extend_from_slice(&(base + reloc.offset).to_be_bytes());
                        data.extend_from_slice(&((reloc.symbol << 8) | reloc.kind as u32).to_be_bytes());
                        data.extend_from_slice(&reloc.addend.to_be_bytes());
                    }
                    let label = name(label);
                    let mut header = section(label, elf::SHT_RELA, 0x40, 0, data.len() as u32, 4);
                    header.link = symtab_index;
                    header.info = target;
                    header.entsize = 12;
                    sections.push(OutSection { header, data });
                }
            }
        }
        let shstrtab_name = name(".shstrtab");
        let shstrndx = sections.len() as u16;
        sections.push(OutSection {
            header: section(shstrtab_name, elf::SHT_STRTAB, 0, 0, names.len() as u32, 1),
            data: Vec::new(),
        });
        let last = sections.len() - 1;
        sections[last].data = names;
        sections[last].header.size = sections[last].data.len() as u32;
        let load = |vaddr: u32, memsz: u32, flags: u32| OutSegment {
            header: Segment { kind: elf::PT_LOAD, offset: 0, vaddr, paddr: vaddr, filesz: 0, memsz, flags, align: 0x10000 },
            prefix: Vec::new(),
        };
        let mut segments = vec![
            load(TEXT, rodata_address + self.rodata.len() as u32 * 4 - TEXT, elf::PF_R | elf::PF_X),
            load(bss_address, self.bss, elf::PF_R | elf::PF_W),
        ];
        let mut ident = [0u8; 16];
        ident[..7].copy_from_slice(b"\x7fELF\x01\x02\x01");
        let header = Header { ident, kind: elf::ET_EXEC, version: 1, entry: TEXT, flags: 0, shstrndx };
        writer::write(&header, TEXT, &mut segments, &mut sections)
    }
}

/// The bytes of a synthetic guest with `words` of text: mostly ordinary instructions, a
/// privileged one every `every` words, branches over them, calls, `@ha`/`@l` pairs and a jump
/// table with function pointers (the benchmark's and fuzz target's input).
pub fn large_guest(words: usize, every: usize) -> Vec<u8> {
    use crate::reloc::*;
    let mut synth = Synth { bss: 0x100, ..Synth::default() };
    let privileged = [0x7c60_0124u32, 0x7c00_8146, 0x7c7a_02a6, 0x7c71_eba6, 0x7c60_0106, 0x7c20_3286, 0x7c22_07a4];
    let table_entries = 8u32;
    for i in 0..words {
        let word = if i % every == every - 1 {
            privileged[(i / every) % privileged.len()]
        } else {
            match i % 16 {
                0 => 0x4800_0000 | ((8 * 4) & 0x03ff_fffc), // b +32
                3 => 0x4182_0000 | ((-12i32 as u32) & 0xfffc), // beq -12
                5 => 0x3c60_0000, // lis r3,…@ha
                6 => 0x3863_0000, // addi r3,r3,…@l
                9 => 0x4800_0001 | (((-(i as i32 % 4096) * 4) as u32) & 0x03ff_fffc), // bl back
                _ => 0x3860_0000 | (i as u32 & 0x7fff), // li r3,i
            }
        };
        synth.text.push(word);
        if i % 16 == 5 && i + 1 < words {
            let target = (i as i32 + 64).min(words as i32 - 1) * 4;
            synth.text_relocs.push(Reloc { offset: 4 * i as u32 + 2, kind: R_PPC_ADDR16_HA, symbol: TEXT_SYMBOL, addend: target });
            synth.text_relocs.push(Reloc { offset: 4 * i as u32 + 6, kind: R_PPC_ADDR16_LO, symbol: TEXT_SYMBOL, addend: target });
        }
    }
    // A jump table (gcc style: entry = case - table start) and function pointers.
    for k in 0..table_entries {
        let case = ((k as usize * words / table_entries as usize) & !3) as i32 * 4;
        let place = 4 * k as i32;
        synth.rodata.push(0);
        synth.rodata_relocs.push(Reloc { offset: place as u32, kind: R_PPC_REL32, symbol: TEXT_SYMBOL, addend: case + place });
    }
    for k in 0..table_entries {
        synth.rodata.push(0);
        let case = ((k as usize * words / table_entries as usize) & !3) as i32 * 4;
        synth.rodata_relocs.push(Reloc { offset: 4 * (table_entries + k), kind: R_PPC_ADDR32, symbol: TEXT_SYMBOL, addend: case });
    }
    // The code that loads the table start (the anchor gcc's jump tables are relative to).
    if words > 8 {
        synth.text_relocs.push(Reloc { offset: 4 * 5 + 2, kind: R_PPC_ADDR16_HA, symbol: RODATA_SYMBOL, addend: 0 });
        synth.text_relocs.push(Reloc { offset: 4 * 6 + 2, kind: R_PPC_ADDR16_LO, symbol: RODATA_SYMBOL, addend: 0 });
        synth.text_relocs.retain(|r| r.offset > 4 * 7 || r.symbol == RODATA_SYMBOL);
    }
    synth.symbols.push(Sym { name: "_start".into(), section: Which::Text, offset: 0, size: 4 * words as u32, kind: elf::STT_FUNC });
    let image = synth.build();
    resolve(&image, &synth)
}

/// Fills every relocated field of a synthetic image with its value (the linker's job).
pub fn resolve(image: &[u8], synth: &Synth) -> Vec<u8> {
    use crate::reloc::{field, Field};
    let mut image = image.to_vec();
    let parsed = elf::Elf::parse(&image).expect("a synthetic image parses");
    let text_offset = parsed.sections[1].offset as usize;
    let rodata_offset = parsed.sections[2].offset as usize;
    let rodata = synth.rodata_address();
    let value_of = |reloc: &Reloc| -> u32 {
        let base = match reloc.symbol {
            TEXT_SYMBOL => TEXT,
            RODATA_SYMBOL => rodata,
            n => {
                let sym = &synth.symbols[n as usize - 3];
                sym.offset + if sym.section == Which::Text { TEXT } else { rodata }
            }
        };
        base.wrapping_add(reloc.addend as u32)
    };
    for (relocs, offset, base) in [(&synth.text_relocs, text_offset, TEXT), (&synth.rodata_relocs, rodata_offset, rodata)] {
        for reloc in relocs {
            let at = offset + reloc.offset as usize;
            let place = base + reloc.offset;
            let value = value_of(reloc);
            match field(reloc.kind) {
                Some(Field::Word) => image[at..at + 4].copy_from_slice(&value.to_be_bytes()),
                Some(Field::RelativeWord) => image[at..at + 4].copy_from_slice(&value.wrapping_sub(place).to_be_bytes()),
                Some(Field::Half(half)) => image[at..at + 2].copy_from_slice(&half.of(value).unwrap_or(0).to_be_bytes()),
                _ => {}
            }
        }
    }
    image
}

//! The ISA check: no image we build may hold an instruction the PPC405 does not implement.
//!
//! Every word of every executable section is decoded with [`irfm::isa::decode`], the table taken
//! from the PPC405 user's manual. LLVM and gcc both know PowerPC cores with floating point, `isel`,
//! `mfocrf` and 64-bit operations; a wrong CPU setting would slip those into an image, and the 405
//! would take a program interrupt the first time it met one.

use crate::Failure;
use object::{Object, ObjectSection, SectionFlags};
use std::path::Path;

/// A word in an executable section that the 405 does not implement.
#[derive(Debug, PartialEq, Eq)]
pub struct Foreign {
    /// Its address.
    pub address: u32,
    /// The word.
    pub word: u32,
}

/// The foreign instructions in an ELF image's executable sections.
pub fn foreign_instructions(elf: &[u8]) -> Result<Vec<Foreign>, String> {
    let file = object::File::parse(elf).map_err(|e| format!("not an ELF image: {e}"))?;
    if file.architecture() != object::Architecture::PowerPc || file.is_little_endian() {
        return Err(format!("expected a 32-bit big-endian PowerPC ELF, found {:?}", file.architecture()));
    }
    // Words a test guest executes on purpose to see the 405 refuse them (an illegal word, a
    // floating-point load): their addresses are listed, one big-endian word each, in a
    // non-loaded section `.isa_allow`, so nothing is let through by accident.
    let allowed: Vec<u32> = file
        .section_by_name(".isa_allow")
        .and_then(|section| section.data().ok())
        .map(|data| data.chunks_exact(4).map(|c| u32::from_be_bytes(c.try_into().expect("4 bytes"))).collect())
        .unwrap_or_default();
    let mut foreign = Vec::new();
    for section in file.sections() {
        let executable = match section.flags() {
            SectionFlags::Elf { sh_flags } => sh_flags & u64::from(object::elf::SHF_EXECINSTR) != 0,
            _ => false,
        };
        if !executable || section.kind() == object::SectionKind::UninitializedData {
            continue;
        }
        let data = section.data().map_err(|e| format!("section {}: {e}", section.name().unwrap_or("?")))?;
        // The 405's vector table is sparse (offsets 0x100 to 0x2000): the gaps between vectors are
        // zero fill that no branch reaches. Zero words are accepted there and nowhere else.
        let sparse_vectors = section.name() == Ok(".vectors");
        for (index, chunk) in data.chunks_exact(4).enumerate() {
            let word = u32::from_be_bytes(chunk.try_into().expect("chunks of 4"));
            let address = section.address() as u32 + 4 * index as u32;
            // A hypercall (irfm::hypercall) is illegal on the 405 on purpose: that is how it traps.
            let hypercall = irfm::hypercall::decode(word).is_some();
            if !irfm::isa::is_405(word) && !hypercall && (!sparse_vectors || word != 0) && !allowed.contains(&address) {
                foreign.push(Foreign { address, word });
            }
        }
    }
    Ok(foreign)
}

/// Checks one image file; the error lists up to ten offending instructions.
pub fn check_file(path: &Path) -> Result<(), Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    let foreign = foreign_instructions(&bytes).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    if foreign.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> =
        foreign.iter().take(10).map(|f| format!("  {:#010x}: {:#010x}", f.address, f.word)).collect();
    Err(Failure::new(format!(
        "{}: {} instruction(s) the PPC405 does not implement (see the .asm listing beside it):\n{}",
        path.display(),
        foreign.len(),
        listed.join("\n")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object as WriteObject, StandardSection};

    /// A relocatable PowerPC ELF whose .text holds `words`.
    fn elf_with_text(words: &[u32]) -> Vec<u8> {
        let mut object =
            WriteObject::new(object::BinaryFormat::Elf, object::Architecture::PowerPc, object::Endianness::Big);
        let text = object.section_id(StandardSection::Text);
        let bytes: Vec<u8> = words.iter().flat_map(|word| word.to_be_bytes()).collect();
        object.append_section_data(text, &bytes, 4);
        object.write().expect("a small ELF")
    }

    #[test]
    fn an_image_of_405_instructions_passes() {
        let nop = 0x6000_0000;
        let blr = 0x4e80_0020;
        let wrteei_1 = 0x7c00_8146;
        assert_eq!(foreign_instructions(&elf_with_text(&[nop, wrteei_1, blr])), Ok(vec![]));
    }

    #[test]
    fn the_check_fails_on_floating_point_isel_and_lwsync() {
        let fadd = 0xfc22_182a;
        let isel = 0x7c22_18de;
        let lwsync = 0x7c20_04ac;
        let found = foreign_instructions(&elf_with_text(&[0x6000_0000, fadd, isel, lwsync])).unwrap();
        assert_eq!(
            found,
            vec![
                Foreign { address: 4, word: fadd },
                Foreign { address: 8, word: isel },
                Foreign { address: 12, word: lwsync }
            ]
        );
    }

    #[test]
    fn a_non_powerpc_file_is_refused_with_its_cause() {
        let error = foreign_instructions(b"not an elf").unwrap_err();
        assert!(error.starts_with("not an ELF image"), "{error}");
    }
}

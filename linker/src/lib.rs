//! Packs the microvisor and its guests into one bootable image for `qemu-system-ppc -kernel`.
//!
//! The output is a minimal ELF32 (big-endian PowerPC) with program headers only: the microvisor's
//! loadable segments, its `.partitions` table filled in (`irfm::image`), and each guest's loadable
//! segments moved to its partition's real memory (`(n + 1) × 16 MiB` + the guest's physical
//! address). QEMU loads every segment and starts at the microvisor's entry. Any PPC405 ELF from any
//! compiler can be a guest, provided its segments fit its partition; nothing else is assumed.
//! The output is written to a temporary file and renamed, so a failure leaves nothing half-written.
#![forbid(unsafe_code)]

use irfm::image::{Device, Mode, PartitionDescriptor, PartitionTable, MAX_PARTITIONS, PARTITION_STRIDE, TABLE_BYTES};
use object::elf;
use object::read::elf::{ElfFile32, FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol};
use std::fmt;
use std::path::{Path, PathBuf};

/// One partition to pack.
#[derive(Clone, Debug)]
pub struct PartitionSpec {
    /// Its guest's ELF image.
    pub image: PathBuf,
    /// Its name in reports (up to 8 bytes).
    pub name: String,
    /// Bytes of memory (a multiple of 4 KiB, at most 16 MiB).
    pub memory: u32,
    /// Devices granted.
    pub devices: Vec<Device>,
    /// How it runs.
    pub mode: Mode,
}

impl PartitionSpec {
    /// A partition of 16 MiB running `image` fully virtualized with UART0 (and UART1, which shares
    /// its page) and the SRAM.
    pub fn full(image: impl Into<PathBuf>) -> Self {
        let image = image.into();
        let name = image.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        PartitionSpec {
            image,
            name,
            memory: PARTITION_STRIDE,
            devices: vec![Device::Uart0, Device::Uart1, Device::Sram],
            mode: Mode::Full,
        }
    }
}

/// Why packing failed: the file and the cause, one line.
#[derive(Debug)]
pub struct Error {
    /// The file concerned.
    pub path: PathBuf,
    /// What is wrong with it.
    pub cause: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.cause)
    }
}

impl std::error::Error for Error {}

fn error(path: &Path, cause: impl Into<String>) -> Error {
    Error { path: path.to_path_buf(), cause: cause.into() }
}

/// A loadable segment: physical address, bytes in the file, bytes in memory.
#[derive(Clone, Debug)]
struct Segment {
    address: u32,
    data: Vec<u8>,
    memory_size: u32,
    flags: u32,
}

/// A loaded ELF image.
struct Loaded {
    entry: u32,
    segments: Vec<Segment>,
    /// The address of the symbol asked for, if found.
    symbol: Option<u32>,
}

/// An ELF image's entry, loadable segments and the address of `symbol`, checked to be a 32-bit
/// big-endian PowerPC executable.
fn load(path: &Path, symbol: Option<&str>) -> Result<Loaded, Error> {
    let bytes = std::fs::read(path).map_err(|e| error(path, e.to_string()))?;
    let bytes = &bytes[..];
    if bytes.len() < 6 || &bytes[..4] != b"\x7fELF" {
        return Err(error(path, "not an ELF file"));
    }
    if bytes[4] != elf::ELFCLASS32 {
        return Err(error(path, "64-bit ELF, expected 32-bit big-endian PowerPC"));
    }
    if bytes[5] != elf::ELFDATA2MSB {
        return Err(error(path, "little-endian ELF, expected 32-bit big-endian PowerPC"));
    }
    let file = ElfFile32::<Endianness>::parse(bytes).map_err(|e| error(path, format!("malformed ELF: {e}")))?;
    let header = file.elf_header();
    let endian = file.endian();
    if header.e_machine(endian) != elf::EM_PPC {
        return Err(error(path, format!("machine {} is not PowerPC (EM_PPC)", header.e_machine(endian))));
    }
    if header.e_type(endian) != elf::ET_EXEC {
        return Err(error(path, "not an executable (a linked ELF is needed)"));
    }
    let mut segments = Vec::new();
    for program in file.elf_program_headers() {
        if program.p_type(endian) != elf::PT_LOAD || program.p_memsz(endian) == 0 {
            continue;
        }
        let data = program.data(endian, bytes).map_err(|_| error(path, "a segment lies outside the file"))?;
        let (address, memory_size) = (program.p_paddr(endian), program.p_memsz(endian));
        if (data.len() as u64) > u64::from(memory_size) {
            return Err(error(path, "a segment's file size exceeds its memory size"));
        }
        if address.checked_add(memory_size).is_none() {
            return Err(error(path, "a segment wraps around the address space"));
        }
        segments.push(Segment { address, data: data.to_vec(), memory_size, flags: program.p_flags(endian) });
    }
    if segments.is_empty() {
        return Err(error(path, "no loadable segment"));
    }
    let entry = header.e_entry(endian);
    let symbol = symbol.and_then(|name| file.symbols().find(|s| s.name() == Ok(name)).map(|s| s.address() as u32));
    Ok(Loaded { entry, segments, symbol })
}

/// Packs `microvisor` with `partitions` into `output`.
pub fn pack(microvisor: &Path, partitions: &[PartitionSpec], output: &Path) -> Result<(), Error> {
    if partitions.is_empty() || partitions.len() > MAX_PARTITIONS {
        return Err(error(output, format!("a system has 1 to {MAX_PARTITIONS} partitions, not {}", partitions.len())));
    }
    let Loaded { entry, mut segments, symbol } = load(microvisor, Some(irfm::image::TABLE_SYMBOL))?;
    let table_address = symbol
        .ok_or_else(|| error(microvisor, format!("no {} symbol: not a microvisor image", irfm::image::TABLE_SYMBOL)))?;

    let mut table = PartitionTable::new();
    table.count = partitions.len();
    for (index, spec) in partitions.iter().enumerate() {
        let real_base = (index as u32 + 1) * PARTITION_STRIDE;
        if spec.memory == 0 || spec.memory > PARTITION_STRIDE || spec.memory % 4096 != 0 {
            return Err(error(&spec.image, "partition memory must be a multiple of 4 KiB, at most 16 MiB"));
        }
        let Loaded { entry: guest_entry, segments: guest_segments, symbol: previrt_table } =
            load(&spec.image, Some(irfm::table::SYMBOL))?;
        if spec.mode == Mode::Previrt && previrt_table.is_none() {
            return Err(error(&spec.image, "mode previrt, but no pre-virtualization table: run `previrt patch` on it first"));
        }
        for segment in guest_segments {
            let end = u64::from(segment.address) + u64::from(segment.memory_size);
            if end > u64::from(spec.memory) {
                return Err(error(
                    &spec.image,
                    format!(
                        "segment at {:#x}..{end:#x} does not fit the partition's {} KiB of memory",
                        segment.address,
                        spec.memory / 1024
                    ),
                ));
            }
            segments.push(Segment { address: real_base + segment.address, ..segment });
        }
        if guest_entry >= spec.memory {
            return Err(error(&spec.image, format!("entry point {guest_entry:#x} outside the partition's memory")));
        }
        let mut name = [0u8; 8];
        let bytes = spec.name.as_bytes();
        name[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        table.partitions[index] = PartitionDescriptor {
            real_base,
            size: spec.memory,
            entry: guest_entry,
            devices: spec.devices.iter().fold(0, |bits, device| bits | 1 << *device as u32),
            mode: spec.mode,
            previrt_table: previrt_table.unwrap_or(0),
            name,
        };
    }

    // Fill in the table where the microvisor's segment holds it.
    let encoded = table.encode();
    let holder = segments
        .iter_mut()
        .find(|s| table_address >= s.address && table_address + TABLE_BYTES as u32 <= s.address + s.data.len() as u32)
        .ok_or_else(|| error(microvisor, "the partition table is not in a loaded segment"))?;
    let at = (table_address - holder.address) as usize;
    holder.data[at..at + TABLE_BYTES].copy_from_slice(&encoded);

    let image = write_elf(entry, &segments);
    let temporary = output.with_extension("partial");
    std::fs::write(&temporary, image).map_err(|e| error(&temporary, e.to_string()))?;
    std::fs::rename(&temporary, output).map_err(|e| error(output, e.to_string()))
}

/// A minimal ELF32 big-endian PowerPC executable with one PT_LOAD per segment.
fn write_elf(entry: u32, segments: &[Segment]) -> Vec<u8> {
    const HEADER: u32 = 52;
    const PROGRAM_HEADER: u32 = 32;
    let mut out = Vec::new();
    let put16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_be_bytes());
    let put32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_be_bytes());
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', elf::ELFCLASS32, elf::ELFDATA2MSB, elf::EV_CURRENT, 0]);
    out.extend_from_slice(&[0; 8]);
    put16(&mut out, elf::ET_EXEC);
    put16(&mut out, elf::EM_PPC);
    put32(&mut out, u32::from(elf::EV_CURRENT));
    put32(&mut out, entry);
    put32(&mut out, HEADER); // e_phoff
    put32(&mut out, 0); // e_shoff
    put32(&mut out, 0); // e_flags
    put16(&mut out, HEADER as u16);
    put16(&mut out, PROGRAM_HEADER as u16);
    put16(&mut out, segments.len() as u16);
    put16(&mut out, 40); // e_shentsize
    put16(&mut out, 0); // e_shnum
    put16(&mut out, 0); // e_shstrndx
    let mut offset = HEADER + PROGRAM_HEADER * segments.len() as u32;
    for segment in segments {
        offset = (offset + 3) & !3;
        put32(&mut out, elf::PT_LOAD);
        put32(&mut out, offset);
        put32(&mut out, segment.address); // p_vaddr = p_paddr: QEMU loads at p_paddr
        put32(&mut out, segment.address);
        put32(&mut out, segment.data.len() as u32);
        put32(&mut out, segment.memory_size);
        put32(&mut out, segment.flags);
        put32(&mut out, 4);
        offset += segment.data.len() as u32;
    }
    for segment in segments {
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out.extend_from_slice(&segment.data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_elf_is_readable_and_keeps_every_segment() {
        let segments = vec![
            Segment { address: 0x100, data: vec![1, 2, 3, 4], memory_size: 8, flags: elf::PF_R | elf::PF_X },
            Segment { address: 0x0100_4000, data: vec![5; 6], memory_size: 6, flags: elf::PF_R },
        ];
        let bytes = write_elf(0x2100, &segments);
        let file = ElfFile32::<Endianness>::parse(&bytes[..]).unwrap();
        assert_eq!(file.entry(), 0x2100);
        let endian = file.endian();
        let loads: Vec<(u32, Vec<u8>, u32)> = file
            .elf_program_headers()
            .iter()
            .map(|p| (p.p_paddr(endian), p.data(endian, &bytes[..]).unwrap().to_vec(), p.p_memsz(endian)))
            .collect();
        assert_eq!(loads, vec![(0x100, vec![1, 2, 3, 4], 8), (0x0100_4000, vec![5; 6], 6)]);
    }

    #[test]
    fn a_non_elf_guest_is_named_in_one_line() {
        let dir = std::env::temp_dir().join(format!("system-image-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let guest = dir.join("guest.elf");
        std::fs::write(&guest, b"hello").unwrap();
        let Err(error) = load(&guest, None) else { panic!("a non-ELF file loaded") };
        assert_eq!(error.to_string(), format!("{}: not an ELF file", guest.display()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

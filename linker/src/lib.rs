//! Packs the microvisor and its guests into one bootable image for `qemu-system-ppc -kernel`.
//!
//! The output is a minimal ELF32 (big-endian PowerPC) with program headers only: the microvisor's
//! loadable segments, its `.partitions` table filled in (`irfm::image`), and each guest's loadable
//! segments moved to its partition's real memory (`(n + 1) × 16 MiB` + the guest's physical
//! address). QEMU loads every segment and starts at the microvisor's entry. Any PPC405 ELF from any
//! compiler can be a guest, provided its segments fit its partition; nothing else is assumed.
//! The output is written to a temporary file and renamed, so a failure leaves nothing half-written.
#![forbid(unsafe_code)]

pub mod config;

pub use irfm::image::{Action, Console, Device, Health, Mode, Policy};
use irfm::image::{
    Channel, PartitionDescriptor, Schedule, SystemTable, CHANNEL_PAGES, IMAGE_COPIES, MAX_CHANNELS, MAX_PARTITIONS,
    MAX_SLOTS, PARTITION_STRIDE, TABLE_BYTES,
};
use object::elf;
use object::read::elf::{ElfFile32, FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol};
use std::fmt;
use std::path::{Path, PathBuf};

/// Time-base ticks per microsecond on the ref405ep (333,333,330 Hz), for turning configured times
/// into the ticks the microvisor counts.
pub const TICKS_PER_MICROSECOND: f64 = 333.333_33;

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
    /// What it sees at UART0's address.
    pub console: Console,
    /// Fixed-priority scheduling: 0 is the highest.
    pub priority: u8,
    /// Fixed-priority scheduling: time-base ticks per period it may run (0: no budget).
    pub budget: u32,
    /// Fixed-priority scheduling: the period in ticks.
    pub period: u32,
    /// Health-monitor actions.
    pub health: Health,
    /// Guest address of its IRFM pages in para-virtual modes (`irfm::page::valid_base`).
    pub irfm_base: u32,
}

impl PartitionSpec {
    /// A partition of 16 MiB running `image` fully virtualized with every device of the board (UART0
    /// and UART1, which share a page, the SRAM, the NVRAM and the FPGA registers), as a guest on the
    /// bare board has them.
    pub fn full(image: impl Into<PathBuf>) -> Self {
        let image = image.into();
        let name = image.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        PartitionSpec {
            image,
            name,
            memory: PARTITION_STRIDE,
            devices: Device::ALL.to_vec(),
            mode: Mode::Full,
            console: Console::Direct,
            priority: 0,
            budget: 0,
            period: 0,
            health: Health::DEFAULT,
            irfm_base: irfm::page::RO_PAGE,
        }
    }
}

/// A whole system: partitions, schedule, channels.
#[derive(Clone, Debug)]
pub struct SystemSpec {
    /// The partitions, partition 0 first.
    pub partitions: Vec<PartitionSpec>,
    /// How they share the processor.
    pub policy: Policy,
    /// Cyclic schedules: (partition index, ticks) per slot of the major frame.
    pub slots: Vec<(u8, u32)>,
    /// Channels: the two partitions each joins, and the guest address both see it at.
    pub channels: Vec<([u8; 2], u32)>,
}

impl SystemSpec {
    /// Partitions scheduled round-robin, no channel.
    pub fn round_robin(partitions: Vec<PartitionSpec>) -> Self {
        SystemSpec { partitions, policy: Policy::RoundRobin, slots: Vec::new(), channels: Vec::new() }
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

/// Packs `microvisor` with `partitions` (round-robin, no channel) into `output`.
pub fn pack(microvisor: &Path, partitions: &[PartitionSpec], output: &Path) -> Result<(), Error> {
    pack_system(microvisor, &SystemSpec::round_robin(partitions.to_vec()), output)
}

/// The pristine copy of a guest's segments, as `irfm::image::image_copy` lays it out.
fn image_copy(segments: &[Segment]) -> Vec<u8> {
    let mut blob = Vec::new();
    for segment in segments {
        for word in [segment.address, segment.data.len() as u32, segment.memory_size] {
            blob.extend_from_slice(&word.to_be_bytes());
        }
        blob.extend_from_slice(&segment.data);
        while blob.len() % 4 != 0 {
            blob.push(0);
        }
    }
    blob
}

/// Packs a whole system into `output`.
pub fn pack_system(microvisor: &Path, system: &SystemSpec, output: &Path) -> Result<(), Error> {
    let partitions = &system.partitions;
    if partitions.is_empty() || partitions.len() > MAX_PARTITIONS {
        return Err(error(output, format!("a system has 1 to {MAX_PARTITIONS} partitions, not {}", partitions.len())));
    }
    let Loaded { entry, mut segments, symbol } = load(microvisor, Some(irfm::image::TABLE_SYMBOL))?;
    let table_address = symbol
        .ok_or_else(|| error(microvisor, format!("no {} symbol: not a microvisor image", irfm::image::TABLE_SYMBOL)))?;
    check_features(microvisor, system)?;

    let mut table = SystemTable::new();
    table.count = partitions.len();
    let mut copies_at = IMAGE_COPIES;
    for (index, spec) in partitions.iter().enumerate() {
        let real_base = (index as u32 + 1) * PARTITION_STRIDE;
        let limit = irfm::image::partition_limit(index, partitions.len());
        if spec.memory == 0 || spec.memory > limit || spec.memory % 4096 != 0 {
            return Err(error(
                &spec.image,
                format!(
                    "partition {index}'s memory ({} bytes) must be a multiple of 4 KiB, at most {} MiB (16 MiB, or for \
                     the last partition the RAM from its slot on)",
                    spec.memory,
                    limit >> 20
                ),
            ));
        }
        if !irfm::page::valid_base(spec.irfm_base) {
            return Err(error(
                &spec.image,
                format!(
                    "IRFM pages at {:#x}: they must start on a 4 KiB boundary from 0xffff8000 to 0xffffe000 \
                     (both pages reachable as d(0))",
                    spec.irfm_base
                ),
            ));
        }
        if spec.health.on_fault == Action::Reset || spec.health.on_overrun == Action::Reset {
            return Err(error(&spec.image, "the health action 'reset' is the watchdog's alone (on_watchdog)"));
        }
        let uart_granted = spec.devices.iter().any(|d| matches!(d, Device::Uart0 | Device::Uart1));
        if spec.console != Console::Direct && uart_granted {
            return Err(error(
                &spec.image,
                "an emulated or UART1 console traps the guest's UART accesses, so the partition cannot also be \
                 granted uart0 or uart1 (their page would be mapped and the accesses would not trap)",
            ));
        }
        for (other, earlier) in partitions[..index].iter().enumerate() {
            // UART0 and UART1 share one 4 KiB page: granting either grants that page.
            let shared =
                spec.devices.iter().any(|mine| earlier.devices.iter().any(|theirs| mine.shares_page_with(*theirs)));
            if shared {
                return Err(error(
                    &spec.image,
                    format!("partition {index} ({}) and partition {other} ({}) would share a device page", spec.name, earlier.name),
                ));
            }
        }
        let Loaded { entry: guest_entry, segments: guest_segments, symbol: previrt_table } =
            load(&spec.image, Some(irfm::table::SYMBOL))?;
        if spec.mode == Mode::Previrt && previrt_table.is_none() {
            return Err(error(&spec.image, "mode previrt, but no pre-virtualization table: run `previrt patch` on it first"));
        }
        for segment in &guest_segments {
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
        }
        if guest_entry >= spec.memory {
            return Err(error(&spec.image, format!("entry point {guest_entry:#x} outside the partition's memory")));
        }
        let copy = image_copy(&guest_segments);
        if u64::from(copies_at) + copy.len() as u64 > u64::from(CHANNEL_PAGES) {
            return Err(error(&spec.image, "the guest images are too large to keep pristine copies (11 MiB in all)"));
        }
        segments.extend(guest_segments.into_iter().map(|segment| Segment { address: real_base + segment.address, ..segment }));
        let copy_address = copies_at;
        let copy_bytes = copy.len() as u32;
        segments.push(Segment { address: copy_address, memory_size: copy_bytes, data: copy, flags: elf::PF_R });
        copies_at = (copies_at + copy_bytes + 15) & !15;
        let mut name = [0u8; 8];
        let bytes = spec.name.as_bytes();
        name[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        table.partitions[index] = PartitionDescriptor {
            real_base,
            size: spec.memory,
            entry: guest_entry,
            devices: spec.devices.iter().fold(0, |bits, device| bits | 1 << *device as u32),
            mode: spec.mode,
            console: spec.console,
            priority: spec.priority,
            previrt_table: previrt_table.unwrap_or(0),
            budget: spec.budget,
            period: spec.period,
            health: spec.health,
            image_copy: copy_address,
            image_bytes: copy_bytes,
            name,
            irfm_base: spec.irfm_base,
            high_memory: 0,
        };
    }
    // A partition alone with all the RAM from its slot on also gets what the microvisor's own
    // 16 MiB hold free above the image copy, at the top of its guest physical space: a guest built
    // for the whole board may put its stack there.
    if partitions.len() == 1 && partitions[0].memory == irfm::image::partition_limit(0, 1) {
        table.partitions[0].high_memory = irfm::image::high_memory(copies_at);
    }
    if system.slots.len() > MAX_SLOTS {
        return Err(error(output, format!("a cyclic schedule has at most {MAX_SLOTS} slots")));
    }
    let mut slots = [(0u8, 0u32); MAX_SLOTS];
    for (slot, (partition, ticks)) in slots.iter_mut().zip(&system.slots) {
        if usize::from(*partition) >= partitions.len() || *ticks == 0 {
            return Err(error(output, "a schedule slot names no partition or lasts no time"));
        }
        *slot = (*partition, *ticks);
    }
    table.schedule = Schedule { policy: system.policy, slot_count: system.slots.len(), slots };
    if system.channels.len() > MAX_CHANNELS {
        return Err(error(output, format!("a system has at most {MAX_CHANNELS} channels")));
    }
    table.channel_count = system.channels.len();
    for (index, (ends, address)) in system.channels.iter().enumerate() {
        if ends.iter().any(|end| usize::from(*end) >= partitions.len()) || ends[0] == ends[1] || address % 4096 != 0 {
            return Err(error(output, "a channel must join two partitions at a 4 KiB-aligned address"));
        }
        let page = CHANNEL_PAGES + 4096 * index as u32;
        table.channels[index] = Channel { ends: *ends, page, address: *address };
        segments.push(Segment { address: page, data: Vec::new(), memory_size: 4096, flags: elf::PF_R | elf::PF_W });
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

/// The microvisor's feature word (`irfm::image::FEATURES_SYMBOL`).
pub fn microvisor_features(microvisor: &Path) -> Result<u32, Error> {
    let Loaded { segments, symbol, .. } = load(microvisor, Some(irfm::image::FEATURES_SYMBOL))?;
    let address = symbol.ok_or_else(|| {
        error(microvisor, format!("no {} symbol: not a microvisor image, or one older than its feature word", irfm::image::FEATURES_SYMBOL))
    })?;
    segments
        .iter()
        .find(|s| address >= s.address && u64::from(address) + 4 <= u64::from(s.address) + s.data.len() as u64)
        .map(|s| {
            let at = (address - s.address) as usize;
            u32::from_be_bytes([s.data[at], s.data[at + 1], s.data[at + 2], s.data[at + 3]])
        })
        .ok_or_else(|| error(microvisor, "the feature word is not in a loaded segment"))
}

/// Refuses a system that needs a feature the microvisor image was built without, naming both.
fn check_features(microvisor: &Path, system: &SystemSpec) -> Result<(), Error> {
    use irfm::hypercall::feature;
    let features = microvisor_features(microvisor)?;
    let missing = |bit: u32, name: &str, what: String| {
        if features & bit == 0 {
            Err(error(microvisor, format!("{what} needs the microvisor feature `{name}`, and this image was built without it")))
        } else {
            Ok(())
        }
    };
    match system.policy {
        Policy::RoundRobin => {}
        Policy::Cyclic => missing(feature::RT_SCHED, "rt-sched", "the cyclic schedule".into())?,
        Policy::FixedPriority => missing(feature::RT_SCHED, "rt-sched", "fixed-priority scheduling".into())?,
    }
    for (index, spec) in system.partitions.iter().enumerate() {
        let console = match spec.console {
            Console::Direct => continue,
            Console::Emulated => "emulated",
            Console::Uart1 => "uart1",
        };
        missing(feature::CONSOLE_MUX, "console-mux", format!("partition {index} ({}): console `{console}`", spec.name))?;
    }
    Ok(())
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

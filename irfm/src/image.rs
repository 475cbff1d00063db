//! The system image: how the packer tells the microvisor where its partitions are.
//!
//! `cargo xtask` builds one bootable ELF from the microvisor and the guest images (see
//! `xtask/src/system_image.rs`): each guest's loadable segments are copied to its partition's real
//! memory, and a [`PartitionTable`] is written, big-endian, over the microvisor's `.partitions`
//! section (symbol [`TABLE_SYMBOL`]). The microvisor reads it once at boot and validates every field
//! before it trusts any of them. Nothing else about a guest is known in advance: any PPC405 ELF can be
//! a guest.

/// Symbol of the table in the microvisor's ELF.
pub const TABLE_SYMBOL: &str = "PARTITION_TABLE";
/// First word of a filled table: "PART".
pub const TABLE_MAGIC: u32 = 0x5041_5254;
/// First word of the table as the microvisor is linked, before packing: "NONE".
pub const EMPTY_MAGIC: u32 = 0x4e4f_4e45;
/// Version of this layout.
pub const TABLE_VERSION: u32 = 2;
/// Partitions a system can have.
pub const MAX_PARTITIONS: usize = 4;
/// Bytes of one encoded [`PartitionDescriptor`].
pub const DESCRIPTOR_BYTES: usize = 32;
/// Bytes of the encoded table: magic, version, count, checksum, then the descriptors.
pub const TABLE_BYTES: usize = 16 + MAX_PARTITIONS * DESCRIPTOR_BYTES;
/// Real memory of partition `n` starts at `(n + 1) * PARTITION_STRIDE`: each partition owns one
/// 16 MiB TLB page, aligned as the 405 requires (PPC405 manual, section 7.2.2); the first 16 MiB
/// belong to the microvisor.
pub const PARTITION_STRIDE: u32 = 16 << 20;

/// A device of the board a partition can be granted (bit `1 << device as u32` in
/// [`PartitionDescriptor::devices`]). The microvisor's platform module says where each one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Device {
    /// UART0 (16550) and its interrupt line.
    Uart0 = 0,
    /// UART1 (16550) and its interrupt line.
    Uart1 = 1,
    /// The 512 KiB on-chip SRAM at the top of the address space (where QEMU puts the boot stack).
    Sram = 2,
}

impl Device {
    /// Every device, in bit order.
    pub const ALL: [Device; 3] = [Device::Uart0, Device::Uart1, Device::Sram];

    /// Its name in configuration files.
    pub const fn name(self) -> &'static str {
        match self {
            Device::Uart0 => "uart0",
            Device::Uart1 => "uart1",
            Device::Sram => "sram",
        }
    }

    /// The device called `name`.
    pub fn from_name(name: &str) -> Option<Device> {
        Device::ALL.into_iter().find(|device| device.name() == name)
    }
}

/// How a partition's guest is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Unmodified: every privileged instruction traps and is emulated.
    Full = 0,
    /// Para-virtualized: the guest uses hypercalls and IRFM pages.
    Para = 1,
    /// Pre-virtualized by `previrt`: patched to para-virtual code at load time.
    Previrt = 2,
}

/// One partition, as the packer describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionDescriptor {
    /// Real address of its memory (guest physical 0).
    pub real_base: u32,
    /// Bytes of memory.
    pub size: u32,
    /// Guest physical address of the first instruction (the ELF entry point).
    pub entry: u32,
    /// Devices granted, one bit per [`Device`].
    pub devices: u32,
    /// How it runs.
    pub mode: Mode,
    /// Guest address of its pre-virtualization table (`irfm::table`), 0 if it has none.
    pub previrt_table: u32,
    /// Name for reports (ASCII, NUL-padded).
    pub name: [u8; 8],
}

/// Why a table cannot be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The microvisor was not packed with any guest.
    Empty,
    /// Neither [`TABLE_MAGIC`] nor [`EMPTY_MAGIC`].
    BadMagic,
    /// A version this microvisor does not know.
    BadVersion,
    /// More than [`MAX_PARTITIONS`] or none.
    BadCount,
    /// The checksum does not match.
    BadChecksum,
    /// A descriptor with an unknown mode.
    BadMode,
}

/// A validated table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionTable {
    /// Partitions in use.
    pub count: usize,
    /// Their descriptors (`..count`).
    pub partitions: [PartitionDescriptor; MAX_PARTITIONS],
}

const EMPTY_DESCRIPTOR: PartitionDescriptor =
    PartitionDescriptor { real_base: 0, size: 0, entry: 0, devices: 0, mode: Mode::Full, previrt_table: 0, name: [0; 8] };

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn put(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// Sum of the descriptor words, rotated so that swapped words change it.
fn checksum(descriptors: &[u8]) -> u32 {
    descriptors.chunks_exact(4).fold(0u32, |sum, chunk| {
        sum.rotate_left(5) ^ u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])
    })
}

impl PartitionTable {
    /// An empty table.
    pub const fn new() -> Self {
        PartitionTable { count: 0, partitions: [EMPTY_DESCRIPTOR; MAX_PARTITIONS] }
    }

    /// The table as the packer writes it.
    pub fn encode(&self) -> [u8; TABLE_BYTES] {
        let mut bytes = [0u8; TABLE_BYTES];
        put(&mut bytes, 0, TABLE_MAGIC);
        put(&mut bytes, 4, TABLE_VERSION);
        put(&mut bytes, 8, self.count as u32);
        for (index, partition) in self.partitions.iter().enumerate().take(self.count) {
            let at = 16 + index * DESCRIPTOR_BYTES;
            put(&mut bytes, at, partition.real_base);
            put(&mut bytes, at + 4, partition.size);
            put(&mut bytes, at + 8, partition.entry);
            put(&mut bytes, at + 12, partition.devices);
            bytes[at + 16] = partition.mode as u8;
            put(&mut bytes, at + 20, partition.previrt_table);
            bytes[at + 24..at + 32].copy_from_slice(&partition.name);
        }
        let sum = checksum(&bytes[16..]);
        put(&mut bytes, 12, sum);
        bytes
    }

    /// Reads and validates a table from its bytes (the packer's tests; the microvisor reads words
    /// with [`check_header`] and [`descriptor`]).
    pub fn decode(bytes: &[u8; TABLE_BYTES]) -> Result<Self, TableError> {
        let word = |index: usize| self::word(bytes, 4 * index);
        let count = check_header(word)?;
        let mut table = PartitionTable::new();
        table.count = count;
        for (index, partition) in table.partitions.iter_mut().enumerate().take(count) {
            *partition = descriptor(word, index)?;
        }
        Ok(table)
    }
}

/// Checks a table's magic, version, count and checksum, reading word `i` with `word(i)`;
/// returns how many partitions it describes.
pub fn check_header(word: impl Fn(usize) -> u32) -> Result<usize, TableError> {
    match word(0) {
        TABLE_MAGIC => {}
        EMPTY_MAGIC => return Err(TableError::Empty),
        _ => return Err(TableError::BadMagic),
    }
    if word(1) != TABLE_VERSION {
        return Err(TableError::BadVersion);
    }
    let count = word(2) as usize;
    if count == 0 || count > MAX_PARTITIONS {
        return Err(TableError::BadCount);
    }
    let sum = (4..TABLE_BYTES / 4).fold(0u32, |sum, index| sum.rotate_left(5) ^ word(index));
    if word(3) != sum {
        return Err(TableError::BadChecksum);
    }
    Ok(count)
}

/// Partition `index` of a table whose header [`check_header`] accepted.
pub fn descriptor(word: impl Fn(usize) -> u32, index: usize) -> Result<PartitionDescriptor, TableError> {
    let at = 4 + index * DESCRIPTOR_BYTES / 4;
    let mode = match word(at + 4) >> 24 {
        0 => Mode::Full,
        1 => Mode::Para,
        2 => Mode::Previrt,
        _ => return Err(TableError::BadMode),
    };
    let mut name = [0u8; 8];
    for (chunk, offset) in name.chunks_exact_mut(4).zip(6..8) {
        chunk.copy_from_slice(&word(at + offset).to_be_bytes());
    }
    Ok(PartitionDescriptor {
        real_base: word(at),
        size: word(at + 1),
        entry: word(at + 2),
        devices: word(at + 3),
        mode,
        previrt_table: word(at + 5),
        name,
    })
}

impl Default for PartitionTable {
    fn default() -> Self {
        Self::new()
    }
}

/// The table as the microvisor is linked: [`EMPTY_MAGIC`] and zeros (kept in `.data` by the magic).
pub const fn empty_table_bytes() -> [u8; TABLE_BYTES] {
    let mut bytes = [0u8; TABLE_BYTES];
    let magic = EMPTY_MAGIC.to_be_bytes();
    bytes[0] = magic[0];
    bytes[1] = magic[1];
    bytes[2] = magic[2];
    bytes[3] = magic[3];
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PartitionTable {
        let mut table = PartitionTable::new();
        table.count = 2;
        table.partitions[0] = PartitionDescriptor {
            real_base: PARTITION_STRIDE,
            size: 16 << 20,
            entry: 0x4000,
            devices: 1 << Device::Uart0 as u32,
            mode: Mode::Full,
            previrt_table: 0x8000,
            name: *b"rtos\0\0\0\0",
        };
        table.partitions[1] = PartitionDescriptor { real_base: 2 * PARTITION_STRIDE, mode: Mode::Previrt, ..table.partitions[0] };
        table
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let table = sample();
        assert_eq!(PartitionTable::decode(&table.encode()), Ok(table));
    }

    #[test]
    fn an_unpacked_microvisor_reads_as_empty() {
        assert_eq!(PartitionTable::decode(&empty_table_bytes()), Err(TableError::Empty));
    }

    #[test]
    fn a_flipped_bit_fails_the_checksum() {
        let mut bytes = sample().encode();
        bytes[16 + 9] ^= 0x40;
        assert_eq!(PartitionTable::decode(&bytes), Err(TableError::BadChecksum));
    }

    #[test]
    fn counts_and_modes_out_of_range_are_refused() {
        let mut bytes = sample().encode();
        bytes[11] = 9;
        assert_eq!(PartitionTable::decode(&bytes), Err(TableError::BadCount));
        let mut bytes = sample().encode();
        bytes[16 + 16] = 7;
        let sum = checksum(&bytes[16..]);
        put(&mut bytes, 12, sum);
        assert_eq!(PartitionTable::decode(&bytes), Err(TableError::BadMode));
    }
}

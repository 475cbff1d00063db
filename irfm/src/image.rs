//! The system image: how the packer tells the microvisor what its partitions are.
//!
//! `linker/` (crate `system-image`) builds one bootable ELF from the microvisor and the guest
//! images, from a system configuration (`system.toml`): each guest's loadable segments are copied
//! to its partition's real memory, a pristine copy of them is kept in the microvisor's memory (so
//! the health monitor can restart the partition), and a [`SystemTable`] is written, big-endian,
//! over the microvisor's `.partitions` section (symbol [`TABLE_SYMBOL`]). The microvisor reads it
//! once at boot and checks every field before it trusts any of them. Nothing else about a guest is
//! known in advance: any PPC405 ELF can be a guest.
//!
//! Layout, in 32-bit big-endian words: a header (magic, version, partition count, checksum of all
//! later words), [`MAX_PARTITIONS`] descriptors of [`DESCRIPTOR_WORDS`], the schedule (policy, slot
//! count, then [`MAX_SLOTS`] pairs of partition and ticks), the channels (count, then
//! [`MAX_CHANNELS`] triples of the two partitions, the real page, the guest address).

/// Symbol of the table in the microvisor's ELF.
pub const TABLE_SYMBOL: &str = "PARTITION_TABLE";
/// The symbol of the microvisor's feature word (one big-endian word of `hypercall::feature` bits):
/// the packer refuses a system that needs a feature the image was built without.
pub const FEATURES_SYMBOL: &str = "MICROVISOR_FEATURES";
/// First word of a filled table: "PART".
pub const TABLE_MAGIC: u32 = 0x5041_5254;
/// First word of the table as the microvisor is linked, before packing: "NONE".
pub const EMPTY_MAGIC: u32 = 0x4e4f_4e45;
/// Version of this layout.
pub const TABLE_VERSION: u32 = 4;
/// Partitions a system can have.
pub const MAX_PARTITIONS: usize = 4;
/// Slots in a cyclic schedule's major frame.
pub const MAX_SLOTS: usize = 8;
/// Inter-partition channels.
pub const MAX_CHANNELS: usize = 4;
/// Words of one encoded [`PartitionDescriptor`].
pub const DESCRIPTOR_WORDS: usize = 16;
const SCHEDULE_AT: usize = 4 + MAX_PARTITIONS * DESCRIPTOR_WORDS;
const CHANNELS_AT: usize = SCHEDULE_AT + 2 + 2 * MAX_SLOTS;
/// Words of the encoded table.
pub const TABLE_WORDS: usize = CHANNELS_AT + 1 + 3 * MAX_CHANNELS;
/// Bytes of the encoded table.
pub const TABLE_BYTES: usize = 4 * TABLE_WORDS;
/// Real memory of partition `n` starts at `(n + 1) * PARTITION_STRIDE`: each partition owns one
/// 16 MiB TLB page, aligned as the 405 requires (PPC405 manual, section 7.2.2); the first 16 MiB
/// belong to the microvisor.
pub const PARTITION_STRIDE: u32 = 16 << 20;
/// The board's SDRAM (ref405ep: 128 MiB at real address 0).
pub const RAM_BYTES: u32 = 128 << 20;

/// The most memory partition `index` of `count` may have: its 16 MiB slot, or for the last one
/// every byte of RAM from its slot on (112 MiB for a partition alone), so a guest built for a
/// board with more memory than 16 MiB can still run.
pub const fn partition_limit(index: usize, count: usize) -> u32 {
    let base = (index as u32 + 1) * PARTITION_STRIDE;
    if index + 1 == count && base < RAM_BYTES {
        RAM_BYTES - base
    } else {
        PARTITION_STRIDE
    }
}
/// Where the packer puts the pristine copies of the guest images (in the microvisor's 16 MiB, above
/// the microvisor itself: `linker/microvisor.ld` checks it ends below).
pub const IMAGE_COPIES: u32 = 1 << 20;
/// Where the packer puts the IPCM channels' shared pages (in the microvisor's 16 MiB), one 4 KiB
/// page each.
pub const CHANNEL_PAGES: u32 = 12 << 20;
/// A partition alone has its high memory ([`PartitionDescriptor::high_memory`]) at guest physical
/// `RAM_BYTES - high_memory` and up, which is real `PARTITION_STRIDE - high_memory` and up: the
/// part of the microvisor's 16 MiB neither it nor the image copy uses.
pub const HIGH_MEMORY_OFFSET: u32 = RAM_BYTES - PARTITION_STRIDE;

/// The high memory a partition alone gets when the microvisor's own 16 MiB hold nothing from real
/// address `used_end` on: from the next MiB to the end of those 16 MiB.
pub const fn high_memory(used_end: u32) -> u32 {
    let start = (used_end + (1 << 20) - 1) & !((1 << 20) - 1);
    PARTITION_STRIDE.saturating_sub(start)
}

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
    /// The board's NVRAM and real-time clock (M48T59, 8 KiB at 0xF0000000).
    Nvram = 3,
    /// The board's FPGA registers (0xF0300000).
    Fpga = 4,
}

impl Device {
    /// Every device, in bit order.
    pub const ALL: [Device; 5] = [Device::Uart0, Device::Uart1, Device::Sram, Device::Nvram, Device::Fpga];

    /// Its name in configuration files.
    pub const fn name(self) -> &'static str {
        match self {
            Device::Uart0 => "uart0",
            Device::Uart1 => "uart1",
            Device::Sram => "sram",
            Device::Nvram => "nvram",
            Device::Fpga => "fpga",
        }
    }

    /// Whether granting `self` and `other` maps a common page: UART0 and UART1 share one 4 KiB
    /// page (with the board's timer, IIC, OPB arbiter and GPIO), every other device is alone.
    pub const fn shares_page_with(self, other: Device) -> bool {
        let uarts = matches!(self, Device::Uart0 | Device::Uart1) && matches!(other, Device::Uart0 | Device::Uart1);
        uarts || self as u8 == other as u8
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

/// What the guest sees at UART0's address (0xEF600300): I/O address-map translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Console {
    /// The real UART0, if the partition was granted it (device `uart0`); else nothing.
    Direct = 0,
    /// An emulated UART: each access traps; output goes to UART0 with a `[VM n] ` prefix per line.
    Emulated = 1,
    /// The real UART1, reached by emulation (the two UARTs share a 4 KiB page and sit 0x100
    /// apart, and QEMU maps no page below 4 KiB: only a trap can move one onto the other).
    Uart1 = 2,
}

/// What the health monitor does about an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Action {
    /// Stop the partition, with a report.
    Halt = 0,
    /// Restart the partition from its pristine image, with a report.
    Restart = 1,
    /// Report only (where the partition can go on).
    Log = 2,
    /// The watchdog's only: what a 405 does, the reset TCR[WRC] asks for (core or chip: the
    /// processor alone; system: the image booted again), without a report.
    Reset = 3,
}

/// A partition's health-monitor actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    /// For a fault the microvisor cannot reflect (the partition cannot go on: `Log` halts too).
    pub on_fault: Action,
    /// For the virtual watchdog's reset.
    pub on_watchdog: Action,
    /// For a budget overrun (fixed-priority scheduling).
    pub on_overrun: Action,
    /// Restarts allowed before the partition is halted instead (0: no limit). A partition that
    /// faults every time it starts would otherwise restart for ever, flooding the console.
    pub max_restarts: u8,
}

impl Health {
    /// What a bare 405 does: stop on a fault, reset on the watchdog, nothing for overruns.
    pub const DEFAULT: Health = Health { on_fault: Action::Halt, on_watchdog: Action::Reset, on_overrun: Action::Log, max_restarts: 0 };
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
    /// What it sees at UART0's address.
    pub console: Console,
    /// Fixed-priority scheduling: 0 is the highest.
    pub priority: u8,
    /// Guest address of its pre-virtualization table (`irfm::table`), 0 if it has none.
    pub previrt_table: u32,
    /// Fixed-priority scheduling: time-base ticks it may run per period (0: no budget).
    pub budget: u32,
    /// Fixed-priority scheduling: the budget's period in time-base ticks.
    pub period: u32,
    /// Health-monitor actions.
    pub health: Health,
    /// Real address of its pristine image copy (see [`image_copy`]), 0 if none.
    pub image_copy: u32,
    /// Bytes of that copy.
    pub image_bytes: u32,
    /// Name for reports (ASCII, NUL-padded).
    pub name: [u8; 8],
    /// Guest address of its IRFM pages (read-only page; `page::valid_base`), para-virtual modes.
    pub irfm_base: u32,
    /// A partition alone whose memory reaches the end of RAM (112 MiB): bytes at the top of its
    /// guest physical space, up to the board's 128 MiB, that are RAM too (see
    /// [`HIGH_MEMORY_OFFSET`]), so that a guest built for the whole board finds memory where it
    /// puts its stack; 0 for none. Between its memory and these, nothing.
    pub high_memory: u32,
}

/// How the partitions share the processor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Policy {
    /// Runnable partitions in turn, 10 ms each.
    RoundRobin = 0,
    /// A major frame of fixed slots (ARINC 653 style): a slot's time is its partition's, used or not.
    Cyclic = 1,
    /// The highest-priority runnable partition with budget left.
    FixedPriority = 2,
}

/// The schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The policy.
    pub policy: Policy,
    /// Cyclic: the slots in use.
    pub slot_count: usize,
    /// Cyclic: (partition, time-base ticks), in frame order.
    pub slots: [(u8, u32); MAX_SLOTS],
}

/// An inter-partition channel: one shared page both ends map at `address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel {
    /// The two partitions it joins.
    pub ends: [u8; 2],
    /// Real address of its page (4 KiB, in the microvisor's memory).
    pub page: u32,
    /// Guest address where both ends see it.
    pub address: u32,
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
    /// A field with a value no enum has.
    BadCode,
}

/// A whole system: what the packer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemTable {
    /// Partitions in use.
    pub count: usize,
    /// Their descriptors (`..count`).
    pub partitions: [PartitionDescriptor; MAX_PARTITIONS],
    /// The schedule.
    pub schedule: Schedule,
    /// Channels in use.
    pub channel_count: usize,
    /// The channels.
    pub channels: [Channel; MAX_CHANNELS],
}

/// A descriptor with every field zero (the microvisor's unused slots; all-zero keeps them in .bss).
pub const ZERO_DESCRIPTOR: PartitionDescriptor = PartitionDescriptor {
    health: Health { on_fault: Action::Halt, on_watchdog: Action::Halt, on_overrun: Action::Halt, max_restarts: 0 },
    ..EMPTY_DESCRIPTOR
};

/// A descriptor with everything zero or default.
pub const EMPTY_DESCRIPTOR: PartitionDescriptor = PartitionDescriptor {
    real_base: 0,
    size: 0,
    entry: 0,
    devices: 0,
    mode: Mode::Full,
    console: Console::Direct,
    priority: 0,
    previrt_table: 0,
    budget: 0,
    period: 0,
    health: Health::DEFAULT,
    image_copy: 0,
    image_bytes: 0,
    name: [0; 8],
    irfm_base: crate::page::RO_PAGE,
    high_memory: 0,
};

const EMPTY_CHANNEL: Channel = Channel { ends: [0; 2], page: 0, address: 0 };

fn checksum(word: impl Fn(usize) -> u32) -> u32 {
    (4..TABLE_WORDS).fold(0u32, |sum, index| sum.rotate_left(5) ^ word(index))
}

fn mode(code: u32) -> Result<Mode, TableError> {
    Ok(match code {
        0 => Mode::Full,
        1 => Mode::Para,
        2 => Mode::Previrt,
        _ => return Err(TableError::BadCode),
    })
}

fn console(code: u32) -> Result<Console, TableError> {
    Ok(match code {
        0 => Console::Direct,
        1 => Console::Emulated,
        2 => Console::Uart1,
        _ => return Err(TableError::BadCode),
    })
}

/// The action coded `code`. (`Reset` is the watchdog's alone: the packer refuses it elsewhere, and
/// the microvisor's health monitor halts a partition for a fault or overrun so coded.)
fn action(code: u32) -> Result<Action, TableError> {
    Ok(match code {
        0 => Action::Halt,
        1 => Action::Restart,
        2 => Action::Log,
        3 => Action::Reset,
        _ => return Err(TableError::BadCode),
    })
}

impl SystemTable {
    /// Nothing configured: no partition, round-robin, no channel.
    pub const fn new() -> Self {
        SystemTable {
            count: 0,
            partitions: [EMPTY_DESCRIPTOR; MAX_PARTITIONS],
            schedule: Schedule { policy: Policy::RoundRobin, slot_count: 0, slots: [(0, 0); MAX_SLOTS] },
            channel_count: 0,
            channels: [EMPTY_CHANNEL; MAX_CHANNELS],
        }
    }

    /// The table as words, as the packer writes them (big-endian in the image).
    pub fn encode_words(&self) -> [u32; TABLE_WORDS] {
        let mut words = [0u32; TABLE_WORDS];
        words[0] = TABLE_MAGIC;
        words[1] = TABLE_VERSION;
        words[2] = self.count as u32;
        for (index, p) in self.partitions.iter().enumerate().take(self.count) {
            let at = 4 + index * DESCRIPTOR_WORDS;
            words[at] = p.real_base;
            words[at + 1] = p.size;
            words[at + 2] = p.entry;
            words[at + 3] = p.devices;
            words[at + 4] = p.mode as u32 | (p.console as u32) << 8 | u32::from(p.priority) << 16;
            words[at + 5] = p.previrt_table;
            words[at + 6] = p.budget;
            words[at + 7] = p.period;
            let health = p.health;
            words[at + 8] = health.on_fault as u32
                | (health.on_watchdog as u32) << 8
                | (health.on_overrun as u32) << 16
                | u32::from(health.max_restarts) << 24;
            words[at + 9] = p.image_copy;
            words[at + 10] = p.image_bytes;
            words[at + 11] = if p.irfm_base == crate::page::RO_PAGE { 0 } else { p.irfm_base };
            words[at + 12] = u32::from_be_bytes([p.name[0], p.name[1], p.name[2], p.name[3]]);
            words[at + 13] = u32::from_be_bytes([p.name[4], p.name[5], p.name[6], p.name[7]]);
            words[at + 14] = p.high_memory;
        }
        words[SCHEDULE_AT] = self.schedule.policy as u32;
        words[SCHEDULE_AT + 1] = self.schedule.slot_count as u32;
        for (index, (partition, ticks)) in self.schedule.slots.iter().enumerate().take(self.schedule.slot_count) {
            words[SCHEDULE_AT + 2 + 2 * index] = u32::from(*partition);
            words[SCHEDULE_AT + 3 + 2 * index] = *ticks;
        }
        words[CHANNELS_AT] = self.channel_count as u32;
        for (index, channel) in self.channels.iter().enumerate().take(self.channel_count) {
            let at = CHANNELS_AT + 1 + 3 * index;
            words[at] = u32::from(channel.ends[0]) << 8 | u32::from(channel.ends[1]);
            words[at + 1] = channel.page;
            words[at + 2] = channel.address;
        }
        words[3] = checksum(|index| words[index]);
        words
    }

    /// The table as the packer writes it into the image.
    pub fn encode(&self) -> [u8; TABLE_BYTES] {
        let mut bytes = [0u8; TABLE_BYTES];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(self.encode_words()) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        bytes
    }

    /// Reads and checks a table, word `i` read with `word(i)` (the microvisor reads them one by one).
    pub fn decode(word: impl Fn(usize) -> u32) -> Result<Self, TableError> {
        let count = check_header(&word)?;
        let mut table = SystemTable::new();
        table.count = count;
        for (index, partition) in table.partitions.iter_mut().enumerate().take(count) {
            *partition = descriptor(&word, index)?;
        }
        table.schedule = schedule(&word)?;
        (table.channel_count, table.channels) = channels(&word)?;
        Ok(table)
    }

    /// Reads a table from its bytes (the packer's own checks).
    pub fn decode_bytes(bytes: &[u8; TABLE_BYTES]) -> Result<Self, TableError> {
        SystemTable::decode(|index| {
            u32::from_be_bytes([bytes[4 * index], bytes[4 * index + 1], bytes[4 * index + 2], bytes[4 * index + 3]])
        })
    }
}

impl Default for SystemTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks a table's magic, version, count and checksum; returns how many partitions it describes.
pub fn check_header(word: &impl Fn(usize) -> u32) -> Result<usize, TableError> {
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
    if word(3) != checksum(word) {
        return Err(TableError::BadChecksum);
    }
    Ok(count)
}

/// Partition `index` of a table whose header [`check_header`] accepted.
pub fn descriptor(word: &impl Fn(usize) -> u32, index: usize) -> Result<PartitionDescriptor, TableError> {
    let at = 4 + index * DESCRIPTOR_WORDS;
    let kinds = word(at + 4);
    let health = word(at + 8);
    let mut name = [0u8; 8];
    name[..4].copy_from_slice(&word(at + 12).to_be_bytes());
    name[4..].copy_from_slice(&word(at + 13).to_be_bytes());
    Ok(PartitionDescriptor {
        real_base: word(at),
        size: word(at + 1),
        entry: word(at + 2),
        devices: word(at + 3),
        mode: mode(kinds & 0xff)?,
        console: console((kinds >> 8) & 0xff)?,
        priority: (kinds >> 16) as u8,
        previrt_table: word(at + 5),
        budget: word(at + 6),
        period: word(at + 7),
        health: Health {
            on_fault: action(health & 0xff)?,
            on_watchdog: action((health >> 8) & 0xff)?,
            on_overrun: action((health >> 16) & 0xff)?,
            max_restarts: (health >> 24) as u8,
        },
        image_copy: word(at + 9),
        image_bytes: word(at + 10),
        name,
        // 0 (tables before the field existed): the default placement.
        irfm_base: match word(at + 11) {
            0 => crate::page::RO_PAGE,
            base => base,
        },
        high_memory: word(at + 14),
    })
}

/// The schedule of a table whose header [`check_header`] accepted.
pub fn schedule(word: &impl Fn(usize) -> u32) -> Result<Schedule, TableError> {
    let policy = match word(SCHEDULE_AT) {
        0 => Policy::RoundRobin,
        1 => Policy::Cyclic,
        2 => Policy::FixedPriority,
        _ => return Err(TableError::BadCode),
    };
    let slot_count = word(SCHEDULE_AT + 1) as usize;
    if slot_count > MAX_SLOTS {
        return Err(TableError::BadCount);
    }
    let mut slots = [(0u8, 0u32); MAX_SLOTS];
    for (index, slot) in slots.iter_mut().enumerate().take(slot_count) {
        *slot = (word(SCHEDULE_AT + 2 + 2 * index) as u8, word(SCHEDULE_AT + 3 + 2 * index));
    }
    Ok(Schedule { policy, slot_count, slots })
}

/// The channels of a table whose header [`check_header`] accepted: how many, and the array.
pub fn channels(word: &impl Fn(usize) -> u32) -> Result<(usize, [Channel; MAX_CHANNELS]), TableError> {
    let count = word(CHANNELS_AT) as usize;
    if count > MAX_CHANNELS {
        return Err(TableError::BadCount);
    }
    let mut channels = [Channel { ends: [0; 2], page: 0, address: 0 }; MAX_CHANNELS];
    for (index, channel) in channels.iter_mut().enumerate().take(count) {
        let at = CHANNELS_AT + 1 + 3 * index;
        let ends = word(at);
        *channel = Channel { ends: [(ends >> 8) as u8, ends as u8], page: word(at + 1), address: word(at + 2) };
    }
    Ok((count, channels))
}

/// The table as the microvisor is linked: [`EMPTY_MAGIC`] and zeros (kept in `.data` by the magic).
pub const fn empty_table_words() -> [u32; TABLE_WORDS] {
    let mut words = [0u32; TABLE_WORDS];
    words[0] = EMPTY_MAGIC;
    words
}

/// A pristine image copy, as the packer lays it out at [`PartitionDescriptor::image_copy`]:
/// segments one after the other, each a header of three words (guest physical address, bytes in
/// the file, bytes in memory) and its file bytes padded to a word.
pub mod image_copy {
    /// Words of a segment header.
    pub const HEADER_WORDS: usize = 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SystemTable {
        let mut table = SystemTable::new();
        table.count = 2;
        table.partitions[0] = PartitionDescriptor {
            real_base: PARTITION_STRIDE,
            size: 16 << 20,
            entry: 0x4000,
            devices: 1 << Device::Uart0 as u32,
            mode: Mode::Full,
            console: Console::Emulated,
            priority: 3,
            previrt_table: 0x8000,
            budget: 1000,
            period: 5000,
            health: Health { on_fault: Action::Restart, on_watchdog: Action::Halt, on_overrun: Action::Log, max_restarts: 3 },
            image_copy: IMAGE_COPIES,
            image_bytes: 0x1234,
            name: *b"rtos\0\0\0\0",
            irfm_base: crate::page::RO_PAGE,
            high_memory: 11 << 20,
        };
        table.partitions[1] =
            PartitionDescriptor { real_base: 2 * PARTITION_STRIDE, mode: Mode::Previrt, irfm_base: 0xffff_c000, ..table.partitions[0] };
        table.schedule = Schedule { policy: Policy::Cyclic, slot_count: 2, slots: [(0, 100), (1, 200), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)] };
        table.channel_count = 1;
        table.channels[0] = Channel { ends: [0, 1], page: CHANNEL_PAGES, address: 0x00f0_0000 };
        table
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let table = sample();
        assert_eq!(SystemTable::decode_bytes(&table.encode()), Ok(table));
    }

    #[test]
    fn an_unpacked_microvisor_reads_as_empty() {
        let words = empty_table_words();
        assert_eq!(SystemTable::decode(|i| words[i]), Err(TableError::Empty));
    }

    #[test]
    fn a_flipped_bit_fails_the_checksum() {
        let mut bytes = sample().encode();
        bytes[4 * 4 + 9] ^= 0x40;
        assert_eq!(SystemTable::decode_bytes(&bytes), Err(TableError::BadChecksum));
    }

    #[test]
    fn counts_and_codes_out_of_range_are_refused() {
        let mut words = sample().encode_words();
        words[2] = 9;
        assert_eq!(SystemTable::decode(|i| words[i]), Err(TableError::BadCount));
        let mut words = sample().encode_words();
        words[4 + 4] = 7; // mode 7
        words[3] = checksum(|i| words[i]);
        assert_eq!(SystemTable::decode(|i| words[i]), Err(TableError::BadCode));
    }

    #[test]
    fn every_action_round_trips() {
        let mut table = sample();
        for action in [Action::Halt, Action::Restart, Action::Log, Action::Reset] {
            table.partitions[0].health.on_watchdog = action;
            assert_eq!(SystemTable::decode_bytes(&table.encode()), Ok(table));
        }
    }
}

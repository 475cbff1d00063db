//! The microvisor's state: its partitions, which one runs, and the idle context.

use crate::vcpu::Vcpu;
use crate::vuic::VirtualUic;
use irfm::image::MAX_PARTITIONS;
use irfm::spr::msr;

/// Where a partition stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No partition in this slot.
    Empty,
    /// Ready to run.
    Runnable,
    /// Asleep with MSR[WE] until one of its virtual interrupts is deliverable.
    Waiting,
    /// Stopped by the microvisor (a fault it could not reflect, or a refused action).
    Stopped,
}

/// One virtual machine.
#[derive(Clone, Copy, Debug)]
pub struct Partition {
    /// Its register file.
    pub vcpu: Vcpu,
    /// Its virtual interrupt controller.
    pub uic: VirtualUic,
    /// UIC0 lines of the devices granted (`partition::owned_lines`), computed once at boot.
    pub owned_lines: u32,
    /// When its watchdog steps next (TBL), while TSR's bookkeeping bit `WATCHDOG_ARMED` is set.
    pub watchdog_next: u32,
    /// Its SDRAM0 and EBC0 index registers (DCR 0x010, 0x012), by `arch::ppc405::dcr::Indirect`: `emulate::dcr`.
    pub dcr_index: [u32; 2],
    /// Where it stands.
    pub state: State,
    /// Its number (its place in `System::partitions`).
    pub index: u8,
    /// How its guest runs: hypercalls are recognised only in para-virtual and pre-virtualized ones
    /// (the descriptor's mode, unless this build or its table could not honour it).
    pub mode: irfm::image::Mode,
    /// Its console output since the last full line (the driver and the emulated UART print whole
    /// lines, prefixed, so partitions' lines never mix): `console::guest_byte`.
    #[cfg(any(feature = "console-mux", feature = "drivers"))]
    pub line: crate::console::LineBuffer,
    /// Times the health monitor restarted it (against `Health::max_restarts`).
    pub restarts: u8,
    /// A core or chip reset came while it slept: it takes it when it wakes (`reset`).
    pub reset_pending: bool,
    /// While its image is loaded again (`health::boot_again`): bytes of its segments loaded so far
    /// (`guest_mem::NOT_LOADING` otherwise).
    pub loaded: u32,
    /// While it loads (`loaded`): what its entry word becomes once loaded (meanwhile a branch to itself).
    pub entry_word: u32,
    /// Whether it is the system's only partition: then the board's time base is its own to write
    /// (`emulate::spr`); shared by several, it is a wall clock none may move.
    pub alone: bool,
    /// Its emulated UART's registers (console `emulated`): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR.
    #[cfg(feature = "console-mux")]
    pub uart: [u8; 8],
    /// What the system configuration says of it (restart, scheduling, health).
    pub descriptor: irfm::image::PartitionDescriptor,
    /// Fixed-priority scheduling: ticks of budget left in this period.
    #[cfg(feature = "rt-sched")]
    pub budget_left: u32,
    /// Fixed-priority scheduling: when the current period began (TBL).
    #[cfg(feature = "rt-sched")]
    pub period_start: u32,
    /// Its virtual TLB (empty without `tlb-virt`).
    pub tlb: crate::address_space::Tlb,
}

impl Partition {
    /// An empty slot.
    pub const EMPTY: Partition = Partition {
        vcpu: Vcpu::ZERO,
        uic: VirtualUic::RESET,
        owned_lines: 0,
        watchdog_next: 0,
        dcr_index: [0; 2],
        state: State::Empty,
        index: 0,
        mode: irfm::image::Mode::Full,
        #[cfg(any(feature = "console-mux", feature = "drivers"))]
        line: crate::console::LineBuffer::EMPTY,
        restarts: 0,
        reset_pending: false,
        loaded: crate::guest_mem::NOT_LOADING,
        entry_word: 0,
        alone: false,
        #[cfg(feature = "console-mux")]
        uart: [0; 8],
        descriptor: irfm::image::ZERO_DESCRIPTOR,
        #[cfg(feature = "rt-sched")]
        budget_left: 0,
        #[cfg(feature = "rt-sched")]
        period_start: 0,
        tlb: crate::address_space::Tlb::EMPTY,
    };

    /// Real address of its memory (guest physical 0).
    pub const fn real_base(&self) -> u32 {
        self.descriptor.real_base
    }

    /// Bytes of memory.
    pub const fn size(&self) -> u32 {
        self.descriptor.size
    }

    /// The real address of guest physical `address`, if it is in this partition's memory: its
    /// memory from guest physical 0, or its high memory at the top of the board's RAM (a partition
    /// alone, `irfm::image::HIGH_MEMORY_OFFSET`).
    #[inline(always)]
    pub fn real_address(&self, address: u32) -> Option<u32> {
        if address < self.size() {
            return Some(self.real_base() + address);
        }
        self.high_real_address(address)
    }

    /// [`Partition::real_address`] past its memory from guest physical 0: in its high memory, if
    /// any. Out of line: the trap paths (fetching the trapping instruction) rarely come here.
    #[inline(never)]
    fn high_real_address(&self, address: u32) -> Option<u32> {
        let high = self.descriptor.high_memory;
        (address.wrapping_sub(irfm::image::RAM_BYTES - high) < high).then(|| address - irfm::image::HIGH_MEMORY_OFFSET)
    }

    /// Whether real address `real` is memory of this partition (not a device it was granted).
    pub fn owns_real(&self, real: u32) -> bool {
        let high = self.descriptor.high_memory;
        real.wrapping_sub(self.real_base()) < self.size()
            || real.wrapping_sub(irfm::image::PARTITION_STRIDE - high) < high
    }

    /// A partition of `size` bytes at real address `real_base`, for tests.
    #[cfg(test)]
    pub fn with_memory(real_base: u32, size: u32) -> Partition {
        Partition {
            descriptor: irfm::image::PartitionDescriptor { real_base, size, ..irfm::image::ZERO_DESCRIPTOR },
            ..Partition::EMPTY
        }
    }
}

/// Which context runs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Next {
    /// Nothing is runnable: the core sleeps in the idle loop until an interrupt. (First, so that
    /// the all-zero `System` of .bss starts idle.)
    Idle,
    /// Partition `n`.
    Partition(usize),
}

/// The real MSR a guest runs with: user mode, translation on, external interrupts and machine
/// checks enabled. Critical interrupts stay off: the microvisor routes none to the core.
pub const GUEST_MSR: u32 = msr::PR | msr::EE | msr::ME | msr::IR | msr::DR;
/// The real MSR of the idle loop: supervisor, real mode, asleep until an external or PIT interrupt.
pub const IDLE_MSR: u32 = msr::WE | msr::EE | msr::ME;

/// Everything the microvisor knows. `repr(C)` with the trap counters first: benchmarks find them
/// at the `MICROVISOR_SYSTEM` symbol (`irfm::stats`).
#[derive(Debug)]
#[repr(C)]
pub struct System {
    /// Trap counters per partition.
    #[cfg(feature = "trap-stats")]
    pub stats: [crate::stats::Stats; MAX_PARTITIONS],
    /// Each partition's IRFM pages.
    #[cfg(feature = "irfm")]
    pub irfm: [crate::irfm_pages::Pages; MAX_PARTITIONS],
    /// The partitions (`..count` are in use).
    pub partitions: [Partition; MAX_PARTITIONS],
    /// Partitions in use.
    pub count: usize,
    /// What runs now.
    pub current: Next,
    /// The idle context (its PC is the idle loop).
    pub idle: Vcpu,
    /// Something about time changed since the last trap: advance the virtual timers.
    pub timers_due: bool,
    /// When the running partition's slice began (TBL).
    pub slice_start: u32,
    /// The running partition gave up its slice (hypercall `Yield`).
    pub yield_requested: bool,
    /// The schedule (without `rt-sched` it is always round-robin).
    #[cfg(feature = "rt-sched")]
    pub schedule: irfm::image::Schedule,
    /// Cyclic schedule: the slot now running, and when it began (TBL).
    #[cfg(feature = "rt-sched")]
    pub slot: (u8, u32),
    /// When the running partition last started to run (TBL), for budgets.
    #[cfg(feature = "rt-sched")]
    pub run_start: u32,
    /// Inter-partition channels.
    #[cfg(feature = "ipcm")]
    pub channels: [irfm::image::Channel; irfm::image::MAX_CHANNELS],
    /// Channels in use.
    #[cfg(feature = "ipcm")]
    pub channel_count: usize,
    /// Channels each partition has opened, one bit per channel.
    #[cfg(feature = "ipcm")]
    pub channels_open: [u8; MAX_PARTITIONS],
    /// The first real TLB slot reserved for channel mappings.
    #[cfg(feature = "ipcm")]
    pub channel_slots: u8,
    /// Real TLB slots below this hold the partitions' one-to-one maps; shadow entries use the rest.
    pub first_shadow_slot: u8,
    /// The next real TLB slot a shadow entry replaces (round robin).
    pub next_shadow_slot: u8,
}

impl System {
    /// Nothing configured yet.
    pub const fn new() -> Self {
        System {
            #[cfg(feature = "trap-stats")]
            stats: [[0; irfm::stats::KINDS]; MAX_PARTITIONS],
            #[cfg(feature = "irfm")]
            irfm: [crate::irfm_pages::Pages::ZERO; MAX_PARTITIONS],
            partitions: [Partition::EMPTY; MAX_PARTITIONS],
            count: 0,
            current: Next::Idle,
            idle: Vcpu::ZERO,
            timers_due: false,
            slice_start: 0,
            yield_requested: false,
            #[cfg(feature = "rt-sched")]
            schedule: irfm::image::Schedule {
                policy: irfm::image::Policy::RoundRobin,
                slot_count: 0,
                slots: [(0, 0); irfm::image::MAX_SLOTS],
            },
            #[cfg(feature = "rt-sched")]
            slot: (0, 0),
            #[cfg(feature = "rt-sched")]
            run_start: 0,
            #[cfg(feature = "ipcm")]
            channels: [irfm::image::Channel { ends: [0; 2], page: 0, address: 0 }; irfm::image::MAX_CHANNELS],
            #[cfg(feature = "ipcm")]
            channel_count: 0,
            #[cfg(feature = "ipcm")]
            channels_open: [0; MAX_PARTITIONS],
            #[cfg(feature = "ipcm")]
            channel_slots: 0,
            first_shadow_slot: 0,
            next_shadow_slot: 0,
        }
    }

    /// The real MSR `next` runs with.
    pub fn real_msr(&self, next: Next) -> u32 {
        match next {
            Next::Partition(_) => GUEST_MSR,
            Next::Idle => IDLE_MSR,
        }
    }

    /// The context `next` runs in.
    pub fn context_mut(&mut self, next: Next) -> &mut Vcpu {
        match next {
            Next::Partition(index) => &mut self.partitions[index].vcpu,
            Next::Idle => &mut self.idle,
        }
    }
}

impl Default for System {
    fn default() -> Self {
        Self::new()
    }
}

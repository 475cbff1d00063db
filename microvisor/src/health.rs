//! The health monitor: what happens to a partition when something goes wrong in it.
//!
//! Three events, each with the action the system configuration chose for the partition
//! (`irfm::image::Health`): a fault the microvisor cannot reflect to the guest (`on_fault`), its
//! virtual watchdog's reset (`on_watchdog`), a budget overrun under fixed-priority scheduling
//! (`on_overrun`). `Halt` stops the partition, `Restart` reloads it from the pristine copy of its
//! image the packer kept and starts it afresh, `Log` only reports. Every action is reported in one
//! line on UART0 and touches no other partition: their schedule goes on. The watchdog's default,
//! `Reset`, is no health action but a bare 405's: the reset TCR[WRC] asks for, silently (`reset`).

use crate::console;
use crate::emulate::Fault;
use crate::platform::ref405ep;
use crate::system::{State, System};
use crate::vcpu::Vcpu;
use irfm::image::{Action, Mode};

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A fault the guest cannot be given (the partition cannot go on as it is).
    Fault(Fault),
    /// The virtual watchdog expired a third time with TCR[WRC] set.
    Watchdog,
    /// The partition used its whole budget in a period (feature `rt-sched`).
    #[cfg(feature = "rt-sched")]
    Overrun,
}

/// Applies partition `index`'s configured action for `event`.
pub fn handle(system: &mut System, index: usize, event: Event) {
    let partition = &mut system.partitions[index];
    let health = partition.descriptor.health;
    let (action, what) = match event {
        // What a bare 405 does: no report, nothing but the reset itself.
        Event::Watchdog if health.on_watchdog == Action::Reset => {
            let kind = crate::reset::Kind::of(partition.vcpu.tcr).unwrap_or(crate::reset::Kind::Processor);
            return crate::reset::take(system, index, kind);
        }
        Event::Fault(fault) => (health.on_fault, fault.describe()),
        Event::Watchdog => (health.on_watchdog, "watchdog reset"),
        #[cfg(feature = "rt-sched")]
        Event::Overrun => (health.on_overrun, "budget overrun"),
    };
    // What it printed of an unfinished line comes first, so its last words are not lost.
    console::flush_line(partition);
    console::report(index, what, partition.vcpu.pc);
    if let Event::Fault(Fault::OutsideMemory { address }) = event {
        console::print("  (address ");
        console::print_hex(address);
        console::print(")\n");
    }
    match (action, event) {
        #[cfg(feature = "rt-sched")]
        (Action::Log, Event::Overrun) => {}
        (Action::Log, Event::Watchdog) => {}
        (Action::Restart, _) => restart(system, index),
        // A fault leaves nothing to go on with: logging it is halting it. (The report above said why.)
        // `Reset` is the watchdog's alone: the packer refuses it elsewhere, and a table that says so
        // anyway halts the partition.
        (Action::Halt | Action::Log | Action::Reset, _) => halt(system, index),
    }
}

/// Stops partition `index` for good, saying so in one line (`microvisor: VM n halted`: runners
/// watch for it to know the partition will print nothing more).
pub fn halt(system: &mut System, index: usize) {
    system.partitions[index].state = State::Stopped;
    console::print("microvisor: VM ");
    console::print_digit(index as u32);
    console::print(" halted\n");
}

/// Reloads partition `index` from its pristine image and starts it again, unless it has used up
/// the restarts its configuration allows (then it is halted).
pub fn restart(system: &mut System, index: usize) {
    let partition = &mut system.partitions[index];
    console::print("microvisor: VM ");
    console::print_digit(index as u32);
    let limit = partition.descriptor.health.max_restarts;
    if limit != 0 && partition.restarts >= limit {
        console::print(" used its ");
        console::print_decimal(u32::from(limit));
        console::print(" restarts\n");
        halt(system, index);
        return;
    }
    partition.restarts = partition.restarts.saturating_add(1);
    console::print(" restarted from its image\n");
    boot_again(system, index);
}

/// Words of a partition's image loaded again per turn ([`go_on_loading`]): 4 KiB, about 4,500
/// ticks, the longest the loading keeps interrupts waiting.
const LOAD_WORDS: u32 = 1024;
/// A branch to itself (`b .`), where the guest waits while its image is loaded again.
const BRANCH_TO_SELF: u32 = 0x4800_0000;

/// Loads partition `index`'s image again from its pristine copy and starts its guest as at boot (a
/// restart, a system reset). The packer always keeps the copy and the microvisor checked the table
/// at boot, so this fails only if that memory was corrupted: the partition is then halted.
///
/// The loading is the partition's own time, so an image of megabytes reset over and over delays no
/// other partition: the guest is put in its boot state at once, but its entry word is a branch to
/// itself until the image is loaded, [`LOAD_WORDS`] at a time whenever the partition is about to
/// run (`trap::resume`), the real PIT bringing the microvisor back at once while it loads
/// (`vtimer::program`). Between two steps the other partitions' interrupts and the schedule go on.
pub fn boot_again(system: &mut System, index: usize) -> bool {
    let partition = &system.partitions[index];
    let (copy, bytes, entry) = (partition.descriptor.image_copy, partition.descriptor.image_bytes, partition.descriptor.entry);
    if !crate::guest_mem::check_copy(partition, copy, bytes) {
        console::report(index, "no pristine image to start again from", partition.vcpu.pc);
        halt(system, index);
        return false;
    }
    prepare_guest(system, index, false);
    let partition = &mut system.partitions[index];
    // A word no segment covers keeps what memory holds, as natively.
    partition.entry_word = crate::guest_mem::read_physical_word(partition, entry).unwrap_or(0);
    crate::guest_mem::write_instruction(partition, entry, BRANCH_TO_SELF);
    partition.loaded = 0;
    system.timers_due = true;
    true
}

/// Partition `index` is about to run: if its image is being loaded again, one more step of it, and
/// once all of it is in, its entry word and (pre-virtualized) its patching. Out of line: every
/// return to a guest passes where it is called, and rarely calls it.
#[inline(never)]
pub fn go_on_loading(system: &mut System, index: usize) {
    let partition = &mut system.partitions[index];
    if partition.loaded == crate::guest_mem::NOT_LOADING {
        return;
    }
    let descriptor = &partition.descriptor;
    let (copy, entry) = (descriptor.image_copy, descriptor.entry);
    let mut entry_word = partition.entry_word;
    let step = crate::guest_mem::reload_step(partition, copy, copy + descriptor.image_bytes, partition.loaded, LOAD_WORDS, entry, &mut entry_word);
    (partition.loaded, partition.entry_word) = (step.unwrap_or(crate::guest_mem::NOT_LOADING), entry_word);
    if step.is_none() {
        crate::arch::ppc405::cache::invalidate_instruction_cache();
        crate::guest_mem::write_instruction(partition, entry, entry_word);
        #[cfg(feature = "previrt")]
        if partition.mode == Mode::Previrt {
            pre_virtualize(partition, index);
        }
    }
}

/// Puts partition `index`'s guest in the state QEMU's `-kernel` boot leaves a 405 in, with its
/// memory as loaded (at boot), and pre-virtualizes it if it is to be.
pub fn start_guest(system: &mut System, index: usize) {
    prepare_guest(system, index, true);
    #[cfg(feature = "previrt")]
    if system.partitions[index].mode == Mode::Previrt {
        pre_virtualize(&mut system.partitions[index], index);
    }
}

/// Puts partition `index`'s guest in the state QEMU's `-kernel` boot leaves a 405 in; at its first
/// boot, with its copy of the board-information block.
fn prepare_guest(system: &mut System, index: usize, first_boot: bool) {
    let partition = &mut system.partitions[index];
    let descriptor = partition.descriptor;
    // QEMU's -kernel boot passes a board-information block in r3 at 16 MiB − 0x80 (or the end of a
    // smaller memory): give each guest its own copy, at the same place in its memory. QEMU writes
    // it once: after a reset the guest finds there what it left.
    let board_info = descriptor.size.min(irfm::image::PARTITION_STRIDE) - ref405ep::BOARD_INFO_BYTES;
    let present = if first_boot {
        crate::guest_mem::copy_board_info(partition, board_info, ref405ep::BOARD_INFO, ref405ep::BOARD_INFO_BYTES)
    } else {
        partition.real_address(board_info + ref405ep::BOARD_INFO_BYTES - 4).is_some()
    };
    partition.vcpu = Vcpu::at_reset(descriptor.entry, ref405ep::BOOT_STACK, if present { board_info } else { 0 });
    // Its interrupt lines stay off in the real UIC until its guest enables them again.
    partition.uic = crate::vuic::VirtualUic::RESET;
    partition.uic.arm(partition.owned_lines);
    #[cfg(any(feature = "console-mux", feature = "drivers"))]
    {
        partition.line = console::LineBuffer::EMPTY;
    }
    #[cfg(feature = "console-mux")]
    {
        partition.uart = [0; 8];
    }
    // As QEMU's reset: the entries invalid, their other fields kept (all zero at boot). The real
    // PID and ZPR are left alone: another partition may be the one running.
    partition.tlb.reset();
    partition.dcr_index = [0; 2];
    #[cfg(feature = "tlb-virt")]
    crate::address_space::flush_shadows(partition.index);
    #[cfg(feature = "rt-sched")]
    {
        partition.budget_left = descriptor.budget;
        partition.period_start = crate::arch::ppc405::spr::time_base_lower();
    }
    let _ = Mode::Full;
    partition.loaded = crate::guest_mem::NOT_LOADING;
    partition.reset_pending = false;
    partition.state = State::Runnable;
    #[cfg(feature = "irfm")]
    {
        system.irfm[index] = crate::irfm_pages::Pages::ZERO;
    }
    #[cfg(feature = "ipcm")]
    {
        system.channels_open[index] = 0;
    }
    crate::reset::enter_if_running(system, index);
}

/// Patches a pre-virtualized guest before it runs; on failure it runs fully virtualized.
#[cfg(feature = "previrt")]
fn pre_virtualize(partition: &mut crate::system::Partition, index: usize) {
    console::print("microvisor: VM ");
    console::print_digit(index as u32);
    match crate::previrt_loader::patch(partition, partition.descriptor.previrt_table) {
        Ok(patched) => {
            console::print(": pre-virtualized, ");
            console::print_decimal(patched.rewritten);
            console::print(" sites para-virtual, ");
            console::print_decimal(patched.trapping);
            console::print(" trapping\n");
        }
        Err(why) => {
            partition.mode = Mode::Full;
            console::print(": pre-virtualization table refused (");
            console::print(why);
            console::print("); running fully virtualized\n");
        }
    }
}

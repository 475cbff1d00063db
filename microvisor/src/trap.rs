//! The dispatcher: every trap comes here, is answered, and leaves through [`resume`].
//!
//! Vector → [`dispatch`] → one handler per cause (privileged instructions: `emulate::instruction`,
//! one `match` on the `irfm` opcode) → an [`Outcome`] applied to the partition alone → [`resume`]:
//! timers advanced, pending virtual interrupts delivered, the next context chosen.

use crate::arch::ppc405::dcr::{self as real_dcr, Uic};
use crate::arch::ppc405::spr as real;
use crate::arch::ppc405::vectors as cause;
use crate::console;
use crate::emulate::{self, Fault, Outcome};
use crate::partition::{self, owned_lines};
use crate::reflect::{self, esr, Interrupt};
use crate::system::{Next, Partition, State, System};
use crate::vtimer::{self, WatchdogAction};
use irfm::spr::msr;

/// Answers the trap `cause` (a vector offset) taken while `system.current` ran; `context` is the
/// address the vector saved into and `msr_at_trap` the real MSR it interrupted.
pub fn dispatch(system: &mut System, context: usize, cause: u32, msr_at_trap: u32) -> Next {
    match system.current {
        Next::Partition(index) => {
            let interrupted_guest = msr_at_trap & msr::PR != 0;
            let saved_here = core::ptr::eq(context as *const _, &system.partitions[index].vcpu);
            if !interrupted_guest || !saved_here {
                halt("trap in the microvisor", cause, system.partitions[index].vcpu.pc);
            }
            partition::leave(&mut system.partitions[index]);
            let outcome = handle(system, index, cause);
            apply(system, index, outcome);
        }
        Next::Idle => match cause {
            cause::EXTERNAL => route_external(system),
            cause::PIT => vtimer::acknowledge_real_pit(),
            _ => halt("unexpected trap while idle", cause, system.idle.pc),
        },
    }
    resume(system)
}

/// What partition `index` gets for the trap `cause`.
fn handle(system: &mut System, index: usize, trap: u32) -> Outcome {
    #[cfg(feature = "trap-stats")]
    system.partitions[index].stats.count_cause(trap);
    match trap {
        cause::PROGRAM => program(&mut system.partitions[index]),
        cause::SYSTEM_CALL => Outcome::Reflect(Interrupt::SystemCall),
        cause::DATA_STORAGE => {
            Outcome::Reflect(Interrupt::DataStorage { dear: real::dear(), esr: real::esr() & (esr::DST | esr::DIZ) })
        }
        cause::INSTRUCTION_STORAGE => Outcome::Reflect(Interrupt::InstructionStorage { esr: real::esr() & esr::DIZ }),
        cause::ALIGNMENT => Outcome::Reflect(Interrupt::Alignment { dear: real::dear() }),
        cause::EXTERNAL => {
            route_external(system);
            Outcome::Resume
        }
        cause::PIT => {
            vtimer::acknowledge_real_pit();
            Outcome::Resume
        }
        cause::DATA_TLB_MISS => Outcome::Stop(Fault::OutsideMemory { address: real::dear() }),
        cause::INSTRUCTION_TLB_MISS => {
            Outcome::Stop(Fault::OutsideMemory { address: system.partitions[index].vcpu.pc })
        }
        cause::MACHINE_CHECK if system.partitions[index].vcpu.msr & msr::ME != 0 => {
            Outcome::Reflect(Interrupt::MachineCheck)
        }
        cause::MACHINE_CHECK => Outcome::Stop(Fault::Checkstop),
        vector => Outcome::Stop(Fault::Unexpected { vector }),
    }
}

/// A program interrupt: a trap instruction, an illegal one, or a privileged one to emulate.
fn program(partition: &mut Partition) -> Outcome {
    let syndrome = real::esr();
    if syndrome & esr::PPR == 0 {
        // Trap (PTR) and illegal (PIL) are the guest's own: it takes them as a 405 would.
        return Outcome::Reflect(Interrupt::Program { esr: syndrome & (esr::PTR | esr::PIL) });
    }
    if partition.vcpu.user_mode() {
        return Outcome::Reflect(Interrupt::Program { esr: esr::PPR });
    }
    match crate::guest_mem::fetch(partition, partition.vcpu.pc) {
        Some(word) => emulate::instruction(partition, word),
        None => Outcome::Stop(Fault::UnreadableInstruction),
    }
}

/// Applies an outcome to partition `index` alone.
fn apply(system: &mut System, index: usize, outcome: Outcome) {
    let partition = &mut system.partitions[index];
    match outcome {
        Outcome::Next => partition.vcpu.pc = partition.vcpu.pc.wrapping_add(4),
        Outcome::Resume => {}
        Outcome::Reflect(interrupt) => {
            reflect::deliver(&mut partition.vcpu, interrupt);
            partition::translation_changed(partition);
        }
        Outcome::Wait => partition.state = State::Waiting,
        Outcome::Stop(fault) => stop(partition, index, fault),
    }
}

/// Stops a partition with a one-line report on UART0.
fn stop(partition: &mut Partition, index: usize, fault: Fault) {
    partition.state = State::Stopped;
    console::report(index, fault.describe(), partition.vcpu.pc);
    if let Fault::OutsideMemory { address } = fault {
        console::print("  (address ");
        console::print_hex(address);
        console::print(")\n");
    }
}

/// A real external interrupt: the lines it raised go to the partitions that own them (held off
/// until acknowledged); a line nobody owns is switched off.
fn route_external(system: &mut System) {
    let raised = real_dcr::read_uic(Uic::Msr);
    let mut claimed = 0;
    for partition in system.partitions.iter_mut().filter(|p| p.state != State::Empty) {
        let owned = owned_lines(partition.devices);
        if raised & owned != 0 {
            partition.uic.hold(raised & owned, owned);
        }
        claimed |= owned;
    }
    let stray = raised & !claimed;
    if stray != 0 {
        real_dcr::write_uic(Uic::Er, real_dcr::read_uic(Uic::Er) & !stray);
        real_dcr::write_uic(Uic::Sr, stray);
    }
}

/// Advances time, delivers what is pending, picks the next context and readies the real registers.
pub fn resume(system: &mut System) -> Next {
    let actions = vtimer::update(system);
    for (index, action) in actions.iter().enumerate() {
        if *action == WatchdogAction::Reset {
            stop(&mut system.partitions[index], index, Fault::WatchdogReset);
        }
    }
    for partition in system.partitions.iter_mut() {
        if matches!(partition.state, State::Runnable | State::Waiting) {
            reflect::refresh_pending(partition);
            if partition.state == State::Waiting && reflect::deliverable(&partition.vcpu).is_some() {
                partition.state = State::Runnable;
            }
        }
    }
    let next = pick(system);
    if let Next::Partition(index) = next {
        let partition = &mut system.partitions[index];
        // At most two: a non-critical interrupt, then a critical one that preempts its handler.
        for _ in 0..2 {
            let Some(interrupt) = reflect::deliverable(&partition.vcpu) else { break };
            reflect::deliver(&mut partition.vcpu, interrupt);
            partition::translation_changed(partition);
        }
        partition::enter(partition, index);
    }
    vtimer::program(system, None);
    system.current = next;
    next
}

/// The next context: the running partition while it can run, else the next runnable one in turn,
/// else idle.
fn pick(system: &System) -> Next {
    let start = match system.current {
        Next::Partition(index) => index,
        Next::Idle => system.partitions.len() - 1,
    };
    let count = system.partitions.len();
    (0..count)
        .map(|step| (start + step + if system.current == Next::Idle { 1 } else { 0 }) % count)
        .find(|index| system.partitions[*index].state == State::Runnable)
        .map_or(Next::Idle, Next::Partition)
}

/// The microvisor itself failed: report and stop the core (interrupts stay off).
fn halt(what: &str, trap: u32, pc: u32) -> ! {
    console::print("microvisor: ");
    console::print(what);
    console::print(": vector ");
    console::print_hex(trap);
    console::print(" at ");
    console::print_hex(pc);
    console::print("\n");
    #[allow(clippy::empty_loop)]
    loop {}
}

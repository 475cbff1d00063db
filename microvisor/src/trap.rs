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
use crate::partition;
use crate::reflect::{self, esr, Interrupt};
use crate::system::{Next, Partition, State, System};
use crate::vcpu::Spr;
use crate::vtimer::{self, WatchdogAction};
use irfm::spr::msr;

/// Answers the trap `cause` (a vector offset) taken while `system.current` ran; `context` is the
/// address the vector saved into and `msr_at_trap` the real MSR it interrupted. `fast_path_word`:
/// for a program interrupt, the instruction word the assembly fast path read (`fast_path`), which
/// is the trapping one whenever it was a privileged instruction of the guest's supervisor mode.
pub fn dispatch(system: &mut System, context: usize, cause: u32, msr_at_trap: u32, fast_path_word: Option<u32>) -> Next {
    match system.current {
        Next::Partition(index) => {
            let interrupted_guest = msr_at_trap & msr::PR != 0;
            let saved_here = core::ptr::eq(context as *const _, &system.partitions[index].vcpu);
            if !interrupted_guest || !saved_here {
                halt("trap in the microvisor", cause, system.partitions[index].vcpu.pc);
            }
            let resumed_with = (system.partitions[index].vcpu[Spr::Srr2], system.partitions[index].vcpu[Spr::Srr3]);
            // The guest may have written SRR0–3, SPRG0–3 in its IRFM page since it last trapped …
            #[cfg(feature = "irfm")]
            if system.partitions[index].mode != irfm::image::Mode::Full {
                crate::irfm_pages::load(&mut system.partitions[index], &system.irfm[index]);
            }
            // … and SRR2/SRR3 directly, where QEMU lets user mode reach them.
            partition::leave(&mut system.partitions[index], resumed_with);
            let outcome = handle(system, index, cause, fast_path_word);
            apply(system, index, outcome);
        }
        Next::Idle => match cause {
            cause::EXTERNAL => route_external(system),
            cause::PIT => {
                vtimer::acknowledge_real_pit();
                system.timers_due = true;
            }
            _ => halt("unexpected trap while idle", cause, system.idle.pc),
        },
    }
    resume(system)
}

/// What partition `index` gets for the trap `cause`.
fn handle(system: &mut System, index: usize, trap: u32, fast_path_word: Option<u32>) -> Outcome {
    #[cfg(feature = "trap-stats")]
    count_cause(system, index, trap);
    match trap {
        cause::PROGRAM => program(system, index, fast_path_word),
        cause::SYSTEM_CALL => Outcome::Reflect(Interrupt::SystemCall),
        cause::DATA_STORAGE => data_storage(system, index),
        cause::INSTRUCTION_STORAGE => {
            let pc = system.partitions[index].vcpu.pc;
            crate::address_space::storage_fault(system, index, pc, false, false)
                .unwrap_or(Outcome::Reflect(Interrupt::InstructionStorage { esr: real::esr() & esr::DIZ }))
        }
        cause::ALIGNMENT => Outcome::Reflect(Interrupt::Alignment { dear: real::dear() }),
        cause::EXTERNAL => {
            route_external(system);
            Outcome::Resume
        }
        cause::PIT => {
            vtimer::acknowledge_real_pit();
            system.timers_due = true;
            Outcome::Resume
        }
        cause::DATA_TLB_MISS => {
            let store = real::esr() & esr::DST != 0;
            crate::address_space::tlb_miss(system, index, real::dear(), true, store)
        }
        cause::INSTRUCTION_TLB_MISS => {
            let pc = system.partitions[index].vcpu.pc;
            crate::address_space::tlb_miss(system, index, pc, false, false)
        }
        cause::MACHINE_CHECK if system.partitions[index].vcpu.msr & msr::ME != 0 => {
            Outcome::Reflect(Interrupt::MachineCheck)
        }
        cause::MACHINE_CHECK => Outcome::Stop(Fault::Checkstop),
        vector => Outcome::Stop(Fault::Unexpected { vector }),
    }
}

/// A data storage interrupt, reflected with the real DEAR and ESR (a shadow entry raises what the
/// guest's own entry would; in a mixed translation mode `address_space` looks at it first). With
/// `irfm`, a user-mode access to the IRFM pages is the para-virtual form of a privileged
/// instruction: the guest gets the program interrupt that instruction raises.
fn data_storage(system: &mut System, index: usize) -> Outcome {
    let dear = real::dear();
    #[cfg(feature = "irfm")]
    {
        let partition = &system.partitions[index];
        if partition.mode != irfm::image::Mode::Full
            && partition.vcpu.user_mode()
            && dear.wrapping_sub(partition.descriptor.irfm_base) < 2 * irfm::page::PAGE_BYTES
        {
            return Outcome::Reflect(Interrupt::Program { esr: esr::PPR });
        }
    }
    let syndrome = real::esr() & (esr::DST | esr::DIZ);
    crate::address_space::storage_fault(system, index, dear, true, syndrome & esr::DST != 0)
        .unwrap_or(Outcome::Reflect(Interrupt::DataStorage { dear, esr: syndrome }))
}

/// Counts a trap by its cause (instructions are counted when decoded).
#[cfg(feature = "trap-stats")]
fn count_cause(system: &mut System, index: usize, trap: u32) {
    use irfm::stats::Kind;
    let kind = match trap {
        cause::SYSTEM_CALL => Kind::SystemCall,
        cause::DATA_STORAGE => Kind::DataStorage,
        cause::INSTRUCTION_STORAGE => Kind::InstructionStorage,
        cause::ALIGNMENT => Kind::Alignment,
        cause::EXTERNAL => Kind::External,
        cause::PIT => Kind::Timer,
        cause::DATA_TLB_MISS => Kind::DataTlbMiss,
        cause::INSTRUCTION_TLB_MISS => Kind::InstructionTlbMiss,
        _ => return,
    };
    crate::stats::count(&mut system.stats[index], kind);
}

/// A program interrupt: a trap instruction, an illegal one, or a privileged one to emulate (its word
/// from the fast path if it read it, else fetched again).
fn program(system: &mut System, index: usize, fast_path_word: Option<u32>) -> Outcome {
    let partition = &system.partitions[index];
    let syndrome = real::esr();
    // A hypercall: the illegal word of `irfm::hypercall`, from a para-virtual partition. In the
    // guest's user mode it stands for the privileged instruction it replaced, which would trap.
    #[cfg(feature = "para-virt")]
    if syndrome & esr::PIL != 0 && partition.mode != irfm::image::Mode::Full {
        let hypercall = crate::guest_mem::fetch(partition, partition.vcpu.pc).and_then(irfm::hypercall::decode);
        if hypercall.is_some() && partition.vcpu.user_mode() {
            return Outcome::Reflect(Interrupt::Program { esr: esr::PPR });
        }
        if let Some((number, register)) = hypercall {
            #[cfg(feature = "trap-stats")]
            crate::stats::count(&mut system.stats[index], irfm::stats::Kind::Hypercall);
            return crate::hypercall::call(system, index, number, register);
        }
    }
    if syndrome & esr::PPR == 0 || partition.vcpu.user_mode() {
        #[cfg(feature = "trap-stats")]
        crate::stats::count(&mut system.stats[index], irfm::stats::Kind::ProgramReflected);
    }
    if syndrome & esr::PPR == 0 {
        // Trap (PTR) and illegal (PIL) are the guest's own: it takes them as a 405 would.
        return Outcome::Reflect(Interrupt::Program { esr: syndrome & (esr::PTR | esr::PIL) });
    }
    if partition.vcpu.user_mode() {
        return Outcome::Reflect(Interrupt::Program { esr: esr::PPR });
    }
    let Some(word) = fast_path_word.or_else(|| crate::guest_mem::fetch(partition, partition.vcpu.pc)) else {
        return Outcome::Stop(Fault::UnreadableInstruction);
    };
    let op = irfm::insn::op_of(word);
    #[cfg(feature = "trap-stats")]
    if let Some(op) = op {
        crate::stats::count_instruction(&mut system.stats[index], op);
    }
    let outcome = emulate::instruction(&mut system.partitions[index], word, op);
    if vtimer::reprograms(op, word) {
        reprogram(system);
    }
    // A TLB entry written: its shadow now where it can be made, not at the miss that would follow.
    #[cfg(feature = "tlb-virt")]
    if op == Some(irfm::insn::Op::Tlbwe) && outcome == Outcome::Next {
        crate::address_space::preload(system, index, word);
    }
    outcome
}

/// Applies an outcome to partition `index` alone.
fn apply(system: &mut System, index: usize, outcome: Outcome) {
    let partition = &mut system.partitions[index];
    match outcome {
        Outcome::Next => partition.vcpu.pc = partition.vcpu.pc.wrapping_add(4),
        Outcome::Resume => {}
        Outcome::Reflect(interrupt) => {
            reflect::deliver(&mut partition.vcpu, interrupt);
            crate::address_space::translation_changed(partition);
        }
        Outcome::Wait => {
            // A 405 in its wait state with an enabled interrupt already pending takes it at once:
            // sleep only if nothing can wake it now (else no later event might come to wake it).
            partition.state = State::Waiting;
            console::flush_line(partition); // a prompt before it waits for input shows now
            wake(partition);
        }
        Outcome::Stop(fault) => crate::health::handle(system, index, crate::health::Event::Fault(fault)),
        Outcome::Reset(kind) => crate::reset::take(system, index, kind),
        Outcome::WatchdogReset => crate::health::handle(system, index, crate::health::Event::Watchdog),
    }
}

/// A real external interrupt: the lines it raised go to the partitions that own them (held off
/// until acknowledged); a line nobody owns is switched off.
fn route_external(system: &mut System) {
    let raised = real_dcr::read_uic(Uic::Msr);
    let mut claimed = 0;
    for partition in system.partitions.iter_mut().filter(|p| p.state != State::Empty) {
        let owned = partition.owned_lines;
        if raised & owned != 0 {
            partition.uic.hold(raised & owned, owned);
            wake(partition);
        }
        claimed |= owned;
    }
    let stray = raised & !claimed;
    if stray != 0 {
        real_dcr::write_uic(Uic::Er, real_dcr::read_uic(Uic::Er) & !stray);
        real_dcr::write_uic(Uic::Sr, stray);
    }
}

/// Advances every partition's timers to now, applies what the watchdogs ask for, refreshes what
/// is pending and wakes the partitions that can take an interrupt.
fn advance_timers(system: &mut System) {
    let actions = vtimer::update(system);
    for (index, action) in actions.iter().enumerate().take(system.count) {
        if *action == WatchdogAction::Reset {
            crate::health::handle(system, index, crate::health::Event::Watchdog);
        }
        wake(&mut system.partitions[index]);
    }
}

/// Recomputes a partition's pending interrupts and wakes it if it sleeps and can take one.
pub fn wake(partition: &mut Partition) {
    if matches!(partition.state, State::Runnable | State::Waiting) {
        reflect::refresh_pending(partition);
        if partition.state == State::Waiting && reflect::deliverable(&partition.vcpu).is_some() {
            partition.state = State::Runnable;
        }
    }
}

/// Delivers what is pending, picks the next context and readies the real registers.
///
/// Per trap this is short: the timers are advanced only when `system.timers_due` says something
/// about time changed (the real PIT fired, a guest touched TCR/TSR/PIT), the scheduler looks at
/// the clock only then (or under budgets), and the real PID, ZPR, SPRG4–7 are loaded only when
/// another partition takes over.
pub fn resume(system: &mut System) -> Next {
    let previous = system.current;
    let timers_advanced = core::mem::take(&mut system.timers_due);
    if timers_advanced {
        advance_timers(system);
    }
    let next = crate::sched::decide(system, timers_advanced);
    if let Next::Partition(index) = next {
        if system.partitions[index].loaded != crate::guest_mem::NOT_LOADING {
            crate::health::go_on_loading(system, index);
        }
        // A reset that came while it slept is what it takes on waking, not the interrupt that woke it.
        if system.partitions[index].reset_pending {
            crate::reset::take_pending(system, index);
        }
        let partition = &mut system.partitions[index];
        // At most two: a non-critical interrupt, then a critical one that preempts its handler.
        for _ in 0..2 {
            let Some(interrupt) = reflect::deliverable(&partition.vcpu) else { break };
            reflect::deliver(&mut partition.vcpu, interrupt);
            crate::address_space::translation_changed(partition);
            #[cfg(feature = "trap-stats")]
            crate::stats::count(&mut system.stats[index], irfm::stats::Kind::Delivered);
        }
        if next != previous {
            partition::enter(partition);
            #[cfg(feature = "irfm-fallback")]
            crate::irfm_fallback::set_page_register(match partition.mode {
                irfm::image::Mode::Full => None,
                _ => Some(&system.irfm[index]),
            });
        } else {
            partition::sync_critical_save(partition);
        }
        #[cfg(feature = "irfm")]
        if partition.mode != irfm::image::Mode::Full {
            crate::irfm_pages::store(partition, &mut system.irfm[index]);
        }
    }
    system.current = next;
    if timers_advanced || next != previous {
        reprogram(system);
    }
    next
}

/// Programs the real PIT for the next timer event or the scheduler's next decision.
fn reprogram(system: &System) {
    vtimer::program(system, crate::sched::next_switch(system));
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

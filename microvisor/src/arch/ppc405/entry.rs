//! The two doors from assembly into Rust: boot, and every trap after it.
//!
//! Both are thin unsafe shells: they turn the one global [`System`] into a `&mut` and call the safe
//! code (`boot::start`, `trap::dispatch`), then turn its [`Next`] decision into what
//! `resume_context` needs (context address in r3, real MSR in r4, as one `u64`).

use crate::system::{Next, System};
use crate::vcpu::Vcpu;

/// The microvisor's whole state. Only the two entry points below touch it. Exported by name so
/// benchmarks can read the trap counters at its start (`irfm::stats`).
#[export_name = "MICROVISOR_SYSTEM"]
static mut SYSTEM: System = System::new();

/// What `resume_context` takes: the context's address (high word → r3) and its MSR (low word → r4).
fn encode(system: &mut System, next: Next) -> u64 {
    let msr = system.real_msr(next);
    let context: *mut Vcpu = system.context_mut(next);
    ((context as usize as u64) << 32) | u64::from(msr)
}

/// Called once from `_start`, on the microvisor stack with .bss cleared.
///
/// # Safety
/// Called only by `_start`, before any interrupt can occur (MSR = 0 at reset); no other reference to
/// `SYSTEM` exists. Returns the first context to run (see `resume_context`).
pub unsafe extern "C" fn boot_entry() -> u64 {
    // SAFETY: single core, interrupts off, and this is the first and only reference (see above).
    let system = unsafe { &mut *core::ptr::addr_of_mut!(SYSTEM) };
    let next = crate::boot::start(system);
    encode(system, next)
}

/// Called by every vector once the interrupted context is saved.
///
/// # Safety
/// Called only by `save_context` in `vectors`, on the microvisor stack, with MSR[EE] = MSR[CE] = 0
/// (the 405 clears them on every interrupt and the microvisor never sets them), so no other
/// reference to `SYSTEM` is live. `context` is the address that was in SPRG1, which
/// `resume_context` set from a previous return of this function or of `boot_entry`.
/// `program_word` is what the program-interrupt fast path left in r6: the trapping instruction word
/// when it read one (`fast_path`), anything for the other vectors.
pub unsafe extern "C" fn trap_entry(context: *mut Vcpu, cause: u32, msr_at_trap: u32, program_word: u32) -> u64 {
    // SAFETY: see the function's safety section: the microvisor runs with interrupts off on one core.
    let system = unsafe { &mut *core::ptr::addr_of_mut!(SYSTEM) };
    let fast_path_word = (cause == crate::arch::ppc405::vectors::PROGRAM && super::fast_path::ENABLED).then_some(program_word);
    let next = crate::trap::dispatch(system, context as usize, cause, msr_at_trap, fast_path_word);
    encode(system, next)
}

//! Host stand-ins for the PPC405 primitives, so `cargo test` exercises the emulation without QEMU.
//!
//! Each test thread has its own simulated machine: SPRs, DCRs, TLB, a sparse real memory, the
//! UART0 output and a log of cache operations. Tests read them back through the `host_*` functions.

use crate::arch::ppc405::tlb::{Entry, ENTRIES};
use std::cell::RefCell;
use std::collections::HashMap;

/// The simulated machine of one test thread.
#[derive(Default)]
pub struct Machine {
    /// SPR values by number.
    pub sprs: HashMap<u16, u32>,
    /// DCR values by number.
    pub dcrs: HashMap<u16, u32>,
    /// The TLB.
    pub tlb: Vec<Entry>,
    /// Real memory, by byte address.
    pub memory: HashMap<u32, u8>,
    /// Bytes sent to UART0.
    pub console: Vec<u8>,
    /// Cache operations and other events, in order.
    pub log: Vec<(&'static str, u32)>,
}

thread_local! {
    static MACHINE: RefCell<Machine> = RefCell::new(Machine { tlb: vec![Entry::default(); ENTRIES], ..Machine::default() });
}

/// Runs `f` on this thread's simulated machine.
pub fn with<R>(f: impl FnOnce(&mut Machine) -> R) -> R {
    MACHINE.with(|machine| f(&mut machine.borrow_mut()))
}

/// `mfspr` stand-in.
pub fn read_spr(number: u16) -> u32 {
    with(|m| m.sprs.get(&number).copied().unwrap_or(0))
}

/// `mtspr` stand-in.
pub fn write_spr(number: u16, value: u32) {
    with(|m| {
        if number == 984 {
            // TSR: write 1 to clear.
            let tsr = m.sprs.entry(number).or_insert(0);
            *tsr &= !value;
        } else if number == 284 || number == 285 {
            // TBL, TBU writes: what mftb reads (268, 269).
            m.sprs.insert(number - 16, value);
        } else {
            m.sprs.insert(number, value);
        }
    })
}

/// `mfdcr` stand-in.
pub fn read_dcr(number: u16) -> u32 {
    with(|m| m.dcrs.get(&number).copied().unwrap_or(0))
}

/// `mtdcr` stand-in.
pub fn write_dcr(number: u16, value: u32) {
    with(|m| {
        m.dcrs.insert(number, value);
    })
}

/// `tlbwe` stand-in.
pub fn write_tlb(index: usize, entry: Entry, pid_after: u8) {
    with(|m| {
        m.tlb[index & 63] = entry;
        m.sprs.insert(945, u32::from(pid_after));
    })
}

/// `tlbia` stand-in.
pub fn invalidate_tlb() {
    with(|m| m.tlb.iter_mut().for_each(|entry| entry.hi &= !super::ppc405::tlb::hi::V))
}

/// UART0 stand-in.
pub fn console_putc(byte: u8) {
    with(|m| m.console.push(byte))
}

/// Records an event (cache operation…).
pub fn record(what: &'static str, value: u32) {
    with(|m| m.log.push((what, value)))
}

/// Reads a big-endian word of simulated real memory (unwritten bytes read 0).
pub fn read_word(real: u32) -> u32 {
    with(|m| {
        u32::from_be_bytes(core::array::from_fn(|i| m.memory.get(&(real + i as u32)).copied().unwrap_or(0)))
    })
}

/// Writes a big-endian word of simulated real memory.
pub fn write_word(real: u32, value: u32) {
    with(|m| {
        for (i, byte) in value.to_be_bytes().into_iter().enumerate() {
            m.memory.insert(real + i as u32, byte);
        }
    })
}

/// Reads a byte of simulated real memory.
pub fn read_byte(real: u32) -> u8 {
    with(|m| m.memory.get(&real).copied().unwrap_or(0))
}

/// Writes a byte of simulated real memory.
pub fn write_byte(real: u32, value: u8) {
    with(|m| {
        m.memory.insert(real, value);
    })
}

/// What UART0 printed so far.
pub fn console_text() -> String {
    with(|m| String::from_utf8_lossy(&m.console).to_string())
}

//! The board's UART0 as the microvisor's own console (reports, statistics).
//!
//! Polled, byte-wide, 16550 registers; the address comes from `platform::ref405ep`.

#[cfg(target_arch = "powerpc")]
use crate::platform::ref405ep;

/// Sends one byte on UART0, waiting until the transmitter can take it.
pub fn uart0_putc(byte: u8) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: UART0 is a device at a fixed real address on this board; the microvisor runs
    // untranslated, and byte accesses to THR and LSR have no effect beyond sending the byte.
    unsafe {
        let lsr = (ref405ep::UART0 + ref405ep::UART_LSR) as *const u8;
        let thr = ref405ep::UART0 as *mut u8;
        while core::ptr::read_volatile(lsr) & ref405ep::UART_LSR_THRE == 0 {}
        core::ptr::write_volatile(thr, byte);
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::console_putc(byte);
}

/// A byte UART0 received, if one is waiting (LSR bit 0, data ready).
pub fn uart0_getc() -> Option<u8> {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: UART0's registers at a fixed real address; reading RBR only when LSR says data is ready.
    unsafe {
        let lsr = (ref405ep::UART0 + ref405ep::UART_LSR) as *const u8;
        if core::ptr::read_volatile(lsr) & 1 == 0 {
            return None;
        }
        Some(core::ptr::read_volatile(ref405ep::UART0 as *const u8))
    }
    #[cfg(not(target_arch = "powerpc"))]
    None
}

/// Writes UART1's register `offset` (0–7).
pub fn uart1_write(offset: u32, value: u8) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: UART1's registers at a fixed real address; `offset` is below 8 (the caller checks).
    unsafe {
        core::ptr::write_volatile((ref405ep::UART1 + (offset & 7)) as *mut u8, value)
    };
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::record("uart1", u32::from(value) | (offset << 8));
}

/// Reads UART1's register `offset` (0–7).
pub fn uart1_read(offset: u32) -> u8 {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: as `uart1_write`; reading RBR consumes a received byte, as the guest asked.
    unsafe {
        core::ptr::read_volatile((ref405ep::UART1 + (offset & 7)) as *const u8)
    }
    #[cfg(not(target_arch = "powerpc"))]
    {
        let _ = offset;
        0x60
    }
}

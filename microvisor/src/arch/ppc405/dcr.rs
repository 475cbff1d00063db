//! Device control registers the microvisor touches (PPC405EP: UIC0 at DCR 0x0C0, CPC0 at 0x0F0).
//!
//! `mfdcr`/`mtdcr` take the DCR number as an immediate: one arm per register.

#[cfg(target_arch = "powerpc")]
macro_rules! mfdcr {
    ($number:expr) => {{
        let value: u32;
        // SAFETY: every DCR read here is a status or configuration register without read side effects.
        unsafe { core::arch::asm!("mfdcr {0}, {1}", out(reg) value, const $number, options(nomem, nostack)) };
        value
    }};
}

#[cfg(target_arch = "powerpc")]
macro_rules! mtdcr {
    ($number:expr, $value:expr) => {{
        let value: u32 = $value;
        // SAFETY: only UIC0 registers are written, by the microvisor, which owns the controller.
        unsafe { core::arch::asm!("mtdcr {1}, {0}", in(reg) value, const $number, options(nostack)) };
    }};
}

#[cfg(not(target_arch = "powerpc"))]
macro_rules! mfdcr {
    ($number:expr) => {
        crate::arch::host::read_dcr($number)
    };
}

#[cfg(not(target_arch = "powerpc"))]
macro_rules! mtdcr {
    ($number:expr, $value:expr) => {
        crate::arch::host::write_dcr($number, $value)
    };
}

/// UIC0 registers (PPC405EP user's manual, chapter "Universal Interrupt Controller").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uic {
    /// Status (write 1 to clear).
    Sr,
    /// Enable.
    Er,
    /// Critical (1) or non-critical (0).
    Cr,
    /// Polarity.
    Pr,
    /// Trigger: edge (1) or level (0).
    Tr,
    /// Masked status, SR & ER (read-only).
    Msr,
}

/// Reads a UIC0 register.
pub fn read_uic(register: Uic) -> u32 {
    match register {
        Uic::Sr => mfdcr!(0x0c0),
        Uic::Er => mfdcr!(0x0c2),
        Uic::Cr => mfdcr!(0x0c3),
        Uic::Pr => mfdcr!(0x0c4),
        Uic::Tr => mfdcr!(0x0c5),
        Uic::Msr => mfdcr!(0x0c6),
    }
}

/// Writes a UIC0 register (MSR is read-only: ignored).
pub fn write_uic(register: Uic, value: u32) {
    match register {
        Uic::Sr => mtdcr!(0x0c0, value),
        Uic::Er => mtdcr!(0x0c2, value),
        Uic::Cr => mtdcr!(0x0c3, value),
        Uic::Pr => mtdcr!(0x0c4, value),
        Uic::Tr => mtdcr!(0x0c5, value),
        Uic::Msr => {}
    }
}

/// Reads a clock and power control register (CPC0, 0x0F0–0x0F9) that guests may read, if `number`
/// is one; QEMU's ref405ep implements 0x0F0, 0x0F1, 0x0F3–0x0F7 and 0x0F9.
pub fn read_cpc(number: u16) -> Option<u32> {
    Some(match number {
        0x0f0 => mfdcr!(0x0f0),
        0x0f1 => mfdcr!(0x0f1),
        0x0f3 => mfdcr!(0x0f3),
        0x0f4 => mfdcr!(0x0f4),
        0x0f5 => mfdcr!(0x0f5),
        0x0f6 => mfdcr!(0x0f6),
        0x0f7 => mfdcr!(0x0f7),
        0x0f9 => mfdcr!(0x0f9),
        _ => return None,
    })
}

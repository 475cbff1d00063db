//! Device control registers the microvisor touches (PPC405EP: UIC0 at DCR 0x0C0, CPC0 at 0x0F0),
//! and the board's other units, which guests may read (SDRAM0, EBC0, OCM, PLB, POB, DMA, MAL).
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
        // SAFETY: only UIC0 registers and the SDRAM0/EBC0 index registers (which select what their
        // data register reads, and change nothing else) are written, by the microvisor.
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
    /// Status set (write 1 to set; write-only).
    Srs,
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
        Uic::Sr | Uic::Srs => mfdcr!(0x0c0),
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
        Uic::Srs => mtdcr!(0x0c1, value),
        Uic::Er => mtdcr!(0x0c2, value),
        Uic::Cr => mtdcr!(0x0c3, value),
        Uic::Pr => mtdcr!(0x0c4, value),
        Uic::Tr => mtdcr!(0x0c5, value),
        Uic::Msr => {}
    }
}

/// The board's other DCR units a guest may read, which QEMU 7.2's ref405ep implements (writes are
/// never passed on: they would reconfigure the board for every partition): OCM (0x018–0x01B), 0x077,
/// PLB (0x081–0x089), POB (0x0A0–0x0A4), DMA (0x100–0x126), MAL (0x180–0x1E1). Sorted. Each has a
/// two-instruction stub (`mfdcr r3,N; blr`, the number is an immediate) in `board_dcr_reads`, in
/// this order: one table of 8-byte stubs is smaller than a `match` with an arm per number.
macro_rules! board_dcrs {
    ($($number:literal)*) => {
        /// See [`read_board`].
        pub const BOARD_DCRS: &[u16] = &[$($number),*];

        #[cfg(target_arch = "powerpc")]
        core::arch::global_asm!(
            ".section .text.board_dcr_reads, \"ax\"",
            ".globl board_dcr_reads",
            "board_dcr_reads:",
            $(concat!("mfdcr 3, ", stringify!($number)), "blr",)*
        );
    };
}

board_dcrs!(
    0x018 0x019 0x01a 0x01b 0x077 0x081 0x084 0x086 0x087 0x089 0x0a0 0x0a2 0x0a4
    0x100 0x101 0x102 0x103 0x104 0x108 0x109 0x10a 0x10b 0x10c 0x110 0x111 0x112 0x113 0x114
    0x118 0x119 0x11a 0x11b 0x11c 0x120 0x123 0x125 0x126
    0x180 0x181 0x182 0x184 0x185 0x186 0x187 0x190 0x191 0x192 0x193 0x1a0 0x1a1 0x1a2 0x1a3
    0x1c0 0x1c1 0x1e0 0x1e1
);

/// Reads board DCR `number` ([`BOARD_DCRS`]), `None` for any other number.
pub fn read_board(number: u16) -> Option<u32> {
    let stub = BOARD_DCRS.binary_search(&number).ok()?;
    #[cfg(target_arch = "powerpc")]
    {
        extern "C" {
            static board_dcr_reads: u32;
        }
        let value: u32;
        // SAFETY: `stub` indexes `board_dcr_reads`, whose stubs read a DCR without side effects into
        // r3 and return; the call clobbers only r3, LR and CTR.
        unsafe {
            let address = core::ptr::addr_of!(board_dcr_reads) as usize + 8 * stub;
            core::arch::asm!("mtctr {0}", "bctrl", in(reg) address, out("r3") value, out("ctr") _, out("lr") _, options(nostack));
        }
        Some(value)
    }
    #[cfg(not(target_arch = "powerpc"))]
    {
        let _ = stub;
        Some(crate::arch::host::read_dcr(number))
    }
}

/// The two units reached through an index register and a data register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indirect {
    /// SDRAM0: SDRAM0_CFGADDR 0x010, SDRAM0_CFGDATA 0x011.
    Sdram = 0,
    /// EBC0: EBC0_CFGADDR 0x012, EBC0_CFGDATA 0x013.
    Ebc = 1,
}

/// Which register of an indirect unit a DCR number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndirectRegister {
    /// Its index register (CFGADDR).
    Index(Indirect),
    /// Its data register (CFGDATA).
    Data(Indirect),
}

impl IndirectRegister {
    /// The register DCR `number` is, if it belongs to SDRAM0 or EBC0.
    pub const fn of(number: u16) -> Option<IndirectRegister> {
        Some(match number {
            0x010 => IndirectRegister::Index(Indirect::Sdram),
            0x011 => IndirectRegister::Data(Indirect::Sdram),
            0x012 => IndirectRegister::Index(Indirect::Ebc),
            0x013 => IndirectRegister::Data(Indirect::Ebc),
            _ => return None,
        })
    }
}

/// Reads register `index` of `unit` (through its index register, which is left at `index`).
pub fn read_indirect(unit: Indirect, index: u32) -> u32 {
    match unit {
        Indirect::Sdram => {
            mtdcr!(0x010, index);
            mfdcr!(0x011)
        }
        Indirect::Ebc => {
            mtdcr!(0x012, index);
            mfdcr!(0x013)
        }
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

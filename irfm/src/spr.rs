//! PPC405 special-purpose register numbers and the MSR, as the PPC405 manual numbers them.
//!
//! PPC405 core user's manual, section 10.2 (table "Special Purpose Registers") and section 3.6
//! ("Machine State Register"). An SPR whose number has bit 0x10 set is privileged: `mfspr`/`mtspr`
//! of it in user mode raise a program interrupt (section 9.1, "privileged SPRs").

/// Fixed-point exception register.
pub const XER: u16 = 1;
/// Link register.
pub const LR: u16 = 8;
/// Count register.
pub const CTR: u16 = 9;
/// Save/restore register 0: where a non-critical interrupt saved the PC.
pub const SRR0: u16 = 26;
/// Save/restore register 1: where a non-critical interrupt saved the MSR.
pub const SRR1: u16 = 27;
/// User SPR general 0 (BookE; QEMU's 405 raises a program interrupt for it).
pub const USPRG0: u16 = 256;
/// SPRG4–7, user read-only aliases: `mfspr` of these does not trap.
pub const SPRG4_USER: u16 = 260;
/// SPRG7's user read-only alias.
pub const SPRG7_USER: u16 = 263;
/// Time base lower, read with `mftb` (TBR number).
pub const TBL_READ: u16 = 268;
/// Time base upper, read with `mftb` (TBR number).
pub const TBU_READ: u16 = 269;
/// SPR general 0–7 (supervisor numbers; SPRG4–7 are also readable from user mode at 260–263).
pub const SPRG0: u16 = 272;
/// SPR general 7.
pub const SPRG7: u16 = 279;
/// Time base lower, write.
pub const TBL_WRITE: u16 = 284;
/// Time base upper, write.
pub const TBU_WRITE: u16 = 285;
/// Processor version register (read-only).
pub const PVR: u16 = 287;
/// Zone protection register.
pub const ZPR: u16 = 944;
/// Process ID: the TID that TLB lookups match.
pub const PID: u16 = 945;
/// Core configuration register 0.
pub const CCR0: u16 = 947;
/// Instruction address compare 3.
pub const IAC3: u16 = 948;
/// Instruction address compare 4.
pub const IAC4: u16 = 949;
/// Data value compare 1.
pub const DVC1: u16 = 950;
/// Data value compare 2.
pub const DVC2: u16 = 951;
/// Storage guarded register (real mode).
pub const SGR: u16 = 953;
/// Data cache write-through register (real mode).
pub const DCWR: u16 = 954;
/// Storage little-endian register (real mode). QEMU aborts on a non-zero write.
pub const SLER: u16 = 955;
/// Storage user-defined 0 register (real mode).
pub const SU0R: u16 = 956;
/// Debug control register 1.
pub const DBCR1: u16 = 957;
/// Instruction cache debug data register (read-only).
pub const ICDBDR: u16 = 979;
/// Exception syndrome register.
pub const ESR: u16 = 980;
/// Data exception address register.
pub const DEAR: u16 = 981;
/// Exception vector prefix register (high 16 bits used).
pub const EVPR: u16 = 982;
/// Timer status register (write 1 to clear).
pub const TSR: u16 = 984;
/// Timer control register.
pub const TCR: u16 = 986;
/// Programmable interval timer.
pub const PIT: u16 = 987;
/// Save/restore register 2: where a critical interrupt saved the PC.
pub const SRR2: u16 = 990;
/// Save/restore register 3: where a critical interrupt saved the MSR.
pub const SRR3: u16 = 991;
/// Debug status register (write 1 to clear).
pub const DBSR: u16 = 1008;
/// Debug control register 0 (its RST field resets the core).
pub const DBCR0: u16 = 1010;
/// Instruction address compare 1.
pub const IAC1: u16 = 1012;
/// Instruction address compare 2.
pub const IAC2: u16 = 1013;
/// Data address compare 1.
pub const DAC1: u16 = 1014;
/// Data address compare 2.
pub const DAC2: u16 = 1015;
/// Data cache cachability register (real mode).
pub const DCCR: u16 = 1018;
/// Instruction cache cachability register (real mode).
pub const ICCR: u16 = 1019;

/// Whether `mfspr`/`mtspr` of `spr` is privileged (bit 0x10 of the SPR number, PPC405 manual 9.1).
pub const fn is_privileged(spr: u16) -> bool {
    spr & 0x10 != 0
}

/// The SPR number encoded in an `mfspr`/`mtspr`/`mfdcr`/`mtdcr` word (its two 5-bit halves swapped).
pub const fn from_word(word: u32) -> u16 {
    (((word >> 16) & 0x1f) | (((word >> 11) & 0x1f) << 5)) as u16
}

/// The split 10-bit field of `mfspr`/`mtspr`/`mfdcr`/`mtdcr` for SPR or DCR `number`.
pub const fn to_field(number: u16) -> u32 {
    let number = number as u32;
    ((number & 0x1f) << 16) | (((number >> 5) & 0x1f) << 11)
}

/// Machine state register bits (PPC405 manual, section 3.6, figure "Machine State Register").
pub mod msr {
    /// Auxiliary processor available.
    pub const AP: u32 = 0x0200_0000;
    /// APU exception enable.
    pub const APE: u32 = 0x0008_0000;
    /// Wait state enable: the core sleeps until an interrupt.
    pub const WE: u32 = 0x0004_0000;
    /// Critical interrupt enable (critical input, watchdog).
    pub const CE: u32 = 0x0002_0000;
    /// External interrupt enable (external input, PIT, FIT).
    pub const EE: u32 = 0x0000_8000;
    /// Problem state: 1 = user mode.
    pub const PR: u32 = 0x0000_4000;
    /// Floating-point available.
    pub const FP: u32 = 0x0000_2000;
    /// Machine check enable.
    pub const ME: u32 = 0x0000_1000;
    /// Floating-point exception mode 0.
    pub const FE0: u32 = 0x0000_0800;
    /// Debug wait enable.
    pub const DWE: u32 = 0x0000_0400;
    /// Debug interrupt enable.
    pub const DE: u32 = 0x0000_0200;
    /// Floating-point exception mode 1.
    pub const FE1: u32 = 0x0000_0100;
    /// Instruction relocate: instruction translation on.
    pub const IR: u32 = 0x0000_0020;
    /// Data relocate: data translation on.
    pub const DR: u32 = 0x0000_0010;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_field_round_trips_and_matches_the_assembler() {
        // `mfspr r3,SRR0` assembles to 0x7c7a02a6; `mtspr PID,r3` to 0x7c71ebA6.
        assert_eq!(from_word(0x7c7a_02a6), SRR0);
        assert_eq!(from_word(0x7c71_eba6), PID);
        for spr in 0..1024 {
            assert_eq!(from_word(to_field(spr)), spr);
        }
    }

    #[test]
    fn privilege_follows_bit_0x10() {
        assert!(!is_privileged(LR) && !is_privileged(SPRG4_USER) && !is_privileged(TBL_READ));
        assert!(is_privileged(SRR0) && is_privileged(SPRG0) && is_privileged(PVR) && is_privileged(PIT));
    }
}

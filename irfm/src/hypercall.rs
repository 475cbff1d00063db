//! The hypercall ABI: how a para-virtualized guest asks the microvisor for something.
//!
//! A hypercall is one instruction word the PPC405 does not implement (primary opcode 0, so a 405
//! raises an illegal-instruction program interrupt), carrying a signature no compiler emits:
//!
//! | bits (IBM) | field |
//! |---|---|
//! | 0–5 | 0 (primary opcode 0: illegal on every PowerPC) |
//! | 6–10 | a register operand (for `mtmsr`/`wrtee`: rS), else 0 |
//! | 11–15 | 0 |
//! | 16–23 | [`SIGNATURE`] (`0x48`, "H") |
//! | 24–31 | the hypercall number ([`Number`]) |
//!
//! It can never be confused with the guest's own `sc`: system calls keep their vector (0x0C00) and
//! are reflected to the guest untouched; a hypercall is recognised only in a partition whose mode is
//! para-virtual or pre-virtualized, and in any other it is the illegal instruction it looks like.
//! Arguments are in r3–r6, the result in r3; an error is a value from −4095 to −1 ([`Error`]:
//! −1 to −3 today), anything else is a result (an address such as 0xE000_0000 is one, though it is
//! negative as a signed word); other registers are preserved. Which hypercalls exist depends on the microvisor's features; an unknown number
//! returns [`Error::NoSuchCall`] and is counted.

/// Bits 16–23 of every hypercall word.
pub const SIGNATURE: u32 = 0x48;

/// Hypercall numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Number {
    /// Returns [`VERSION`] in r3, the feature bits ([`feature`]) in r4 and the guest address of
    /// the partition's IRFM pages in r5 (the read-only page; 0 without IRFM).
    Version = 0,
    /// `mtmsr` of the register in the operand field.
    Mtmsr = 1,
    /// `wrtee` of the register in the operand field.
    Wrtee = 2,
    /// `wrteei 0`.
    DisableInterrupts = 3,
    /// `wrteei 1`: a pending interrupt is delivered at once.
    EnableInterrupts = 4,
    /// `rfi`, with SRR0/SRR1 from the IRFM read-write page.
    Rfi = 5,
    /// `rfci`, with SRR2/SRR3 from the IRFM read-write page.
    Rfci = 6,
    /// Console write (feature `drivers`): r3 = guest address, r4 = bytes; returns bytes written.
    ConsoleWrite = 16,
    /// Console read (feature `drivers`): r3 = guest address, r4 = room; returns bytes read (0: none).
    ConsoleRead = 17,
    /// Gives up the rest of the partition's slice.
    Yield = 24,
    /// Sets the partition's scheduling parameters: r3 = priority, r4 = budget (time-base ticks).
    SetSchedule = 25,
    /// Opens IPCM channel r3 (feature `ipcm`): returns the guest address of its shared page.
    ChannelOpen = 32,
    /// Notifies the other end of IPCM channel r3: a virtual UIC interrupt there.
    ChannelNotify = 33,
}

impl Number {
    /// The number for byte `value`, if it is one.
    pub const fn from_u8(value: u8) -> Option<Number> {
        Some(match value {
            0 => Number::Version,
            1 => Number::Mtmsr,
            2 => Number::Wrtee,
            3 => Number::DisableInterrupts,
            4 => Number::EnableInterrupts,
            5 => Number::Rfi,
            6 => Number::Rfci,
            16 => Number::ConsoleWrite,
            17 => Number::ConsoleRead,
            24 => Number::Yield,
            25 => Number::SetSchedule,
            32 => Number::ChannelOpen,
            33 => Number::ChannelNotify,
            _ => return None,
        })
    }
}

/// Hypercall errors, returned negated in r3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    /// No such hypercall in this microvisor.
    NoSuchCall = -1,
    /// An argument is out of range (a buffer outside the partition's memory, a bad channel…).
    BadArgument = -2,
    /// The system configuration does not allow it.
    Refused = -3,
}

/// [`Number::Version`]'s answer.
pub const VERSION: u32 = 1;

/// Feature bits of [`Number::Version`]'s second answer.
pub mod feature {
    /// IRFM pages are mapped.
    pub const IRFM: u32 = 1;
    /// Trapped and page accesses of IRFM registers see one state.
    pub const IRFM_FALLBACK: u32 = 2;
    /// The console driver.
    pub const DRIVERS: u32 = 4;
    /// Inter-partition channels.
    pub const IPCM: u32 = 8;
    /// Virtual TLB.
    pub const TLB_VIRT: u32 = 16;
    /// Real-time scheduling: cyclic slots, fixed priority with budgets.
    pub const RT_SCHED: u32 = 32;
    /// Console multiplexing: `emulated` and `uart1` consoles.
    pub const CONSOLE_MUX: u32 = 64;
}

/// The hypercall instruction for `number` with register operand `register`.
pub const fn encode(number: Number, register: u32) -> u32 {
    ((register & 31) << 21) | (SIGNATURE << 8) | number as u32
}

/// The hypercall an instruction word is, if it is one: (number byte, register operand).
pub const fn decode(word: u32) -> Option<(u8, u32)> {
    if word & 0xfc1f_ff00 == SIGNATURE << 8 {
        Some(((word & 0xff) as u8, (word >> 21) & 31))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypercalls_round_trip_and_are_illegal_on_the_405() {
        let word = encode(Number::Mtmsr, 9);
        assert_eq!(decode(word), Some((1, 9)));
        assert!(!crate::isa::is_405(word), "a hypercall must trap as an illegal instruction");
        assert_eq!(Number::from_u8(1), Some(Number::Mtmsr));
    }

    #[test]
    fn ordinary_words_are_not_hypercalls() {
        for word in [0, 0x4400_0002 /* sc */, 0x6000_0000, 0x0000_0048, 0x0400_4801] {
            assert_eq!(decode(word), None, "{word:#x}");
        }
    }
}

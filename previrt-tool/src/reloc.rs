//! PowerPC relocation types (SVR4 PowerPC ABI supplement, "Relocation Types") and how each is
//! recomputed once code has moved.

/// No relocation.
pub const R_PPC_NONE: u8 = 0;
/// 32-bit absolute word.
pub const R_PPC_ADDR32: u8 = 1;
/// 24-bit absolute branch field (`ba`, `bla`).
pub const R_PPC_ADDR24: u8 = 2;
/// 16-bit absolute halfword.
pub const R_PPC_ADDR16: u8 = 3;
/// `@l`.
pub const R_PPC_ADDR16_LO: u8 = 4;
/// `@h`.
pub const R_PPC_ADDR16_HI: u8 = 5;
/// `@ha`.
pub const R_PPC_ADDR16_HA: u8 = 6;
/// 14-bit absolute branch field (`bca`).
pub const R_PPC_ADDR14: u8 = 7;
/// Likewise, branch predicted taken.
pub const R_PPC_ADDR14_BRTAKEN: u8 = 8;
/// Likewise, branch predicted not taken.
pub const R_PPC_ADDR14_BRNTAKEN: u8 = 9;
/// 24-bit relative branch field (`b`, `bl`).
pub const R_PPC_REL24: u8 = 10;
/// 14-bit relative branch field (`bc`).
pub const R_PPC_REL14: u8 = 11;
/// Likewise, predicted taken.
pub const R_PPC_REL14_BRTAKEN: u8 = 12;
/// Likewise, predicted not taken.
pub const R_PPC_REL14_BRNTAKEN: u8 = 13;
/// Unaligned 32-bit absolute word.
pub const R_PPC_UADDR32: u8 = 24;
/// Unaligned 16-bit absolute halfword.
pub const R_PPC_UADDR16: u8 = 25;
/// 32-bit PC-relative word (gcc's jump tables: entry = case label - table start).
pub const R_PPC_REL32: u8 = 26;
/// PC-relative halfwords (position-independent code).
pub const R_PPC_REL16: u8 = 249;
/// `(sym - .)@l`.
pub const R_PPC_REL16_LO: u8 = 250;
/// `(sym - .)@h`.
pub const R_PPC_REL16_HI: u8 = 251;
/// `(sym - .)@ha`.
pub const R_PPC_REL16_HA: u8 = 252;

/// The name of relocation type `kind`, for messages.
pub fn name(kind: u8) -> String {
    let known = match kind {
        0 => "R_PPC_NONE",
        1 => "R_PPC_ADDR32",
        2 => "R_PPC_ADDR24",
        3 => "R_PPC_ADDR16",
        4 => "R_PPC_ADDR16_LO",
        5 => "R_PPC_ADDR16_HI",
        6 => "R_PPC_ADDR16_HA",
        7 => "R_PPC_ADDR14",
        8 => "R_PPC_ADDR14_BRTAKEN",
        9 => "R_PPC_ADDR14_BRNTAKEN",
        10 => "R_PPC_REL24",
        11 => "R_PPC_REL14",
        12 => "R_PPC_REL14_BRTAKEN",
        13 => "R_PPC_REL14_BRNTAKEN",
        18 => "R_PPC_PLTREL24",
        24 => "R_PPC_UADDR32",
        25 => "R_PPC_UADDR16",
        26 => "R_PPC_REL32",
        32 => "R_PPC_SDAREL16",
        109 => "R_PPC_EMB_SDA21",
        249 => "R_PPC_REL16",
        250 => "R_PPC_REL16_LO",
        251 => "R_PPC_REL16_HI",
        252 => "R_PPC_REL16_HA",
        _ => return format!("relocation type {kind}"),
    };
    known.to_string()
}

/// What a relocation patches, and so how `previrt` redoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Nothing.
    None,
    /// A whole word holding an address.
    Word,
    /// A whole word holding `target - base` (`R_PPC_REL32`).
    RelativeWord,
    /// A halfword holding part of an address: low, high, high-adjusted, or a signed 16-bit address.
    Half(Half),
    /// A halfword holding part of a PC-relative value.
    RelativeHalf(Half),
    /// A branch's displacement field: redone by decoding the branch itself.
    Branch,
}

/// Which half of a 32-bit value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Half {
    /// `@l`.
    Lo,
    /// `@h`.
    Hi,
    /// `@ha`: high half adjusted for the sign of the low half.
    Ha,
    /// The whole value, which must fit 16 signed bits.
    Whole,
}

impl Half {
    /// The 16 bits of `value` this half means, or `None` if a [`Half::Whole`] value does not fit.
    pub fn of(self, value: u32) -> Option<u16> {
        match self {
            Half::Lo => Some(value as u16),
            Half::Hi => Some((value >> 16) as u16),
            Half::Ha => Some((value.wrapping_add(0x8000) >> 16) as u16),
            Half::Whole => {
                let signed = value as i32;
                (-0x8000..0x8000).contains(&signed).then_some(value as u16)
            }
        }
    }
}

/// How `previrt` handles relocation type `kind`, or `None` when it cannot.
pub fn field(kind: u8) -> Option<Field> {
    Some(match kind {
        R_PPC_NONE => Field::None,
        R_PPC_ADDR32 | R_PPC_UADDR32 => Field::Word,
        R_PPC_REL32 => Field::RelativeWord,
        R_PPC_ADDR16 | R_PPC_UADDR16 => Field::Half(Half::Whole),
        R_PPC_ADDR16_LO => Field::Half(Half::Lo),
        R_PPC_ADDR16_HI => Field::Half(Half::Hi),
        R_PPC_ADDR16_HA => Field::Half(Half::Ha),
        R_PPC_REL16 => Field::RelativeHalf(Half::Whole),
        R_PPC_REL16_LO => Field::RelativeHalf(Half::Lo),
        R_PPC_REL16_HI => Field::RelativeHalf(Half::Hi),
        R_PPC_REL16_HA => Field::RelativeHalf(Half::Ha),
        R_PPC_ADDR24 | R_PPC_ADDR14 | R_PPC_ADDR14_BRTAKEN | R_PPC_ADDR14_BRNTAKEN | R_PPC_REL24 | R_PPC_REL14
        | R_PPC_REL14_BRTAKEN | R_PPC_REL14_BRNTAKEN => Field::Branch,
        _ => return None,
    })
}

/// Whether a relocation of this type at a word makes that word data, not an instruction.
pub fn is_data_word(kind: u8) -> bool {
    matches!(field(kind), Some(Field::Word | Field::RelativeWord))
}

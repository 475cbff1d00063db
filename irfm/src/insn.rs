//! The authoritative classification of the PPC405's privileged and sensitive instructions.
//!
//! One row per instruction: mnemonic, mask/match, [`Op`], [`Class`], how a pre-virtualized guest
//! replaces it ([`Rewrite`]) and the PPC405 user's manual section that defines it. The microvisor's
//! trap dispatcher matches on [`Op`] with no catch-all arm, `previrt` pads and records from the same
//! rows, and `docs/instructions.md` is generated from them (`cargo xtask docs`).
//!
//! Sensitive instructions in the sense of Popek and Goldberg that do *not* trap on the 405 are rows
//! too ([`Class::SensitiveUnprivileged`]): user-mode reads of SPRG4–7 (`mfspr` 260–263) and of the
//! time base (`mftb`). The microvisor keeps them correct by loading the guest's own SPRG4–7 into the
//! real registers on every world switch; the time base is shared wall-clock time (see `docs`).

use crate::spr;

/// A privileged or sensitive PPC405 instruction.
///
/// Each variant names its emulation in the microvisor (`emulate::<module>::<mnemonic>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `mfmsr rD` — `emulate::msr::mfmsr`.
    Mfmsr,
    /// `mtmsr rS` — `emulate::msr::mtmsr`.
    Mtmsr,
    /// `wrtee rS` — `emulate::msr::wrtee`.
    Wrtee,
    /// `wrteei E` — `emulate::msr::wrteei`.
    Wrteei,
    /// `rfi` — `emulate::rfi::rfi`.
    Rfi,
    /// `rfci` — `emulate::rfi::rfci`.
    Rfci,
    /// `mfspr rD,SPRN` of a privileged SPR — `emulate::spr::mfspr`.
    Mfspr,
    /// `mtspr SPRN,rS` of a privileged SPR — `emulate::spr::mtspr`.
    Mtspr,
    /// `mfdcr rD,DCRN` — `emulate::dcr::mfdcr`.
    Mfdcr,
    /// `mtdcr DCRN,rS` — `emulate::dcr::mtdcr`.
    Mtdcr,
    /// `tlbwe rS,rA,WS` — `emulate::tlb::tlbwe`.
    Tlbwe,
    /// `tlbre rD,rA,WS` — `emulate::tlb::tlbre`.
    Tlbre,
    /// `tlbsx[.] rD,rA,rB` — `emulate::tlb::tlbsx`.
    Tlbsx,
    /// `tlbia` — `emulate::tlb::tlbia`.
    Tlbia,
    /// `tlbsync` — `emulate::tlb::tlbsync`.
    Tlbsync,
    /// `iccci rA,rB` — `emulate::cache::iccci`.
    Iccci,
    /// `dccci rA,rB` — `emulate::cache::dccci`.
    Dccci,
    /// `dcbi rA,rB` — `emulate::cache::dcbi`.
    Dcbi,
    /// `dcread rD,rA,rB` — `emulate::cache::dcread`.
    Dcread,
    /// `icread rA,rB` — `emulate::cache::icread`.
    Icread,
    /// `mfspr rD,SPRG4..7` through the user aliases 260–263: does not trap; the real SPRG4–7 hold
    /// the guest's values while it runs.
    MfsprUser,
    /// `mftb rD,TBR`: does not trap; reads the shared time base.
    Mftb,
}

/// What an instruction touches, which decides how it is virtualized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Reads or writes the MSR (`mfmsr`, `mtmsr`).
    Msr,
    /// Changes MSR[EE] alone (`wrtee`, `wrteei`).
    InterruptEnable,
    /// Returns from an interrupt (`rfi`, `rfci`).
    Return,
    /// Privileged SPR access.
    Spr,
    /// Device control register access.
    Dcr,
    /// TLB management.
    Tlb,
    /// Cache management.
    Cache,
    /// Sensitive but unprivileged: runs in user mode without trapping.
    SensitiveUnprivileged,
}

/// How a pre-virtualized guest replaces the instruction at load time (the para-virtual form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rewrite {
    /// Depends on the SPR: an IRFM load/store when the SPR lives in an IRFM page, else [`Rewrite::Trap`].
    BySpr,
    /// One `lwz rD,offset(0)` from an IRFM page.
    IrfmLoad,
    /// One hypercall instruction.
    Hypercall,
    /// Left in place: it traps and is emulated (rare or side-effecting instructions).
    Trap,
    /// Left in place: it does not trap and needs nothing (sensitive unprivileged).
    Keep,
}

/// One row of the classification table.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Mnemonic as the PPC405 manual spells it.
    pub mnemonic: &'static str,
    /// Bits that identify the instruction.
    pub mask: u32,
    /// Their value.
    pub value: u32,
    /// The instruction.
    pub op: Op,
    /// What it touches.
    pub class: Class,
    /// Whether it raises a program interrupt (privileged) in user mode.
    pub privileged: bool,
    /// How a pre-virtualized guest replaces it.
    pub rewrite: Rewrite,
    /// NOP words `previrt patch` inserts after it so its para-virtual form fits.
    pub padding: u8,
    /// The PPC405 user's manual section that defines it.
    pub section: &'static str,
}

/// Primary opcode and bits 21–30: identifies an X/XL/XFX-form instruction.
const X_MASK: u32 = 0xfc00_07fe;
const fn x_form(primary: u32, extended: u32) -> u32 {
    (primary << 26) | (extended << 1)
}

const fn row(
    mnemonic: &'static str,
    value: u32,
    op: Op,
    class: Class,
    rewrite: Rewrite,
    padding: u8,
    section: &'static str,
) -> Row {
    Row { mnemonic, mask: X_MASK, value, op, class, privileged: true, rewrite, padding, section }
}

/// Words `previrt` reserves after an MSR, interrupt-enable or return instruction, room for an
/// inline para-virtual sequence (the virtual MSR would have to move to the read-write page for one).
/// Today the microvisor writes one hypercall in the instruction's place (`page::replacement`) and
/// the NOPs after it stay NOPs; the padding keeps the table format ready for such sequences.
pub const SEQUENCE_PADDING: u8 = 5;

/// Every privileged or sensitive PPC405 instruction.
pub const ROWS: &[Row] = &[
    row("mfmsr", x_form(31, 83), Op::Mfmsr, Class::Msr, Rewrite::IrfmLoad, 0, "9.11 mfmsr"),
    row("mtmsr", x_form(31, 146), Op::Mtmsr, Class::Msr, Rewrite::Hypercall, SEQUENCE_PADDING, "9.11 mtmsr"),
    row("wrtee", x_form(31, 131), Op::Wrtee, Class::InterruptEnable, Rewrite::Hypercall, SEQUENCE_PADDING, "9.11 wrtee"),
    row("wrteei", x_form(31, 163), Op::Wrteei, Class::InterruptEnable, Rewrite::Hypercall, SEQUENCE_PADDING, "9.11 wrteei"),
    row("rfi", x_form(19, 50), Op::Rfi, Class::Return, Rewrite::Hypercall, SEQUENCE_PADDING, "9.11 rfi"),
    row("rfci", x_form(19, 51), Op::Rfci, Class::Return, Rewrite::Hypercall, 0, "9.11 rfci"),
    row("mfspr", x_form(31, 339), Op::Mfspr, Class::Spr, Rewrite::BySpr, 0, "9.11 mfspr; 10.2"),
    row("mtspr", x_form(31, 467), Op::Mtspr, Class::Spr, Rewrite::BySpr, 0, "9.11 mtspr; 10.2"),
    row("mfdcr", x_form(31, 323), Op::Mfdcr, Class::Dcr, Rewrite::Trap, 0, "9.11 mfdcr"),
    row("mtdcr", x_form(31, 451), Op::Mtdcr, Class::Dcr, Rewrite::Trap, 0, "9.11 mtdcr"),
    row("tlbwe", x_form(31, 978), Op::Tlbwe, Class::Tlb, Rewrite::Trap, 0, "9.11 tlbwe; 7.4"),
    row("tlbre", x_form(31, 946), Op::Tlbre, Class::Tlb, Rewrite::Trap, 0, "9.11 tlbre; 7.4"),
    row("tlbsx", x_form(31, 914), Op::Tlbsx, Class::Tlb, Rewrite::Trap, 0, "9.11 tlbsx; 7.4"),
    row("tlbia", x_form(31, 370), Op::Tlbia, Class::Tlb, Rewrite::Trap, 0, "9.11 tlbia; 7.4"),
    row("tlbsync", x_form(31, 566), Op::Tlbsync, Class::Tlb, Rewrite::Trap, 0, "9.11 tlbsync"),
    row("iccci", x_form(31, 966), Op::Iccci, Class::Cache, Rewrite::Trap, 0, "9.11 iccci; 5.2"),
    row("dccci", x_form(31, 454), Op::Dccci, Class::Cache, Rewrite::Trap, 0, "9.11 dccci; 5.3"),
    row("dcbi", x_form(31, 470), Op::Dcbi, Class::Cache, Rewrite::Trap, 0, "9.11 dcbi; 5.3"),
    row("dcread", x_form(31, 486), Op::Dcread, Class::Cache, Rewrite::Trap, 0, "9.11 dcread; 5.3.3"),
    row("icread", x_form(31, 998), Op::Icread, Class::Cache, Rewrite::Trap, 0, "9.11 icread; 5.2.3"),
    Row {
        mnemonic: "mfspr (SPRG4-7 user alias)",
        mask: X_MASK,
        value: x_form(31, 339),
        op: Op::MfsprUser,
        class: Class::SensitiveUnprivileged,
        privileged: false,
        rewrite: Rewrite::Keep,
        padding: 0,
        section: "10.2 SPRG4-SPRG7",
    },
    Row {
        mnemonic: "mftb",
        mask: X_MASK,
        value: x_form(31, 371),
        op: Op::Mftb,
        class: Class::SensitiveUnprivileged,
        privileged: false,
        rewrite: Rewrite::Keep,
        padding: 0,
        section: "9.11 mftb; 6.2 time base",
    },
];

/// Every [`Op`], in declaration order. Two stable layouts follow it: the trap counters
/// (`stats::OPS`) and the pre-virtualization table's op codes (`table::op_code`, place + 1), so
/// append, never reorder.
pub const ALL_OPS: [Op; 22] = [
    Op::Mfmsr,
    Op::Mtmsr,
    Op::Wrtee,
    Op::Wrteei,
    Op::Rfi,
    Op::Rfci,
    Op::Mfspr,
    Op::Mtspr,
    Op::Mfdcr,
    Op::Mtdcr,
    Op::Tlbwe,
    Op::Tlbre,
    Op::Tlbsx,
    Op::Tlbia,
    Op::Tlbsync,
    Op::Iccci,
    Op::Dccci,
    Op::Dcbi,
    Op::Dcread,
    Op::Icread,
    Op::MfsprUser,
    Op::Mftb,
];

/// What `op` touches: its row's class, by a `match` so that code needing only this (the
/// microvisor's table check) does not carry the rows' text (`class_of_agrees_with_the_rows`).
pub const fn class_of(op: Op) -> Class {
    match op {
        Op::Mfmsr | Op::Mtmsr => Class::Msr,
        Op::Wrtee | Op::Wrteei => Class::InterruptEnable,
        Op::Rfi | Op::Rfci => Class::Return,
        Op::Mfspr | Op::Mtspr => Class::Spr,
        Op::Mfdcr | Op::Mtdcr => Class::Dcr,
        Op::Tlbwe | Op::Tlbre | Op::Tlbsx | Op::Tlbia | Op::Tlbsync => Class::Tlb,
        Op::Iccci | Op::Dccci | Op::Dcbi | Op::Dcread | Op::Icread => Class::Cache,
        Op::MfsprUser | Op::Mftb => Class::SensitiveUnprivileged,
    }
}

/// The row for `op`.
pub fn row_of(op: Op) -> &'static Row {
    ROWS.iter().find(|row| row.op == op).expect("every Op has a row")
}

/// The privileged or sensitive instruction `word` is, if any.
///
/// `mfspr`/`mtspr` count only for privileged SPR numbers (bit 0x10) and, for `mfspr`, the user
/// aliases of SPRG4–7; `mfspr rD,LR` and the like are ordinary instructions. Every word a row
/// matches is one the 405 implements ([`crate::isa::decode`] accepts it whatever its operand bits:
/// `every_word_a_row_matches_is_a_405_instruction`), so this needs no full decoder: the microvisor,
/// which validates pre-virtualization tables with it, does not carry the ISA table.
pub fn classify(word: u32) -> Option<Op> {
    // `op_of` matches the rows' opcode bits (`op_of_agrees_with_the_rows`) without the rows' text.
    let number = spr::from_word(word);
    match op_of(word)? {
        Op::Mfspr | Op::MfsprUser if spr::is_privileged(number) => Some(Op::Mfspr),
        Op::Mfspr | Op::MfsprUser if (spr::SPRG4_USER..=spr::SPRG7_USER).contains(&number) => {
            Some(Op::MfsprUser)
        }
        Op::Mfspr | Op::MfsprUser => None,
        Op::Mtspr if spr::is_privileged(number) => Some(Op::Mtspr),
        Op::Mtspr => None,
        Op::Wrteei if word & 0x03ff_7800 != 0 => None,
        op => Some(op),
    }
}

/// The instruction `word` is by opcode alone, whatever its operands, for a word that trapped.
///
/// Unlike [`classify`], `mfspr`/`mtspr` of any SPR number are [`Op::Mfspr`]/[`Op::Mtspr`]: an
/// unprivileged number the 405 lacks still traps in user mode (QEMU raises a privileged-instruction
/// program interrupt for it), and the microvisor must answer it as the 405 would in the guest's mode.
pub fn op_of(word: u32) -> Option<Op> {
    // A `match` rather than a scan of [`ROWS`]: the microvisor decodes with this on every trap, and
    // must not carry the table's strings. `op_of_agrees_with_the_rows` keeps the two in step.
    let extended = (word >> 1) & 0x3ff;
    match word >> 26 {
        19 => match extended {
            50 => Some(Op::Rfi),
            51 => Some(Op::Rfci),
            _ => None,
        },
        31 => match extended {
            83 => Some(Op::Mfmsr),
            146 => Some(Op::Mtmsr),
            131 => Some(Op::Wrtee),
            163 => Some(Op::Wrteei),
            339 => Some(Op::Mfspr),
            467 => Some(Op::Mtspr),
            323 => Some(Op::Mfdcr),
            451 => Some(Op::Mtdcr),
            978 => Some(Op::Tlbwe),
            946 => Some(Op::Tlbre),
            914 => Some(Op::Tlbsx),
            370 => Some(Op::Tlbia),
            566 => Some(Op::Tlbsync),
            966 => Some(Op::Iccci),
            454 => Some(Op::Dccci),
            470 => Some(Op::Dcbi),
            486 => Some(Op::Dcread),
            998 => Some(Op::Icread),
            371 => Some(Op::Mftb),
            _ => None,
        },
        _ => None,
    }
}

/// Destination (`rD`) or source (`rS`) register field, bits 6–10.
pub const fn rd(word: u32) -> usize {
    ((word >> 21) & 31) as usize
}

/// `rA` field, bits 11–15.
pub const fn ra(word: u32) -> usize {
    ((word >> 16) & 31) as usize
}

/// `rB` field, bits 16–20 (also `WS` of `tlbwe`/`tlbre`).
pub const fn rb(word: u32) -> usize {
    ((word >> 11) & 31) as usize
}

/// The `E` bit of `wrteei`, bit 16.
pub const fn wrteei_enable(word: u32) -> bool {
    word & 0x8000 != 0
}

/// The record bit, bit 31 (`tlbsx.`).
pub const fn rc(word: u32) -> bool {
    word & 1 != 0
}

/// The bits of `op`'s word that the PPC405 manual reserves (chapter 9: fields shown as `///`, and
/// the record bit where there is no record form), for the instructions the load-time patcher
/// replaces. A word with any of them set is an invalid form: QEMU 7.2 raises an illegal-instruction
/// interrupt for most and reads `mtmsr`'s bit 15 as the L field of later PowerPCs, so such a word
/// keeps trapping and gets QEMU's answer (`irfm::page::replacement`). 0 for the others.
pub const fn reserved_bits(op: Op) -> u32 {
    const RA_RB: u32 = 0x001f_f800;
    const RC: u32 = 0x0000_0001;
    match op {
        Op::Mfmsr | Op::Mtmsr | Op::Wrtee => RA_RB | RC,
        Op::Wrteei => (RA_RB & !0x8000) | RC,
        Op::Mfspr | Op::Mtspr => RC,
        Op::Rfi | Op::Rfci => 0x03ff_f800 | RC,
        _ => 0,
    }
}

/// Instruction encodings the microvisor and `previrt` write into guests.
pub mod encode {
    /// The preferred no-op, `ori r0,r0,0`.
    pub const NOP: u32 = 0x6000_0000;

    /// `lwz rD,offset(rA)` (rA = 0 means an absolute `offset`).
    pub const fn lwz(rd: u32, ra: u32, offset: i16) -> u32 {
        (32 << 26) | (rd << 21) | (ra << 16) | (offset as u16 as u32)
    }

    /// `stw rS,offset(rA)` (rA = 0 means an absolute `offset`).
    pub const fn stw(rs: u32, ra: u32, offset: i16) -> u32 {
        (36 << 26) | (rs << 21) | (ra << 16) | (offset as u16 as u32)
    }

    /// `b target` from `from` (the caller checks the 26-bit reach).
    pub const fn b(from: u32, target: u32) -> u32 {
        (18 << 26) | (target.wrapping_sub(from) & 0x03ff_fffc)
    }

    /// `mfspr rD,spr`.
    pub const fn mfspr(rd: u32, spr: u16) -> u32 {
        (31 << 26) | (rd << 21) | super::spr::to_field(spr) | (339 << 1)
    }

    /// `mtspr spr,rS`.
    pub const fn mtspr(spr: u16, rs: u32) -> u32 {
        (31 << 26) | (rs << 21) | super::spr::to_field(spr) | (467 << 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_has_exactly_one_row() {
        for row in ROWS {
            assert_eq!(ROWS.iter().filter(|other| other.op == row.op).count(), 1, "{:?}", row.op);
            assert_eq!(row_of(row.op).mnemonic, row.mnemonic);
        }
    }

    #[test]
    fn op_of_agrees_with_the_rows() {
        for row in ROWS.iter().filter(|row| row.op != Op::MfsprUser) {
            assert_eq!(op_of(row.value), Some(row.op), "{}", row.mnemonic);
            assert_eq!(op_of(row.value | 0x03ff_f801), Some(row.op), "{} with every operand bit set", row.mnemonic);
        }
        assert_eq!(op_of(encode::NOP), None);
        assert_eq!(op_of(0x7c08_02a6), Some(Op::Mfspr), "mflr is an mfspr by opcode");
    }

    #[test]
    fn class_of_agrees_with_the_rows() {
        for row in ROWS {
            assert_eq!(class_of(row.op), row.class, "{}", row.mnemonic);
        }
    }

    #[test]
    fn every_word_a_row_matches_is_a_405_instruction() {
        // Every operand bit pattern of every row (the X-form operand fields and the record bit).
        for row in ROWS {
            let operands = !row.mask;
            assert_eq!(operands & !0x03ff_f801, 0, "{}: the row must fix the opcode bits", row.mnemonic);
            let mut pattern: u32 = 0;
            loop {
                let word = row.value | pattern;
                assert!(crate::isa::decode(word).is_some(), "{} {word:#010x}", row.mnemonic);
                // The next subset of the operand bits (standard subset enumeration).
                pattern = pattern.wrapping_sub(operands) & operands;
                if pattern == 0 {
                    break;
                }
            }
        }
    }

    #[test]
    fn spr_accesses_are_classified_by_number() {
        assert_eq!(classify(encode::mfspr(3, spr::SRR0)), Some(Op::Mfspr));
        assert_eq!(classify(encode::mtspr(spr::SPRG0, 3)), Some(Op::Mtspr));
        assert_eq!(classify(encode::mfspr(3, 260)), Some(Op::MfsprUser));
        assert_eq!(classify(encode::mfspr(3, spr::LR)), None);
        assert_eq!(classify(encode::mtspr(spr::CTR, 3)), None);
        // SPRG4's supervisor number: privileged write and read.
        assert_eq!(classify(encode::mtspr(276, 3)), Some(Op::Mtspr));
    }

    #[test]
    fn privileged_words_from_the_assembler_classify() {
        for (word, op) in [
            (0x7c60_00a6, Op::Mfmsr),
            (0x7c60_0124, Op::Mtmsr),
            (0x7c60_0106, Op::Wrtee),
            (0x7c00_8146, Op::Wrteei),
            (0x4c00_0064, Op::Rfi),
            (0x4c00_0066, Op::Rfci),
            (0x7c20_3286, Op::Mfdcr),
            (0x7c22_07a4, Op::Tlbwe),
            (0x7c22_0f64, Op::Tlbre),
            (0x7c22_1f25, Op::Tlbsx),
            (0x7c00_02e4, Op::Tlbia),
            (0x7c00_046c, Op::Tlbsync),
            (0x7c02_1f8c, Op::Iccci),
            (0x7c02_1b8c, Op::Dccci),
            (0x7c02_1bac, Op::Dcbi),
            (0x7c22_1bcc, Op::Dcread),
            (0x7c02_1fcc, Op::Icread),
            (0x7c6c_42e6, Op::Mftb),
        ] {
            assert_eq!(classify(word), Some(op), "{word:#010x}");
        }
        assert_eq!(classify(encode::NOP), None);
    }
}

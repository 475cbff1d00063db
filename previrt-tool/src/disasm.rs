//! Disassembly for reports: capstone 5 (32-bit big-endian PowerPC), corrected by our table.
//!
//! capstone decodes `dcread` as `icbtls` and does not decode `icread` or `icbt` at all (see
//! `irfm/tests/against_binutils_and_capstone.rs`). For privileged and sensitive instructions,
//! when capstone's mnemonic does not start with the one our table gives, we print ours with the
//! operands read from the word.

use capstone::prelude::*;
use irfm::insn::{self, Op};

/// A reusable disassembler.
pub struct Disassembler {
    capstone: Option<Capstone>,
}

impl Default for Disassembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Disassembler {
    /// A disassembler for the PPC405 (capstone's 32-bit big-endian PowerPC mode).
    pub fn new() -> Disassembler {
        let capstone = Capstone::new().ppc().mode(arch::ppc::ArchMode::Mode32).endian(capstone::Endian::Big).build().ok();
        Disassembler { capstone }
    }

    /// capstone's text for `word` at `address`, if it decodes it.
    pub fn capstone(&self, word: u32, address: u32) -> Option<String> {
        let capstone = self.capstone.as_ref()?;
        let instructions = capstone.disasm_count(&word.to_be_bytes(), address as u64, 1).ok()?;
        let instruction = instructions.iter().next()?;
        let mnemonic = instruction.mnemonic().unwrap_or("");
        let operands = instruction.op_str().unwrap_or("");
        Some(if operands.is_empty() { mnemonic.to_string() } else { format!("{mnemonic} {operands}") })
    }

    /// The text to show for `word`, classified as `op` (capstone's unless it is wrong for the 405).
    pub fn text(&self, word: u32, address: u32, op: Option<Op>) -> String {
        let from_capstone = self.capstone(word, address);
        let Some(op) = op else { return from_capstone.unwrap_or_else(|| format!(".long {word:#010x}")) };
        let ours = insn::row_of(op).mnemonic.split_whitespace().next().unwrap_or("");
        let expected = match op {
            Op::MfsprUser => "mf",
            _ => ours,
        };
        match from_capstone {
            Some(text) if text.starts_with(expected) || agrees_by_alias(op, &text) => text,
            _ => fallback(word, op),
        }
    }
}

/// capstone prints extended mnemonics (`mfsrr0`, `mtpid`, `tlbwehi`, `wrteei`…); accept them.
fn agrees_by_alias(op: Op, text: &str) -> bool {
    match op {
        Op::Mfspr | Op::MfsprUser => text.starts_with("mf"),
        Op::Mtspr => text.starts_with("mt"),
        Op::Tlbwe => text.starts_with("tlbwe"),
        Op::Tlbre => text.starts_with("tlbre"),
        Op::Mftb => text.starts_with("mftb"),
        _ => false,
    }
}

/// Our own rendering, from the table's mnemonic and the register fields.
fn fallback(word: u32, op: Op) -> String {
    let (d, a, b) = (insn::rd(word), insn::ra(word), insn::rb(word));
    match op {
        Op::Dcread => format!("dcread r{d}, r{a}, r{b}"),
        Op::Icread => format!("icread r{a}, r{b}"),
        Op::Iccci | Op::Dccci | Op::Dcbi => format!("{} r{a}, r{b}", insn::row_of(op).mnemonic),
        Op::Mfspr | Op::MfsprUser => format!("mfspr r{d}, {}", irfm::spr::from_word(word)),
        Op::Mtspr => format!("mtspr {}, r{d}", irfm::spr::from_word(word)),
        Op::Mfdcr => format!("mfdcr r{d}, {:#x}", irfm::spr::from_word(word)),
        Op::Mtdcr => format!("mtdcr {:#x}, r{d}", irfm::spr::from_word(word)),
        _ => format!("{} ({word:#010x})", insn::row_of(op).mnemonic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcread_and_icread_print_our_mnemonic_where_capstone_is_wrong() {
        let disassembler = Disassembler::new();
        assert_eq!(disassembler.text(0x7c22_1bcc, 0, Some(Op::Dcread)), "dcread r1, r2, r3");
        assert_eq!(disassembler.text(0x7c02_1fcc, 0, Some(Op::Icread)), "icread r2, r3");
        assert!(disassembler.text(0x7c60_0124, 0, Some(Op::Mtmsr)).starts_with("mtmsr"));
    }
}

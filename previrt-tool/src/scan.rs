//! `previrt scan`: every privileged or sensitive instruction of a guest, where and what it is.

use crate::code;
use crate::disasm::Disassembler;
use crate::dwarf::Lines;
use crate::elf::Elf;
use crate::Error;
use irfm::insn::{self, Class, Op};
use std::fmt::Write;

/// One instruction found.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its address.
    pub address: u32,
    /// The word.
    pub word: u32,
    /// Disassembly.
    pub text: String,
    /// What it is.
    pub op: Op,
    /// Its class.
    pub class: Class,
    /// Whether it traps in user mode.
    pub privileged: bool,
    /// Enclosing symbol (`name+offset`).
    pub symbol: Option<String>,
    /// `file:line` from DWARF.
    pub source: Option<String>,
}

/// Every item, in address order.
pub fn scan(bytes: &[u8]) -> Result<Vec<Item>, Error> {
    let elf = Elf::parse(bytes)?;
    let lines = Lines::read(&elf);
    let disassembler = Disassembler::new();
    Ok(code::find_sensitive(&elf)
        .into_iter()
        .map(|found| {
            let row = insn::row_of(found.op);
            Item {
                address: found.address,
                word: found.word,
                text: disassembler.text(found.word, found.address, Some(found.op)),
                op: found.op,
                class: row.class,
                privileged: row.privileged,
                symbol: elf.symbolize(found.address),
                source: lines.lookup(found.address).map(|p| format!("{}:{}", p.file, p.line)),
            }
        })
        .collect())
}

/// A class's name in reports.
pub fn class_name(class: Class) -> &'static str {
    match class {
        Class::Msr => "msr",
        Class::InterruptEnable => "interrupt-enable",
        Class::Return => "return",
        Class::Spr => "spr",
        Class::Dcr => "dcr",
        Class::Tlb => "tlb",
        Class::Cache => "cache",
        Class::SensitiveUnprivileged => "sensitive-unprivileged",
    }
}

/// Every class, in report order.
pub const CLASSES: [Class; 8] = [
    Class::Msr,
    Class::InterruptEnable,
    Class::Return,
    Class::Spr,
    Class::Dcr,
    Class::Tlb,
    Class::Cache,
    Class::SensitiveUnprivileged,
];

/// Count of items per class.
pub fn counts(items: &[Item]) -> Vec<(Class, usize)> {
    CLASSES.iter().map(|&class| (class, items.iter().filter(|item| item.class == class).count())).collect()
}

/// The human-readable report.
pub fn render_text(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items {
        let _ = writeln!(
            out,
            "{:#010x}  {:08x}  {:<28} {:<22} {:<10} {}{}",
            item.address,
            item.word,
            item.text,
            class_name(item.class),
            if item.privileged { "privileged" } else { "no trap" },
            item.symbol.as_deref().unwrap_or("?"),
            item.source.as_deref().map(|s| format!("  {s}")).unwrap_or_default()
        );
    }
    let summary: Vec<String> = counts(items)
        .into_iter()
        .filter(|&(_, count)| count > 0)
        .map(|(class, count)| format!("{} {count}", class_name(class)))
        .collect();
    let _ = writeln!(
        out,
        "{} instructions ({} privileged): {}",
        items.len(),
        items.iter().filter(|item| item.privileged).count(),
        if summary.is_empty() { "none".to_string() } else { summary.join(", ") }
    );
    out
}

/// A JSON string literal.
pub fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_option(value: &Option<String>) -> String {
    value.as_deref().map_or("null".to_string(), json_string)
}

/// The JSON report: `{"instructions": [...], "counts": {...}}`.
pub fn render_json(items: &[Item]) -> String {
    let mut out = String::from("{\"instructions\":[");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"address\":{},\"word\":{},\"disassembly\":{},\"mnemonic\":{},\"op\":{},\"class\":{},\"privileged\":{},\"symbol\":{},\"source\":{}}}",
            item.address,
            item.word,
            json_string(&item.text),
            json_string(insn::row_of(item.op).mnemonic),
            json_string(&format!("{:?}", item.op)),
            json_string(class_name(item.class)),
            item.privileged,
            json_option(&item.symbol),
            json_option(&item.source)
        );
    }
    out.push_str("],\"counts\":{");
    let counts: Vec<String> =
        counts(items).into_iter().map(|(class, count)| format!("{}:{count}", json_string(class_name(class)))).collect();
    out.push_str(&counts.join(","));
    out.push_str("}}\n");
    out
}

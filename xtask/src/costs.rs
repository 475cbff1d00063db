//! `docs/instruction-costs.toml`: the measured cost of each trap path, and what is derived from it.
//!
//! Written by `cargo xtask bench traps` (which needs QEMU), read by `cargo xtask docs` (which does
//! not). The file is the small TOML subset [`Costs::to_toml`] writes and [`Costs::parse`] reads:
//! `#` comments, top-level `key = value` lines, then one `[[case]]` table per case; values are
//! decimal or `0x` hexadecimal integers (instruction words are written in hexadecimal) or
//! double-quoted strings with `\"` and `\\` escapes. Nothing else is accepted, so a hand edit that
//! strays from the subset fails loudly instead of being half-read.
//!
//! Each case is measured in four runs: natively, fully virtualized, natively as `previrt patch`
//! padded it, and pre-virtualized (the padded image in `previrt` mode, its sites rewritten at load
//! time). [`Form`] is what the load-time rewrite makes of the case's instruction word, derived from
//! `irfm`, never stored.

use irfm::hypercall::Number;
use irfm::insn::Rewrite;
use std::fmt::Write as _;

/// Where the data file lives, from the workspace root.
pub const PATH: &str = "docs/instruction-costs.toml";

/// Which way a case went through the microvisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// No trap: the instruction runs as it does natively.
    Native,
    /// The assembly fast path at the program and system-call vectors (`arch::ppc405::fast_path`).
    Fast,
    /// The common save path, `trap::dispatch` and an emulation in Rust.
    Slow,
}

impl Path {
    /// Its name in the data file.
    pub fn name(self) -> &'static str {
        match self {
            Path::Native => "native",
            Path::Fast => "fast",
            Path::Slow => "slow",
        }
    }

    fn from_name(name: &str) -> Option<Path> {
        [Path::Native, Path::Fast, Path::Slow].into_iter().find(|path| path.name() == name)
    }
}

/// What a pre-virtualized guest runs in place of a case's instruction: what the microvisor's
/// load-time rewrite (`irfm::page::replacement`) writes over the padded site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// No privileged instruction: the baseline `nop`.
    Baseline,
    /// Sensitive but unprivileged: `previrt` leaves it alone and it does not trap.
    NoTrap,
    /// One `lwz` from an IRFM page.
    IrfmLoad,
    /// One `stw` to the read-write IRFM page.
    IrfmStore,
    /// One hypercall word.
    Hypercall(Number),
    /// Left in place: it still traps and is emulated.
    Trap,
}

impl Form {
    /// What `case` becomes in a pre-virtualized guest, from its instruction word.
    pub fn of(case: &Case) -> Result<Form, String> {
        let Some(word) = case.word else {
            return match case.mnemonic.as_str() {
                "nop" => Ok(Form::Baseline),
                // A system call is not a privileged instruction: it keeps its vector.
                "sc" => Ok(Form::Trap),
                other => Err(format!("case {:?}: no instruction word for {other}", case.name)),
            };
        };
        let op = irfm::insn::classify(word)
            .ok_or_else(|| format!("case {:?}: {word:#010x} is no privileged or sensitive instruction", case.name))?;
        if irfm::insn::row_of(op).rewrite == Rewrite::Keep {
            return Ok(Form::NoTrap);
        }
        let Some(replacement) = irfm::page::replacement(word) else { return Ok(Form::Trap) };
        if let Some((number, _)) = irfm::hypercall::decode(replacement) {
            return Number::from_u8(number)
                .map(Form::Hypercall)
                .ok_or_else(|| format!("case {:?}: replaced by unknown hypercall {number}", case.name));
        }
        let primary = |word: u32| word >> 26;
        match primary(replacement) {
            p if p == primary(irfm::insn::encode::lwz(0, 0, 0)) => Ok(Form::IrfmLoad),
            p if p == primary(irfm::insn::encode::stw(0, 0, 0)) => Ok(Form::IrfmStore),
            _ => Err(format!("case {:?}: replacement {replacement:#010x} is no load, store or hypercall", case.name)),
        }
    }

    /// Its name in tables.
    pub fn name(self) -> String {
        match self {
            Form::Baseline => "–".into(),
            Form::NoTrap => "kept (does not trap)".into(),
            Form::IrfmLoad => "IRFM load".into(),
            Form::IrfmStore => "IRFM store".into(),
            Form::Hypercall(number) => format!("hypercall `{number:?}`"),
            Form::Trap => "trap".into(),
        }
    }

    /// The group it is summarized in (hypercalls together).
    pub fn kind(self) -> &'static str {
        match self {
            Form::Baseline => "baseline",
            Form::NoTrap => "kept",
            Form::IrfmLoad => "IRFM load",
            Form::IrfmStore => "IRFM store",
            Form::Hypercall(_) => "hypercall",
            Form::Trap => "trap",
        }
    }
}

/// One measured case of `guests/trapcost`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The name the guest prints (`cost <name>: …`).
    pub name: String,
    /// The instruction: a row mnemonic of `irfm::insn::ROWS`, or `nop` (the baseline) or `sc`.
    pub mnemonic: String,
    /// The SPR or DCR number the instruction names, if any.
    pub number: Option<u16>,
    /// The instruction word measured, as the guest's code holds it (its register fields are the
    /// compiler's); `None` for the baseline `nop` and `sc`.
    pub word: Option<u32>,
    /// The path the case takes (checked against the measurement when it was made).
    pub path: Path,
    /// Time-base ticks per [`Costs::executions`] natively; `None` when [`Case::native_from`] gives them.
    pub native_ticks: Option<u64>,
    /// The case whose native ticks stand in for this one's (it could not run natively).
    pub native_from: Option<String>,
    /// Time-base ticks per [`Costs::executions`] on the microvisor.
    pub virtualized_ticks: u64,
    /// Time-base ticks per [`Costs::executions`] natively, of the image `previrt patch` padded;
    /// `None` when [`Case::native_from`] stands in (the bench checks the case has no padding).
    pub padded_native_ticks: Option<u64>,
    /// Time-base ticks per [`Costs::executions`] pre-virtualized: the padded image in `previrt`
    /// mode on the para-virtualization microvisor.
    pub para_ticks: u64,
    /// A case measured together with this one, whose extra cost is subtracted (`rfi` needs `mtspr srr0`).
    pub minus: Option<String>,
    /// Anything a reader must know about the figure.
    pub note: Option<String>,
    /// Anything a reader must know about the pre-virtualized figures.
    pub para_note: Option<String>,
}

/// The whole data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Costs {
    /// `qemu-system-ppc --version`, first line.
    pub qemu: String,
    /// The microvisor image measured and its features.
    pub microvisor: String,
    /// A fingerprint of the microvisor's code (`.text` and the vectors): the figures hold for it.
    pub microvisor_code: String,
    /// The microvisor image the pre-virtualized runs used, and its features.
    pub para_microvisor: String,
    /// Its fingerprint.
    pub para_microvisor_code: String,
    /// Executions per case (the ticks are per this many).
    pub executions: u64,
    /// Instructions per time-base tick under `-icount` shift 0.
    pub instructions_per_tick: u64,
    /// The cases, in the order the guest runs them.
    pub cases: Vec<Case>,
}

/// The deepest chain of [`Case::minus`] or [`Case::native_from`] references followed.
const MAX_CHAIN: usize = 4;

impl Costs {
    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&Case> {
        self.cases.iter().find(|case| case.name == name)
    }

    /// Native ticks of `case` (its own, or those of the case it borrows them from).
    pub fn native_ticks(&self, case: &Case) -> Result<u64, String> {
        let mut current = case;
        for _ in 0..MAX_CHAIN {
            if let Some(ticks) = current.native_ticks {
                return Ok(ticks);
            }
            let from =
                current.native_from.as_deref().ok_or_else(|| format!("case {:?}: no native ticks", current.name))?;
            current = self
                .case(from)
                .ok_or_else(|| format!("case {:?}: native_from names no case {from:?}", current.name))?;
        }
        Err(format!("case {:?}: native_from chain too long", case.name))
    }

    /// Extra ticks per [`Costs::executions`] of `case` on the microvisor: virtualized − native,
    /// less the extra ticks of the case it was measured with ([`Case::minus`]).
    pub fn extra_ticks(&self, case: &Case) -> Result<i64, String> {
        self.extra_ticks_within(case, MAX_CHAIN)
    }

    fn extra_ticks_within(&self, case: &Case, depth: usize) -> Result<i64, String> {
        if depth == 0 {
            return Err(format!("case {:?}: minus chain too long", case.name));
        }
        let own = case.virtualized_ticks as i64 - self.native_ticks(case)? as i64;
        match &case.minus {
            None => Ok(own),
            Some(other) => {
                let other =
                    self.case(other).ok_or_else(|| format!("case {:?}: minus names no case {other:?}", case.name))?;
                Ok(own - self.extra_ticks_within(other, depth - 1)?)
            }
        }
    }

    /// Extra instructions per execution of `case` fully virtualized, rounded to the nearest.
    pub fn extra_instructions(&self, case: &Case) -> Result<i64, String> {
        Ok(self.instructions(self.extra_ticks(case)?))
    }

    /// Instructions per execution natively, the loop and any helper instruction included.
    pub fn native_instructions(&self, case: &Case) -> Result<f64, String> {
        Ok((self.native_ticks(case)? * self.instructions_per_tick) as f64 / self.executions as f64)
    }

    /// Native ticks of the padded image: its own, or for a case that cannot run natively, the
    /// stand-in of [`Costs::native_ticks`] (such a case has no padding).
    pub fn padded_native_ticks(&self, case: &Case) -> Result<u64, String> {
        match case.padded_native_ticks {
            Some(ticks) => Ok(ticks),
            None => self.native_ticks(case),
        }
    }

    /// What the padding costs natively: padded − native ticks, for the case's whole body.
    ///
    /// No helper is subtracted: every helper's instruction has no padding, but a helper need not run
    /// the same way in both cases (the `sc` case's vector reaches its `rfi` through a trampoline,
    /// and the NOPs after that `rfi` never run).
    pub fn padding_ticks(&self, case: &Case) -> Result<i64, String> {
        Ok(self.padded_native_ticks(case)? as i64 - self.native_ticks(case)? as i64)
    }

    /// Extra ticks pre-virtualized over the padded image run natively, less the same figure of the
    /// case it was measured with ([`Case::minus`]): the para-virtual form alone.
    pub fn para_over_padded_ticks(&self, case: &Case) -> Result<i64, String> {
        self.para_over_padded_within(case, MAX_CHAIN)
    }

    fn para_over_padded_within(&self, case: &Case, depth: usize) -> Result<i64, String> {
        if depth == 0 {
            return Err(format!("case {:?}: minus chain too long", case.name));
        }
        let own = case.para_ticks as i64 - self.padded_native_ticks(case)? as i64;
        match &case.minus {
            None => Ok(own),
            Some(other) => {
                let other =
                    self.case(other).ok_or_else(|| format!("case {:?}: minus names no case {other:?}", case.name))?;
                Ok(own - self.para_over_padded_within(other, depth - 1)?)
            }
        }
    }

    /// Extra ticks pre-virtualized over the unmodified image run natively: the para-virtual form
    /// ([`Costs::para_over_padded_ticks`]) plus the padding ([`Costs::padding_ticks`]).
    pub fn para_extra_ticks(&self, case: &Case) -> Result<i64, String> {
        Ok(self.para_over_padded_ticks(case)? + self.padding_ticks(case)?)
    }

    /// Extra instructions per execution pre-virtualized, padding included, rounded to the nearest.
    pub fn para_extra_instructions(&self, case: &Case) -> Result<i64, String> {
        Ok(self.instructions(self.para_extra_ticks(case)?))
    }

    /// Instructions per execution the padding adds natively, rounded to the nearest.
    pub fn padding_instructions(&self, case: &Case) -> Result<i64, String> {
        Ok(self.instructions(self.padding_ticks(case)?))
    }

    /// Instructions per execution for `ticks` per [`Costs::executions`], rounded to the nearest.
    pub fn instructions(&self, ticks: i64) -> i64 {
        ((ticks * self.instructions_per_tick as i64) as f64 / self.executions as f64).round() as i64
    }

    /// Checks every reference and every figure can be computed.
    pub fn validate(&self) -> Result<(), String> {
        if self.executions == 0 || self.instructions_per_tick == 0 {
            return Err("executions and instructions_per_tick must be positive".into());
        }
        for case in &self.cases {
            self.extra_ticks(case)?;
            self.para_extra_ticks(case)?;
            Form::of(case)?;
            if self.cases.iter().filter(|other| other.name == case.name).count() > 1 {
                return Err(format!("case {:?} appears twice", case.name));
            }
        }
        Ok(())
    }

    /// The file's text. `header` is written as comment lines at the top.
    pub fn to_toml(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(if line.is_empty() { "#" } else { "# " });
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        let _ = writeln!(out, "qemu = {}", quote(&self.qemu));
        let _ = writeln!(out, "microvisor = {}", quote(&self.microvisor));
        let _ = writeln!(out, "microvisor_code = {}", quote(&self.microvisor_code));
        let _ = writeln!(out, "para_microvisor = {}", quote(&self.para_microvisor));
        let _ = writeln!(out, "para_microvisor_code = {}", quote(&self.para_microvisor_code));
        let _ = writeln!(out, "executions = {}", self.executions);
        let _ = writeln!(out, "instructions_per_tick = {}", self.instructions_per_tick);
        for case in &self.cases {
            out.push_str("\n[[case]]\n");
            let _ = writeln!(out, "name = {}", quote(&case.name));
            let _ = writeln!(out, "mnemonic = {}", quote(&case.mnemonic));
            if let Some(number) = case.number {
                let _ = writeln!(out, "number = {number}");
            }
            if let Some(word) = case.word {
                let _ = writeln!(out, "word = {word:#010x}");
            }
            let _ = writeln!(out, "path = {}", quote(case.path.name()));
            if let Some(ticks) = case.native_ticks {
                let _ = writeln!(out, "native_ticks = {ticks}");
            }
            if let Some(from) = &case.native_from {
                let _ = writeln!(out, "native_from = {}", quote(from));
            }
            let _ = writeln!(out, "virtualized_ticks = {}", case.virtualized_ticks);
            if let Some(ticks) = case.padded_native_ticks {
                let _ = writeln!(out, "padded_native_ticks = {ticks}");
            }
            let _ = writeln!(out, "para_ticks = {}", case.para_ticks);
            if let Some(minus) = &case.minus {
                let _ = writeln!(out, "minus = {}", quote(minus));
            }
            if let Some(note) = &case.note {
                let _ = writeln!(out, "note = {}", quote(note));
            }
            if let Some(note) = &case.para_note {
                let _ = writeln!(out, "para_note = {}", quote(note));
            }
        }
        out
    }

    /// Reads the file's text; errors name the line.
    pub fn parse(text: &str) -> Result<Costs, String> {
        let mut top = Table::default();
        let mut cases: Vec<Table> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[[case]]" {
                cases.push(Table::default());
                continue;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| format!("line {number}: expected `key = value`"))?;
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("line {number}: bad key {key:?}"));
            }
            let value = Value::parse(value.trim()).map_err(|e| format!("line {number}: {e}"))?;
            let table = cases.last_mut().unwrap_or(&mut top);
            if table.0.iter().any(|(existing, _)| existing == key) {
                return Err(format!("line {number}: {key} given twice"));
            }
            table.0.push((key.to_string(), value));
        }
        let costs = Costs {
            qemu: top.string("qemu")?,
            microvisor: top.string("microvisor")?,
            microvisor_code: top.string("microvisor_code")?,
            para_microvisor: top.string("para_microvisor")?,
            para_microvisor_code: top.string("para_microvisor_code")?,
            executions: top.integer("executions")?,
            instructions_per_tick: top.integer("instructions_per_tick")?,
            cases: cases.iter().map(Case::from_table).collect::<Result<_, _>>()?,
        };
        top.no_others(&[
            "qemu",
            "microvisor",
            "microvisor_code",
            "para_microvisor",
            "para_microvisor_code",
            "executions",
            "instructions_per_tick",
        ])?;
        costs.validate()?;
        Ok(costs)
    }
}

impl Case {
    fn from_table(table: &Table) -> Result<Case, String> {
        let path = table.string("path")?;
        let number = table.optional_integer("number")?;
        let case = Case {
            name: table.string("name")?,
            mnemonic: table.string("mnemonic")?,
            number: number
                .map(|n| u16::try_from(n).map_err(|_| format!("number {n} is not an SPR or DCR number")))
                .transpose()?,
            word: table
                .optional_integer("word")?
                .map(|word| u32::try_from(word).map_err(|_| format!("word {word:#x} is not a 32-bit instruction")))
                .transpose()?,
            path: Path::from_name(&path).ok_or_else(|| format!("path {path:?}: expected native, fast or slow"))?,
            native_ticks: table.optional_integer("native_ticks")?,
            native_from: table.optional_string("native_from")?,
            virtualized_ticks: table.integer("virtualized_ticks")?,
            padded_native_ticks: table.optional_integer("padded_native_ticks")?,
            para_ticks: table.integer("para_ticks")?,
            minus: table.optional_string("minus")?,
            note: table.optional_string("note")?,
            para_note: table.optional_string("para_note")?,
        };
        table.no_others(&[
            "name",
            "mnemonic",
            "number",
            "word",
            "path",
            "native_ticks",
            "native_from",
            "virtualized_ticks",
            "padded_native_ticks",
            "para_ticks",
            "minus",
            "note",
            "para_note",
        ])?;
        Ok(case)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Integer(u64),
    String(String),
}

impl Value {
    fn parse(text: &str) -> Result<Value, String> {
        if let Some(body) = text.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        return match chars.as_str().trim() {
                            "" => Ok(Value::String(out)),
                            rest if rest.starts_with('#') => Ok(Value::String(out)),
                            rest => Err(format!("unexpected {rest:?} after a string")),
                        };
                    }
                    '\\' => match chars.next() {
                        Some('"') => out.push('"'),
                        Some('\\') => out.push('\\'),
                        other => {
                            return Err(format!("unsupported escape \\{}", other.map_or(String::new(), String::from)))
                        }
                    },
                    c => out.push(c),
                }
            }
            Err("unterminated string".into())
        } else {
            let digits = text.split('#').next().unwrap_or("").trim();
            let parsed = match digits.strip_prefix("0x") {
                // Hexadecimal: at least one digit, no sign, no `_` (`from_str_radix` takes a `+`).
                Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                    u64::from_str_radix(hex, 16).ok()
                }
                Some(_) => None,
                None if digits.chars().all(|c| c.is_ascii_digit()) => digits.parse().ok(),
                None => None,
            };
            parsed.map(Value::Integer).ok_or_else(|| format!("expected an integer or a string, found {text:?}"))
        }
    }
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[derive(Default)]
struct Table(Vec<(String, Value)>);

impl Table {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(name, _)| name == key).map(|(_, value)| value)
    }

    fn optional_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Integer(_)) => Err(format!("{key}: expected a string")),
        }
    }

    fn optional_integer(&self, key: &str) -> Result<Option<u64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(value)) => Ok(Some(*value)),
            Some(Value::String(_)) => Err(format!("{key}: expected an integer")),
        }
    }

    fn string(&self, key: &str) -> Result<String, String> {
        self.optional_string(key)?.ok_or_else(|| format!("{key}: missing"))
    }

    fn integer(&self, key: &str) -> Result<u64, String> {
        self.optional_integer(key)?.ok_or_else(|| format!("{key}: missing"))
    }

    fn no_others(&self, known: &[&str]) -> Result<(), String> {
        match self.0.iter().find(|(key, _)| !known.contains(&key.as_str())) {
            Some((key, _)) => Err(format!("unknown key {key}")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use irfm::insn::encode;

    /// `rfi` and `rfci` as the guest encodes them (no operands).
    const RFI: u32 = 0x4c00_0064;
    const RFCI: u32 = 0x4c00_0066;

    fn case(name: &str, native: Option<u64>, virtualized: u64) -> Case {
        Case {
            name: name.into(),
            mnemonic: "mtspr".into(),
            number: Some(26),
            word: Some(encode::mtspr(26, 9)),
            path: Path::Fast,
            native_ticks: native,
            native_from: None,
            virtualized_ticks: virtualized,
            padded_native_ticks: native,
            para_ticks: native.unwrap_or(0),
            minus: None,
            note: None,
            para_note: None,
        }
    }

    pub(crate) fn sample() -> Costs {
        let mut rfi = case("rfi (after mtspr srr0)", Some(1671), 39005);
        rfi.minus = Some("mtspr srr0".into());
        rfi.mnemonic = "rfi".into();
        rfi.number = None;
        rfi.word = Some(RFI);
        // Five NOPs after the rfi (5000 instructions: 1667 ticks), then a 20-instruction hypercall.
        rfi.padded_native_ticks = Some(1671 + 1667);
        rfi.para_ticks = 1671 + 1667 + 6667;
        let mut rfci = case("rfci (after mtspr srr2)", None, 99671);
        rfci.native_from = Some(rfi.name.clone());
        rfci.note = Some("QEMU \"aborts\" \\ natively".into());
        rfci.mnemonic = "rfci".into();
        rfci.number = None;
        rfci.word = Some(RFCI);
        rfci.padded_native_ticks = None;
        rfci.para_ticks = 1671 + 100_000;
        rfci.para_note = Some("stand-in: no padding".into());
        Costs {
            qemu: "QEMU emulator version 7.2.0".into(),
            microvisor: "target/images/microvisor.elf".into(),
            microvisor_code: "fnv1a 0x12345678, 9952 bytes".into(),
            para_microvisor: "target/images/microvisor-para.elf".into(),
            para_microvisor_code: "fnv1a 0x9abcdef0, 20000 bytes".into(),
            executions: 1000,
            instructions_per_tick: 3,
            cases: vec![case("mtspr srr0", Some(338), 19671), rfi, rfci],
        }
    }

    #[test]
    fn the_file_round_trips() {
        let costs = sample();
        let text = costs.to_toml("Written by a test.\n\nSecond paragraph.");
        assert!(text.starts_with("# Written by a test.\n#\n# Second paragraph.\n"));
        assert!(text.contains("\nword = 0x4c000064\n"), "words are written in hexadecimal:\n{text}");
        assert_eq!(Costs::parse(&text), Ok(costs));
    }

    #[test]
    fn integers_are_decimal_or_hexadecimal_and_nothing_else() {
        assert_eq!(Value::parse("338"), Ok(Value::Integer(338)));
        assert_eq!(Value::parse("0x7c7a03a6 # mtspr srr0,r3"), Ok(Value::Integer(0x7c7a_03a6)));
        assert_eq!(Value::parse("0xFFFFFFFF"), Ok(Value::Integer(0xffff_ffff)));
        for bad in ["0x", "0x+1", "0xg1", "0x_1", "+5", "-5", "0b101", "1_000", "0X10"] {
            assert!(Value::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn a_word_wider_than_32_bits_is_refused() {
        let text = sample().to_toml("").replacen("word = 0x", "word = 0x1", 1);
        let error = Costs::parse(&text).unwrap_err();
        assert!(error.contains("not a 32-bit instruction"), "{error}");
    }

    #[test]
    fn extra_costs_subtract_the_helper_case_and_borrow_native_figures() {
        let costs = sample();
        let mtspr = costs.case("mtspr srr0").unwrap();
        let rfi = costs.case("rfi (after mtspr srr0)").unwrap();
        let rfci = costs.case("rfci (after mtspr srr2)").unwrap();
        assert_eq!(costs.extra_instructions(mtspr), Ok(58)); // 19333 ticks × 3 / 1000
        assert_eq!(costs.extra_ticks(rfi), Ok(39005 - 1671 - (19671 - 338)));
        assert_eq!(costs.native_ticks(rfci), Ok(1671));
        assert_eq!(costs.native_instructions(mtspr), Ok(1.014));
    }

    #[test]
    fn pre_virtualized_costs_are_the_form_over_the_padded_image_plus_the_padding() {
        let costs = sample();
        let mtspr = costs.case("mtspr srr0").unwrap();
        let rfi = costs.case("rfi (after mtspr srr0)").unwrap();
        let rfci = costs.case("rfci (after mtspr srr2)").unwrap();
        assert_eq!(costs.para_extra_instructions(mtspr), Ok(0), "an IRFM store costs what mtspr does natively");
        assert_eq!(costs.padding_instructions(rfi), Ok(5));
        assert_eq!(costs.para_over_padded_ticks(rfi), Ok(6667));
        assert_eq!(costs.para_extra_instructions(rfi), Ok(25), "20 for the hypercall, 5 NOPs");
        // No padded run of its own: the native stand-in serves, so the padding is 0.
        assert_eq!(costs.padded_native_ticks(rfci), Ok(1671));
        assert_eq!(costs.padding_instructions(rfci), Ok(0));
        // The helper (mtspr srr2, here mtspr srr0's figures) is subtracted pre-virtualized too.
        assert_eq!(costs.para_extra_ticks(rfci), Ok(100_000));
    }

    #[test]
    fn a_helper_whose_padding_runs_elsewhere_is_not_subtracted_from_the_padding() {
        // `sc`: its vector's rfi is reached through a one-branch trampoline whose NOPs never run,
        // while the rfi case runs its five NOPs. The padding is the body's own (+1); the form is
        // measured over the padded image, where both the branch and the NOPs cancel.
        let mut costs = sample();
        let mut sc = case("sc (and the vector's rfi)", Some(671), 131_338);
        sc.mnemonic = "sc".into();
        sc.number = None;
        sc.word = None;
        sc.minus = Some("rfi (after mtspr srr0)".into());
        sc.padded_native_ticks = Some(671 + 333);
        sc.para_ticks = 671 + 333 + 110_000 + 6667;
        costs.cases.push(sc);
        let sc = costs.case("sc (and the vector's rfi)").unwrap();
        assert_eq!(costs.padding_instructions(sc), Ok(1));
        assert_eq!(costs.para_over_padded_ticks(sc), Ok(110_000));
        assert_eq!(costs.para_extra_instructions(sc), Ok(331));
    }

    fn form(mnemonic: &str, word: Option<u32>) -> Result<Form, String> {
        Form::of(&Case { mnemonic: mnemonic.into(), word, ..case("any", Some(338), 338) })
    }

    #[test]
    fn the_pre_virtualized_form_is_what_the_load_time_rewrite_writes() {
        use irfm::spr;
        assert_eq!(form("mfspr", Some(encode::mfspr(3, spr::SRR0))), Ok(Form::IrfmLoad));
        assert_eq!(form("mfspr", Some(encode::mfspr(3, spr::PVR))), Ok(Form::IrfmLoad), "read-only page");
        assert_eq!(form("mtspr", Some(encode::mtspr(273, 3))), Ok(Form::IrfmStore));
        assert_eq!(form("mtspr", Some(encode::mtspr(spr::PID, 3))), Ok(Form::Trap), "PID is in the read-only page");
        assert_eq!(form("mfspr", Some(encode::mfspr(3, spr::TSR))), Ok(Form::Trap));
        assert_eq!(form("mfmsr", Some(0x7c60_00a6)), Ok(Form::IrfmLoad));
        assert_eq!(form("mtmsr", Some(0x7c60_0124)), Ok(Form::Hypercall(Number::Mtmsr)));
        assert_eq!(form("wrteei", Some(0x7c00_8146)), Ok(Form::Hypercall(Number::EnableInterrupts)));
        assert_eq!(form("wrteei", Some(0x7c00_0146)), Ok(Form::Hypercall(Number::DisableInterrupts)));
        assert_eq!(form("rfi", Some(RFI)), Ok(Form::Hypercall(Number::Rfi)));
        assert_eq!(form("rfci", Some(RFCI)), Ok(Form::Hypercall(Number::Rfci)));
        assert_eq!(form("mftb", Some(0x7c6c_42e6)), Ok(Form::NoTrap));
        assert_eq!(form("nop", None), Ok(Form::Baseline));
        assert_eq!(form("sc", None), Ok(Form::Trap));
        assert!(form("mtspr", Some(encode::NOP)).is_err(), "a word that is no privileged instruction");
        assert!(form("mtspr", None).is_err(), "an instruction case without its word");
    }

    #[test]
    fn anything_outside_the_subset_is_refused_with_its_line() {
        let good = sample().to_toml("");
        for (bad, expected) in [
            (good.replace("executions = 1000", "executions = 1e3"), "expected an integer"),
            (good.replace("[[case]]", "[case]"), "expected `key = value`"),
            (good.replacen("path = \"fast\"", "path = \"quick\"", 1), "expected native, fast or slow"),
            (good.replacen("minus = ", "minsu = ", 1), "unknown key minsu"),
            (good.replacen("minus = \"mtspr srr0\"", "minus = \"nothing\"", 1), "names no case"),
            (good.replacen("para_ticks = ", "para_ticks = \"", 1), "unterminated string"),
            (good.replacen("para_microvisor_code = ", "# ", 1), "para_microvisor_code: missing"),
        ] {
            let error = Costs::parse(&bad).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }
}

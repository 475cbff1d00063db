//! `docs/instruction-costs.toml`: the measured cost of each trap path, and what is derived from it.
//!
//! Written by `cargo xtask bench traps` (which needs QEMU), read by `cargo xtask docs` (which does
//! not). The file is the small TOML subset [`Costs::to_toml`] writes and [`Costs::parse`] reads:
//! `#` comments, top-level `key = value` lines, then one `[[case]]` table per case; values are
//! integers or double-quoted strings with `\"` and `\\` escapes. Nothing else is accepted, so a
//! hand edit that strays from the subset fails loudly instead of being half-read.

use std::fmt::Write as _;

/// Where the data file lives, from the workspace root.
pub const PATH: &str = "docs/instruction-costs.toml";

/// Which way a case went through the microvisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// No trap: the instruction runs as it does natively.
    Native,
    /// The assembly fast path at the program vector (`arch::ppc405::fast_path`).
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

/// One measured case of `guests/trapcost`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The name the guest prints (`cost <name>: …`).
    pub name: String,
    /// The instruction: a row mnemonic of `irfm::insn::ROWS`, or `nop` (the baseline) or `sc`.
    pub mnemonic: String,
    /// The SPR or DCR number the instruction names, if any.
    pub number: Option<u16>,
    /// The path the case takes (checked against the measurement when it was made).
    pub path: Path,
    /// Time-base ticks per [`Costs::executions`] natively; `None` when [`Case::native_from`] gives them.
    pub native_ticks: Option<u64>,
    /// The case whose native ticks stand in for this one's (it could not run natively).
    pub native_from: Option<String>,
    /// Time-base ticks per [`Costs::executions`] on the microvisor.
    pub virtualized_ticks: u64,
    /// A case measured together with this one, whose extra cost is subtracted (`rfi` needs `mtspr srr0`).
    pub minus: Option<String>,
    /// Anything a reader must know about the figure.
    pub note: Option<String>,
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

    /// Extra instructions per execution of `case`, rounded to the nearest.
    pub fn extra_instructions(&self, case: &Case) -> Result<i64, String> {
        let ticks = self.extra_ticks(case)?;
        Ok(((ticks * self.instructions_per_tick as i64) as f64 / self.executions as f64).round() as i64)
    }

    /// Checks every reference and every figure can be computed.
    pub fn validate(&self) -> Result<(), String> {
        if self.executions == 0 || self.instructions_per_tick == 0 {
            return Err("executions and instructions_per_tick must be positive".into());
        }
        for case in &self.cases {
            self.extra_ticks(case)?;
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
        let _ = writeln!(out, "executions = {}", self.executions);
        let _ = writeln!(out, "instructions_per_tick = {}", self.instructions_per_tick);
        for case in &self.cases {
            out.push_str("\n[[case]]\n");
            let _ = writeln!(out, "name = {}", quote(&case.name));
            let _ = writeln!(out, "mnemonic = {}", quote(&case.mnemonic));
            if let Some(number) = case.number {
                let _ = writeln!(out, "number = {number}");
            }
            let _ = writeln!(out, "path = {}", quote(case.path.name()));
            if let Some(ticks) = case.native_ticks {
                let _ = writeln!(out, "native_ticks = {ticks}");
            }
            if let Some(from) = &case.native_from {
                let _ = writeln!(out, "native_from = {}", quote(from));
            }
            let _ = writeln!(out, "virtualized_ticks = {}", case.virtualized_ticks);
            if let Some(minus) = &case.minus {
                let _ = writeln!(out, "minus = {}", quote(minus));
            }
            if let Some(note) = &case.note {
                let _ = writeln!(out, "note = {}", quote(note));
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
            executions: top.integer("executions")?,
            instructions_per_tick: top.integer("instructions_per_tick")?,
            cases: cases.iter().map(Case::from_table).collect::<Result<_, _>>()?,
        };
        top.no_others(&["qemu", "microvisor", "microvisor_code", "executions", "instructions_per_tick"])?;
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
            path: Path::from_name(&path).ok_or_else(|| format!("path {path:?}: expected native, fast or slow"))?,
            native_ticks: table.optional_integer("native_ticks")?,
            native_from: table.optional_string("native_from")?,
            virtualized_ticks: table.integer("virtualized_ticks")?,
            minus: table.optional_string("minus")?,
            note: table.optional_string("note")?,
        };
        table.no_others(&[
            "name",
            "mnemonic",
            "number",
            "path",
            "native_ticks",
            "native_from",
            "virtualized_ticks",
            "minus",
            "note",
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
            digits.parse().map(Value::Integer).map_err(|_| format!("expected an integer or a string, found {text:?}"))
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

    fn case(name: &str, native: Option<u64>, virtualized: u64) -> Case {
        Case {
            name: name.into(),
            mnemonic: "mtspr".into(),
            number: Some(26),
            path: Path::Fast,
            native_ticks: native,
            native_from: None,
            virtualized_ticks: virtualized,
            minus: None,
            note: None,
        }
    }

    pub(crate) fn sample() -> Costs {
        let mut rfi = case("rfi (after mtspr srr0)", Some(1671), 39005);
        rfi.minus = Some("mtspr srr0".into());
        rfi.mnemonic = "rfi".into();
        rfi.number = None;
        let mut rfci = case("rfci (after mtspr srr2)", None, 99671);
        rfci.native_from = Some(rfi.name.clone());
        rfci.note = Some("QEMU \"aborts\" \\ natively".into());
        Costs {
            qemu: "QEMU emulator version 7.2.0".into(),
            microvisor: "target/images/microvisor.elf".into(),
            microvisor_code: "fnv1a 0x12345678, 9952 bytes".into(),
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
        assert_eq!(Costs::parse(&text), Ok(costs));
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
        ] {
            let error = Costs::parse(&bad).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }
}

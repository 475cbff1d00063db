//! `cargo xtask bench traps`: the cost of each privileged instruction's trap path, measured.
//!
//! `guests/trapcost` runs each case 1000 times between two time-base reads and prints
//! `cost <case>: <ticks> ticks per 1000`. It runs natively and as the only partition on
//! `target/images/microvisor.elf` (basis features), under `-icount` shift 0, twice each: both runs
//! must agree to the tick. Extra instructions per execution = (virtualized − native) × 3 / 1000
//! (one tick is three instructions, see [`super::table1`]). [`CASES`] says what each case is; the
//! path each takes is predicted from the microvisor's code (`docs::case_path`) and checked against
//! the measurement, so a fast path that changed without its description stops the bench.
//!
//! Written: `docs/instruction-costs.toml` (the figures), `docs/instructions.md` (regenerated from
//! them, `cargo xtask docs`), `docs/plots/traps.svg`, and the worst case in `docs/results.md`.

use super::record;
use crate::costs::{self, Costs, Path as CasePath};
use crate::plot::{self, Chart, Layout, Series};
use crate::{docs, ppc, root, setup, Failure};
use irfm::insn::Op;
use irfm::spr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Executions per case in the guest.
const EXECUTIONS: u64 = 1000;
/// Instructions per time-base tick under `-icount` shift 0.
const INSTRUCTIONS_PER_TICK: u64 = 3;
/// Below this many extra instructions a trap took the fast path; at or above, the slow path.
const FAST_PATH_LIMIT: i64 = 150;
/// The guest's switch for the one case QEMU cannot run natively under `-icount`.
const RFCI_SWITCH: &str = "trapcost_rfci";

/// What a case measures.
#[derive(Clone, Copy, Debug)]
enum Subject {
    /// `nop`: the loop's own cost, the same everywhere.
    Baseline,
    /// A privileged or sensitive instruction.
    Instruction(Op),
    /// `sc`, reflected to the guest's system-call vector.
    SystemCall,
}

/// One case of `guests/trapcost`, by the name it prints.
struct Case {
    name: &'static str,
    subject: Subject,
    /// The SPR or DCR number the instruction names.
    number: Option<u16>,
    /// The case measured with this one, subtracted.
    minus: Option<&'static str>,
    /// The case whose native figure stands in (this one cannot run natively).
    native_from: Option<&'static str>,
    /// QEMU 7.2 does not trap it in user mode, though the manual says it should.
    untrapped_on_qemu: bool,
    note: Option<&'static str>,
}

const fn case(name: &'static str, subject: Subject, number: Option<u16>) -> Case {
    Case { name, subject, number, minus: None, native_from: None, untrapped_on_qemu: false, note: None }
}

const SRR2_NOTE: &str = "QEMU 7.2 lets user mode use SRR2 without a trap (the manual makes it privileged): the \
                         guest reaches the real SRR2, which holds its own value while it runs";
const RFI_CASE: &str = "rfi (after mtspr srr0)";

/// Every case, in the guest's order.
const CASES: &[Case] = &[
    case("nop (baseline)", Subject::Baseline, None),
    case("mfmsr", Subject::Instruction(Op::Mfmsr), None),
    case("mtmsr", Subject::Instruction(Op::Mtmsr), None),
    case("wrteei 0", Subject::Instruction(Op::Wrteei), None),
    case("wrteei 1", Subject::Instruction(Op::Wrteei), None),
    case("wrtee", Subject::Instruction(Op::Wrtee), None),
    case("mfspr srr0", Subject::Instruction(Op::Mfspr), Some(spr::SRR0)),
    case("mtspr srr0", Subject::Instruction(Op::Mtspr), Some(spr::SRR0)),
    Case {
        untrapped_on_qemu: true,
        note: Some(SRR2_NOTE),
        ..case("mfspr srr2", Subject::Instruction(Op::Mfspr), Some(spr::SRR2))
    },
    Case {
        untrapped_on_qemu: true,
        note: Some(SRR2_NOTE),
        ..case("mtspr srr2", Subject::Instruction(Op::Mtspr), Some(spr::SRR2))
    },
    case("mfspr sprg0", Subject::Instruction(Op::Mfspr), Some(spr::SPRG0)),
    case("mtspr sprg1", Subject::Instruction(Op::Mtspr), Some(spr::SPRG0 + 1)),
    case("mfspr sprg4 (user alias, no trap)", Subject::Instruction(Op::MfsprUser), Some(spr::SPRG4_USER)),
    case("mtspr sprg4", Subject::Instruction(Op::Mtspr), Some(spr::SPRG0 + 4)),
    case("mfspr esr", Subject::Instruction(Op::Mfspr), Some(spr::ESR)),
    case("mtspr zpr", Subject::Instruction(Op::Mtspr), Some(spr::ZPR)),
    case("mtspr dbsr", Subject::Instruction(Op::Mtspr), Some(spr::DBSR)),
    case("mfspr pid", Subject::Instruction(Op::Mfspr), Some(spr::PID)),
    case("mtspr pid", Subject::Instruction(Op::Mtspr), Some(spr::PID)),
    case("mfspr evpr", Subject::Instruction(Op::Mfspr), Some(spr::EVPR)),
    case("mtspr evpr", Subject::Instruction(Op::Mtspr), Some(spr::EVPR)),
    case("mfspr pvr", Subject::Instruction(Op::Mfspr), Some(spr::PVR)),
    case("mfspr unknown (1023)", Subject::Instruction(Op::Mfspr), Some(1023)),
    case("mftb (no trap)", Subject::Instruction(Op::Mftb), Some(spr::TBL_READ)),
    case("mfspr tcr", Subject::Instruction(Op::Mfspr), Some(spr::TCR)),
    case("mtspr tcr", Subject::Instruction(Op::Mtspr), Some(spr::TCR)),
    case("mfspr tsr", Subject::Instruction(Op::Mfspr), Some(spr::TSR)),
    case("mtspr tsr", Subject::Instruction(Op::Mtspr), Some(spr::TSR)),
    case("mtspr pit", Subject::Instruction(Op::Mtspr), Some(spr::PIT)),
    case("mfspr pit", Subject::Instruction(Op::Mfspr), Some(spr::PIT)),
    case("mfdcr uic er", Subject::Instruction(Op::Mfdcr), Some(0x0c2)),
    case("mtdcr uic er", Subject::Instruction(Op::Mtdcr), Some(0x0c2)),
    case("mfdcr cpc0 pllmr0", Subject::Instruction(Op::Mfdcr), Some(0x0f0)),
    case("iccci", Subject::Instruction(Op::Iccci), None),
    case("dccci", Subject::Instruction(Op::Dccci), None),
    case("dcbi", Subject::Instruction(Op::Dcbi), None),
    case("dcread", Subject::Instruction(Op::Dcread), None),
    case("icread", Subject::Instruction(Op::Icread), None),
    case("tlbsync", Subject::Instruction(Op::Tlbsync), None),
    Case { minus: Some("mtspr srr0"), ..case(RFI_CASE, Subject::Instruction(Op::Rfi), None) },
    Case {
        minus: Some("mtspr srr2"),
        native_from: Some(RFI_CASE),
        note: Some(
            "QEMU 7.2 aborts on a real `rfci` under `-icount` (\"Raised interrupt while not in I/O function\"), so \
             the native run skips this case and the rfi case's native figure (the same five instructions) stands in",
        ),
        ..case("rfci (after mtspr srr2)", Subject::Instruction(Op::Rfci), None)
    },
    Case { minus: Some(RFI_CASE), ..case("sc (and the vector's rfi)", Subject::SystemCall, None) },
];

impl Case {
    fn mnemonic(&self) -> &'static str {
        match self.subject {
            Subject::Baseline => "nop",
            Subject::Instruction(op) => irfm::insn::row_of(op).mnemonic,
            Subject::SystemCall => "sc",
        }
    }

    /// The path the microvisor's code says this case takes.
    fn expected_path(&self) -> CasePath {
        match self.subject {
            _ if self.untrapped_on_qemu => CasePath::Native,
            Subject::Baseline => CasePath::Native,
            Subject::SystemCall => CasePath::Slow,
            Subject::Instruction(op) => docs::case_path(op, self.number),
        }
    }
}

/// The path a measured extra cost shows.
fn measured_path(extra_instructions: i64) -> CasePath {
    match extra_instructions {
        -1..=1 => CasePath::Native,
        extra if extra < FAST_PATH_LIMIT => CasePath::Fast,
        _ => CasePath::Slow,
    }
}

/// Measures, writes the data file, the page, the plot and the results section.
pub fn run() -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { gdb: false, ..setup::Needs::ALL })?;
    let microvisor = ppc::build_microvisor(&[], "microvisor")?;
    let guest = ppc::build_c_guest("trapcost")?;
    let scratch = root().join("target/bench");
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;
    let native_image = patch_word(&guest, RFCI_SWITCH, 0, &scratch.join("trapcost-native.elf"))?;
    let virtual_image = scratch.join("trapcost-full.elf");
    system_image::pack(&microvisor, &[system_image::PartitionSpec::full(&guest)], &virtual_image)
        .map_err(|error| Failure::new(error.to_string()))?;

    println!("bench traps: guests/trapcost natively and on the microvisor, under -icount, twice each");
    let native = twice(&native_image)?;
    let virtualized = twice(&virtual_image)?;
    let costs = Costs {
        qemu: qemu_runner::check_qemu().map_err(|error| Failure::new(error.to_string()))?,
        microvisor: "`target/images/microvisor.elf`, basis features".into(),
        microvisor_code: fingerprint(&microvisor)?,
        executions: EXECUTIONS,
        instructions_per_tick: INSTRUCTIONS_PER_TICK,
        cases: cases_from(&native, &virtualized)?,
    };
    costs.validate().map_err(Failure::new)?;
    check_paths(&costs)?;

    let path = root().join(costs::PATH);
    std::fs::write(&path, costs.to_toml(HEADER)).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    println!("\n{}", table(&costs)?);
    let plot = plot::write("traps", &chart(&costs)?)?;
    let (worst, extra) =
        docs::worst_case(&costs).map_err(Failure::new)?.ok_or_else(|| Failure::new("no trap measured"))?;
    let worst_line =
        format!("worst case: `{}`, {extra} extra instructions per execution ({} path)", worst.name, worst.path.name());
    println!("{worst_line}");
    record("Trap costs (`cargo xtask bench traps`)", &results_body(&costs, &plot)?)?;
    println!("wrote {} and {}", costs::PATH, plot);
    docs::run()
}

const HEADER: &str = "The cost of each trap path, measured by `cargo xtask bench traps`: do not edit, measure again.
`cargo xtask docs` generates the tables of docs/instructions.md from this file and the code.

Each case of guests/trapcost runs `executions` times between two time-base reads, natively and as the
only partition on the microvisor, under -icount shift 0; ticks are time-base ticks for all executions
(one tick is `instructions_per_tick` instructions). `path` is what the microvisor's code predicts,
checked against the figures; `minus` names a helper case measured with this one and subtracted;
`native_from` names the case whose native figure stands in for one QEMU cannot run natively.";

/// Runs `image` twice under `-icount`; the `cost` lines must agree.
fn twice(image: &Path) -> Result<Vec<(String, u64)>, Failure> {
    let first = measure(image)?;
    let second = measure(image)?;
    if first != second {
        return Err(Failure::new(format!(
            "{}: two runs under -icount disagree:\n{first:?}\n{second:?}",
            image.display()
        )));
    }
    println!("  {}: {} cases, twice, identical", image.display(), first.len());
    Ok(first)
}

fn measure(image: &Path) -> Result<Vec<(String, u64)>, Failure> {
    let options = qemu_runner::Options {
        timeout: Duration::from_secs(120),
        icount: Some(qemu_runner::ICOUNT_SHIFT),
        ..qemu_runner::Options::default()
    };
    let transcript = qemu_runner::run(image, options).map_err(|error| Failure::new(error.to_string()))?;
    if transcript.ending != qemu_runner::Ending::EndMarker {
        return Err(Failure::new(format!(
            "{}: did not finish ({:?}); UART0:\n{}\n{}",
            image.display(),
            transcript.ending,
            transcript.uart0,
            transcript.qemu_stderr.trim()
        )));
    }
    Ok(cost_lines(&transcript.uart0))
}

/// The `cost <case>: <ticks> ticks per 1000` lines of a transcript.
fn cost_lines(transcript: &str) -> Vec<(String, u64)> {
    transcript
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cost ")?.rsplit_once(": ")?;
            let ticks = rest.strip_suffix(" ticks per 1000")?.parse().ok()?;
            Some((name.to_string(), ticks))
        })
        .collect()
}

/// Joins both runs with [`CASES`]: every case once, in order, and nothing else.
fn cases_from(native: &[(String, u64)], virtualized: &[(String, u64)]) -> Result<Vec<costs::Case>, Failure> {
    let names = |run: &[(String, u64)]| run.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    let expected_virtual: Vec<String> = CASES.iter().map(|case| case.name.to_string()).collect();
    let expected_native: Vec<String> =
        CASES.iter().filter(|case| case.native_from.is_none()).map(|case| case.name.to_string()).collect();
    for (run, got, expected) in
        [("virtualized", names(virtualized), expected_virtual), ("native", names(native), expected_native)]
    {
        if got != expected {
            return Err(Failure::new(format!(
                "guests/trapcost ({run}) printed the cases {got:?}, but xtask/src/bench/traps.rs expects {expected:?}: \
                 keep CASES and the guest in step"
            )));
        }
    }
    let ticks = |run: &[(String, u64)], name: &str| run.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
    Ok(CASES
        .iter()
        .map(|case| costs::Case {
            name: case.name.into(),
            mnemonic: case.mnemonic().into(),
            number: case.number,
            path: case.expected_path(),
            native_ticks: if case.native_from.is_some() { None } else { ticks(native, case.name) },
            native_from: case.native_from.map(String::from),
            virtualized_ticks: ticks(virtualized, case.name).unwrap_or(0),
            minus: case.minus.map(String::from),
            note: case.note.map(String::from),
        })
        .collect())
}

/// Every case's measured cost must show the path the code predicts.
fn check_paths(costs: &Costs) -> Result<(), Failure> {
    let mut wrong = Vec::new();
    for case in &costs.cases {
        let extra = costs.extra_instructions(case).map_err(Failure::new)?;
        let measured = measured_path(extra);
        if measured != case.path {
            wrong.push(format!(
                "`{}`: the code predicts the {} path, the measurement ({extra} extra instructions) shows the {} path",
                case.name,
                case.path.name(),
                measured.name()
            ));
        }
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(Failure::new(format!(
        "trap paths disagree with their description (xtask/src/docs.rs, `case_path`; the untrapped cases in \
         xtask/src/bench/traps.rs); update the description to what the microvisor does:\n  {}",
        wrong.join("\n  ")
    )))
}

/// The table `cargo xtask bench traps` prints.
fn table(costs: &Costs) -> Result<String, Failure> {
    let mut out = format!("{:<36} {:<7} {:>8} {:>12} {:>7}\n", "case", "path", "native", "virtualized", "extra");
    for case in &costs.cases {
        let extra = costs.extra_instructions(case).map_err(Failure::new)?;
        let native = costs.native_ticks(case).map_err(Failure::new)?;
        let mut name = case.name.clone();
        if let Some(minus) = &case.minus {
            name = format!("{name} − {minus}");
        }
        out.push_str(&format!(
            "{name:<36} {:<7} {native:>8} {:>12} {extra:>7}\n",
            case.path.name(),
            case.virtualized_ticks
        ));
    }
    out.push_str("(ticks per 1000 executions; extra = instructions per execution on the microvisor)");
    Ok(out)
}

fn chart(costs: &Costs) -> Result<Chart, Failure> {
    let trapping: Vec<&costs::Case> = costs.cases.iter().filter(|case| case.path != CasePath::Native).collect();
    let mut fast = Vec::new();
    let mut slow = Vec::new();
    for case in &trapping {
        let extra = costs.extra_instructions(case).map_err(Failure::new)? as f64;
        let is_fast = case.path == CasePath::Fast;
        fast.push(is_fast.then_some(extra));
        slow.push((!is_fast).then_some(extra));
    }
    Ok(Chart {
        title: "Extra instructions per trapped instruction on the microvisor (-icount, basis build)".into(),
        axis: "instructions per execution, virtualized − native".into(),
        // A case with a helper subtracted is the instruction alone: name it so.
        categories: trapping
            .iter()
            .map(|case| match case.minus {
                Some(_) => case.name.split_whitespace().next().unwrap_or_default().to_string(),
                None => case.name.clone(),
            })
            .collect(),
        series: vec![
            Series { name: "assembly fast path".into(), values: fast },
            Series { name: "slow path (trap::dispatch, Rust)".into(), values: slow },
        ],
        layout: Layout::Stacked,
        format: |value| format!("{value:.0}"),
    })
}

fn results_body(costs: &Costs, plot: &str) -> Result<String, Failure> {
    let range = |path: CasePath| -> Result<String, Failure> {
        let figures = costs
            .cases
            .iter()
            .filter(|case| case.path == path)
            .map(|case| costs.extra_instructions(case).map(|extra| (extra, case.name.as_str())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Failure::new)?;
        let (Some(low), Some(high)) = (figures.iter().min(), figures.iter().max()) else { return Ok("none".into()) };
        Ok(format!("{} cases, {} (`{}`) to {} (`{}`)", figures.len(), low.0, low.1, high.0, high.1))
    };
    let (worst, extra) =
        docs::worst_case(costs).map_err(Failure::new)?.ok_or_else(|| Failure::new("no trap measured"))?;
    Ok(format!(
        "Measured by `cargo xtask bench traps`: `guests/trapcost` runs each privileged instruction {} times \
         natively and as the only partition on `target/images/microvisor.elf` (basis features), under `-icount` \
         shift 0, twice each (both runs agree to the tick). Extra instructions per execution = (virtualized − \
         native ticks) × 3 / 1000. Every case, its path and its emulation function: \
         [instructions.md](instructions.md) (generated from `{}`).\n\n\
         - fast path (assembly, at the program vector): {}\n\
         - slow path (`trap::dispatch`, emulation in Rust): {}\n\
         - **worst case: {extra} extra instructions, `{}`** ({} path); deterministic, the largest of the paths \
         measured.\n\n![Extra instructions per trapped instruction]({plot})\n",
        costs.executions,
        costs::PATH,
        range(CasePath::Fast)?,
        range(CasePath::Slow)?,
        worst.name,
        worst.path.name(),
    ))
}

/// FNV-1a (32 bits) over the microvisor's vectors, code and read-only data, with their size: the
/// figures of the data file hold for exactly this code.
pub fn fingerprint(elf: &Path) -> Result<String, Failure> {
    use object::{Object, ObjectSection};
    let bytes = std::fs::read(elf).map_err(|e| Failure::new(format!("{}: {e}", elf.display())))?;
    let file = object::File::parse(&bytes[..]).map_err(|e| Failure::new(format!("{}: {e}", elf.display())))?;
    let mut hash: u32 = 0x811c_9dc5;
    let mut size = 0usize;
    for name in [".vectors", ".text", ".rodata"] {
        let Some(section) = file.section_by_name(name) else { continue };
        let data = section.data().map_err(|e| Failure::new(format!("{}: {name}: {e}", elf.display())))?;
        size += data.len();
        for byte in data {
            hash = (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193);
        }
    }
    Ok(format!("FNV-1a {hash:#010x} over .vectors, .text and .rodata, {} bytes", plot::group_digits(&size.to_string())))
}

/// A note for `cargo xtask test` when the measured microvisor is not the one just built.
pub fn stale_note(microvisor: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root().join(costs::PATH)).ok()?;
    let measured = Costs::parse(&text).ok()?.microvisor_code;
    let now = fingerprint(microvisor).ok()?;
    (measured != now).then(|| {
        format!(
            "note: {} was measured on other microvisor code ({measured}; now {now}): run `cargo xtask bench traps` \
             to measure again",
            costs::PATH
        )
    })
}

/// A copy of `elf` at `output` with the 32-bit big-endian word at `symbol` set to `value`.
fn patch_word(elf: &Path, symbol: &str, value: u32, output: &Path) -> Result<PathBuf, Failure> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let mut data = std::fs::read(elf).map_err(|e| Failure::new(format!("{}: {e}", elf.display())))?;
    let at = {
        let file = object::File::parse(&data[..]).map_err(|e| Failure::new(format!("{}: {e}", elf.display())))?;
        let found = file
            .symbols()
            .find(|s| s.name() == Ok(symbol))
            .ok_or_else(|| Failure::new(format!("{}: no symbol {symbol}", elf.display())))?;
        let section = found
            .section_index()
            .and_then(|index| file.section_by_index(index).ok())
            .ok_or_else(|| Failure::new(format!("{}: {symbol} is in no section", elf.display())))?;
        let (offset, _) = section.file_range().ok_or_else(|| {
            Failure::new(format!("{}: {symbol} is not in a loaded section with contents", elf.display()))
        })?;
        (offset + found.address() - section.address()) as usize
    };
    data[at..at + 4].copy_from_slice(&value.to_be_bytes());
    std::fs::write(output, data).map_err(|e| Failure::new(format!("{}: {e}", output.display())))?;
    Ok(output.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_lines_are_read_with_names_that_contain_colons_and_parentheses() {
        let transcript = "trapcost: ticks per 1000 executions\ncost mfmsr: 15338 ticks per 1000\n\
                          cost sc (and the vector's rfi): 110338 ticks per 1000\n\
                          cost broken: x ticks per 1000\n== end ==";
        assert_eq!(
            cost_lines(transcript),
            vec![("mfmsr".to_string(), 15338), ("sc (and the vector's rfi)".to_string(), 110338)]
        );
    }

    #[test]
    fn the_cases_name_their_helpers_and_every_instruction_row_that_a_basis_guest_can_run() {
        for case in CASES {
            for helper in [case.minus, case.native_from].into_iter().flatten() {
                assert!(CASES.iter().any(|other| other.name == helper), "{}: no case {helper}", case.name);
            }
        }
        for row in irfm::insn::ROWS.iter().filter(|row| row.class != irfm::insn::Class::Tlb || row.op == Op::Tlbsync) {
            assert!(CASES.iter().any(|case| case.mnemonic() == row.mnemonic), "no case measures {}", row.mnemonic);
        }
    }

    #[test]
    fn measured_costs_are_sorted_into_paths() {
        assert_eq!(measured_path(0), CasePath::Native);
        assert_eq!(measured_path(45), CasePath::Fast);
        assert_eq!(measured_path(467), CasePath::Slow);
    }
}

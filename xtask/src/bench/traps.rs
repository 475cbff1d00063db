//! `cargo xtask bench traps`: the cost of each privileged instruction, trapped and para-virtual.
//!
//! `guests/trapcost` runs each case 1000 times between two time-base reads and prints
//! `cost <case>: <ticks> ticks per 1000`. It runs four ways, under `-icount` shift 0, twice each
//! (both runs must agree to the tick):
//! - natively;
//! - fully virtualized: the only partition on `target/images/microvisor.elf` (basis features);
//! - natively as `previrt patch` padded it: what the NOPs cost by themselves;
//! - pre-virtualized: the padded image in `previrt` mode on `target/images/microvisor-para.elf`,
//!   which rewrites each padded site when it loads the guest (`irfm::page::replacement`). Its
//!   report line must count exactly the sites the image's table says it can rewrite.
//!
//! Extra instructions per execution = (mode − native ticks) × 3 / 1000 (one tick is three
//! instructions, see [`super::table1`]); the loop around each case costs the same in every run and
//! cancels, and where a case needs a helper instruction (`rfi` needs `mtspr srr0`) the helper's own
//! case is subtracted ([`Case::minus`]). [`CASES`] says what each case is; the instruction word
//! measured is read from the guest's code, and its para-virtual form derived from it
//! ([`costs::Form`]). The path each case takes, fully virtualized and pre-virtualized, is predicted
//! from the microvisor's code (`docs::case_path`, [`FAST_HYPERCALLS`]) and checked against the
//! measurement, so a fast path that changed without its description stops the bench.
//!
//! Written: `docs/instruction-costs.toml` (the figures), `docs/instructions.md` (regenerated from
//! them, `cargo xtask docs`), `docs/plots/traps.svg`, and the summary in `docs/results.md`.

use super::record;
use crate::costs::{self, Costs, Form, Path as CasePath};
use crate::plot::{self, Chart, Layout, Series};
use crate::{docs, ppc, root, setup, Failure};
use irfm::hypercall::Number;
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
/// The hypercalls the assembly fast path answers when the microvisor has `irfm-fallback` (the
/// `hypercall_paths` fragment of `microvisor/src/arch/ppc405/fast_path.rs`); the others take the
/// slow path. Checked against the measurement.
const FAST_HYPERCALLS: [Number; 5] =
    [Number::Mtmsr, Number::Wrtee, Number::DisableInterrupts, Number::EnableInterrupts, Number::Rfi];
/// What the para-virtualization microvisor is called in the data file.
const PARA_MICROVISOR: &str = "microvisor-para";

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
    /// `wrteei`'s E bit: which of the guest's `wrteei` words the case measures.
    enable: bool,
    /// QEMU 7.2 does not trap it in user mode, though the manual says it should.
    untrapped_on_qemu: bool,
    note: Option<&'static str>,
    /// What differs when the case runs pre-virtualized.
    para_note: Option<&'static str>,
}

const fn case(name: &'static str, subject: Subject, number: Option<u16>) -> Case {
    Case {
        name,
        subject,
        number,
        minus: None,
        native_from: None,
        enable: false,
        untrapped_on_qemu: false,
        note: None,
        para_note: None,
    }
}

const SRR2_NOTE: &str = "QEMU 7.2 lets user mode use SRR2 without a trap (the manual makes it privileged): the \
                         guest reaches the real SRR2, which holds its own value while it runs";
const SRR2_PARA_NOTE: &str = "pre-virtualized it no longer reaches the real SRR2 but SRR2's slot of the read-write \
                              IRFM page, which the `Rfci` hypercall reads: one instruction either way, another \
                              register";
const RFI_CASE: &str = "rfi (after mtspr srr0)";

/// Every case, in the guest's order.
const CASES: &[Case] = &[
    case("nop (baseline)", Subject::Baseline, None),
    case("mfmsr", Subject::Instruction(Op::Mfmsr), None),
    case("mtmsr", Subject::Instruction(Op::Mtmsr), None),
    case("wrteei 0", Subject::Instruction(Op::Wrteei), None),
    Case { enable: true, ..case("wrteei 1", Subject::Instruction(Op::Wrteei), None) },
    case("wrtee", Subject::Instruction(Op::Wrtee), None),
    case("mfspr srr0", Subject::Instruction(Op::Mfspr), Some(spr::SRR0)),
    case("mtspr srr0", Subject::Instruction(Op::Mtspr), Some(spr::SRR0)),
    Case {
        untrapped_on_qemu: true,
        note: Some(SRR2_NOTE),
        para_note: Some(SRR2_PARA_NOTE),
        ..case("mfspr srr2", Subject::Instruction(Op::Mfspr), Some(spr::SRR2))
    },
    Case {
        untrapped_on_qemu: true,
        note: Some(SRR2_NOTE),
        para_note: Some(SRR2_PARA_NOTE),
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
    Case {
        minus: Some("mtspr srr0"),
        para_note: Some(
            "SRR0 points at the word after the `rfi`, so the NOPs `previrt` put there run after every return: \
             natively padded and pre-virtualized alike (the padding figure)",
        ),
        ..case(RFI_CASE, Subject::Instruction(Op::Rfi), None)
    },
    Case {
        minus: Some("mtspr srr2"),
        native_from: Some(RFI_CASE),
        note: Some(
            "QEMU 7.2 aborts on a real `rfci` under `-icount` (\"Raised interrupt while not in I/O function\"), so \
             the native run skips this case and the rfi case's native figure (the same five instructions) stands in",
        ),
        para_note: Some(
            "the padded image skips it natively as well (the same QEMU abort); `rfci` and `mtspr srr2` get no \
             padding (the bench checks it), so the native stand-in serves for the padded image too",
        ),
        ..case("rfci (after mtspr srr2)", Subject::Instruction(Op::Rfci), None)
    },
    Case {
        minus: Some(RFI_CASE),
        para_note: Some(
            "`sc` is not rewritten: it keeps its vector, and the microvisor reflects it. The vector's `rfi` lies in \
             `.vectors`, which `previrt` never moves, so it got a trampoline: the padded vector branches to a stub \
             holding the `rfi` (pre-virtualized, the `Rfi` hypercall), and the NOPs after it never run. The padding \
             figure is that branch; the form is measured over the padded image less the rfi case's, where the \
             branch and the NOPs cancel",
        ),
        ..case("sc (and the vector's rfi)", Subject::SystemCall, None)
    },
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
            // Reflected by the fast path (`fast_path::syscall_entry`) from an untranslated guest.
            Subject::SystemCall if microvisor::arch::ppc405::fast_path::ENABLED => CasePath::Fast,
            Subject::SystemCall => CasePath::Slow,
            Subject::Instruction(op) => docs::case_path(op, self.number),
        }
    }

    /// What tells two cases apart: subject, number, E, and the helper measured with it.
    #[cfg(test)]
    fn subject_key(&self) -> String {
        format!("{:?} {:?} {} {:?}", self.subject, self.number, self.enable, self.minus)
    }

    /// Whether `word` is an instruction this case measures: its op, its SPR or DCR number, its E.
    fn measures(&self, word: u32) -> bool {
        let Subject::Instruction(op) = self.subject else { return false };
        irfm::insn::classify(word) == Some(op)
            && self.number.is_none_or(|number| spr::from_word(word) == number)
            && (op != Op::Wrteei || irfm::insn::wrteei_enable(word) == self.enable)
    }
}

/// The path a pre-virtualized case takes on the para-virtualization microvisor, by its form: an
/// IRFM access does not trap; a hypercall takes the fast path if [`FAST_HYPERCALLS`] has it (the
/// microvisor has `irfm-fallback`); what still traps goes where it goes fully virtualized.
fn expected_para_path(case: &Case, form: Form) -> CasePath {
    let fallback = ppc::PARA_VIRT.contains(&"irfm-fallback");
    match form {
        Form::Baseline | Form::NoTrap | Form::IrfmLoad | Form::IrfmStore => CasePath::Native,
        Form::Hypercall(number) if fallback && FAST_HYPERCALLS.contains(&number) => case.expected_path(),
        Form::Hypercall(_) => CasePath::Slow,
        // A para-virtual partition's system call goes to Rust, which keeps its IRFM pages.
        Form::Trap if matches!(case.subject, Subject::SystemCall) => CasePath::Slow,
        Form::Trap => case.expected_path(),
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
    let para_microvisor = ppc::build_microvisor(&ppc::PARA_VIRT, PARA_MICROVISOR)?;
    let guest = ppc::build_c_guest("trapcost")?;
    let scratch = root().join("target/bench");
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;
    let native_image = patch_word(&guest, RFCI_SWITCH, 0, &scratch.join("trapcost-native.elf"))?;
    let virtual_image = scratch.join("trapcost-full.elf");
    system_image::pack(&microvisor, &[system_image::PartitionSpec::full(&guest)], &virtual_image)
        .map_err(|error| Failure::new(error.to_string()))?;
    let original = std::fs::read(&guest).map_err(|e| Failure::new(format!("{}: {e}", guest.display())))?;
    let words = case_words(&original).map_err(|e| Failure::new(format!("{}: {e}", guest.display())))?;
    let (padded_native_image, para_image, sites) = pre_virtualized(&original, &para_microvisor, &scratch)?;
    // The unmodified image fully virtualized on the para-virtualization build as well: what the
    // build costs a trap, apart from what a pre-virtualized partition does.
    let para_build_image = scratch.join("trapcost-para-build-full.elf");
    system_image::pack(&para_microvisor, &[system_image::PartitionSpec::full(&guest)], &para_build_image)
        .map_err(|error| Failure::new(error.to_string()))?;

    println!(
        "bench traps: guests/trapcost natively, on the microvisor, padded natively and pre-virtualized, under \
         -icount, twice each"
    );
    let native = twice(&native_image)?;
    let virtualized = twice(&virtual_image)?;
    let padded_native = twice(&padded_native_image)?;
    let para = twice(&para_image)?;
    let para_build = twice(&para_build_image)?;
    check_loader(&para, sites)?;
    let costs = Costs {
        qemu: qemu_runner::check_qemu().map_err(|error| Failure::new(error.to_string()))?,
        microvisor: "`target/images/microvisor.elf`, basis features".into(),
        microvisor_code: fingerprint(&microvisor)?,
        para_microvisor: format!("`target/images/{PARA_MICROVISOR}.elf`, features {}", ppc::PARA_VIRT.join(", ")),
        para_microvisor_code: fingerprint(&para_microvisor)?,
        executions: EXECUTIONS,
        instructions_per_tick: INSTRUCTIONS_PER_TICK,
        cases: cases_from(&Runs { native: &native, virtualized: &virtualized, padded_native: &padded_native, para: &para }, &words)?,
    };
    costs.validate().map_err(Failure::new)?;
    check_paths(&costs)?;
    let on_para_build = with_virtualized(&costs, &para_build)?;

    let path = root().join(costs::PATH);
    std::fs::write(&path, costs.to_toml(HEADER)).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    println!("\n{}", table(&costs)?);
    let plot = plot::write("traps", &chart(&costs)?)?;
    let (worst, extra) =
        docs::worst_case(&costs).map_err(Failure::new)?.ok_or_else(|| Failure::new("no trap measured"))?;
    let worst_line =
        format!("worst case: `{}`, {extra} extra instructions per execution ({} path)", worst.name, worst.path.name());
    println!("{worst_line}");
    record("Trap costs (`cargo xtask bench traps`)", &results_body(&costs, &on_para_build, &plot, sites)?)?;
    println!("wrote {} and {}", costs::PATH, plot);
    docs::run()
}

/// `costs` with the fully virtualized figures of `run` instead (the same cases, in order).
fn with_virtualized(costs: &Costs, run: &Run) -> Result<Costs, Failure> {
    let mut other = costs.clone();
    for case in &mut other.cases {
        case.virtualized_ticks = run
            .costs
            .iter()
            .find(|(name, _)| *name == case.name)
            .map(|(_, ticks)| *ticks)
            .ok_or_else(|| Failure::new(format!("guests/trapcost on {PARA_MICROVISOR}: no case `{}`", case.name)))?;
    }
    other.validate().map_err(Failure::new)?;
    Ok(other)
}

/// Sites of a pre-virtualized image: (rewritten into their para-virtual form, left trapping).
type Sites = (u32, u32);

/// Pads the guest with `previrt patch` (as `cargo xtask bench table1` does), and makes the padded
/// image to run natively (with the `rfci` case switched off) and the one to run pre-virtualized.
/// Returns both and the sites the microvisor must report: of the table's entries, those whose
/// instruction has a para-virtual form (`irfm::page::replacement`) and the others.
fn pre_virtualized(original: &[u8], para_microvisor: &Path, scratch: &Path) -> Result<(PathBuf, PathBuf, Sites), Failure> {
    let padded = scratch.join("trapcost-previrt.elf");
    let patched = super::previrt_pad(original, "guests/trapcost", &padded)?;
    let sites = rewritable_sites(&patched.bytes)?;
    let padded_native = patch_word(&padded, RFCI_SWITCH, 0, &scratch.join("trapcost-previrt-native.elf"))?;
    let para = scratch.join("trapcost-para.elf");
    system_image::pack(para_microvisor, &[super::previrt_partition(&padded)], &para).map_err(|error| Failure::new(error.to_string()))?;
    println!(
        "  previrt patch: {} sites ({} padded in place, {} trampolines), {} NOPs; {} can be rewritten, {} keep trapping",
        patched.report.sites, patched.report.padded, patched.report.trampolines, patched.report.nops, sites.0, sites.1
    );
    Ok((padded_native, para, sites))
}

/// Counts the entries of the image's pre-virtualization table by what the load-time rewrite does.
fn rewritable_sites(image: &[u8]) -> Result<Sites, Failure> {
    let at = irfm::table::find(image).ok_or_else(|| Failure::new("the padded trapcost image holds no valid table"))?;
    let table = irfm::table::Table::parse(&image[at..]).map_err(|e| Failure::new(format!("padded trapcost: {e}")))?;
    let rewritten = table.entries().filter(|entry| irfm::page::replacement(entry.original).is_some()).count();
    Ok((rewritten as u32, (table.len() - rewritten) as u32))
}

/// The pre-virtualized run must say the guest was patched, with exactly the expected sites.
fn check_loader(para: &Run, expected: Sites) -> Result<(), Failure> {
    match para.microvisor.iter().find_map(|line| loader_report(line)) {
        Some(Ok(reported)) if reported == expected => Ok(()),
        Some(Ok((rewritten, trapping))) => Err(Failure::new(format!(
            "the microvisor rewrote {rewritten} sites and left {trapping} trapping; the table of the padded trapcost \
             image has {} with a para-virtual form (irfm::page::replacement) and {} without",
            expected.0, expected.1
        ))),
        Some(Err(line)) => Err(Failure::new(format!("the pre-virtualized trapcost did not run pre-virtualized: {line}"))),
        None => Err(Failure::new(format!(
            "the pre-virtualized trapcost run has no `microvisor: VM 0: pre-virtualized, …` line; the microvisor said:\n{}",
            para.microvisor.join("\n")
        ))),
    }
}

/// The load-time patcher's line about VM 0: `Ok((rewritten, trapping))` from
/// `microvisor: VM 0: pre-virtualized, N sites para-virtual, M trapping`, `Err(line)` when it
/// refused the table; `None` for any other line.
fn loader_report(line: &str) -> Option<Result<Sites, String>> {
    let rest = line.trim_end().strip_prefix("microvisor: VM 0: ")?;
    if rest.starts_with("pre-virtualization table refused") {
        return Some(Err(line.trim_end().to_string()));
    }
    let counts = rest.strip_prefix("pre-virtualized, ")?;
    let (rewritten, trapping) = counts.strip_suffix(" trapping")?.split_once(" sites para-virtual, ")?;
    Some(Ok((rewritten.parse().ok()?, trapping.parse().ok()?)))
}

/// Each case's instruction word as the guest's code holds it: the most frequent word the case
/// measures (its 100 unrolled copies outnumber any helper use of the same instruction).
fn case_words(guest: &[u8]) -> Result<Vec<Option<u32>>, String> {
    let items = previrt_tool::scan::scan(guest).map_err(|e| e.message)?;
    CASES
        .iter()
        .map(|case| {
            if !matches!(case.subject, Subject::Instruction(_)) {
                return Ok(None);
            }
            let mut counts: Vec<(u32, usize)> = Vec::new();
            for item in items.iter().filter(|item| case.measures(item.word)) {
                match counts.iter_mut().find(|(word, _)| *word == item.word) {
                    Some((_, count)) => *count += 1,
                    None => counts.push((item.word, 1)),
                }
            }
            // The first of the most frequent, so a tie cannot make the choice vary.
            let most = counts.iter().map(|(_, count)| *count).max();
            counts
                .iter()
                .find(|(_, count)| Some(*count) == most)
                .map(|(word, _)| Some(*word))
                .ok_or_else(|| format!("no instruction in the guest's code is what case `{}` measures", case.name))
        })
        .collect()
}

const HEADER: &str = "The cost of each trap path, measured by `cargo xtask bench traps`: do not edit, measure again.
`cargo xtask docs` generates the tables of docs/instructions.md from this file and the code.

Each case of guests/trapcost runs `executions` times between two time-base reads, under -icount shift 0:
natively (`native_ticks`), as the only partition on the microvisor (`virtualized_ticks`), natively as
`previrt patch` padded it (`padded_native_ticks`), and that padded image pre-virtualized, in `previrt` mode
on `para_microvisor` (`para_ticks`). Ticks are time-base ticks for all executions (one tick is
`instructions_per_tick` instructions). `word` is the instruction measured, read from the guest's code: its
para-virtual form is derived from it. `path` is what the microvisor's code predicts, checked against the
figures; `minus` names a helper case measured with this one and subtracted; `native_from` names the case
whose native figure stands in for one QEMU cannot run natively (for the padded image too: such a case
has no padding).";

/// One run of the guest.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    /// Its `cost` lines: case name and ticks.
    costs: Vec<(String, u64)>,
    /// The microvisor's own lines (none natively).
    microvisor: Vec<String>,
}

/// Runs `image` twice under `-icount`; both runs must agree to the tick, and say the same.
fn twice(image: &Path) -> Result<Run, Failure> {
    let first = measure(image)?;
    let second = measure(image)?;
    if first != second {
        return Err(Failure::new(format!(
            "{}: two runs under -icount disagree:\n{first:?}\n{second:?}",
            image.display()
        )));
    }
    println!("  {}: {} cases, twice, identical", image.display(), first.costs.len());
    Ok(first)
}

fn measure(image: &Path) -> Result<Run, Failure> {
    let options = super::deterministic(Duration::from_secs(120));
    let transcript = super::run_to_end(image, options)?;
    let microvisor =
        transcript.uart0.lines().filter(|line| line.starts_with("microvisor: ")).map(str::to_string).collect();
    Ok(Run { costs: cost_lines(&transcript.uart0), microvisor })
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

/// The four runs of the guest.
struct Runs<'a> {
    native: &'a Run,
    virtualized: &'a Run,
    padded_native: &'a Run,
    para: &'a Run,
}

/// Joins the runs with [`CASES`] and the words measured: every case once, in order, and nothing
/// else; a case QEMU cannot run natively is left out of both native runs, and must have no padding.
fn cases_from(runs: &Runs, words: &[Option<u32>]) -> Result<Vec<costs::Case>, Failure> {
    let names = |run: &Run| run.costs.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    let expected_virtual: Vec<String> = CASES.iter().map(|case| case.name.to_string()).collect();
    let expected_native: Vec<String> =
        CASES.iter().filter(|case| case.native_from.is_none()).map(|case| case.name.to_string()).collect();
    for (run, got, expected) in [
        ("virtualized", names(runs.virtualized), &expected_virtual),
        ("pre-virtualized", names(runs.para), &expected_virtual),
        ("native", names(runs.native), &expected_native),
        ("padded, native", names(runs.padded_native), &expected_native),
    ] {
        if &got != expected {
            return Err(Failure::new(format!(
                "guests/trapcost ({run}) printed the cases {got:?}, but xtask/src/bench/traps.rs expects {expected:?}: \
                 keep CASES and the guest in step"
            )));
        }
    }
    let padding = |name: &str| -> u8 {
        let index = CASES.iter().position(|case| case.name == name);
        let word = index.and_then(|index| words[index]);
        word.and_then(irfm::insn::classify).map_or(0, |op| irfm::insn::row_of(op).padding)
    };
    for case in CASES.iter().filter(|case| case.native_from.is_some()) {
        let unpadded = [Some(case.name), case.minus].into_iter().flatten().all(|name| padding(name) == 0);
        if !unpadded {
            return Err(Failure::new(format!(
                "case `{}` cannot run natively, so its native stand-in also stands in for the padded image; that \
                 needs it and its helper to have no padding, but irfm::insn gives them some",
                case.name
            )));
        }
    }
    let ticks = |run: &Run, name: &str| run.costs.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
    Ok(CASES
        .iter()
        .zip(words)
        .map(|(case, word)| {
            let native_ticks = |run: &Run| if case.native_from.is_some() { None } else { ticks(run, case.name) };
            costs::Case {
                name: case.name.into(),
                mnemonic: case.mnemonic().into(),
                number: case.number,
                word: *word,
                path: case.expected_path(),
                native_ticks: native_ticks(runs.native),
                native_from: case.native_from.map(String::from),
                virtualized_ticks: ticks(runs.virtualized, case.name).unwrap_or(0),
                padded_native_ticks: native_ticks(runs.padded_native),
                para_ticks: ticks(runs.para, case.name).unwrap_or(0),
                minus: case.minus.map(String::from),
                note: case.note.map(String::from),
                para_note: case.para_note.map(String::from),
            }
        })
        .collect())
}

/// Every case's measured cost must show the path the code predicts, fully virtualized and
/// pre-virtualized (the para-virtual form alone: pre-virtualized over the padded image run natively).
fn check_paths(costs: &Costs) -> Result<(), Failure> {
    let mut wrong = Vec::new();
    for (case, measured_case) in CASES.iter().zip(&costs.cases) {
        let extra = costs.extra_instructions(measured_case).map_err(Failure::new)?;
        let form = Form::of(measured_case).map_err(Failure::new)?;
        let para_extra = costs.instructions(costs.para_over_padded_ticks(measured_case).map_err(Failure::new)?);
        for (mode, predicted, extra) in [
            ("fully virtualized", measured_case.path, extra),
            ("pre-virtualized", expected_para_path(case, form), para_extra),
        ] {
            let measured = measured_path(extra);
            if measured != predicted {
                wrong.push(format!(
                    "`{}` {mode} ({}): the code predicts the {} path, the measurement ({extra} extra instructions) \
                     shows the {} path",
                    case.name,
                    form.name(),
                    predicted.name(),
                    measured.name()
                ));
            }
        }
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(Failure::new(format!(
        "trap paths disagree with their description (xtask/src/docs.rs, `case_path`; the untrapped cases and \
         FAST_HYPERCALLS in xtask/src/bench/traps.rs); update the description to what the microvisor does:\n  {}",
        wrong.join("\n  ")
    )))
}

/// The table `cargo xtask bench traps` prints.
fn table(costs: &Costs) -> Result<String, Failure> {
    let mut out = format!(
        "{:<36} {:<7} {:>6} {:>6} {:>11} {:>6} {:>7} {:>5} {:>6}  {}\n",
        "case", "path", "native", "full", "extra", "padded", "para", "pad", "extra", "pre-virtualized form"
    );
    for case in &costs.cases {
        let extra = costs.extra_instructions(case).map_err(Failure::new)?;
        let native = costs.native_ticks(case).map_err(Failure::new)?;
        let padded = costs.padded_native_ticks(case).map_err(Failure::new)?;
        let padding = costs.padding_instructions(case).map_err(Failure::new)?;
        let para_extra = costs.para_extra_instructions(case).map_err(Failure::new)?;
        let form = Form::of(case).map_err(Failure::new)?;
        let mut name = case.name.clone();
        if let Some(minus) = &case.minus {
            name = format!("{name} − {minus}");
        }
        out.push_str(&format!(
            "{name:<36} {:<7} {native:>6} {:>6} {extra:>11} {padded:>6} {:>7} {padding:>5} {para_extra:>6}  {}\n",
            case.path.name(),
            case.virtualized_ticks,
            case.para_ticks,
            form.name(),
        ));
    }
    out.push_str(
        "(ticks per 1000 executions: native, full(y virtualized), padded natively, para = pre-virtualized; extra = \
         instructions per execution over native, pad = of which the NOP padding)",
    );
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

/// A list of names in backquotes: `a`, `b` and `c`.
fn names(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `low` or `low to high`.
fn span(figures: &[i64]) -> String {
    match (figures.iter().min(), figures.iter().max()) {
        (Some(low), Some(high)) if low == high => low.to_string(),
        (Some(low), Some(high)) => format!("{low} to {high}"),
        _ => "–".into(),
    }
}

/// A signed difference: `+5`, `−3`, `0`.
fn signed(value: i64) -> String {
    match value {
        0 => "0".into(),
        v if v > 0 => format!("+{v}"),
        v => format!("−{}", -v),
    }
}

/// The section of `docs/results.md`: how it was measured, the table per case, a summary per
/// para-virtual form, what differs between the modes, and the fully virtualized paths.
/// `on_para_build` holds, as its fully virtualized figures, the unmodified image on
/// `microvisor-para`.
fn results_body(costs: &Costs, on_para_build: &Costs, plot: &str, sites: Sites) -> Result<String, Failure> {
    let fail = |e: String| Failure::new(e);
    let mut out = String::new();
    let baseline = costs.cases.first().filter(|case| case.mnemonic == "nop").ok_or_else(|| fail("no baseline".into()))?;
    let baseline_native = costs.native_instructions(baseline).map_err(fail)?;
    out.push_str(&format!(
        "Measured by `cargo xtask bench traps`: `guests/trapcost` runs each privileged instruction {executions} times \
         between two time-base reads, under `-icount` shift 0, in four runs, each made twice (both runs agree to the \
         tick in every one, or the bench stops):\n\n\
         1. natively;\n\
         2. fully virtualized: the unmodified image as the only partition on {microvisor}: every privileged \
         instruction traps and is emulated;\n\
         3. natively, padded: the image as `previrt patch` pads it (`previrt_tool::patch::patch`, default options), \
         which costs only its NOPs;\n\
         4. pre-virtualized: that padded image in `previrt` mode on {para_microvisor}, which rewrote {rewritten} sites \
         into their para-virtual form when it loaded the guest and left {trapping} trapping (its line \
         `microvisor: VM 0: pre-virtualized, {rewritten} sites para-virtual, {trapping} trapping` is checked against \
         the image's table).\n\n\
         Unit: instructions per execution, ticks × {ipt} / {executions}. **Native** is the measured figure, loop \
         included: the `nop` baseline measures {baseline_native:.3}, one `nop` and {loop_overhead:.3} of loop (the \
         branch of the 10 × 100 unrolled loop and the time-base reads), so each case without a helper is its one \
         instruction; the `rfi`, `rfci` and `sc` cases also run the instructions that point SRR0 (SRR2) past the \
         return, or the vector's `rfi`. The **extra** figures are differences between runs of the same body, so the \
         loop cancels, and where a helper traps as well its own case's extra is subtracted, in each mode (`−` in \
         the table). Pre-virtualized extra = (pre-virtualized − padded natively, less the helper's) + (padded \
         natively − native): the para-virtual form, and the NOPs `previrt` put after the instruction, which run \
         (the last column). The **form** is what `irfm::page::replacement` writes over the case's instruction word, \
         read from the guest's code (a hypercall named by `irfm::hypercall::decode`). Every case, its path and its \
         emulation function: [instructions.md](instructions.md) (generated from `{path}`).\n\n",
        executions = costs.executions,
        microvisor = costs.microvisor,
        para_microvisor = costs.para_microvisor,
        rewritten = sites.0,
        trapping = sites.1,
        ipt = costs.instructions_per_tick,
        loop_overhead = baseline_native - 1.0,
        path = costs::PATH,
    ));

    out.push_str(
        "| case | pre-virtualized form | native | fully virtualized: extra | pre-virtualized: extra | of which NOP \
         padding |\n|---|---|---:|---:|---:|---:|\n",
    );
    let mut notes = Vec::new();
    for case in &costs.cases {
        let form = Form::of(case).map_err(fail)?;
        let mut name = format!("`{}`", case.name);
        if let Some(minus) = &case.minus {
            name = format!("{name} − `{minus}`");
        }
        let marks = docs::note_marks(&mut notes, case);
        if !marks.is_empty() {
            name = format!("{name} ({})", marks.join(", "));
        }
        let native = match &case.native_from {
            Some(from) => format!("{:.3} (of `{from}`)", costs.native_instructions(case).map_err(fail)?),
            None => format!("{:.3}", costs.native_instructions(case).map_err(fail)?),
        };
        out.push_str(&format!(
            "| {name} | {} | {native} | {} | {} | {} |\n",
            form.name(),
            costs.extra_instructions(case).map_err(fail)?,
            costs.para_extra_instructions(case).map_err(fail)?,
            costs.padding_instructions(case).map_err(fail)?,
        ));
    }
    out.push('\n');

    // Per form: what one privileged instruction (natively one instruction) costs pre-virtualized.
    out.push_str("Per para-virtual form, in instructions per execution of one privileged instruction (natively 1):\n\n");
    let group = |kind: &str| -> Result<Vec<&costs::Case>, Failure> {
        let mut cases = Vec::new();
        for case in &costs.cases {
            if Form::of(case).map_err(fail)?.kind() == kind {
                cases.push(case);
            }
        }
        Ok(cases)
    };
    let figures = |cases: &[&costs::Case], of: fn(&Costs, &costs::Case) -> Result<i64, String>| {
        cases.iter().map(|case| of(costs, case)).collect::<Result<Vec<_>, _>>().map_err(fail)
    };
    for kind in ["IRFM load", "IRFM store"] {
        let cases = group(kind)?;
        if cases.is_empty() {
            continue;
        }
        let para = figures(&cases, Costs::para_extra_instructions)?;
        let full = figures(&cases, Costs::extra_instructions)?;
        let totals: Vec<i64> = para.iter().map(|extra| 1 + extra).collect();
        let trapped: Vec<&costs::Case> = cases.iter().copied().filter(|case| case.path != CasePath::Native).collect();
        out.push_str(&format!(
            "- **{kind}: {} instruction{} (native 1)**, {} cases ({}); trapped, fully virtualized, the same instructions \
             cost {} extra{}.\n",
            span(&totals),
            if totals.iter().all(|total| *total == 1) { "" } else { "s" },
            cases.len(),
            names(&cases.iter().map(|case| case.name.as_str()).collect::<Vec<_>>()),
            span(&figures(&trapped, Costs::extra_instructions)?),
            if trapped.len() < full.len() {
                let untrapped: Vec<&str> =
                    cases.iter().filter(|case| case.path == CasePath::Native).map(|case| case.name.as_str()).collect();
                format!(", but 0 for {}, which QEMU does not trap", names(&untrapped))
            } else {
                String::new()
            },
        ));
    }
    let hypercalls = group("hypercall")?;
    if !hypercalls.is_empty() {
        let mut parts = Vec::new();
        let mut over_trap = Vec::new();
        for case in &hypercalls {
            let form = Form::of(case).map_err(fail)?;
            let Form::Hypercall(number) = form else { continue };
            let para = costs.para_extra_instructions(case).map_err(fail)?;
            let padding = costs.padding_instructions(case).map_err(fail)?;
            let form_alone = costs.instructions(costs.para_over_padded_ticks(case).map_err(fail)?);
            let fast = measured_path(form_alone) == CasePath::Fast;
            let path = if fast { "fast path" } else { "slow path" };
            if fast {
                over_trap.push(para - costs.extra_instructions(case).map_err(fail)?);
            }
            let nops = if padding == 0 { String::new() } else { format!("; {padding} of them the padding's NOPs") };
            parts.push(format!(
                "`{}` → `{number:?}`: {} ({path}{nops}), against {} trapped on the basis",
                case.mnemonic,
                1 + para,
                1 + costs.extra_instructions(case).map_err(fail)?
            ));
        }
        out.push_str(&format!(
            "- **hypercall** (instructions per execution, natively 1): {}. The assembly fast path answers the hypercalls that replace `mtmsr`, `wrtee`, \
             `wrteei` and `rfi` when the microvisor has `irfm-fallback` ({PARA_MICROVISOR} has); `Rfci` goes through \
             `trap::dispatch`. {}\n",
            parts.join("; "),
            match (over_trap.iter().min(), over_trap.iter().max()) {
                (Some(low), _) if *low > 0 => format!(
                    "Each of those fast-path hypercalls costs more than its instruction trapped on the basis ({}): the \
                     padding's NOPs, and the para build's longer fast path (it tells a hypercall from a privileged \
                     instruction first, and with `irfm-fallback` keeps the IRFM pages current on the way).",
                    span_signed(&over_trap)
                ),
                (Some(_), Some(high)) if *high <= 0 => format!(
                    "Each of those fast-path hypercalls costs at most its instruction trapped on the basis ({}).",
                    span_signed(&over_trap)
                ),
                (Some(_), Some(_)) => format!(
                    "Against the instruction trapped on the basis, those fast-path hypercalls cost {}.",
                    span_signed(&over_trap)
                ),
                _ => String::new(),
            }
        ));
    }
    let trapping = group("trap")?;
    if !trapping.is_empty() {
        let para = figures(&trapping, Costs::para_extra_instructions)?;
        let full = figures(&trapping, Costs::extra_instructions)?;
        let build = trapping
            .iter()
            .map(|case| on_para_build.case(&case.name).map(|other| on_para_build.extra_instructions(other)))
            .map(|figure| figure.ok_or_else(|| "a case missing on microvisor-para".to_string()).and_then(|r| r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let over_full: Vec<i64> = para.iter().zip(&full).map(|(p, f)| p - f).collect();
        let build_over_full: Vec<i64> = build.iter().zip(&full).map(|(b, f)| b - f).collect();
        let para_over_build: Vec<i64> = para.iter().zip(&build).map(|(p, b)| p - b).collect();
        out.push_str(&format!(
            "- **trap: {} instructions (native 1)**, {} cases (SPR writes outside the read-write page, reads of SPRs \
             in neither page, DCRs, caches, `tlbsync`, `sc`), against {} trapped on the basis ({}). Of the difference, \
             the {PARA_MICROVISOR} build accounts for {} (the unmodified image fully virtualized on it: {}), and \
             running in a pre-virtualized partition for {}.\n",
            span(&para.iter().map(|extra| 1 + extra).collect::<Vec<_>>()),
            trapping.len(),
            span(&full.iter().map(|extra| 1 + extra).collect::<Vec<_>>()),
            span_signed(&over_full),
            span_signed(&build_over_full),
            span(&build.iter().map(|extra| 1 + extra).collect::<Vec<_>>()),
            span_signed(&para_over_build),
        ));
    }
    let kept = group("kept")?;
    if !kept.is_empty() {
        out.push_str(&format!(
            "- **kept**: {} do not trap in any mode and are not padded: 1 instruction everywhere.\n",
            names(&kept.iter().map(|case| case.name.as_str()).collect::<Vec<_>>())
        ));
    }
    // What the para-virtualization build does with a partition that is not pre-virtualized.
    let mut slower = Vec::new();
    let fast_cases = costs.cases.iter().filter(|case| case.path == CasePath::Fast).count();
    for case in costs.cases.iter().filter(|case| case.path == CasePath::Fast) {
        let other = on_para_build.case(&case.name).ok_or_else(|| fail(format!("no case `{}`", case.name)))?;
        let extra = on_para_build.extra_instructions(other).map_err(fail)?;
        if measured_path(extra) != CasePath::Fast {
            slower.push(format!("`{}` {} (basis {})", case.name, extra, costs.extra_instructions(case).map_err(fail)?));
        }
    }
    if !slower.is_empty() {
        out.push_str(&format!(
            "- **On {PARA_MICROVISOR}, fully virtualized, the assembly fast path does not answer {} of the {fast_cases} \
             cases it answers on the basis**; they take the slow path there (extra instructions): {}. {}\n",
            if slower.len() == fast_cases { "any".to_string() } else { slower.len().to_string() },
            slower.join(", "),
            if trapping.iter().all(|case| case.path == CasePath::Slow) {
                "The pre-virtualized figures are not affected: every case a pre-virtualized guest leaves trapping \
                 takes the slow path on the basis too, and its hypercalls take the fast path (above)."
            } else {
                "Some case a pre-virtualized guest leaves trapping takes the fast path on the basis: its \
                 pre-virtualized figure above includes this."
            }
        ));
    }
    out.push('\n');
    if !notes.is_empty() {
        out.push_str("Cases that run differently in some mode:\n\n");
        for line in docs::note_lines(&notes) {
            out.push_str(&line);
            out.push_str(".\n");
        }
        out.push('\n');
    }

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
    let (para_worst, para_extra) =
        docs::para_worst_case(costs).map_err(fail)?.ok_or_else(|| fail("no case measured".into()))?;
    out.push_str(&format!(
        "Fully virtualized, by path (extra instructions):\n\n\
         - fast path (assembly, at the program and system-call vectors): {}\n\
         - slow path (`trap::dispatch`, emulation in Rust): {}\n\
         - **worst case: {extra} extra instructions, `{}`** ({} path); deterministic, the largest of the paths \
         measured. Pre-virtualized, the worst case is `{}`: {para_extra} extra ({}).\n\n\
         ![Extra instructions per trapped instruction]({plot})\n",
        range(CasePath::Fast)?,
        range(CasePath::Slow)?,
        worst.name,
        worst.path.name(),
        para_worst.name,
        Form::of(para_worst).map_err(fail)?.name(),
    ));
    Ok(out)
}

/// `span` of signed differences.
fn span_signed(figures: &[i64]) -> String {
    match (figures.iter().min(), figures.iter().max()) {
        (Some(low), Some(high)) if low == high => signed(*low),
        (Some(low), Some(high)) => format!("{} to {}", signed(*low), signed(*high)),
        _ => "–".into(),
    }
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
    fn the_loader_line_is_read_with_both_counts_and_a_refusal_is_an_error() {
        assert_eq!(
            loader_report("microvisor: VM 0: pre-virtualized, 2007 sites para-virtual, 2001 trapping"),
            Some(Ok((2007, 2001)))
        );
        assert_eq!(loader_report("microvisor: VM 0: pre-virtualized, 0 sites para-virtual, 0 trapping\r"), Some(Ok((0, 0))));
        let refused = "microvisor: VM 0: pre-virtualization table refused (table does not validate); running fully \
                       virtualized";
        assert_eq!(loader_report(refused), Some(Err(refused.to_string())));
        for other in [
            "microvisor: VM 1: pre-virtualized, 3 sites para-virtual, 1 trapping",
            "microvisor: VM 0: pre-virtualized, x sites para-virtual, 1 trapping",
            "microvisor: VM 0: pre-virtualized, 3 sites para-virtual, 1",
            "microvisor: VM 0 halted",
            "cost mfmsr: 338 ticks per 1000",
        ] {
            assert_eq!(loader_report(other), None, "{other}");
        }
    }

    #[test]
    fn a_loader_report_that_differs_from_the_table_stops_the_bench() {
        let run = |line: &str| Run { costs: Vec::new(), microvisor: vec![line.to_string()] };
        let good = run("microvisor: VM 0: pre-virtualized, 5 sites para-virtual, 2 trapping");
        assert!(check_loader(&good, (5, 2)).is_ok());
        assert!(check_loader(&good, (6, 1)).is_err());
        assert!(check_loader(&run("microvisor: VM 0: pre-virtualization table refused (x); running fully virtualized"), (5, 2)).is_err());
        assert!(check_loader(&run("microvisor: boot"), (5, 2)).is_err());
    }

    #[test]
    fn each_case_measures_only_its_own_instruction_word() {
        use irfm::insn::encode;
        let named = |name: &str| CASES.iter().find(|case| case.name == name).unwrap();
        // Registers are the compiler's: any rD or rS.
        assert!(named("mtspr srr0").measures(encode::mtspr(spr::SRR0, 9)));
        assert!(!named("mtspr srr0").measures(encode::mtspr(spr::SRR1, 9)));
        assert!(!named("mtspr srr0").measures(encode::mfspr(9, spr::SRR0)));
        assert!(named("mfspr unknown (1023)").measures(encode::mfspr(3, 1023)));
        assert!(named("wrteei 1").measures(0x7c00_8146) && !named("wrteei 1").measures(0x7c00_0146));
        assert!(named("wrteei 0").measures(0x7c00_0146) && !named("wrteei 0").measures(0x7c00_8146));
        assert!(named("rfi (after mtspr srr0)").measures(0x4c00_0064));
        assert!(!named("nop (baseline)").measures(encode::NOP));
        assert!(!named("sc (and the vector's rfi)").measures(0x4400_0002));
        for case in CASES {
            for other in CASES.iter().filter(|other| other.name != case.name) {
                let same = case.subject_key() == other.subject_key();
                assert!(!same, "`{}` and `{}` measure the same instruction", case.name, other.name);
            }
        }
    }

    #[test]
    fn figures_are_listed_as_spans_and_signed_differences() {
        assert_eq!(span(&[3, 1, 2]), "1 to 3");
        assert_eq!(span(&[4, 4]), "4");
        assert_eq!(span(&[]), "–");
        assert_eq!(span_signed(&[-3, 5]), "−3 to +5");
        assert_eq!(span_signed(&[0]), "0");
        assert_eq!(names(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(names(&["a"]), "`a`");
    }

    #[test]
    fn measured_costs_are_sorted_into_paths() {
        assert_eq!(measured_path(0), CasePath::Native);
        assert_eq!(measured_path(45), CasePath::Fast);
        assert_eq!(measured_path(467), CasePath::Slow);
    }
}

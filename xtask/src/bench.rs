//! `cargo xtask bench`: measurements that have a budget, with the figure written to
//! `docs/results.md`.
//!
//! `previrt`: patching a synthetic guest with 1 MiB of text (a privileged instruction every 64
//! words, branches, calls, `@ha`/`@l` pairs, a jump table and function pointers) must take under
//! 100 ms, in process, release build. The image is made by `previrt_tool::synth`.
//!
//! `table1`: the paper's Table 1, CTask, FFTTask and SimpleFFT natively and virtualized under
//! `-icount` ([`table1`]).
//!
//! `traps`: each privileged instruction's trap path on the microvisor, under `-icount` ([`traps`]).
//!
//! `partitions`: virtual-interrupt latency (PIT expiry to the guest's handler) and slot-switch
//! jitter under the cyclic schedule, in instructions under `-icount` ([`partitions`]).
//!
//! `tlb`: what TLB virtualization costs a demand-paging kernel, under `-icount` ([`tlb`]).

mod partitions;
mod table1;
mod tlb;
pub mod traps;

use crate::{root, Failure};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The budget for patching 1 MiB of text.
const PREVIRT_BUDGET: Duration = Duration::from_millis(100);
/// Words of text in the synthetic guest: 1 MiB.
const TEXT_WORDS: usize = 1 << 18;

/// Runs the benchmark `what` (`previrt`, `table1`, `traps`, `partitions`, `tlb`, or every benchmark when
/// `None`).
pub fn run(what: Option<&str>) -> Result<ExitCode, Failure> {
    match what {
        None => {
            let previrt = previrt()?;
            let table1 = table1::run()?;
            let traps = traps::run()?;
            let partitions = partitions::run()?;
            let tlb = tlb::run()?;
            let failed = [previrt, table1, traps, partitions, tlb].into_iter().find(|code| *code != ExitCode::SUCCESS);
            Ok(failed.unwrap_or(ExitCode::SUCCESS))
        }
        Some("previrt") => previrt(),
        Some("table1") => table1::run(),
        Some("traps") => traps::run(),
        Some("partitions") => partitions::run(),
        Some("tlb") => tlb::run(),
        Some(other) => {
            Err(Failure::new(format!("unknown benchmark {other}; known: previrt, table1, traps, partitions, tlb")))
        }
    }
}

/// `previrt patch` (default options) of the image `original` (named `name` in errors), written to
/// `output`: the padded image and the tool's report.
fn previrt_pad(original: &[u8], name: &str, output: &std::path::Path) -> Result<previrt_tool::patch::Patched, Failure> {
    let patched = previrt_tool::patch::patch(original, &previrt_tool::patch::Options::default())
        .map_err(|e| Failure::new(format!("previrt patch {name}: {e}")))?;
    std::fs::write(output, &patched.bytes).map_err(|e| Failure::new(format!("{}: {e}", output.display())))?;
    Ok(patched)
}

/// The partition that runs `padded`, an image from `previrt patch`, pre-virtualized.
fn previrt_partition(padded: &std::path::Path) -> system_image::PartitionSpec {
    system_image::PartitionSpec { mode: irfm::image::Mode::Previrt, ..system_image::PartitionSpec::full(padded) }
}

fn previrt() -> Result<ExitCode, Failure> {
    let image = previrt_tool::synth::large_guest(TEXT_WORDS, 64);
    let options = previrt_tool::patch::Options::default();
    let mut best = Duration::MAX;
    let mut report = None;
    for _ in 0..5 {
        let start = Instant::now();
        let patched = previrt_tool::patch::patch(&image, &options).map_err(|e| Failure::new(format!("previrt patch: {e}")))?;
        best = best.min(start.elapsed());
        report = Some((patched.report, patched.bytes));
    }
    let (report, bytes) = report.expect("five runs");
    previrt_tool::verify::verify(&image, &bytes).map_err(|e| Failure::new(format!("previrt verify of the benchmark image: {e}")))?;
    let milliseconds = best.as_secs_f64() * 1000.0;
    let verdict = if best < PREVIRT_BUDGET { "within" } else { "over" };
    let line = format!(
        "patching 1 MiB of text ({} privileged instructions, {} NOPs inserted): {milliseconds:.1} ms, best of 5 \
         ({verdict} the {} ms budget; previrt-tool at opt-level 3, see the root Cargo.toml)",
        report.sites,
        report.nops,
        PREVIRT_BUDGET.as_millis(),
    );
    println!("previrt: {line}");
    record("previrt patch speed", &format!("Measured by `cargo xtask bench previrt` (in-process, `previrt_tool::patch::patch` on `previrt_tool::synth::large_guest`).\n\n- {line}\n"))?;
    Ok(if best < PREVIRT_BUDGET { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// How every bench run goes: deterministic (`-icount`), in QEMU's record mode, so that two runs of
/// an image agree to the tick (the benches' guests never reset the core, natively either, so record
/// mode serves them all; a run that reads memory goes without it: `qemu_runner::Options::record`),
/// within `timeout` of wall time.
fn deterministic(timeout: Duration) -> qemu_runner::Options<'static> {
    qemu_runner::Options { timeout, icount: Some(qemu_runner::ICOUNT_SHIFT), record: true, ..qemu_runner::Options::default() }
}

/// The `-icount` value of [`deterministic`] runs, for the results' text.
fn icount_text() -> String {
    qemu_runner::icount_argument(qemu_runner::ICOUNT_SHIFT, true)
}

/// Runs `image` under QEMU with `options`; the run must end at the guest's end marker, else the
/// error says how it ended and what UART0 (and QEMU) printed.
fn run_to_end(image: &std::path::Path, options: qemu_runner::Options) -> Result<qemu_runner::Transcript, Failure> {
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
    Ok(transcript)
}

/// Replaces (or appends) the section `## title` of `docs/results.md` with `body`.
pub fn record(title: &str, body: &str) -> Result<(), Failure> {
    let path = root().join("docs/results.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Results\n".to_string());
    let updated = with_section(&text, title, body);
    std::fs::write(&path, updated).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

/// `text` with its section `## title` replaced by `body` (or appended), one blank line between sections.
fn with_section(text: &str, title: &str, body: &str) -> String {
    let heading = format!("## {title}\n");
    let section = format!("{heading}\n{}\n", body.trim_end_matches('\n'));
    match text.find(&heading) {
        Some(start) => {
            let before = match text[..start].trim_end_matches('\n') {
                "" => String::new(),
                before => format!("{before}\n\n"),
            };
            let rest = &text[start + heading.len()..];
            match rest.find("\n## ") {
                Some(offset) => format!("{before}{section}\n{}", &rest[offset + 1..]),
                None => format!("{before}{section}"),
            }
        }
        None => format!("{}\n{section}", text.trim_end_matches('\n').to_string() + "\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_in_place_with_one_blank_line_before_the_next() {
        let text = "# Results\n\n## A\n\nold a\n\n## B\n\nb\n";
        assert_eq!(with_section(text, "A", "new a\n"), "# Results\n\n## A\n\nnew a\n\n## B\n\nb\n");
        assert_eq!(with_section(text, "B", "new b"), "# Results\n\n## A\n\nold a\n\n## B\n\nnew b\n");
        assert_eq!(with_section(text, "C", "c\n\n"), format!("{text}\n## C\n\nc\n"));
        let squeezed = "# Results\n\n## A\n\na\n## B\n\nb\n";
        assert_eq!(with_section(squeezed, "B", "b"), "# Results\n\n## A\n\na\n\n## B\n\nb\n");
    }
}

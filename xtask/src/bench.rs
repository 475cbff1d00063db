//! `cargo xtask bench`: measurements that have a budget, with the figure written to
//! `docs/results.md`.
//!
//! `previrt`: patching a synthetic guest with 1 MiB of text (a privileged instruction every 64
//! words, branches, calls, `@ha`/`@l` pairs, a jump table and function pointers) must take under
//! 100 ms, in process, release build. The image is made by `previrt_tool::synth`.
//!
//! `table1`: the paper's Table 1, CTask, FFTTask and SimpleFFT natively and virtualized under
//! `-icount` ([`table1`]).

mod table1;

use crate::{root, Failure};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The budget for patching 1 MiB of text.
const PREVIRT_BUDGET: Duration = Duration::from_millis(100);
/// Words of text in the synthetic guest: 1 MiB.
const TEXT_WORDS: usize = 1 << 18;

/// Runs the benchmark `what` (`previrt`, `table1`, or every benchmark when `None`).
pub fn run(what: Option<&str>) -> Result<ExitCode, Failure> {
    match what {
        None => {
            let previrt = previrt()?;
            let table1 = table1::run()?;
            Ok(if previrt == ExitCode::SUCCESS { table1 } else { previrt })
        }
        Some("previrt") => previrt(),
        Some("table1") => table1::run(),
        Some(other) => Err(Failure::new(format!("unknown benchmark {other}; known: previrt, table1"))),
    }
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

/// Replaces (or appends) the section `## title` of `docs/results.md` with `body`.
pub fn record(title: &str, body: &str) -> Result<(), Failure> {
    let path = root().join("docs/results.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Results\n".to_string());
    let heading = format!("## {title}\n");
    let section = format!("{heading}\n{body}");
    let updated = match text.find(&heading) {
        Some(start) => {
            let rest = &text[start + heading.len()..];
            let end = rest.find("\n## ").map_or(text.len(), |offset| start + heading.len() + offset + 1);
            format!("{}{section}{}", &text[..start], &text[end..])
        }
        None => format!("{}\n{section}", text.trim_end_matches('\n').to_string() + "\n"),
    };
    std::fs::write(&path, updated).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

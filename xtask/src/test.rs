//! `cargo xtask test`: everything, in the order a failure is cheapest to find.
//!
//! 1. set-up (install what is missing);
//! 2. the generated docs up to date (`crate::docs`: the tables of `docs/instructions.md`);
//! 3. host unit tests (`cargo test --workspace`, then the microvisor's again with every feature);
//! 4. every PPC405 image built and ISA-checked;
//! 5. the QEMU integration tests in `tests/`, which boot those images.
//!
//! Ends with one summary of what ran.

use crate::{ppc, root, setup, Failure};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

/// Counts from cargo test's "test result:" lines.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Tests passed.
    pub passed: u32,
    /// Tests failed.
    pub failed: u32,
    /// Tests ignored.
    pub ignored: u32,
}

impl Counts {
    /// Adds the numbers of one `test result: ok. 3 passed; 0 failed; 1 ignored; …` line.
    pub fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else { return };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else { continue };
            let Ok(number) = number.parse::<u32>() else { continue };
            match label {
                "passed" => self.passed += number,
                "failed" => self.failed += number,
                "ignored" => self.ignored += number,
                _ => {}
            }
        }
    }
}

/// Runs `cargo test` with these arguments, echoing its output, and counts the results.
fn cargo_test(args: &[&str], envs: &[(&str, String)]) -> Result<Counts, Failure> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root()).arg("test").args(args).stdout(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|e| Failure::new(format!("running cargo test: {e}")))?;
    let mut counts = Counts::default();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        counts.add_line(&line);
    }
    let status = child.wait().map_err(|e| Failure::new(format!("waiting for cargo test: {e}")))?;
    if !status.success() || counts.failed > 0 {
        return Err(Failure::new(format!("cargo test {} failed ({status}, {} failed)", args.join(" "), counts.failed)));
    }
    Ok(counts)
}

/// The whole suite.
pub fn run_all() -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs::ALL)?;

    println!("== generated docs ==");
    crate::docs::check()?;
    println!("  {}: up to date", crate::docs::PAGE);

    println!("== host unit tests ==");
    let mut host = cargo_test(&["--workspace", "--quiet"], &[("PPC405_REQUIRE_CROSS_TOOLS", "1".into())])?;
    // The microvisor's unit tests of its optional modules compile only with their features.
    let every_feature = [ppc::ALL_FEATURES.as_slice(), &["trap-stats"]].concat().join(",");
    let featured = cargo_test(&["--package", "microvisor", "--quiet", "--features", &every_feature], &[])?;
    host.passed += featured.passed;

    println!("== PPC405 images (build + ISA check) ==");
    let images = ppc::build_all()?;
    for image in &images {
        println!("  {}: only PPC405 instructions", image.display());
    }
    if let Some(note) = crate::bench::traps::stale_note(&ppc::images_dir().join("microvisor.elf")) {
        println!("  {note}");
    }

    println!("== QEMU integration tests ==");
    // Patched guest copies of earlier builds (the tests' `patch_symbol`; C builds are not
    // byte-for-byte reproducible, so each build's copies are new ones).
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join("ppc405-patched"));
    let qemu = cargo_test(
        &["--package", "system-tests", "--quiet", "--no-fail-fast", "--", "--ignored"],
        &[("PPC405_IMAGES", ppc::images_dir().display().to_string())],
    )?;

    println!(
        "\nsummary: {} host tests passed ({} ignored, they need QEMU); {} PPC405 images built and ISA-checked; \
         {} QEMU integration tests passed",
        host.passed,
        host.ignored,
        images.len(),
        qemu.passed
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_summed() {
        let mut counts = Counts::default();
        counts.add_line("test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s");
        counts.add_line("test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out");
        counts.add_line("running 3 tests");
        assert_eq!(counts, Counts { passed: 5, failed: 1, ignored: 1 });
    }
}

//! `cargo xtask bench tlb`: what TLB virtualization costs a guest that manages its own TLB as a
//! Linux-like kernel does (`guests/demand-paging`: pinned kernel entries, translated mode, 300
//! pages demand-paged through its own TLB-miss handlers, protection faults).
//!
//! The guest stores the time-base ticks of its translated part (entering the kernel with `rfi` to
//! its return) in `kernel_ticks`, which the bench reads from memory after the end marker (QEMU's
//! monitor), so its transcript stays the same in every mode. Runs natively and as the only partition
//! on `microvisor-tlb-virt` (the basis with `tlb-virt`) and on `microvisor-all`, under `-icount`
//! shift 0, twice each: the ticks must agree to the tick, and every transcript must equal the
//! native one. The guest's own TLB events (misses, page and protection faults) come from its
//! transcript; the extra instructions per event are the whole overhead divided by them.

use super::record;
use super::table1::group;
use crate::{ppc, root, setup, Failure};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The guest.
const GUEST: &str = "demand-paging";
/// Its variable holding the ticks of the translated part.
const SYMBOL: &str = "kernel_ticks";
/// Instructions per time-base tick under `-icount` shift 0 (see `table1`).
const INSTRUCTIONS_PER_TICK: u64 = 3;

/// One mode's figure and what the guest printed.
struct Run {
    ticks: u64,
    transcript: String,
}

/// Measures and records the section in `docs/results.md`.
pub fn run() -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { gdb: false, ..setup::Needs::ALL })?;
    let guest = ppc::build_c_guest(GUEST)?;
    let tlb_virt = ppc::build_microvisor(&["tlb-virt"], "microvisor-tlb-virt")?;
    let all = ppc::build_microvisor(&ppc::ALL_FEATURES, "microvisor-all")?;
    let address = symbol(&guest, SYMBOL)?;
    let scratch = root().join("target/bench");
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;

    println!("bench tlb: {GUEST}");
    let native = twice("native", &guest, address)?;
    let events = Events::parse(&native.transcript)
        .ok_or_else(|| Failure::new(format!("{GUEST}: no TLB-miss and fault counts in:\n{}", native.transcript)))?;
    let mut rows = Vec::new();
    for (name, microvisor) in [("microvisor-tlb-virt", &tlb_virt), ("microvisor-all", &all)] {
        let image = scratch.join(format!("{GUEST}-{name}.elf"));
        system_image::pack(microvisor, &[system_image::PartitionSpec::full(&guest)], &image)
            .map_err(|error| Failure::new(error.to_string()))?;
        // The only partition's guest physical 0 is real 16 MiB.
        let run = twice(name, &image, irfm::image::PARTITION_STRIDE + address)?;
        if run.transcript != native.transcript {
            return Err(Failure::new(format!(
                "{GUEST} on {name} printed another transcript than natively:\n{}\n--- native:\n{}",
                run.transcript, native.transcript
            )));
        }
        rows.push((name, run));
    }
    let body = report(&native, &rows, &events);
    println!("\n{body}");
    record("TLB virtualization: a demand-paging kernel", &body)?;
    Ok(ExitCode::SUCCESS)
}

/// The guest's own TLB events, from its transcript.
struct Events {
    data_misses: u64,
    instruction_misses: u64,
    page_faults: u64,
    protection_faults: u64,
}

impl Events {
    /// From the lines `page faults N, protection faults M` and `TLB misses: data D, instruction I`.
    fn parse(transcript: &str) -> Option<Events> {
        let numbers = |prefix: &str| -> Option<Vec<u64>> {
            let line = transcript.lines().find(|line| line.starts_with(prefix))?;
            Some(line.split(|c: char| !c.is_ascii_digit()).filter_map(|word| word.parse().ok()).collect())
        };
        let faults = numbers("page faults ")?;
        let misses = numbers("TLB misses: ")?;
        match (faults.as_slice(), misses.as_slice()) {
            ([page, protection], [data, instruction]) => Some(Events {
                data_misses: *data,
                instruction_misses: *instruction,
                page_faults: *page,
                protection_faults: *protection,
            }),
            _ => None,
        }
    }

    fn total(&self) -> u64 {
        self.data_misses + self.instruction_misses + self.page_faults + self.protection_faults
    }
}

/// The section for `docs/results.md`.
fn report(native: &Run, rows: &[(&str, Run)], events: &Events) -> String {
    let mut body = String::from(
        "Measured by `cargo xtask bench tlb`. `guests/demand-paging` boots as a Linux-like kernel does on a 405 with its \
         software-managed TLB: pinned 16 MiB kernel entries, `rfi` into translated mode at 0xC0000000, then 300 pages of \
         a 4 MiB region demand-paged through its own data and instruction TLB-miss handlers, which refill entries round \
         robin from a two-level page table (two `tlbwe` each, SPRG scratch registers, `rfi`), protection faults fixed in \
         place with `tlbsx`/`tlbwe`, and the PIT ticking. Measured region: the translated kernel, entry to return \
         (`kernel_ticks`, read from memory, so the transcript, identical in every mode, carries no time). Under \
         `-icount` shift 0, each run twice and agreeing to the tick; one tick is three instructions. The guest is \
         fully virtualized and unmodified: every one of its TLB-miss handlers traps about a dozen times.\n\n",
    );
    body.push_str(&format!(
        "Its own TLB events: {} data and {} instruction TLB misses, {} page faults, {} protection faults ({} in all).\n\n",
        events.data_misses,
        events.instruction_misses,
        events.page_faults,
        events.protection_faults,
        events.total()
    ));
    body.push_str("| run | ticks | ≈ instructions | overhead | extra instructions per TLB event |\n|---|---:|---:|---:|---:|\n");
    body.push_str(&format!(
        "| native | {} | {} | – | – |\n",
        group(native.ticks),
        group(native.ticks * INSTRUCTIONS_PER_TICK)
    ));
    for (name, run) in rows {
        let extra = run.ticks.saturating_sub(native.ticks) * INSTRUCTIONS_PER_TICK;
        body.push_str(&format!(
            "| `{name}` | {} | {} | {:.0} % | {} |\n",
            group(run.ticks),
            group(run.ticks * INSTRUCTIONS_PER_TICK),
            (run.ticks as f64 / native.ticks as f64 - 1.0) * 100.0,
            group(extra / events.total().max(1))
        ));
    }
    body
}

/// Runs `image` twice under `-icount` and reads the ticks at real address `address` after each.
fn twice(mode: &str, image: &Path, address: u32) -> Result<Run, Failure> {
    let first = measure(image, address)?;
    let second = measure(image, address)?;
    if first.ticks != second.ticks || first.transcript != second.transcript {
        return Err(Failure::new(format!(
            "{GUEST} {mode}: two runs under -icount disagree ({} and {} ticks)",
            first.ticks, second.ticks
        )));
    }
    println!("  {mode}: {} ticks, twice", group(first.ticks));
    Ok(first)
}

fn measure(image: &Path, address: u32) -> Result<Run, Failure> {
    let options = qemu_runner::Options { read_memory: vec![(address, 1)], ..super::deterministic(Duration::from_secs(120)) };
    let transcript = super::run_to_end(image, options)?;
    let ticks = transcript.memory.first().and_then(|words| words.first()).copied().ok_or_else(|| {
        Failure::new(format!("{}: could not read {SYMBOL} at {address:#x}", image.display()))
    })?;
    if ticks == 0 {
        return Err(Failure::new(format!("{}: {SYMBOL} is 0: the guest did not measure", image.display())));
    }
    let guest_lines: Vec<&str> = transcript.uart0.lines().filter(|line| !line.starts_with("microvisor: ")).collect();
    Ok(Run { ticks: u64::from(ticks), transcript: guest_lines.join("\n") })
}

/// The address of `name` in the ELF `path`.
fn symbol(path: &Path, name: &str) -> Result<u32, Failure> {
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    let file = object::File::parse(&bytes[..]).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    file.symbols()
        .find(|symbol| symbol.name() == Ok(name))
        .map(|symbol| symbol.address() as u32)
        .ok_or_else(|| Failure::new(format!("{}: no symbol {name}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_are_read_from_the_transcript() {
        let transcript = "kernel: workload done\npage faults 301, protection faults 228\nTLB misses: data 5442, instruction 49\n";
        let events = Events::parse(transcript).unwrap();
        assert_eq!(
            (events.data_misses, events.instruction_misses, events.page_faults, events.protection_faults),
            (5442, 49, 301, 228)
        );
        assert_eq!(events.total(), 6020);
        assert!(Events::parse("page faults 1\n").is_none());
    }
}

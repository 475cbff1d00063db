//! The paper's guests: the ORCOS-style RTOS (CTask, FFTTask, both together) and SimpleFFT print
//! the same transcript natively and on the microvisor, but for their `cost:` measurement lines,
//! and their FFT results are the host reference's (`system_tests::fft`).
//!
//! Runs are deterministic (`-icount`), so a failure reproduces exactly; one test runs in real time
//! too, where only the `cost:` lines may change.

use std::path::{Path, PathBuf};
use std::time::Duration;
use system_image::PartitionSpec;
use system_tests::{fft, image, pack, patch_symbol, Ending, Transcript};

/// `rtos_config` (guests/lib/rtos/rtos.h): magic "RTOS", flags.
const RTOS_CONFIG_MAGIC: u32 = 0x5254_4f53;
const RTOS_MMU: u32 = 1;
/// The line the kernel prints when the MMU mode is on.
const MMU_LINE: &str = "rtos: MMU on: each task in its own address space (PID = its TID), the kernel in real mode";

/// The prefix of the only lines allowed to differ between runs: measurements.
const COST_PREFIX: &str = "cost:";

/// Boots `path` under `-icount` until the end marker.
fn run(path: &Path) -> Transcript {
    run_with(path, Some(qemu_runner::ICOUNT_SHIFT))
}

fn run_with(path: &Path, icount: Option<u32>) -> Transcript {
    let options = qemu_runner::Options { timeout: Duration::from_secs(120), icount, ..qemu_runner::Options::default() };
    let transcript = qemu_runner::run(path, options).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        transcript.ending,
        Ending::EndMarker,
        "{} did not finish; UART0:\n{}\nQEMU stderr: {}",
        path.display(),
        transcript.uart0,
        transcript.qemu_stderr
    );
    transcript
}

/// `guest` natively and fully virtualized on the microvisor, under `-icount`.
fn native_and_virtualized(guest: &str) -> (String, String) {
    native_and_virtualized_with(guest, Some(qemu_runner::ICOUNT_SHIFT))
}

fn native_and_virtualized_with(guest: &str, icount: Option<u32>) -> (String, String) {
    let guest = image(guest);
    let native = run_with(&guest, icount);
    let system = pack(&system_tests::microvisor(), &[PartitionSpec::full(&guest)]);
    let virtualized = run_with(&system, icount);
    let _ = std::fs::remove_file(system);
    (native.uart0, virtualized.uart0)
}

fn without_cost_lines(transcript: &str) -> Vec<&str> {
    transcript.lines().filter(|line| !line.starts_with(COST_PREFIX)).collect()
}

fn cost_lines(transcript: &str) -> Vec<&str> {
    transcript.lines().filter(|line| line.starts_with(COST_PREFIX)).collect()
}

/// The transcripts agree but for `cost:` lines, which both have, equally many.
fn assert_same_but_costs(guest: &str, native: &str, virtualized: &str) {
    assert_eq!(
        without_cost_lines(virtualized),
        without_cost_lines(native),
        "{guest}: the virtualized transcript differs from the native one"
    );
    let costs = cost_lines(native).len();
    assert!(costs > 0 && cost_lines(virtualized).len() == costs, "{guest}: cost lines\n{native}\n--\n{virtualized}");
}

/// Under `-icount` every job meets its deadline, natively and virtualized.
fn assert_no_deadline_missed(guest: &str, transcript: &str) {
    for line in cost_lines(transcript).into_iter().filter(|line| line.contains("jobs (release to completion)")) {
        assert!(line.ends_with(", 0 deadline misses"), "{guest}: {line}");
    }
}

fn assert_fft_matches_the_host_reference(guest: &str, transcript: &str) {
    let expected = fft::expected_lines();
    assert_eq!(fft::printed_lines(transcript), expected, "{guest}: FFT result differs from the host reference");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn rtos_with_ctask_and_ffttask_runs_unmodified_on_the_microvisor_with_its_native_transcript() {
    let (native, virtualized) = native_and_virtualized("rtos");
    assert_same_but_costs("rtos", &native, &virtualized);
    assert_fft_matches_the_host_reference("rtos", &native);
    assert_no_deadline_missed("rtos", &native);
    assert_no_deadline_missed("rtos (virtualized)", &virtualized);
    // Rate-monotonic: CTask (period 1) outranks FFTTask (period 50) and preempts it; nobody is late.
    for expected in [
        "rtos: task ffttask: period 50 tick(s), 10 jobs, priority 1",
        "rtos: task ctask: period 1 tick(s), 200 jobs, priority 0",
        "ctask: 200 jobs, each counted to 10000, 0 wrong",
        "ffttask: 10 jobs of 100 repetitions, 0 jobs differing from the first",
        "rtos: ffttask: 10 jobs done, preempted by a higher priority: yes",
        "rtos: ctask: 200 jobs done, preempted by a higher priority: no",
        "rtos: all tasks done",
    ] {
        assert!(native.lines().any(|line| line == expected), "missing {expected:?} in\n{native}");
    }
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn rtos_ctask_runs_unmodified_on_the_microvisor_with_its_native_transcript() {
    let (native, virtualized) = native_and_virtualized("rtos-ctask");
    assert_same_but_costs("rtos-ctask", &native, &virtualized);
    assert!(native.contains("\nctask: 200 jobs, each counted to 10000, 0 wrong\n"), "{native}");
    assert!(native.contains("\nrtos: ctask: 200 jobs done, preempted by a higher priority: no\n"), "{native}");
    assert_no_deadline_missed("rtos-ctask", &native);
    assert_no_deadline_missed("rtos-ctask (virtualized)", &virtualized);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn rtos_ffttask_runs_unmodified_on_the_microvisor_and_matches_the_host_fft() {
    let (native, virtualized) = native_and_virtualized("rtos-ffttask");
    assert_same_but_costs("rtos-ffttask", &native, &virtualized);
    assert_no_deadline_missed("rtos-ffttask", &native);
    assert_no_deadline_missed("rtos-ffttask (virtualized)", &virtualized);
    assert_fft_matches_the_host_reference("rtos-ffttask", &native);
    assert_fft_matches_the_host_reference("rtos-ffttask (virtualized)", &virtualized);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn simplefft_runs_unmodified_on_the_microvisor_and_matches_the_host_fft() {
    let (native, virtualized) = native_and_virtualized("simplefft");
    assert_same_but_costs("simplefft", &native, &virtualized);
    assert_fft_matches_the_host_reference("simplefft", &native);
    assert_fft_matches_the_host_reference("simplefft (virtualized)", &virtualized);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn rtos_transcript_does_not_depend_on_timing_in_real_time_either() {
    // No -icount: the time base follows the host's clock, loaded or not; only `cost:` lines may change.
    let (native, virtualized) = native_and_virtualized_with("rtos", None);
    assert_same_but_costs("rtos (real time)", &native, &virtualized);
    assert_fft_matches_the_host_reference("rtos (real time)", &native);
    let (icount, _) = native_and_virtualized("rtos-ctask");
    let (real_time, _) = native_and_virtualized_with("rtos-ctask", None);
    assert_eq!(without_cost_lines(&real_time), without_cost_lines(&icount), "rtos-ctask: real time and -icount differ");
}

/// `elf` with `flags` in its `rtos_config`.
fn configured(elf: &Path, flags: u32) -> PathBuf {
    let config: Vec<u8> = [RTOS_CONFIG_MAGIC, flags].iter().flat_map(|word| word.to_be_bytes()).collect();
    patch_symbol(elf, "rtos_config", &config)
}

/// The bytes of `symbol` (`size` of them) in `elf`.
fn symbol_bytes(elf: &Path, symbol: &str, size: usize) -> Vec<u8> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&data[..]).unwrap();
    let found = file.symbols().find(|s| s.name() == Ok(symbol)).unwrap_or_else(|| panic!("no symbol {symbol}"));
    let section = file.section_by_index(found.section_index().unwrap()).unwrap();
    let bytes = section.data_range(found.address(), size as u64).unwrap().unwrap();
    bytes.to_vec()
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn rtos_in_mmu_mode_gives_the_same_results_with_each_task_in_its_own_address_space() {
    // Native only: the microvisor basis does not virtualize the TLB yet (a guest's tlbwe stops it).
    let plain = run(&image("rtos"));
    let mapped = configured(&image("rtos"), RTOS_MMU);
    let mmu = run(&mapped);
    let _ = std::fs::remove_file(mapped);
    assert!(mmu.uart0.lines().any(|line| line == MMU_LINE), "{}", mmu.uart0);
    let results: Vec<&str> = without_cost_lines(&mmu.uart0).into_iter().filter(|line| *line != MMU_LINE).collect();
    assert_eq!(results, without_cost_lines(&plain.uart0));
    assert_no_deadline_missed("rtos (MMU mode)", &mmu.uart0);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn in_mmu_mode_a_task_writing_outside_its_address_space_is_stopped_and_the_others_go_on() {
    // CTask's task_spec with memory_bytes (its 7th word) = 0: its own data page is left unmapped,
    // so its first store there misses the TLB.
    let original = image("rtos");
    let mut spec = symbol_bytes(&original, "ctask", 28);
    let data = u32::from_be_bytes(spec[20..24].try_into().unwrap());
    spec[24..28].copy_from_slice(&0u32.to_be_bytes());
    let unmapped = patch_symbol(&original, "ctask", &spec);
    let with_mmu = configured(&unmapped, RTOS_MMU);
    let transcript = run(&with_mmu).uart0;
    let without_mmu = run(&unmapped).uart0;
    for path in [unmapped, with_mmu] {
        let _ = std::fs::remove_file(path);
    }
    let stopped = format!("rtos: task ctask stopped: data TLB miss, address {data:#010x} at ");
    assert!(transcript.lines().any(|line| line.starts_with(&stopped)), "{transcript}");
    assert!(transcript.contains("\nrtos: ctask: 0 jobs done, preempted by a higher priority: no\n"), "{transcript}");
    let ffttask_done = "\nffttask: 10 jobs of 100 repetitions, 0 jobs differing from the first\n";
    assert!(transcript.contains(ffttask_done), "{transcript}");
    assert_fft_matches_the_host_reference("rtos (MMU mode, CTask stopped)", &transcript);
    // Without the MMU nothing stops it: the memory it names is not what protects the kernel.
    assert!(without_mmu.contains("\nctask: 200 jobs, each counted to 10000, 0 wrong\n"), "{without_mmu}");
}

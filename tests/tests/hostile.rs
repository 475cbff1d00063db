//! The hostile-guest suite: one attack per guest (`guests/hostile-*`), each contained.
//!
//! Every attack runs as partition 1, with no device, beside the victim (`guests/victim`) as
//! partition 0 with UART0, UART1 and the SRAM. Two things are asserted each time:
//! 1. the victim's UART0 transcript, with the microvisor's report lines taken out (they may land in
//!    the middle of one of its lines: partitions are time-sliced), equals its native transcript;
//! 2. the attack is contained the documented way: the attacker is stopped with the expected
//!    `VM 1: <what> at 0x<pc>` report, or its action had only a virtual effect, seen in the record it
//!    leaves in its own memory (`hostile_record`, read through QEMU's monitor) or in a run of the
//!    attacker alone, natively and virtualized, printing that record.
//!
//! Each attack is checked once per test run: its test and the summary test share the outcome.

use irfm::image::Mode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};
use system_image::{PartitionSpec, SystemSpec};
use system_tests::{image, patch_symbol, Ending};

/// Real address of partition 1's memory (its guest physical 0).
const ATTACKER_BASE: u32 = 2 << 24;
/// Real address of partition 0's memory.
const VICTIM_BASE: u32 = 1 << 24;
/// Where the victim keeps its pattern (guest physical), the attackers' favourite target.
const VICTIM_PATTERN: u32 = 0x0010_0000;
/// `VM 1: …` reports.
const OUTSIDE: &str = "access outside its memory";
/// Program interrupt syndrome: illegal instruction (PPC405 manual 5.2.6).
const ESR_PIL: u32 = 0x0800_0000;
/// Program interrupt syndrome: privileged instruction.
const ESR_PPR: u32 = 0x0400_0000;
/// Data storage syndrome: the access was a store.
const ESR_DST: u32 = 0x0080_0000;

// ---------------------------------------------------------------------------------------------
// Running an attack

/// A line the microvisor printed about a partition: `VM n: <what> at 0x<pc>` (perhaps followed by
/// `  (address 0x…)`) when it stopped or reset it, or `microvisor: VM n <what>` (no pc) for what
/// the health monitor did next.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Report {
    vm: u32,
    what: String,
    pc: Option<u32>,
    address: Option<u32>,
}

/// What an attacker left in its memory (`struct hostile_record`, guests/lib/hostile/hostile.h).
#[derive(Clone, Copy, Debug, Default)]
struct Record {
    stage: u32,
    count: u32,
    value: [u32; 13],
}

const RECORD_WORDS: u32 = 16;
const RECORD_MAGIC: u32 = 0x4852_4543;

/// One attack run: the victim's transcript without reports, the reports, the attacker's record and
/// any other memory asked for.
struct Run {
    victim: String,
    reports: Vec<Report>,
    record: Record,
    memory: Vec<Vec<u32>>,
    seconds: f64,
}

/// The address and size of symbol `name` in an ELF image.
fn symbol(elf: &Path, name: &str) -> (u32, u32) {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let file = object::File::parse(&data[..]).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let found =
        file.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("{}: no symbol {name}", elf.display()));
    (found.address() as u32, found.size() as u32)
}

fn attacker(name: &str) -> PathBuf {
    image(&format!("hostile-{name}"))
}

/// A patched copy of an image (`patch_symbol`: named by its content and kept for the next run, so
/// it is not removed: another test may be using the same one).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

/// A copy of an attacker with its `hostile_config` patched: `report` makes it print its record
/// and the end marker; `target` is an address some attacks take from the test.
fn configured(elf: &Path, report: bool, target: u32) -> Scratch {
    let mut config = Vec::new();
    for word in [0x4843_4647u32, u32::from(report), target, 0] {
        config.extend_from_slice(&word.to_be_bytes());
    }
    Scratch(patch_symbol(elf, "hostile_config", &config))
}

/// Takes the microvisor's report lines about partitions (see [`Report`]) out of a transcript,
/// wherever they landed: partitions are time-sliced, so a report may cut one of the victim's lines.
fn split_reports(uart0: &str) -> (String, Vec<Report>) {
    let mut rest = uart0;
    let mut text = String::new();
    let mut reports = Vec::new();
    while let Some((start, health)) = report_start(rest) {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find('\n').map_or(tail.len(), |n| n + 1);
        let line = tail[..end].trim_end();
        rest = &tail[end..];
        let line = if health { &line["microvisor: ".len()..] } else { line };
        let vm = line[3..4].parse().expect("a digit");
        if health {
            reports.push(Report {
                vm,
                what: line[4..].trim_start_matches(':').trim().to_string(),
                pc: None,
                address: None,
            });
            continue;
        }
        let body = &line[6..];
        let (what, pc) = body.rsplit_once(" at 0x").unwrap_or_else(|| panic!("malformed report: {line}"));
        let pc = u32::from_str_radix(pc, 16).unwrap_or_else(|_| panic!("malformed report: {line}"));
        let mut address = None;
        if let Some(after) = rest.strip_prefix("  (address 0x") {
            let end = after.find('\n').map_or(after.len(), |n| n + 1);
            let hex = after[..end].trim_end().trim_end_matches(')');
            address = Some(u32::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("malformed address: {hex}")));
            rest = &after[end..];
        }
        reports.push(Report { vm, what: what.to_string(), pc: Some(pc), address });
    }
    text.push_str(rest);
    (text, reports)
}

/// Where the first report starts in `text`, and whether it is a health-monitor line
/// (`microvisor: VM n …`) rather than a stop report (`VM n: …`).
fn report_start(text: &str) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    let digit_at = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    text.match_indices("VM ").map(|(at, _)| at).find_map(|at| {
        let health = at >= 12 && &text[at - 12..at] == "microvisor: ";
        if health && digit_at(at + 3) {
            Some((at - 12, true))
        } else if digit_at(at + 3) && bytes.get(at + 4..at + 6) == Some(b": ") {
            Some((at, false))
        } else {
            None
        }
    })
}

/// Rounds the victim runs unless a test needs it longer (its own default, `victim_config`).
const VICTIM_ROUNDS: u32 = 300;

/// The victim's image, patched to run `rounds` rounds.
fn victim(rounds: u32) -> PathBuf {
    if rounds == VICTIM_ROUNDS {
        return image("victim");
    }
    static PATCHED: Mutex<BTreeMap<u32, Scratch>> = Mutex::new(BTreeMap::new());
    let mut patched = PATCHED.lock().unwrap_or_else(|e| e.into_inner());
    let copy = patched.entry(rounds).or_insert_with(|| {
        let mut config = Vec::new();
        for word in [0x5649_4354u32, rounds, 100_000] {
            config.extend_from_slice(&word.to_be_bytes());
        }
        Scratch(patch_symbol(&image("victim"), "victim_config", &config))
    });
    copy.to_path_buf()
}

/// The victim's transcript on the bare board, for `rounds` rounds (once per test process).
fn native_victim(rounds: u32) -> String {
    static NATIVE: Mutex<BTreeMap<u32, String>> = Mutex::new(BTreeMap::new());
    let mut native = NATIVE.lock().unwrap_or_else(|e| e.into_inner());
    native
        .entry(rounds)
        .or_insert_with(|| {
            let transcript = system_tests::boot(&victim(rounds));
            assert!(
                transcript.uart0.lines().count() > rounds as usize,
                "the victim is too short:\n{}",
                transcript.uart0
            );
            transcript.uart0
        })
        .clone()
}

/// Boots `microvisor` with the victim as partition 0 and `attacker` (no device) as partition 1
/// until the victim's end marker; reads the attacker's record and `reads` (real address, words).
fn attack(microvisor: &str, attacker: &Path, reads: &[(u32, u32)]) -> Run {
    attack_in(microvisor, attacker, 16 << 20, reads)
}

/// [`attack`] with `memory` bytes for the attacker.
fn attack_in(microvisor: &str, attacker: &Path, memory: u32, reads: &[(u32, u32)]) -> Run {
    let attacker_spec = PartitionSpec { devices: vec![], memory, ..PartitionSpec::full(attacker) };
    let system = SystemSpec::round_robin(vec![PartitionSpec::full(victim(VICTIM_ROUNDS)), attacker_spec]);
    attack_system(microvisor, system, VICTIM_ROUNDS, reads)
}

/// [`attack`] with the attacker para-virtualized (its hypercalls recognised, IRFM pages mapped).
fn attack_para(microvisor: &str, attacker: &Path, reads: &[(u32, u32)]) -> Run {
    let attacker_spec = PartitionSpec { devices: vec![], mode: Mode::Para, ..PartitionSpec::full(attacker) };
    let system = SystemSpec::round_robin(vec![PartitionSpec::full(victim(VICTIM_ROUNDS)), attacker_spec]);
    attack_system(microvisor, system, VICTIM_ROUNDS, reads)
}

/// Boots `system` (partition 0 the victim, running `rounds` rounds; partition 1 the attacker) on
/// `microvisor` until the victim's end marker.
fn attack_system(microvisor: &str, system: SystemSpec, rounds: u32, reads: &[(u32, u32)]) -> Run {
    let attacker = system.partitions[1].image.clone();
    let (record_address, _) = symbol(&attacker, "hostile_record");
    let system = {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("hostile-system-{}-{}.elf", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        system_image::pack_system(&image(microvisor), &system, &path).unwrap_or_else(|error| panic!("{error}"));
        path
    };
    let mut read_memory = vec![(ATTACKER_BASE + record_address, RECORD_WORDS)];
    read_memory.extend_from_slice(reads);
    let options = qemu_runner::Options { timeout: Duration::from_secs(30), read_memory, ..Default::default() };
    let started = Instant::now();
    let transcript = qemu_runner::run(&system, options).unwrap_or_else(|error| panic!("{error}"));
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&system);
    assert_eq!(
        transcript.ending,
        Ending::EndMarker,
        "the victim did not finish beside {} ({:?}); UART0 so far:\n{}\nQEMU stderr: {}",
        attacker.display(),
        transcript.ending,
        tail(&transcript.uart0),
        transcript.qemu_stderr
    );
    let (victim, reports) = split_reports(&transcript.uart0);
    let words = &transcript.memory[0];
    assert_eq!(words[0], RECORD_MAGIC, "no hostile_record at {record_address:#x} in partition 1");
    let mut record = Record { stage: words[1], count: words[2], ..Record::default() };
    record.value.copy_from_slice(&words[3..16]);
    let run = Run { victim, reports, record, memory: transcript.memory[1..].to_vec(), seconds };
    assert_victim_unchanged(&run, &native_victim(rounds));
    run
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// (1) The victim printed exactly what it prints alone on the bare board, and was not stopped.
fn assert_victim_unchanged(run: &Run, native: &str) {
    assert!(!run.reports.iter().any(|r| r.vm == 0), "the victim was stopped: {:?}", run.reports);
    if run.victim != native {
        let mut report = String::new();
        for (number, (a, b)) in native.lines().zip(run.victim.lines()).enumerate() {
            if a != b {
                report.push_str(&format!("line {}:\n  native: {a}\n  beside the attacker: {b}\n", number + 1));
            }
        }
        report.push_str(&format!(
            "native {} lines, beside the attacker {} lines",
            native.lines().count(),
            run.victim.lines().count()
        ));
        panic!("the victim's transcript changed:\n{report}");
    }
}

/// (2) The attacker was stopped once, with `what` at `pc` (and `address`, if given), and the
/// health monitor's default action for a fault followed: `microvisor: VM 1 halted`.
fn assert_stopped(run: &Run, what: &str, pc: u32, address: Option<u32>) -> String {
    let expected = Report { vm: 1, what: what.to_string(), pc: Some(pc), address };
    assert_eq!(run.reports, vec![expected, halted()], "expected VM 1 stopped once, then halted");
    let address = address.map(|a| format!(" (address {a:#010x})")).unwrap_or_default();
    format!("stopped: VM 1: {what} at {pc:#010x}{address}, then halted")
}

/// The health monitor's line for a partition it stopped for good.
fn halted() -> Report {
    Report { vm: 1, what: "halted".into(), pc: None, address: None }
}

/// (2) The attacker was never stopped.
fn assert_not_stopped(run: &Run) {
    assert!(run.reports.is_empty(), "unexpected reports: {:?}", run.reports);
}

/// Boots `elf` alone: natively, or packed on `microvisor` with every device.
fn alone(elf: &Path, microvisor: Option<&str>) -> String {
    match microvisor {
        None => system_tests::boot(elf).uart0,
        Some(microvisor) => system_tests::boot_system(&image(microvisor), &[PartitionSpec::full(elf)]).uart0,
    }
}

/// The value `value <n> 0x…` a report run printed.
fn printed_value(transcript: &str, n: usize) -> u32 {
    let prefix = format!("value {n} 0x");
    let line = transcript.lines().find_map(|l| l.strip_prefix(&prefix)).expect("a value line");
    u32::from_str_radix(line, 16).expect("hex")
}

/// The trap counters of a `microvisor-trap-stats` image: (address of partition 0's, words per
/// partition); partition 1's follow partition 0's.
fn trap_counters() -> (u32, u32) {
    let (address, _) = symbol(&image("microvisor-trap-stats"), irfm::stats::SYMBOL);
    (address, irfm::stats::KINDS as u32)
}

/// Partition 1's trap counters: (address, words).
fn attacker_trap_counters() -> (u32, u32) {
    let (address, kinds) = trap_counters();
    (address + 4 * kinds, kinds)
}

// ---------------------------------------------------------------------------------------------
// The attacks: each returns one line saying how it was contained, or panics.

fn microvisor_memory() -> String {
    let elf = attacker("microvisor-memory");
    // The microvisor's vectors from 0x100, as linked, and the attacker's own memory there.
    let run = attack("microvisor", &elf, &[(0x100, 16), (ATTACKER_BASE + 0x100, 16)]);
    assert_not_stopped(&run);
    let record = run.record;
    assert_eq!(record.stage, 2, "{record:?}");
    assert_eq!((record.value[0], record.value[1]), (0, (0x4000 - 0x100) / 4), "{record:?}");
    let linked = microvisor_words(0x100, 16);
    assert_eq!(run.memory[0], linked, "the microvisor's vectors changed");
    let own: Vec<u32> = (0..16).map(|i| 0xa77a_c4ed ^ (0x100 + 4 * i)).collect();
    assert_eq!(run.memory[1], own, "the marker is not in the attacker's own memory");
    "not stopped: its stores to EA 0x100-0x3fff landed in its own memory (real 0x02000100…); \
     the microvisor's vectors at real 0x100 are as linked"
        .into()
}

/// Words of the microvisor image at `address` (in its loaded sections).
fn microvisor_words(address: u32, words: u32) -> Vec<u32> {
    use object::{Object, ObjectSection};
    let data = std::fs::read(image("microvisor")).unwrap();
    let file = object::File::parse(&data[..]).unwrap();
    let section = file
        .sections()
        .find(|s| s.address() as u32 <= address && address + 4 * words <= (s.address() + s.size()) as u32)
        .expect("a section holding the address");
    let bytes = section.data().unwrap();
    let at = (address - section.address() as u32) as usize;
    bytes[at..at + 4 * words as usize].chunks(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect()
}

fn neighbour_memory() -> String {
    let elf = attacker("neighbour-memory");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn tlb_foreign_memory() -> String {
    let elf = attacker("tlb-foreign-memory");
    let run = attack("microvisor-tlb-virt", &elf, &[]);
    assert_eq!(run.record.stage, 2, "translation was not on");
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn tlb_device() -> String {
    let elf = attacker("tlb-device");
    let run = attack("microvisor-tlb-virt", &elf, &[]);
    assert_eq!(run.record.stage, 2, "translation was not on");
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(0xef60_0300))
}

fn tlb_little_endian() -> String {
    let elf = attacker("tlb-little-endian");
    let run = attack("microvisor-tlb-virt", &elf, &[]);
    assert_eq!(run.record.stage, 2, "translation was not on");
    assert_stopped(&run, "little-endian TLB page (unsupported)", symbol(&elf, "hostile_attack").0, None)
}

fn tlb_exhaust() -> String {
    let elf = attacker("tlb-exhaust");
    // Alone, its 504 pages and its results, natively and virtualized.
    let report = configured(&elf, true, 0);
    let native = alone(&report, None);
    let virtualized = alone(&report, Some("microvisor-tlb-virt"));
    assert_eq!(virtualized, native, "alone, the attacker's own results differ natively and virtualized");
    assert_eq!(printed_value(&native, 0), printed_value(&native, 1), "its two hashes should agree");
    // Beside a victim long enough for it to finish (every tlbwe flushes its shadows: it is slow;
    // 1200 rounds were not always enough once the victim stopped losing wake-ups).
    let attacker_spec = PartitionSpec { devices: vec![], ..PartitionSpec::full(&elf) };
    let system = SystemSpec::round_robin(vec![PartitionSpec::full(victim(3000)), attacker_spec]);
    let run = attack_system("microvisor-tlb-virt", system, 3000, &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert_eq!((record.stage, record.count), (2, 504), "{record:?}");
    assert_eq!(
        (record.value[0], record.value[1]),
        (printed_value(&native, 0), printed_value(&native, 1)),
        "beside the victim, its results differ from the native ones"
    );
    "not stopped: 504 pages through 63 rewritten entries (the real TLB churned) beside the victim; its results \
     equal the native run's"
        .into()
}

fn uic() -> String {
    let run = attack("microvisor", &attacker("uic"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.stage == 1 && record.count > 100, "{record:?}");
    assert_eq!((record.value[0], record.value[1]), (u32::MAX, u32::MAX), "ER and CR read back: {record:?}");
    format!(
        "not stopped: {} passes over SR/ER/CR/PR/TR/VCR/SRS stayed in its virtual UIC (ER, CR read back all ones); \
         the victim's UART and software interrupts still came",
        record.count
    )
}

fn interrupts_off_loop() -> String {
    let run = attack("microvisor", &attacker("interrupts-off-loop"), &[]);
    assert_not_stopped(&run);
    assert!(run.record.stage == 1 && run.record.count > 0, "{:?}", run.record);
    format!(
        "not stopped: it spun {} times with EE = 0 while the victim finished in {:.2} s",
        run.record.count, run.seconds
    )
}

fn jump_vectors() -> String {
    let run = attack("microvisor", &attacker("jump-vectors"), &[]);
    assert_eq!(run.record.stage, 0x700, "its own stub at EA 0x700 did not run");
    assert_stopped(&run, OUTSIDE, 0x0100_0700, Some(0x0100_0700))
}

fn stack_overflow() -> String {
    let elf = attacker("stack-overflow");
    let run = attack("microvisor", &elf, &[]);
    let (deep, size) = symbol(&elf, "hostile_deep");
    let [report, then] = &run.reports[..] else { panic!("expected a report and a halt: {:?}", run.reports) };
    assert_eq!((report.vm, report.what.as_str(), then), (1, OUTSIDE, &halted()));
    let pc = report.pc.expect("a pc");
    assert!((deep..deep + size).contains(&pc), "stopped outside hostile_deep: {report:?}");
    // Below 0 the stack wraps to the top of the address space, where the board has nothing for 512
    // KiB (frames there vanish, as natively), then reaches the on-chip SRAM, not granted to it.
    let address = report.address.expect("an address");
    assert!((0xfff0_0000..0xfff8_0000).contains(&address), "r1 did not wrap below 0 into the SRAM: {report:?}");
    assert!(run.record.count > 50, "{:?}", run.record);
    format!(
        "stopped: VM 1: {OUTSIDE} at {pc:#010x} (address {address:#010x}), {} frames deep, then halted",
        run.record.count
    )
}

fn user_mtmsr() -> String {
    let elf = attacker("user-mtmsr");
    let report = configured(&elf, true, 0);
    let native = alone(&report, None);
    let virtualized = alone(&report, Some("microvisor"));
    assert_eq!(virtualized, native, "alone, what it sees differs natively and virtualized");
    let run = attack("microvisor", &elf, &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert_eq!((record.stage, record.count, record.value[3]), (3, 8, ESR_PPR), "{record:?}");
    "not stopped: 8 privileged instructions in its user mode (mtmsr PR = 0 first) each raised PPR in its own \
     handler, as natively; its supervisor mode is its virtual 405's"
        .into()
}

fn dccci() -> String {
    let run = attack("microvisor", &attacker("dccci"), &[]);
    assert_not_stopped(&run);
    assert!(run.record.stage == 1 && run.record.count > 0, "{:?}", run.record);
    format!(
        "not stopped: {} passes of dccci over every congruence class (own and foreign EAs) were no-ops; \
         the victim's data intact (QEMU models no cache, so a pass-through would not show either)",
        run.record.count
    )
}

fn dcbi_foreign() -> String {
    let elf = attacker("dcbi-foreign");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn dbcr0() -> String {
    let run = attack("microvisor", &attacker("dbcr0"), &[]);
    assert_not_stopped(&run);
    let (stage, value, boots) = (run.record.stage, run.record.value[0], run.record.value[1]);
    assert_eq!((stage, value, boots), (1, 0xcfff_ffff, 3), "{:?}", run.record);
    "not stopped: DBCR0 reads back from its virtual register; its two system resets restarted it alone".into()
}

fn reset_storm() -> String {
    let elf = attacker("reset-storm");
    // Its boot counter, outside its image.
    let run = attack("microvisor", &elf, &[(ATTACKER_BASE + 0x00f0_0000, 1)]);
    assert_not_stopped(&run);
    let boots = run.memory[0][0];
    assert!(boots > 2, "{boots} boots: its system resets did not start it again");
    // Temporal isolation: beside it under a cyclic schedule of 5 ms slots, the PIT interrupts of
    // `pit-latency` (every 1 ms) wait at most for the attacker's slot to end, however long loading
    // its image again takes.
    const SLOT: u32 = 1_666_666;
    let system = SystemSpec {
        policy: irfm::image::Policy::Cyclic,
        slots: vec![(0, SLOT), (1, SLOT)],
        ..SystemSpec::round_robin(vec![
            PartitionSpec::full(image("pit-latency")),
            PartitionSpec { devices: vec![], ..PartitionSpec::full(&elf) },
        ])
    };
    let packed = system_tests::pack_system_for_test(&image("microvisor-all"), &system);
    let options = qemu_runner::Options {
        timeout: Duration::from_secs(120),
        icount: Some(qemu_runner::ICOUNT_SHIFT),
        record: true,
        ..qemu_runner::Options::default()
    };
    let transcript = qemu_runner::run(&packed, options).unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_file(&packed);
    let delays: Vec<i64> = transcript
        .uart0
        .lines()
        .filter_map(|line| line.strip_prefix("delays:"))
        .flat_map(|line| line.split_whitespace().map(|delay| delay.parse::<i64>().expect("a delay")))
        .collect();
    assert_eq!(delays.len(), 64, "pit-latency beside the reset storm:\n{}", transcript.uart0);
    let worst = delays.iter().copied().max().unwrap_or(0);
    assert!(
        worst < i64::from(SLOT) + 20_000,
        "a PIT interrupt of the victim waited {worst} ticks, more than the attacker's {SLOT}-tick slot"
    );
    format!(
        "not stopped: {boots} boots, each loading its 2 MiB again; beside it (cyclic, 5 ms slots) the victim's PIT \
         interrupts waited at most {worst} ticks, within the attacker's slot"
    )
}

fn sler() -> String {
    let run = attack("microvisor", &attacker("sler"), &[]);
    assert_not_stopped(&run);
    assert_eq!((run.record.stage, run.record.value[0]), (1, u32::MAX), "{:?}", run.record);
    "not stopped: SLER reads back all ones from its virtual register; QEMU did not abort".into()
}

fn evpr_storm() -> String {
    let run = attack("microvisor-trap-stats", &attacker("evpr-storm"), &[attacker_trap_counters()]);
    assert_not_stopped(&run);
    assert_eq!(run.record.stage, 1);
    let reflected = run.memory[0][irfm::stats::Kind::ProgramReflected as usize];
    assert!(reflected > 1000, "only {reflected} program interrupts reflected");
    format!("not stopped: {reflected} program interrupts reflected to it alone through EVPR 0x00a00000")
}

fn pid_zpr() -> String {
    let mut seen = Vec::new();
    for microvisor in ["microvisor", "microvisor-tlb-virt"] {
        let run = attack(microvisor, &attacker("pid-zpr"), &[(ATTACKER_BASE + VICTIM_PATTERN, 256)]);
        assert_not_stopped(&run);
        let record = run.record;
        assert!(record.stage == 1 && record.count > 0 && record.value[0] == 0, "{microvisor}: {record:?}");
        let expected: Vec<u32> = (0..256).map(|pid| 0x91d0_0000 | pid).collect();
        assert_eq!(run.memory[0], expected, "{microvisor}: its stores are not in its own memory");
        seen.push(format!("{microvisor}: {} sweeps", record.count));
    }
    format!("not stopped: every PID 0-255 and ZPR pattern, stores landed in its own memory ({})", seen.join(", "))
}

fn pit_storm() -> String {
    let (counters, kinds) = trap_counters();
    let elf = attacker("pit-storm");
    let run = attack("microvisor-trap-stats", &elf, &[(counters, 2 * kinds)]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.stage == 1 && record.count > 10 && record.value[12] == 0, "{record:?}");
    // The same under the cyclic schedule, whose slots are their partitions' whatever the others do.
    let partitions = vec![
        PartitionSpec::full(victim(VICTIM_ROUNDS)),
        PartitionSpec { devices: vec![], ..PartitionSpec::full(&elf) },
    ];
    let cyclic = SystemSpec {
        policy: irfm::image::Policy::Cyclic,
        slots: vec![(0, 3_333_333), (1, 3_333_333)],
        ..SystemSpec::round_robin(partitions)
    };
    let cyclic = attack_system("microvisor-trap-stats", cyclic, VICTIM_ROUNDS, &[(counters, 2 * kinds)]);
    assert_not_stopped(&cyclic);
    // Temporal isolation: the victim's slices are its own. Beside an attacker that merely spins it
    // takes a handful of real PIT interrupts (slice ends, its own PIT sleeps); the attacker's timer
    // must not add its events to them.
    let timer = irfm::stats::Kind::Timer as usize;
    let (round_robin, cyclic) = (run.memory[0][timer], cyclic.memory[0][timer]);
    assert!(
        round_robin < 1000 && cyclic < 1000,
        "the attacker's PIT storm cost the victim {round_robin} (round-robin) and {cyclic} (cyclic, 10 ms slots) real \
         PIT interrupts during its own slices (the attacker took {} PIT interrupts; the victim finished in {:.2} s)",
        record.count,
        run.seconds
    );
    format!(
        "not stopped: it took {} PIT interrupts; the victim's slices saw {round_robin} (round-robin) and {cyclic} \
         (cyclic) real timer interrupts",
        record.count
    )
}

fn illegal_storm() -> String {
    let run = attack("microvisor-trap-stats", &attacker("illegal-storm"), &[attacker_trap_counters()]);
    assert_not_stopped(&run);
    assert_eq!(run.record.stage, 1);
    let reflected = run.memory[0][irfm::stats::Kind::ProgramReflected as usize];
    assert!(reflected > 1000, "only {reflected} program interrupts reflected");
    format!("not stopped: {reflected} program interrupts reflected to its empty vector 0x700")
}

fn sram() -> String {
    let elf = attacker("sram");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(0xfff0_0000))
}

fn dcread() -> String {
    let elf = attacker("dcread");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!((run.record.stage, run.record.value[0]), (1, 0x100), "{:?}", run.record);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn lwarx() -> String {
    let elf = attacker("lwarx");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn sc_tw_storm() -> String {
    let run = attack("microvisor", &attacker("sc-tw-storm"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.value[0] > 1000 && record.value[1] > 1000 && record.value[12] == 0, "{record:?}");
    format!("not stopped: {} sc and {} tw reflected to its own handlers", record.value[0], record.value[1])
}

fn rfi_microvisor() -> String {
    let microvisor = image("microvisor");
    let entry = {
        use object::Object;
        let data = std::fs::read(&microvisor).unwrap();
        object::File::parse(&data[..]).unwrap().entry() as u32
    };
    let elf = configured(&attacker("rfi-microvisor"), false, entry);
    let run = attack("microvisor", &elf, &[]);
    let record = run.record;
    assert_eq!((record.stage, record.value[0], record.value[1]), (2, entry, ESR_PIL), "{record:?}");
    assert_stopped(&run, OUTSIDE, entry + 0x0100_0000, Some(entry + 0x0100_0000))
}

fn uart() -> String {
    let elf = attacker("uart");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(0xef60_0300))
}

fn watchdog_reset() -> String {
    let elf = attacker("watchdog-reset");
    // The default health action is a bare 405's: the chip reset resets the attacker's processor
    // alone. Its next fetch, at 0xFFFFFFFC where the board has nothing, raises a program interrupt
    // at 0x700, where this guest has no handler (a zero word): it takes that interrupt over and
    // over, as natively, and nothing is reported.
    let run = attack("microvisor-trap-stats", &elf, &[attacker_trap_counters()]);
    assert_not_stopped(&run);
    let reflected = run.memory[0][irfm::stats::Kind::ProgramReflected as usize];
    assert!(reflected > 1000, "only {reflected} program interrupts reflected after the reset");
    // With `on_watchdog = "restart"` the health monitor restarts it from its image instead, with a
    // report, and it arms the watchdog again, over and over, alone. The reset comes wherever its
    // main is after the TCR write, mostly at its spin loop.
    let attacker_spec = PartitionSpec {
        devices: vec![],
        health: system_image::Health { on_watchdog: system_image::Action::Restart, ..system_image::Health::DEFAULT },
        ..PartitionSpec::full(&elf)
    };
    let system = SystemSpec::round_robin(vec![PartitionSpec::full(victim(VICTIM_ROUNDS)), attacker_spec]);
    let run = attack_system("microvisor", system, VICTIM_ROUNDS, &[]);
    let (main, size) = symbol(&elf, "main");
    let restarted = Report { vm: 1, what: "restarted from its image".into(), pc: None, address: None };
    assert!(!run.reports.is_empty(), "no watchdog reset");
    assert!(!run.reports.contains(&halted()), "halted: the default allows unlimited restarts");
    for pair in run.reports.chunks(2) {
        let reset = &pair[0];
        let in_main = reset.pc.is_some_and(|pc| (main..main + size).contains(&pc));
        assert!(reset.vm == 1 && reset.what == "watchdog reset" && in_main, "unexpected report {reset:?}");
        if let Some(second) = pair.get(1) {
            assert_eq!(*second, restarted);
        }
    }
    format!(
        "reset alone: its processor, then {reflected} program interrupts (its fetch at 0xFFFFFFFC, then its empty \
         0x700), as natively; with on_watchdog = \"restart\", {} times `VM 1: watchdog reset at <its main>`, each followed by `microvisor: VM 1 \
         restarted from its image`",
        run.reports.len().div_ceil(2)
    )
}

fn dcr_sweep() -> String {
    let run = attack("microvisor", &attacker("dcr-sweep"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.stage == 1 && record.count > 0 && record.value[12] == 0, "{record:?}");
    // Answered: the virtual UIC (9), CPC0 (8), SDRAM0 and EBC0 index and data (4), and the other
    // units QEMU's ref405ep has, read-only (56: `microvisor/src/arch/ppc405/dcr.rs`).
    assert_eq!(record.value[0], 1024 - 77, "DCR numbers refused");
    format!(
        "not stopped: {} sweeps; {} of 1024 DCR numbers refused as illegal, the rest virtual or read-only",
        record.count, record.value[0]
    )
}

fn sleep_forever() -> String {
    let run = attack("microvisor", &attacker("sleep-forever"), &[]);
    assert_not_stopped(&run);
    assert_eq!(run.record.stage, 1, "it woke up");
    "not stopped: asleep for good with every interrupt off, alone".into()
}

fn sprg_snoop() -> String {
    let run = attack("microvisor", &attacker("sprg-snoop"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.stage == 1 && record.value[4] > 1000, "{record:?}");
    assert_eq!(record.count, 0, "it read another partition's SPRG4-7: {record:?}");
    format!("not stopped: {} passes over SPRG4-7 (user aliases) saw only its own zeros", record.value[4])
}

fn time_base() -> String {
    let run = attack("microvisor", &attacker("time-base"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert!(record.stage == 1 && record.count > 0, "{record:?}");
    assert_ne!(record.value[0], u32::MAX, "its TBU write reached the time base: {record:?}");
    format!(
        "not stopped: {} TBL/TBU writes ignored (TBU read back {:#x}); the board's time base is shared",
        record.count, record.value[0]
    )
}

fn tlb_read() -> String {
    let elf = attacker("tlb-read");
    let report = configured(&elf, true, 0);
    let native = alone(&report, None);
    let virtualized = alone(&report, Some("microvisor-tlb-virt"));
    assert_eq!(virtualized, native, "alone, what it reads differs natively and virtualized");
    let run = attack("microvisor-tlb-virt", &elf, &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert_eq!(record.stage, 2, "{record:?}");
    assert_eq!(
        record.value[..4],
        [0; 4],
        "it saw a mapping it never wrote (EPN|V, TLBLO, PID, tlbsx hits): {record:?}"
    );
    "not stopped: tlbre of all 64 entries and 40 tlbsx. for the microvisor's pages saw only its own (empty) \
     virtual TLB, as natively"
        .into()
}

fn tlb_big_page() -> String {
    let elf = attacker("tlb-big-page");
    // Past its 8 MiB: real memory nobody owns, which must stay as QEMU left it (zero).
    let run = attack_in("microvisor-tlb-virt", &elf, 8 << 20, &[(ATTACKER_BASE + 0x00c0_0000, 4)]);
    assert_eq!((run.record.stage, run.record.value[0]), (1, 0x0b16_ba9e), "{:?}", run.record);
    assert_eq!(run.memory[0], vec![0; 4], "the store reached the memory past its partition");
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(0x00c0_0000))
}

fn dcbz() -> String {
    let elf = attacker("dcbz");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(VICTIM_BASE + VICTIM_PATTERN))
}

fn stmw_across_end() -> String {
    let elf = attacker("stmw-across-end");
    let run = attack("microvisor", &elf, &[]);
    assert_eq!(run.record.stage, 1);
    assert_stopped(&run, OUTSIDE, symbol(&elf, "hostile_attack").0, Some(0x0100_0000))
}

fn hypercall_wild() -> String {
    let run = attack_para("microvisor-para", &attacker("hypercall-wild"), &[]);
    assert_not_stopped(&run);
    let record = run.record;
    assert_eq!(record.stage, 1, "{record:?}");
    let results: Vec<i32> = record.value[..7].iter().map(|v| *v as i32).collect();
    let (bad, none) = (irfm::hypercall::Error::BadArgument as i32, irfm::hypercall::Error::NoSuchCall as i32);
    assert_eq!(results[..4], [bad; 4], "wild console writes: {results:?}");
    assert!(results[4] == 0 || results[4] == bad, "a console read into foreign memory returned {}", results[4]);
    assert_eq!((results[5], results[6]), (none, 0), "{results:?}");
    format!("not stopped: four wild console writes refused (BadArgument), nothing printed; a foreign read moved nothing ({}); an unknown number NoSuchCall", results[4])
}

fn irfm_read_only() -> String {
    // With `tlb-virt` too (microvisor-all), where the rfi into user mode takes another path.
    for microvisor in ["microvisor-para", "microvisor-all"] {
        irfm_read_only_on(microvisor);
    }
    "not stopped: two stores to its IRFM read-only page raised DSIs (DST) in its own handler and changed nothing; \
     from user mode both IRFM pages raised PPR program interrupts (with and without tlb-virt)"
        .into()
}

fn irfm_read_only_on(microvisor: &str) {
    let run = attack_para(microvisor, &attacker("irfm-read-only"), &[]);
    assert_not_stopped(&run);
    let v = run.record.value;
    assert_eq!(run.record.stage, 3, "{:?}", run.record);
    assert_eq!(v[12], 0, "an unexpected vector: {:?}", run.record);
    assert_eq!(
        (v[1], v[2] & !4, v[3]),
        (2, 0xffff_8000, ESR_DST),
        "the stores to the read-only page: {:?}",
        run.record
    );
    assert_eq!((v[0], v[4]), (v[5], v[5]), "the MSR slot must show its MSR, before and after: {:?}", run.record);
    assert_eq!((v[6], v[7]), (2, ESR_PPR), "{microvisor}: user-mode IRFM accesses: {:?}", run.record);
}

fn ipcm() -> String {
    let elf = attacker("ipcm");
    let partner = PartitionSpec { devices: vec![], mode: Mode::Para, ..PartitionSpec::full(attacker("sleep-forever")) };
    let system = SystemSpec {
        channels: vec![([0, 2], 0x4000_0000)],
        ..SystemSpec::round_robin(vec![
            PartitionSpec::full(victim(VICTIM_ROUNDS)),
            PartitionSpec { devices: vec![], mode: Mode::Para, ..PartitionSpec::full(&elf) },
            partner,
        ])
    };
    let run = attack_system("microvisor-para", system, VICTIM_ROUNDS, &[(irfm::image::CHANNEL_PAGES, 1)]);
    let record = run.record;
    let refused = irfm::hypercall::Error::Refused as i32;
    let results: Vec<i32> = record.value[..5].iter().map(|v| *v as i32).collect();
    assert_eq!(&results[..], &[refused; 5][..], "{record:?}");
    // Nothing is at the channel's address for this partition, nor on the board: as natively, the
    // store goes nowhere and the load reads 0.
    assert_eq!((record.stage, record.value[5]), (2, 0), "{record:?}");
    assert_ne!(run.memory[0][0], 0x1bc0_ffee, "the store reached the channel page");
    assert_not_stopped(&run);
    "its 5 IPCM requests refused; at the channel's address it reached nothing (read 0, store gone, as natively)"
        .into()
}

// ---------------------------------------------------------------------------------------------
// The catalogue, each attack's outcome shared by its test and the summary

struct Attack {
    /// `guests/hostile-<guest>`.
    guest: &'static str,
    check: fn() -> String,
}

const ATTACKS: &[Attack] = &[
    Attack { guest: "microvisor-memory", check: microvisor_memory },
    Attack { guest: "neighbour-memory", check: neighbour_memory },
    Attack { guest: "tlb-foreign-memory", check: tlb_foreign_memory },
    Attack { guest: "tlb-device", check: tlb_device },
    Attack { guest: "tlb-little-endian", check: tlb_little_endian },
    Attack { guest: "tlb-exhaust", check: tlb_exhaust },
    Attack { guest: "uic", check: uic },
    Attack { guest: "interrupts-off-loop", check: interrupts_off_loop },
    Attack { guest: "jump-vectors", check: jump_vectors },
    Attack { guest: "stack-overflow", check: stack_overflow },
    Attack { guest: "user-mtmsr", check: user_mtmsr },
    Attack { guest: "dccci", check: dccci },
    Attack { guest: "dcbi-foreign", check: dcbi_foreign },
    Attack { guest: "dbcr0", check: dbcr0 },
    Attack { guest: "reset-storm", check: reset_storm },
    Attack { guest: "sler", check: sler },
    Attack { guest: "evpr-storm", check: evpr_storm },
    Attack { guest: "pid-zpr", check: pid_zpr },
    Attack { guest: "pit-storm", check: pit_storm },
    Attack { guest: "illegal-storm", check: illegal_storm },
    Attack { guest: "sram", check: sram },
    Attack { guest: "dcread", check: dcread },
    Attack { guest: "lwarx", check: lwarx },
    Attack { guest: "sc-tw-storm", check: sc_tw_storm },
    Attack { guest: "rfi-microvisor", check: rfi_microvisor },
    Attack { guest: "uart", check: uart },
    Attack { guest: "watchdog-reset", check: watchdog_reset },
    Attack { guest: "dcr-sweep", check: dcr_sweep },
    Attack { guest: "sleep-forever", check: sleep_forever },
    Attack { guest: "sprg-snoop", check: sprg_snoop },
    Attack { guest: "time-base", check: time_base },
    Attack { guest: "tlb-read", check: tlb_read },
    Attack { guest: "tlb-big-page", check: tlb_big_page },
    Attack { guest: "dcbz", check: dcbz },
    Attack { guest: "stmw-across-end", check: stmw_across_end },
    Attack { guest: "hypercall-wild", check: hypercall_wild },
    Attack { guest: "irfm-read-only", check: irfm_read_only },
    Attack { guest: "ipcm", check: ipcm },
];

type Outcome = Result<String, String>;

/// Outcomes by guest: `None` while some test runs it.
static OUTCOMES: Mutex<BTreeMap<&str, Option<Outcome>>> = Mutex::new(BTreeMap::new());
static SETTLED: Condvar = Condvar::new();

/// The outcome of `guest`'s attack: run here if nobody has, else waited for.
fn outcome(guest: &'static str) -> Outcome {
    let attack = ATTACKS.iter().find(|a| a.guest == guest).unwrap_or_else(|| panic!("no attack {guest}"));
    let mut outcomes = OUTCOMES.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        match outcomes.get(guest) {
            Some(Some(outcome)) => return outcome.clone(),
            Some(None) => outcomes = SETTLED.wait(outcomes).unwrap_or_else(|e| e.into_inner()),
            None => break,
        }
    }
    outcomes.insert(guest, None);
    drop(outcomes);
    let result = std::panic::catch_unwind(attack.check).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into())
    });
    OUTCOMES.lock().unwrap_or_else(|e| e.into_inner()).insert(guest, Some(result.clone()));
    SETTLED.notify_all();
    result
}

/// Asserts `guest`'s attack was contained.
fn contained(guest: &'static str) {
    match outcome(guest) {
        Ok(how) => println!("hostile-{guest}: {how}"),
        Err(message) => panic!("hostile-{guest} was not contained: {message}"),
    }
}

// ---------------------------------------------------------------------------------------------
// One test per attack

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn stores_to_the_microvisors_addresses_land_in_the_attackers_own_memory() {
    contained("microvisor-memory");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn store_to_another_partitions_memory_stops_the_attacker_alone() {
    contained("neighbour-memory");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn tlbwe_onto_foreign_memory_stops_the_attacker_when_the_entry_is_used() {
    contained("tlb-foreign-memory");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn tlbwe_onto_a_device_not_granted_stops_the_attacker_when_the_entry_is_used() {
    contained("tlb-device");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_little_endian_page_stops_the_attacker_instead_of_aborting_qemu() {
    contained("tlb-little-endian");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn exhausting_the_tlb_keeps_every_partition_mapped_and_matches_native() {
    contained("tlb-exhaust");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn uic_writes_stay_in_the_attackers_virtual_uic() {
    contained("uic");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn interrupts_off_and_an_endless_loop_do_not_keep_the_victim_from_finishing() {
    contained("interrupts-off-loop");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn jumping_to_the_microvisors_vectors_reaches_own_memory_then_stops_beyond_it() {
    contained("jump-vectors");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_stack_overflow_below_address_0_stops_the_attacker_alone() {
    contained("stack-overflow");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn mtmsr_to_supervisor_from_user_mode_traps_to_the_attackers_own_handler() {
    contained("user-mtmsr");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn dccci_of_every_congruence_class_loses_none_of_the_victims_data() {
    contained("dccci");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn dcbi_of_a_foreign_line_stops_the_attacker_alone() {
    contained("dcbi-foreign");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_dbcr0_system_reset_restarts_the_attacker_alone() {
    contained("dbcr0");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_storm_of_system_resets_loads_the_attackers_image_in_its_own_time() {
    contained("reset-storm");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn sler_non_zero_stays_virtual_and_does_not_abort_qemu() {
    contained("sler");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn an_exception_storm_through_a_garbage_evpr_is_the_attackers_alone() {
    contained("evpr-storm");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn pid_and_zpr_games_reach_only_the_attackers_own_memory() {
    contained("pid-zpr");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_pit_interrupt_storm_takes_no_time_from_the_victims_slices() {
    contained("pit-storm");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn an_illegal_instruction_storm_without_a_handler_is_the_attackers_alone() {
    contained("illegal-storm");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_store_to_the_sram_not_granted_stops_the_attacker_alone() {
    contained("sram");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn dcread_of_another_partitions_memory_stops_the_attacker_alone() {
    contained("dcread");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn lwarx_from_another_partitions_memory_stops_the_attacker_alone() {
    contained("lwarx");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn sc_and_tw_storms_are_reflected_to_the_attacker_alone() {
    contained("sc-tw-storm");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn rfi_to_the_microvisors_entry_reaches_own_memory_then_stops_beyond_it() {
    contained("rfi-microvisor");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_store_to_uart0_not_granted_stops_the_attacker_and_prints_nothing() {
    contained("uart");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_watchdog_reset_stops_the_attacker_instead_of_resetting_the_board() {
    contained("watchdog-reset");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn mtdcr_to_every_dcr_changes_only_the_attackers_virtual_devices() {
    contained("dcr-sweep");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn sleeping_forever_with_interrupts_off_leaves_the_victim_running() {
    contained("sleep-forever");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn reading_sprg4_to_7_in_user_mode_never_shows_another_partitions_values() {
    contained("sprg-snoop");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn time_base_writes_are_ignored_and_the_schedule_holds() {
    contained("time-base");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn tlbre_and_tlbsx_see_only_the_attackers_own_virtual_tlb() {
    contained("tlb-read");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_tlb_page_larger_than_the_partition_stops_the_attacker_past_its_memory() {
    contained("tlb-big-page");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn dcbz_of_a_foreign_line_stops_the_attacker_alone() {
    contained("dcbz");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_store_multiple_running_past_the_end_of_its_memory_stops_the_attacker() {
    contained("stmw-across-end");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn hypercalls_with_wild_pointers_and_lengths_are_refused() {
    contained("hypercall-wild");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn stores_to_the_irfm_read_only_page_raise_a_dsi_and_change_nothing() {
    contained("irfm-read-only");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn ipcm_requests_the_configuration_does_not_allow_are_refused() {
    contained("ipcm");
}

/// Attacks the microvisor does not contain yet, with what goes wrong. Their own tests are marked
/// `#[ignore = "microvisor bug: …"]` (and fail when run); the summary counts them as not contained.
/// (None now: the PIT storm was fixed by `sched::timer_matters_after`.)
const KNOWN_BUGS: &[(&str, &str)] = &[];

/// The acceptance line of issue 6: how many attacks were contained.
#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn every_attack_is_contained() {
    let outcomes: Vec<(&str, Outcome)> = ATTACKS.iter().map(|a| (a.guest, outcome(a.guest))).collect();
    let contained = outcomes.iter().filter(|(_, o)| o.is_ok()).count();
    let mut unexpected = Vec::new();
    for (guest, outcome) in &outcomes {
        let known = KNOWN_BUGS.iter().find(|(bug, _)| bug == guest);
        match (outcome, known) {
            (Err(_), Some((_, why))) => println!("NOT CONTAINED hostile-{guest} (known microvisor bug: {why})"),
            (Err(message), None) => {
                println!("NOT CONTAINED hostile-{guest}: {}", message.lines().next().unwrap_or(""));
                unexpected.push(format!("hostile-{guest} was not contained"));
            }
            (Ok(_), Some(_)) => unexpected.push(format!(
                "hostile-{guest} is contained now: take it out of KNOWN_BUGS and drop its test's ignore reason"
            )),
            (Ok(_), None) => {}
        }
    }
    // Straight to the process's stdout, past the test harness's capture: `cargo xtask test` shows it.
    let line = format!("\nhostile-guest suite: {contained} of {} attacks contained\n", ATTACKS.len());
    let _ = std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes());
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

/// Found by the suite (the victim's PIT sleeps sometimes lasted 3.2 s beside an attacker that was
/// merely runnable): a guest that sleeps with `mtmsr(WE | EE)` while its PIT interrupt is already
/// pending must take it at once, as a 405 does (fixed in `trap::apply`).
#[test]
#[ignore = "needs QEMU and the PPC405 images: run cargo xtask test"]
fn a_sleep_with_an_interrupt_already_pending_takes_it_at_once() {
    let guest = image("sleep-pending-pit");
    let native = system_tests::boot(&guest);
    let started = Instant::now();
    let virtualized = system_tests::boot_system(&system_tests::microvisor(), &[PartitionSpec::full(&guest)]);
    assert_eq!(
        virtualized.uart0,
        native.uart0,
        "virtualized in {:.1} s (each lost wake-up waits for the microvisor's 2^30-tick heartbeat)",
        started.elapsed().as_secs_f64()
    );
}

/// Runs without QEMU: every `guests/hostile-*` folder is one attack of the catalogue, with a README
/// whose first line says what it does.
#[test]
fn every_hostile_guest_is_in_the_catalogue_with_a_readme() {
    let guests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests");
    let mut folders: Vec<String> = std::fs::read_dir(&guests)
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_prefix("hostile-").map(str::to_string))
        .collect();
    folders.sort();
    let mut catalogue: Vec<String> = ATTACKS.iter().map(|a| a.guest.to_string()).collect();
    catalogue.sort();
    assert_eq!(folders, catalogue, "guests/hostile-* and the catalogue differ");
    assert!(ATTACKS.len() >= 20, "issue 6 asks for at least 20 attacks");
    for guest in &folders {
        let readme = guests.join(format!("hostile-{guest}/README.md"));
        let text = std::fs::read_to_string(&readme).unwrap_or_else(|e| panic!("{}: {e}", readme.display()));
        assert!(text.lines().next().is_some_and(|line| line.len() > 20), "{}: no first line", readme.display());
    }
}

#[test]
fn report_lines_are_taken_out_wherever_they_land() {
    let uart0 = "round 1: work 0x12VM 1: access outside its memory at 0x00004248\n  (address 0x01100000)\n34, ok\n\
                 round 2\nVM 1: watchdog reset at 0x00004000\nmicrovisor: VM 1 restarted from its image\nend";
    let (text, reports) = split_reports(uart0);
    assert_eq!(text, "round 1: work 0x1234, ok\nround 2\nend");
    assert_eq!(
        reports,
        vec![
            Report { vm: 1, what: OUTSIDE.into(), pc: Some(0x4248), address: Some(0x0110_0000) },
            Report { vm: 1, what: "watchdog reset".into(), pc: Some(0x4000), address: None },
            Report { vm: 1, what: "restarted from its image".into(), pc: None, address: None },
        ]
    );
    let (text, reports) = split_reports("a\nVM 1: access outside its memory at 0x00004000\nmicrovisor: VM 1 halted\nb");
    assert_eq!((text.as_str(), reports.last()), ("a\nb", Some(&halted())));
}

//! Several partitions: the schedules (round-robin, cyclic, fixed priority with budgets), the health
//! monitor's restart limit, the consoles (prefixed emulated UART, UART1) — each checked by what
//! the guests print, their results compared with their native runs.

use std::time::Duration;
use system_image::{Action, Console, Health, PartitionSpec, Policy, SystemSpec, TICKS_PER_MICROSECOND};
use system_tests::{boot, image, pack_system_for_test};

fn ticks(microseconds: u32) -> u32 {
    (f64::from(microseconds) * TICKS_PER_MICROSECOND) as u32
}

/// Runs `system` on the microvisor with every feature until `ends` partitions printed their end
/// marker or were halted.
fn run(system: &SystemSpec, ends: usize, seconds: u64) -> qemu_runner::Transcript {
    let packed = pack_system_for_test(&image("microvisor-all"), system);
    let options = qemu_runner::Options {
        timeout: Duration::from_secs(seconds),
        end_markers: ends,
        halts_end: true,
        ..qemu_runner::Options::default()
    };
    let transcript = qemu_runner::run(&packed, options).unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_file(packed);
    assert_eq!(transcript.ending, qemu_runner::Ending::EndMarker, "the system did not finish:\n{}", transcript.uart0);
    transcript
}

/// Runs `system` on the microvisor with every feature for `seconds`, whatever it prints (for runs
/// that must show what does *not* happen, or whose end marker is not on UART0).
fn run_for(system: &SystemSpec, seconds: u64) -> qemu_runner::Transcript {
    let packed = pack_system_for_test(&image("microvisor-all"), system);
    let options =
        qemu_runner::Options { timeout: Duration::from_secs(seconds), end_marker: None, ..qemu_runner::Options::default() };
    let transcript = qemu_runner::run(&packed, options).unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_file(packed);
    transcript
}

/// Partition `index`'s lines, without their `[VM n] ` prefix.
fn vm_lines(transcript: &str, index: usize) -> Vec<String> {
    let prefix = format!("[VM {index}] ");
    transcript.lines().filter_map(|line| line.strip_prefix(&prefix)).map(str::to_string).collect()
}

/// A transcript's result lines: `cost:` lines are timing, not results.
fn results(lines: &[String]) -> Vec<String> {
    lines.iter().filter(|line| !line.starts_with("cost: ")).cloned().collect()
}

fn native(name: &str) -> Vec<String> {
    boot(&image(name)).uart0.lines().map(str::to_string).collect()
}

fn emulated(name: &str) -> PartitionSpec {
    PartitionSpec { console: Console::Emulated, devices: Vec::new(), ..PartitionSpec::full(image(name)) }
}

fn cyclic(partitions: Vec<PartitionSpec>, slots: &[(u8, u32)]) -> SystemSpec {
    SystemSpec {
        partitions,
        policy: Policy::Cyclic,
        slots: slots.iter().map(|(partition, us)| (*partition, ticks(*us))).collect(),
        channels: Vec::new(),
    }
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn three_partitions_under_a_cyclic_schedule_print_their_native_results_and_a_crasher_is_restarted_three_times() {
    let crasher = PartitionSpec {
        memory: 1 << 20,
        health: Health { on_fault: Action::Restart, max_restarts: 3, ..Health::DEFAULT },
        ..emulated("crasher")
    };
    let system = cyclic(vec![emulated("hello-c"), emulated("simplefft"), crasher], &[(0, 2000), (1, 3000), (2, 1000)]);
    let transcript = run(&system, 3, 120).uart0;
    assert_eq!(vm_lines(&transcript, 0), native("hello-c"), "{transcript}");
    assert_eq!(results(&vm_lines(&transcript, 1)), results(&native("simplefft")), "{transcript}");
    let starts = vm_lines(&transcript, 2).iter().filter(|line| line.starts_with("crasher: started")).count();
    assert_eq!(starts, 4, "the first start and three restarts:\n{transcript}");
    assert_eq!(transcript.matches("microvisor: VM 2 restarted from its image").count(), 3, "{transcript}");
    assert!(transcript.contains("microvisor: VM 2 used its 3 restarts\nmicrovisor: VM 2 halted"), "{transcript}");
    assert!(!transcript.contains("never printed"), "{transcript}");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_partition_without_a_slot_in_the_cyclic_schedule_never_runs() {
    let system = cyclic(vec![emulated("hello-c"), emulated("hello")], &[(0, 1000)]);
    let transcript = run(&system, 1, 30).uart0;
    assert_eq!(vm_lines(&transcript, 0), native("hello-c"), "{transcript}");
    // Let the frame go round a few more times: partition 1 still has no slot.
    let longer = run_for(&system, 3);
    assert!(vm_lines(&longer.uart0, 1).is_empty(), "partition 1 ran:\n{}", longer.uart0);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_spinning_high_priority_partition_is_held_to_its_budget_and_the_lower_one_finishes() {
    // Priority 0 spins with interrupts off for ever; its budget is 2 ms of every 10 ms. Priority 1
    // (hello-c) only runs in what is left, and must finish.
    let spinner = PartitionSpec {
        priority: 0,
        budget: ticks(2000),
        period: ticks(10_000),
        ..emulated("hostile-interrupts-off-loop")
    };
    let hello = PartitionSpec { priority: 1, ..emulated("hello-c") };
    let system = SystemSpec {
        partitions: vec![spinner, hello],
        policy: Policy::FixedPriority,
        slots: Vec::new(),
        channels: Vec::new(),
    };
    let transcript = run(&system, 1, 60).uart0;
    assert_eq!(vm_lines(&transcript, 1), native("hello-c"), "{transcript}");
    assert!(transcript.contains("VM 0: budget overrun"), "the overrun is reported:\n{transcript}");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn under_fixed_priority_without_budgets_a_higher_priority_partition_that_never_waits_starves_the_lower_one() {
    // SimpleFFT spins after its end marker (its runtime's exit is a loop): with priority 0 and no
    // budget it keeps the processor, as fixed priority means, and hello-c never runs.
    let first = PartitionSpec { priority: 0, ..emulated("simplefft") };
    let second = PartitionSpec { priority: 1, ..emulated("hello-c") };
    let system = SystemSpec {
        partitions: vec![second, first],
        policy: Policy::FixedPriority,
        slots: Vec::new(),
        channels: Vec::new(),
    };
    let transcript = run_for(&system, 8).uart0;
    assert_eq!(results(&vm_lines(&transcript, 1)), results(&native("simplefft")), "{transcript}");
    assert!(vm_lines(&transcript, 0).is_empty(), "the lower priority ran:\n{transcript}");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_partition_whose_console_is_uart1_prints_there_and_not_on_uart0() {
    let on_uart1 = PartitionSpec { console: Console::Uart1, devices: Vec::new(), ..PartitionSpec::full(image("hello-c")) };
    // Its end marker is on UART1, which the runner does not watch for one: give it time instead.
    let transcript = run_for(&SystemSpec::round_robin(vec![on_uart1]), 5);
    let uart1: Vec<String> = transcript.uart1.lines().map(str::to_string).collect();
    assert_eq!(uart1, native("hello-c"), "UART1:\n{}", transcript.uart1);
    assert!(!transcript.uart0.contains("Hello"), "partition 0 printed on UART0:\n{}", transcript.uart0);
}

#[test]
#[ignore = "needs the PPC405 images: run `cargo xtask test`"]
fn a_system_needing_a_feature_the_microvisor_lacks_is_refused_when_packing() {
    // The basis image has neither `rt-sched` nor `console-mux`; the one with every feature has both.
    let output = std::env::temp_dir().join(format!("refused-features-{}.elf", std::process::id()));
    let slotted = cyclic(vec![PartitionSpec::full(image("hello-c"))], &[(0, 1000)]);
    let error = system_image::pack_system(&image("microvisor"), &slotted, &output).expect_err("packed");
    assert!(error.to_string().contains("the cyclic schedule needs the microvisor feature `rt-sched`"), "{error}");
    let prioritized = SystemSpec { policy: Policy::FixedPriority, ..SystemSpec::round_robin(vec![emulated("hello-c")]) };
    let error = system_image::pack_system(&image("microvisor"), &prioritized, &output).expect_err("packed");
    assert!(error.to_string().contains("fixed-priority scheduling needs the microvisor feature `rt-sched`"), "{error}");
    let shared = SystemSpec::round_robin(vec![emulated("hello-c")]);
    let error = system_image::pack_system(&image("microvisor"), &shared, &output).expect_err("packed");
    assert!(error.to_string().contains("console `emulated` needs the microvisor feature `console-mux`"), "{error}");
    assert!(!output.exists(), "a refused system left a file behind");
    system_image::pack_system(&image("microvisor-all"), &slotted, &output).unwrap_or_else(|error| panic!("{error}"));
    system_image::pack_system(&image("microvisor-all"), &shared, &output).unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_file(&output);
}

#[test]
#[ignore = "needs the PPC405 images: run `cargo xtask test`"]
fn an_emulated_console_with_the_uart_also_granted_is_refused_when_packing() {
    let contradictory = PartitionSpec { console: Console::Emulated, ..PartitionSpec::full(image("hello-c")) };
    let output = std::env::temp_dir().join(format!("refused-{}.elf", std::process::id()));
    let error = system_image::pack_system(&image("microvisor-all"), &SystemSpec::round_robin(vec![contradictory]), &output)
        .expect_err("packed");
    assert!(error.to_string().contains("cannot also be granted uart0 or uart1"), "{error}");
    assert!(!output.exists(), "a refused system left a file behind");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn two_unmodified_guests_writing_uart0_appear_one_on_uart0_and_one_on_uart1() {
    // The I/O address map: both guests write "their" UART at 0xEF600300. Partition 0 owns the real
    // UART0 page (no trap); partition 1's accesses trap and go to the real UART1 (the MMU alone
    // cannot move 0x300 onto 0x400: see docs/configuration.md).
    let direct = PartitionSpec::full(image("hello-c"));
    let redirected = PartitionSpec { console: Console::Uart1, devices: Vec::new(), ..PartitionSpec::full(image("hello")) };
    let transcript = run_for(&SystemSpec::round_robin(vec![direct, redirected]), 5);
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(lines(&transcript.uart0), native("hello-c"), "UART0:\n{}", transcript.uart0);
    assert_eq!(lines(&transcript.uart1), native("hello"), "UART1:\n{}", transcript.uart1);
}

//! `cargo xtask bench partitions`: virtual-interrupt latency and slot-switch jitter, in
//! instructions under `-icount`.
//!
//! **Latency** (`guests/pit-latency`): the guest arms its PIT with auto-reload (1 ms), its vector
//! stamps the time base on entry, and it prints each delay from expiry to vector (a lower bound:
//! the first expiry is known to within the `write` window around `mtspr PIT`, see the guest's
//! README). It runs natively, alone on the basis microvisor, alone on the microvisor with every
//! feature, and on the latter beside a busy partition under round-robin, where an expiry that falls
//! in the other partition's slice waits for the guest's next one: the scheduler's delay, reported
//! apart from the microvisor's own path.
//!
//! **Slot switches** (`guests/slot-probe`): two probes share a cyclic schedule (one slot each of
//! [`SLOT_MICROSECONDS`], the frame is both). Each spins reading the time base and records when it
//! stopped and resumed around each gap. Slot starts should be exactly one frame apart; the time
//! base is the board's, shared by both probes, so one probe's stop and the other's resume bracket
//! the switch between them.
//!
//! Every run is under `-icount` shift 0 and is made twice; both transcripts must be identical.
//! Unit: time-base ticks, shown as instructions (× 3, see [`super::table1`]).

use super::record;
use crate::{ppc, root, setup, Failure};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use system_image::{Console, PartitionSpec, Policy, SystemSpec, TICKS_PER_MICROSECOND};

/// Instructions per time-base tick under `-icount` shift 0 (see `table1`).
const INSTRUCTIONS_PER_TICK: i64 = 3;
/// Each probe's slot in the cyclic schedule.
const SLOT_MICROSECONDS: u32 = 1000;
/// The busy partition beside `pit-latency` under round-robin: it prints a few lines, then spins in
/// its end loop for every slice it gets.
const BUSY_GUEST: &str = "hello-c";
/// A delay longer than this many ticks was spent waiting for the guest's slice, not in the
/// microvisor's delivery path (which takes a few hundred).
const SCHEDULED_DELAY: i64 = 10_000;
/// The microvisor's round-robin slice: 10 ms of time base (`microvisor/src/sched.rs`, `SLICE`).
const ROUND_ROBIN_SLICE: i64 = 3_333_333;
/// The features of `microvisor-rt`: the basis with the cyclic schedule and emulated consoles.
const REALTIME: [&str; 2] = ["rt-sched", "console-mux"];
/// Wall-clock limit of one run.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs both measurements, prints them and records them in `docs/results.md`.
pub fn run() -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { gdb: false, ..setup::Needs::ALL })?;
    let basis = ppc::build_microvisor(&[], "microvisor")?;
    let all = ppc::build_microvisor(&ppc::ALL_FEATURES, "microvisor-all")?;
    // Slots and emulated consoles are features: the smallest image that has them.
    let realtime = ppc::build_microvisor(&REALTIME, "microvisor-rt")?;
    let latency_guest = ppc::build_c_guest("pit-latency")?;
    let probe = ppc::build_c_guest("slot-probe")?;
    let busy = ppc::build_c_guest(BUSY_GUEST)?;
    let scratch = root().join("target/bench");
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;

    println!("bench partitions: virtual-interrupt latency (pit-latency)");
    let native = measure_latency("native", &latency_guest, None)?;
    let alone_basis = measure_latency("alone on microvisor", &pack_alone(&basis, &latency_guest, &scratch)?, None)?;
    let alone_all = measure_latency("alone on microvisor-all", &pack_alone(&all, &latency_guest, &scratch)?, None)?;
    let round_robin = SystemSpec::round_robin(vec![emulated(&latency_guest), emulated(&busy)]);
    let beside = pack(&all, &round_robin, &scratch.join("pit-latency-round-robin.elf"))?;
    let beside_busy = measure_latency("beside a busy partition, round-robin, microvisor-all", &beside, Some(0))?;

    println!("bench partitions: slot switches (slot-probe)");
    let native_probe = parse_probe(&vm_lines(&twice("slot-probe native", &probe, 1)?, None)).map_err(Failure::new)?;
    if !native_probe.gaps.is_empty() {
        return Err(Failure::new(format!(
            "slot-probe natively saw {} gaps: something interrupts the bare loop",
            native_probe.gaps.len()
        )));
    }
    println!("  native: no gap, longest step {} ticks", native_probe.longest_step);
    let slot = ticks(SLOT_MICROSECONDS);
    let cyclic = SystemSpec {
        partitions: vec![emulated(&probe), emulated(&probe)],
        policy: Policy::Cyclic,
        slots: vec![(0, slot), (1, slot)],
        channels: Vec::new(),
    };
    let mut slot_rows = Vec::new();
    for (name, microvisor) in [("microvisor-rt", &realtime), ("microvisor-all", &all)] {
        let image = pack(microvisor, &cyclic, &scratch.join(format!("slot-probe-cyclic-{name}.elf")))?;
        let transcript = twice(&format!("two slot-probes, cyclic, {name}"), &image, 2)?;
        let first = parse_probe(&vm_lines(&transcript, Some(0))).map_err(Failure::new)?;
        let second = parse_probe(&vm_lines(&transcript, Some(1))).map_err(Failure::new)?;
        let figures = [
            slot_figures(&first.gaps, &second.gaps, slot, slot).map_err(Failure::new)?,
            slot_figures(&second.gaps, &first.gaps, slot, slot).map_err(Failure::new)?,
        ];
        println!("  {name}: {} and {} gaps", first.gaps.len(), second.gaps.len());
        slot_rows.push(SlotRow { microvisor: name, probes: [first, second], figures });
    }

    let measured = Measured { native, alone_basis, alone_all, beside_busy, native_probe, slot_rows, slot };
    let body = report(&measured);
    println!("\n{body}");
    record("Partitions: virtual-interrupt latency and slot-switch jitter", &body)?;
    Ok(ExitCode::SUCCESS)
}

/// Everything the bench measured.
struct Measured {
    native: Latency,
    alone_basis: Latency,
    alone_all: Latency,
    /// `pit-latency` beside [`BUSY_GUEST`] under round-robin.
    beside_busy: Latency,
    native_probe: Probe,
    slot_rows: Vec<SlotRow>,
    /// Each probe's slot, ticks.
    slot: u32,
}

/// Two probes under the cyclic schedule on one microvisor.
struct SlotRow {
    microvisor: &'static str,
    probes: [Probe; 2],
    figures: [SlotFigures; 2],
}

/// One row of the latency table: some of one run's delays.
struct LatencyRow<'a> {
    name: String,
    latency: &'a Latency,
    /// The delays the row covers, ticks.
    delays: Vec<i64>,
    /// The last column: the added latency over native, or what the row is instead.
    added: Option<&'static str>,
}

/// The section for `docs/results.md`.
fn report(measured: &Measured) -> String {
    let Measured { native, beside_busy, slot, .. } = measured;
    let (waited, direct): (Vec<i64>, Vec<i64>) = beside_busy.delays.iter().partition(|delay| **delay > SCHEDULED_DELAY);
    let rows = [
        LatencyRow { name: "native".into(), latency: native, delays: native.delays.clone(), added: Some("–") },
        LatencyRow {
            name: "alone on `microvisor` (basis)".into(),
            latency: &measured.alone_basis,
            delays: measured.alone_basis.delays.clone(),
            added: None,
        },
        LatencyRow {
            name: "alone on `microvisor-all`".into(),
            latency: &measured.alone_all,
            delays: measured.alone_all.delays.clone(),
            added: None,
        },
        LatencyRow {
            name: format!("beside a busy partition, round-robin, `microvisor-all`: expiry in its own slice ({})", direct.len()),
            latency: beside_busy,
            delays: direct.clone(),
            added: None,
        },
        LatencyRow {
            name: format!("… expiry in the other partition's slice ({})", waited.len()),
            latency: beside_busy,
            delays: waited.clone(),
            added: Some("the scheduler's wait: at most one 10 ms slice (10,000,000)"),
        },
    ];
    let native_mean = native.mean;
    let mut latency_table = String::from(
        "| run (interrupts) | `mtspr PIT` window | delay: min / mean / max | delivery jitter (max − min) | added over \
         native: mean [bounds] |\n|---|---|---|---|---|\n",
    );
    for row in &rows {
        let Some(stats) = Stats::of(&row.delays) else {
            latency_table.push_str(&format!("| {} | {} | none | – | – |\n", row.name, instructions(row.latency.write)));
            continue;
        };
        let added = match row.added {
            Some(text) => text.to_string(),
            None => added_latency((native_mean, native.write), (stats.mean, row.latency.write)),
        };
        latency_table.push_str(&format!(
            "| {} | {} | {} / {} / {} | {} | {added} |\n",
            row.name,
            instructions(row.latency.write),
            instructions(stats.min),
            instructions_mean(stats.mean),
            instructions(stats.max),
            instructions(stats.spread()),
        ));
    }
    let waits = waited.iter().map(|wait| group_i(*wait)).collect::<Vec<_>>().join("; ");
    let steps = waited.windows(2).map(|pair| group_i(pair[1] - pair[0])).collect::<Vec<_>>().join("; ");
    let beside_line = format!(
        "Beside a busy partition (`{BUSY_GUEST}`, which prints its lines and then spins in its end loop), round-robin \
         with slices of {} ticks: an expiry that falls in the other partition's slice waits for the next slice of \
         `pit-latency` (up to {:.1} % of a slice here), and the expiries that pass meanwhile are served by the same \
         interrupt, as one TSR[PIS] bit holds them ({} coalesced in all). That wait is the schedule's, bounded by the \
         other partition's slice, not the microvisor's delivery path. The waits, in ticks, were {waits}; from one \
         to the next they grew by {steps} ticks: a round-robin slice begins when the previous one ended, switch \
         included, so two slices take a little more than 20 ms and slide against the PIT's period (the cyclic \
         schedule below does not slide).\n",
        group_i(ROUND_ROBIN_SLICE),
        waited.iter().max().map_or(0.0, |max| *max as f64 / ROUND_ROBIN_SLICE as f64 * 100.0),
        beside_busy.coalesced,
    );
    let sequences: String = rows[..3]
        .iter()
        .chain(std::iter::once(&rows[3]).filter(|_| !direct.is_empty()))
        .map(|row| format!("- {}: {}\n", row.name, compress(&row.delays)))
        .collect();

    let frame = 2 * i64::from(*slot);
    let mut slot_table = String::from(
        "| microvisor | probe (frames) | slot-start jitter | slot-end jitter | end after the other's end − planned \
         slot | usable slot (resume → next stop): min – max (short of the plan by) | switch (own stop → other's \
         resume) | gap − other slot | longest step inside a slot |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &measured.slot_rows {
        for (vm, (figure, probe)) in row.figures.iter().zip(&row.probes).enumerate() {
            slot_table.push_str(&format!(
                "| `{}` | VM {vm} ({}) | {} | {} | {} | {} – {} ({} – {}) | {} | {} | {} |\n",
                row.microvisor,
                figure.frames,
                instructions(figure.start.spread()),
                instructions(figure.end.spread()),
                stats_range(&figure.end_to_end),
                instructions(figure.usable.min),
                instructions(figure.usable.max),
                instructions(i64::from(*slot) - figure.usable.max),
                instructions(i64::from(*slot) - figure.usable.min),
                stats_range(&figure.switch_out),
                stats_range(&figure.gap_minus_other),
                instructions(i64::from(probe.longest_step)),
            ));
        }
    }

    let icount = super::icount_text();
    format!(
        "Measured by `cargo xtask bench partitions` (QEMU 7.2 `ref405ep`, `-icount {icount}`). \
         Every run was made twice and both transcripts were identical (the bench stops otherwise). Unit: \
         instructions, from time-base ticks × 3 (QEMU's time base runs at 333,333,330 Hz and one instruction \
         takes 1 ns), so every figure has a resolution of 3 instructions.\n\n\
         ### Virtual-interrupt latency\n\n\
         `guests/pit-latency` writes TCR (PIE, ARE) and then PIT = 333,333 ticks (1 ms) between two `mftb`, \
         enables interrupts and spins; its PIT vector at EVPR + 0x1000 reads the time base as its second \
         instruction (the first saves r3), clears TSR[PIS] and returns with `rfi`. With auto-reload, expiry j \
         falls exactly at w + j × 1 ms, where w, the moment the PIT was written, lies in the window between the \
         two `mftb`. The delay of each of the 64 interrupts is its stamp minus (second `mftb` + j × 1 ms): a \
         lower bound, the true delay being at most one window more. Natively the window is at most a tick and \
         the delay is the vector's first instruction; on the microvisor the window is the `mtspr PIT` trap, and the \
         delay is the path from the real PIT interrupt through the microvisor (timers advanced, the schedule \
         decided, the virtual interrupt delivered) into the guest's vector. Delivery jitter is the spread of the \
         delays. Added over native is the mean delay minus the native one; its bounds widen it by either \
         window.\n\n\
         {latency_table}\n{beside_line}\n\
         Delays per interrupt, in ticks (`a×n`: n interrupts in a row at a). A PIT whose auto-reload drifted \
         would show a slope; a step is a change of the microvisor's path from one interrupt on (such as its \
         first timer update, or a 10 ms round-robin slice running out with no other partition to take over):\n\n\
         {sequences}\n\
         ### Slot-switch jitter under the cyclic schedule\n\n\
         Two copies of `guests/slot-probe`, VM 0 and VM 1, each own one slot of {} µs ({} ticks) of a {} µs \
         frame ({} ticks), fully virtualized with emulated consoles. Each spins reading the time base; a step \
         longer than 1,000 ticks is a gap (it was descheduled), recorded as the last value before it (stop) and \
         the first after it (resume), 64 times; neither prints until both have finished measuring. Natively the \
         probe sees no gap in 2^26 ticks, and the longest step of its loop is {} instructions: the resolution \
         of stops and resumes (on the microvisor, the turn that records a gap is a little longer).\n\n\
         Slot-start jitter is max − min over k of resume_k − resume_0 − k × frame (0: every slot of the probe \
         starts exactly one frame after its previous one); slot-end jitter is the same for stops. Both probes \
         read the one time base of the board, so one probe's stop minus the other's stop before it, minus the \
         planned slot, says how much later this slot ended after its plan than the other's did, and the other \
         probe's first resume after this probe's stop, minus that stop, is the switch itself: the time from this \
         probe's last instruction to the other's first. Gap − other slot (each gap minus the other slot's planned \
         length) is the same switch seen from one side; the two agree when both slots end equally late. The \
         usable slot is what the probe runs of its own slot, against the planned {} ticks ({} instructions); \
         what it lacks is the switch into the slot.\n\n\
         How late a slot ends in absolute terms cannot be read from inside a partition (the frame's origin is \
         the microvisor's), but it is bounded: the real PIT that ends a slot is programmed during the switch into \
         the slot, for the planned end counted from a time-base value read in that same switch, so it fires late \
         by the part of the switch between that read and the `mtspr PIT`: at least 0 and less than the switch \
         (up to a tick of QEMU's rounding from ticks to nanoseconds). With both slot-end figures at the loop's \
         resolution, every slot ends the same constant time after its plan.\n\n\
         {slot_table}",
        group_i(i64::from(SLOT_MICROSECONDS)),
        group_i(i64::from(*slot)),
        group_i(2 * i64::from(SLOT_MICROSECONDS)),
        group_i(frame),
        instructions(i64::from(measured.native_probe.longest_step)),
        group_i(i64::from(*slot)),
        instructions(i64::from(*slot)),
    )
}

/// The mean delay added over native, with the bounds the two `mtspr PIT` windows allow: (mean,
/// window) of native, then of the virtualized run, in ticks.
fn added_latency(native: (f64, i64), virtualized: (f64, i64)) -> String {
    let mean = (virtualized.0 - native.0) * INSTRUCTIONS_PER_TICK as f64;
    let low = mean - (native.1 * INSTRUCTIONS_PER_TICK) as f64;
    let high = mean + (virtualized.1 * INSTRUCTIONS_PER_TICK) as f64;
    format!("{} [{}, {}]", group_f(mean), group_f(low), group_f(high))
}

/// "min – max (mean m)" in instructions, or one figure when all were equal.
fn stats_range(stats: &Stats) -> String {
    if stats.min == stats.max {
        instructions(stats.min)
    } else {
        format!("{} – {} (mean {})", instructions(stats.min), instructions(stats.max), instructions_mean(stats.mean))
    }
}

/// Ticks as instructions, grouped: 160 → "480".
fn instructions(ticks: i64) -> String {
    group_i(ticks * INSTRUCTIONS_PER_TICK)
}

fn instructions_mean(ticks: f64) -> String {
    group_f(ticks * INSTRUCTIONS_PER_TICK as f64)
}

/// Whole numbers grouped by thousands, with a minus sign: −1234 → "−1,234".
fn group_i(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if value < 0 {
        format!("−{out}")
    } else {
        out
    }
}

/// Rounded to a whole number, grouped.
fn group_f(value: f64) -> String {
    group_i(value.round() as i64)
}

/// `[5, 5, 5, 7, 5]` → "5×3 7 5": runs of equal values.
fn compress(values: &[i64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    while index < values.len() {
        let run = values[index..].iter().take_while(|v| **v == values[index]).count();
        out.push(if run > 1 { format!("{}×{run}", values[index]) } else { values[index].to_string() });
        index += run;
    }
    out.join(" ")
}

/// Runs `pit-latency` (as `image`, or inside it as partition `vm`) twice and reads its figures.
fn measure_latency(what: &str, image: &Path, vm: Option<usize>) -> Result<Latency, Failure> {
    let ends = if vm.is_some() { 2 } else { 1 };
    let transcript = twice(&format!("pit-latency {what}"), image, ends)?;
    let latency = parse_latency(&vm_lines(&transcript, vm)).map_err(|e| Failure::new(format!("{}: {e}", image.display())))?;
    println!(
        "  {what}: write {} ticks, delay {} .. {} ticks (mean {:.2}), {} coalesced",
        latency.write, latency.min, latency.max, latency.mean, latency.coalesced
    );
    Ok(latency)
}

/// Boots `image` twice under `-icount`, each until `ends` end markers; both UART0 transcripts must
/// be identical. Returns the transcript.
fn twice(what: &str, image: &Path, ends: usize) -> Result<String, Failure> {
    let first = boot(image, ends)?;
    let second = boot(image, ends)?;
    if first != second {
        let differing = first.lines().zip(second.lines()).find(|(a, b)| a != b);
        return Err(Failure::new(format!(
            "{what}: two runs under -icount disagree ({}); first run:\n{first}",
            differing.map_or("in length".to_string(), |(a, b)| format!("`{a}` against `{b}`"))
        )));
    }
    Ok(first)
}

fn boot(image: &Path, ends: usize) -> Result<String, Failure> {
    let options = qemu_runner::Options { end_markers: ends, halts_end: true, ..super::deterministic(TIMEOUT) };
    let transcript = super::run_to_end(image, options)?;
    Ok(transcript.uart0)
}

fn ticks(microseconds: u32) -> u32 {
    (f64::from(microseconds) * TICKS_PER_MICROSECOND) as u32
}

/// A partition with an emulated console and no device: its lines come out as `[VM n] …`.
fn emulated(image: &Path) -> PartitionSpec {
    PartitionSpec { console: Console::Emulated, devices: Vec::new(), ..PartitionSpec::full(image) }
}

fn pack(microvisor: &Path, system: &SystemSpec, output: &Path) -> Result<PathBuf, Failure> {
    system_image::pack_system(microvisor, system, output).map_err(|error| Failure::new(error.to_string()))?;
    Ok(output.to_path_buf())
}

/// `guest` as the only partition (UART0 direct, as `table1` runs it).
fn pack_alone(microvisor: &Path, guest: &Path, scratch: &Path) -> Result<PathBuf, Failure> {
    let stem = microvisor.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let output = scratch.join(format!("pit-latency-alone-{stem}.elf"));
    let system = SystemSpec::round_robin(vec![PartitionSpec::full(guest)]);
    pack(microvisor, &system, &output)
}

/// The lines of partition `vm` without their `[VM n] ` prefix, or every line when `vm` is `None`.
fn vm_lines(transcript: &str, vm: Option<usize>) -> Vec<String> {
    match vm {
        None => transcript.lines().map(str::to_string).collect(),
        Some(index) => {
            let prefix = format!("[VM {index}] ");
            transcript.lines().filter_map(|line| line.strip_prefix(&prefix)).map(str::to_string).collect()
        }
    }
}

/// What `pit-latency` prints, in ticks.
#[derive(Clone, Debug, PartialEq)]
struct Latency {
    interrupts: usize,
    period: u32,
    /// Ticks between the `mftb` before and after `mtspr PIT`.
    write: i64,
    min: i64,
    max: i64,
    mean: f64,
    spread: i64,
    coalesced: u32,
    first: i64,
    last: i64,
    /// Each interrupt's delay (the `delays:` lines).
    delays: Vec<i64>,
}

/// The keys of the `latency:` lines, in order.
const LATENCY_KEYS: [&str; 10] =
    ["interrupts", "period", "write", "coalesced", "min", "max", "mean", "spread", "first", "last"];

/// Reads the `latency:` lines (`interrupts N period P write W coalesced C`, `min A max B mean M
/// spread D`, `first F last L`: short lines, as the emulated console cuts lines at 72 bytes) and
/// the `delays: …` lines, and checks they agree.
fn parse_latency(lines: &[String]) -> Result<Latency, String> {
    let parts: Vec<&str> = lines.iter().filter_map(|line| line.strip_prefix("latency: ")).collect();
    if parts.is_empty() {
        return Err("no `latency:` line".to_string());
    }
    let line = parts.join(" ");
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() != 2 * LATENCY_KEYS.len() || words.iter().step_by(2).ne(LATENCY_KEYS.iter()) {
        return Err(format!("`latency: {line}`: expected the keys {}", LATENCY_KEYS.join(", ")));
    }
    let value = |key: &str| words[2 * LATENCY_KEYS.iter().position(|k| *k == key).expect("a known key") + 1];
    let integer = |key: &str| value(key).parse::<i64>().map_err(|_| format!("`latency: {line}`: {key} is not a number"));
    let unsigned = |key: &str| value(key).parse::<u32>().map_err(|_| format!("`latency: {line}`: {key} is not a count"));
    let delays = lines
        .iter()
        .filter_map(|line| line.strip_prefix("delays:"))
        .flat_map(str::split_whitespace)
        .map(|word| word.parse::<i64>().map_err(|_| format!("delays: {word} is not a number")))
        .collect::<Result<Vec<i64>, String>>()?;
    let latency = Latency {
        interrupts: unsigned("interrupts")? as usize,
        period: unsigned("period")?,
        write: integer("write")?,
        min: integer("min")?,
        max: integer("max")?,
        mean: value("mean").parse().map_err(|_| format!("`latency: {line}`: mean is not a number"))?,
        spread: integer("spread")?,
        coalesced: unsigned("coalesced")?,
        first: integer("first")?,
        last: integer("last")?,
        delays,
    };
    let consistent = latency.delays.len() == latency.interrupts
        && latency.delays.iter().min() == Some(&latency.min)
        && latency.delays.iter().max() == Some(&latency.max)
        && latency.spread == latency.max - latency.min
        && latency.delays.first() == Some(&latency.first)
        && latency.delays.last() == Some(&latency.last);
    if !consistent {
        return Err(format!("`latency: {line}` does not agree with its {} `delays:` values", latency.delays.len()));
    }
    Ok(latency)
}

/// One gap a probe saw: its last time-base value before and first after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gap {
    stop: u32,
    resume: u32,
}

/// What `slot-probe` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Probe {
    /// A step between two reads longer than this is a gap.
    threshold: u32,
    /// The longest step that was not a gap: the loop's own resolution.
    longest_step: u32,
    gaps: Vec<Gap>,
}

/// Reads `probe: gaps N threshold T loop L` and the N lines `gap: k stop resume` (k = 0, 1, … in
/// order).
fn parse_probe(lines: &[String]) -> Result<Probe, String> {
    let header = lines.iter().find_map(|line| line.strip_prefix("probe: ")).ok_or("no `probe:` line")?;
    let words: Vec<&str> = header.split_whitespace().collect();
    let numbers = match words[..] {
        ["gaps", count, "threshold", threshold, "loop", longest] => {
            (count.parse::<usize>().ok(), threshold.parse::<u32>().ok(), longest.parse::<u32>().ok())
        }
        _ => (None, None, None),
    };
    let (Some(count), Some(threshold), Some(longest_step)) = numbers else {
        return Err(format!("`probe: {header}`: expected `probe: gaps N threshold T loop L`"));
    };
    let mut gaps = Vec::new();
    for line in lines.iter().filter_map(|line| line.strip_prefix("gap: ")) {
        let numbers: Vec<u32> = line.split_whitespace().filter_map(|word| word.parse().ok()).collect();
        match numbers[..] {
            [k, stop, resume] if k as usize == gaps.len() && line.split_whitespace().count() == 3 => {
                gaps.push(Gap { stop, resume })
            }
            _ => return Err(format!("`gap: {line}`: expected `gap: {} stop resume`", gaps.len())),
        }
    }
    if gaps.len() != count {
        return Err(format!("`probe: {header}` announces {count} gaps, {} `gap:` lines follow", gaps.len()));
    }
    Ok(Probe { threshold, longest_step, gaps })
}

/// Smallest, largest and mean of some values.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Stats {
    min: i64,
    max: i64,
    mean: f64,
}

impl Stats {
    fn of(values: &[i64]) -> Option<Stats> {
        let min = *values.iter().min()?;
        let max = *values.iter().max()?;
        let mean = values.iter().sum::<i64>() as f64 / values.len() as f64;
        Some(Stats { min, max, mean })
    }

    fn spread(&self) -> i64 {
        self.max - self.min
    }
}

/// One probe's slot figures, in ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SlotFigures {
    /// Gaps recorded.
    frames: usize,
    /// resume_k − resume_0 − k × frame.
    start: Stats,
    /// stop_k − stop_0 − k × frame.
    end: Stats,
    /// Own slot used: stop_k − resume_(k−1).
    usable: Stats,
    /// Each own stop minus the other probe's stop before it, minus the own slot's planned length:
    /// how much later this slot ends after its plan than the other slot did.
    end_to_end: Stats,
    /// The other probe's first resume after each own stop, minus that stop.
    switch_out: Stats,
    /// Each gap minus the other slot's planned length.
    gap_minus_other: Stats,
}

/// Signed difference of two time-base values (the runs are far shorter than 2^31 ticks).
fn since(later: u32, earlier: u32) -> i64 {
    i64::from(later.wrapping_sub(earlier) as i32)
}

/// The figures of a probe with slot `own_slot` whose gaps are `own`, beside the probe `other`
/// (slot `other_slot`); the frame is the two slots.
fn slot_figures(own: &[Gap], other: &[Gap], own_slot: u32, other_slot: u32) -> Result<SlotFigures, String> {
    if own.len() < 2 {
        return Err(format!("a probe saw {} gaps; at least 2 are needed", own.len()));
    }
    let frame = i64::from(own_slot) + i64::from(other_slot);
    let offsets = |time: fn(&Gap) -> u32| -> Vec<i64> {
        own.iter().enumerate().map(|(k, gap)| since(time(gap), time(&own[0])) - k as i64 * frame).collect()
    };
    let start = offsets(|gap| gap.resume);
    let end = offsets(|gap| gap.stop);
    let usable: Vec<i64> = own.windows(2).map(|pair| since(pair[1].stop, pair[0].resume)).collect();
    let gap_minus_other: Vec<i64> = own.iter().map(|gap| since(gap.resume, gap.stop) - i64::from(other_slot)).collect();
    // The other's stop that precedes each own stop: the last one before it, within one frame.
    let end_to_end: Vec<i64> = own
        .iter()
        .filter_map(|gap| {
            other
                .iter()
                .map(|theirs| since(gap.stop, theirs.stop))
                .filter(|delta| *delta > 0 && *delta < frame)
                .min()
                .map(|delta| delta - i64::from(own_slot))
        })
        .collect();
    // The other's resume that follows each own stop: the first one after it, within one slot.
    let switch_out: Vec<i64> = own
        .iter()
        .filter_map(|gap| {
            other
                .iter()
                .map(|theirs| since(theirs.resume, gap.stop))
                .filter(|delta| *delta > 0 && *delta < i64::from(other_slot))
                .min()
        })
        .collect();
    let none = |what: &str| format!("no {what} to measure");
    Ok(SlotFigures {
        frames: own.len(),
        start: Stats::of(&start).ok_or_else(|| none("slot start"))?,
        end: Stats::of(&end).ok_or_else(|| none("slot end"))?,
        usable: Stats::of(&usable).ok_or_else(|| none("usable slot"))?,
        end_to_end: Stats::of(&end_to_end).ok_or_else(|| none("slot end (no stop of the other probe precedes one)"))?,
        switch_out: Stats::of(&switch_out).ok_or_else(|| none("switch (no resume of the other probe follows a stop)"))?,
        gap_minus_other: Stats::of(&gap_minus_other).ok_or_else(|| none("gap"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_latency_line_and_its_delays_are_read_and_cross_checked() {
        let text = "pit-latency: banner\nlatency: interrupts 4 period 333333 write 309 coalesced 2\nlatency: min -1 \
                    max 179 mean 84.25 spread 180\nlatency: first 179 last -1\ndelays: 179 160 -1\ndelays: -1\n== end ==";
        let latency = parse_latency(&lines(text)).unwrap();
        assert_eq!(latency.interrupts, 4);
        assert_eq!(latency.period, 333_333);
        assert_eq!(latency.write, 309);
        assert_eq!((latency.min, latency.max, latency.spread), (-1, 179, 180));
        assert_eq!(latency.mean, 84.25);
        assert_eq!(latency.coalesced, 2);
        assert_eq!(latency.delays, vec![179, 160, -1, -1]);
    }

    #[test]
    fn a_latency_line_that_disagrees_with_its_delays_or_misses_a_key_is_refused() {
        let wrong_max = "latency: interrupts 2 period 5 write 0 coalesced 0\nlatency: min 1 max 9 mean 1.50 spread 8\n\
                         latency: first 1 last 2\ndelays: 1 2";
        assert!(parse_latency(&lines(wrong_max)).unwrap_err().contains("does not agree"));
        let short = "latency: interrupts 2 period 5 write 0 coalesced 0\nlatency: min 1 max 2 mean 1.50 spread 1\n\
                     latency: first 1\ndelays: 1 2";
        assert!(parse_latency(&lines(short)).unwrap_err().contains("expected the keys"));
        assert!(parse_latency(&lines("== end ==")).unwrap_err().contains("no `latency:`"));
    }

    #[test]
    fn probe_gaps_are_read_in_order_and_counted() {
        let text = "slot-probe: banner\nprobe: gaps 2 threshold 1000 loop 3\ngap: 0 10 20\ngap: 1 4294967290 5\n== end ==";
        let probe = parse_probe(&lines(text)).unwrap();
        assert_eq!((probe.threshold, probe.longest_step), (1000, 3));
        assert_eq!(probe.gaps, vec![Gap { stop: 10, resume: 20 }, Gap { stop: 4_294_967_290, resume: 5 }]);
        let missing = "probe: gaps 2 threshold 1000 loop 3\ngap: 0 10 20";
        assert!(parse_probe(&lines(missing)).unwrap_err().contains("announces 2"));
        let out_of_order = "probe: gaps 1 threshold 1000 loop 3\ngap: 1 10 20";
        assert!(parse_probe(&lines(out_of_order)).unwrap_err().contains("expected `gap: 0"));
        assert!(parse_probe(&lines("probe: gaps one threshold 1000 loop 3")).is_err());
        assert!(parse_probe(&lines("probe: gaps 0 threshold 1000")).unwrap_err().contains("loop L"));
    }

    #[test]
    fn vm_lines_strip_their_prefix_and_keep_only_that_partition() {
        let transcript = "[VM 0] a\n[VM 1] b\nmicrovisor: x\n[VM 0] c";
        assert_eq!(vm_lines(transcript, Some(0)), vec!["a", "c"]);
        assert_eq!(vm_lines(transcript, Some(1)), vec!["b"]);
        assert_eq!(vm_lines(transcript, None).len(), 4);
    }

    #[test]
    fn slot_figures_of_a_perfect_schedule_show_no_jitter_and_the_switch_costs() {
        // Slots of 100 ticks; each switch takes 4 ticks; each slot ends 1 tick after its plan.
        // Probe A owns [0, 100) + 200k, probe B [100, 200) + 200k.
        let a: Vec<Gap> = (0..5).map(|k| Gap { stop: 200 * k + 101, resume: 200 * (k + 1) + 1 + 4 }).collect();
        let b: Vec<Gap> = (0..5).map(|k| Gap { stop: 200 * k + 201, resume: 200 * (k + 1) + 101 + 4 }).collect();
        let figures = slot_figures(&a, &b, 100, 100).unwrap();
        assert_eq!(figures.frames, 5);
        assert_eq!((figures.start.spread(), figures.end.spread()), (0, 0));
        assert_eq!((figures.usable.min, figures.usable.max), (96, 96));
        assert_eq!((figures.end_to_end.min, figures.end_to_end.max), (0, 0));
        assert_eq!((figures.switch_out.min, figures.switch_out.max), (4, 4));
        assert_eq!((figures.gap_minus_other.min, figures.gap_minus_other.max), (4, 4));
    }

    #[test]
    fn slot_figures_show_a_late_slot_start_as_jitter() {
        let mut a: Vec<Gap> = (0..4).map(|k| Gap { stop: 200 * k + 100, resume: 200 * (k + 1) }).collect();
        a[2].resume += 7;
        let figures = slot_figures(&a, &[], 100, 100);
        assert!(figures.unwrap_err().contains("other probe"), "no other probe: no switch or slot end to measure");
        let b: Vec<Gap> = (0..4).map(|k| Gap { stop: 200 * k + 200, resume: 200 * k + 103 }).collect();
        let figures = slot_figures(&a, &b, 100, 100).unwrap();
        assert_eq!((figures.start.min, figures.start.max), (0, 7));
        assert_eq!(figures.end.spread(), 0);
        // B's slots end 100 ticks after A's, exactly as planned.
        assert_eq!((figures.end_to_end.min, figures.end_to_end.max), (0, 0));
        assert!(slot_figures(&a[..1], &b, 100, 100).is_err());
    }

    #[test]
    fn runs_of_equal_delays_are_compressed_and_numbers_grouped() {
        assert_eq!(compress(&[5, 5, 5, 7, 5]), "5×3 7 5");
        assert_eq!(compress(&[]), "");
        assert_eq!(group_i(-1234), "−1,234");
        assert_eq!(group_i(999), "999");
        assert_eq!(instructions(160), "480");
        assert_eq!(group_f(1234.5), "1,235");
    }
}

//! `cargo xtask`: the one door to building, running, testing and measuring the microvisor.
#![forbid(unsafe_code)]

mod bench;
mod costs;
mod docs;
mod footprint;
mod isa_check;
mod plot;
mod ppc;
mod setup;
mod test;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run, test and measure the PPC405 microvisor")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Installs what is missing, builds the guests and boots the demo under QEMU, streaming its output.
    Demo,
    /// Installs what is missing, then runs host unit tests, PPC builds with the ISA check, and the QEMU integration tests.
    Test,
    /// Boots any PPC405 ELF a user brings on the microvisor (or bare, with --native) under QEMU and streams its UART output live.
    Run {
        /// The guest ELF image (one partition with UART0, fully virtualized).
        #[arg(long, conflicts_with = "config", required_unless_present = "config")]
        guest: Option<PathBuf>,
        /// A system configuration (system.toml): several partitions, schedule, channels, health actions.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Run the guest on the bare board instead of on the microvisor.
        #[arg(long)]
        native: bool,
        /// Stop after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Deterministic mode: count instructions with -icount.
        #[arg(long)]
        icount: bool,
        /// Wait for gdb before the first instruction and print the gdb-multiarch command.
        #[arg(long)]
        gdb: bool,
    },
    /// Runs a benchmark and records it in docs/results.md (with plots in docs/plots): `previrt` (patch 1 MiB of text in under 100 ms), `table1` (the paper's CTask, FFTTask, SimpleFFT natively and virtualized under -icount), `traps` (each privileged instruction's trap path under -icount, into docs/instruction-costs.toml and docs/instructions.md), `partitions` (virtual-interrupt latency and slot-switch jitter under -icount), `tlb` (what TLB virtualization costs a demand-paging kernel, under -icount).
    Bench {
        /// Which benchmark (default: all).
        what: Option<String>,
    },
    /// Builds the microvisor once per feature set and prints its footprint beside Proteus's Table 2 (also into docs/results.md, with a plot).
    Footprint,
    /// Regenerates the tables of docs/instructions.md from irfm, the microvisor's tables and docs/instruction-costs.toml (host only, no QEMU).
    Docs,
    /// Builds every PPC405 image into target/images (with listings) and runs the ISA check on each.
    Build,
    /// Checks ELF images for instructions the PPC405 does not implement.
    IsaCheck {
        /// The images.
        images: Vec<PathBuf>,
    },
}

/// A failure to report in one line (or a short list), then exit 2.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs a command, returns its stdout; its stderr goes into the failure if it fails.
pub fn run_quiet(command: &mut Command) -> Result<String, Failure> {
    let program = command.get_program().to_string_lossy().to_string();
    let output = command.output().map_err(|e| Failure::new(format!("running {program}: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(format!(
            "{program} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C and SIGTERM: ask the QEMU runner to stop; it kills QEMU and we return normally.
    let _ = ctrlc::set_handler(qemu_runner::request_stop);
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(task: Task) -> Result<ExitCode, Failure> {
    match task {
        Task::Demo => demo(),
        Task::Test => test::run_all(),
        Task::Bench { what } => bench::run(what.as_deref()),
        Task::Run { guest, config, native, timeout, icount, gdb } => match (guest, config) {
            (Some(guest), _) => run_guest(&guest, native, Duration::from_secs(timeout), icount, gdb),
            (None, Some(config)) => run_config(&config, Duration::from_secs(timeout), icount, gdb),
            (None, None) => Err(Failure::new("give --guest FILE.elf or --config system.toml")),
        },
        Task::Docs => docs::run(),
        Task::Footprint => {
            setup::ensure(setup::Needs { qemu: false, gdb: false, ..setup::Needs::ALL })?;
            footprint::run()
        }
        Task::Build => {
            setup::ensure(setup::Needs { qemu: false, gdb: false, ..setup::Needs::ALL })?;
            for image in ppc::build_all()? {
                println!("{}", image.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Task::IsaCheck { images } => {
            for image in &images {
                isa_check::check_file(image)?;
                println!("{}: only PPC405 instructions", image.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The demo: a guest bare, then unmodified guests on the microvisor.
fn demo() -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { gdb: false, ..setup::Needs::ALL })?;
    let images = ppc::build_all()?;
    let hello = images
        .iter()
        .find(|image| image.file_stem().is_some_and(|stem| stem == "hello-c"))
        .cloned()
        .ok_or_else(|| Failure::new("image hello-c was not built"))?;
    println!("== 1. hello-c (built with gcc) on a bare PPC405: qemu-system-ppc -M ref405ep ==");
    let transcript = stream(&hello, Duration::from_secs(30), Streaming::PLAIN)?;
    if transcript.ending != qemu_runner::Ending::EndMarker {
        return Err(Failure::new(format!("hello-c did not finish ({:?})", transcript.ending)));
    }
    let config = root().join("linker/systems/demo.toml");
    println!("\n== 2. three partitions on the microvisor ({}) ==", config.display());
    println!("   [VM 0] an RTOS, unmodified, its tasks in their own address spaces (TLB virtualization)");
    println!("   [VM 1] SimpleFFT, a bare-metal guest;  [VM 2] a guest that faults: restarted, then halted");
    let (_, system, partitions) = pack_config(&config, "demo-system.elf")?;
    let how = Streaming { system_image: true, ..Streaming::PLAIN };
    let transcript = stream_until(&system, Duration::from_secs(120), how, partitions)?;
    if transcript.ending != qemu_runner::Ending::EndMarker {
        return Err(Failure::new(format!("the demo system did not finish ({:?})", transcript.ending)));
    }
    println!("\nEvery partition finished or was halted; run your own guest with `cargo xtask run --guest FILE.elf`,");
    println!("your own system with `cargo xtask run --config FILE.toml` (see linker/systems/demo.toml).");
    Ok(ExitCode::SUCCESS)
}

/// Packs the system configuration file `config` describes on the microvisor with every feature
/// into `target/images/<output>`: (the microvisor, the system image, its number of partitions).
fn pack_config(config: &Path, output: &str) -> Result<(PathBuf, PathBuf, usize), Failure> {
    let spec = system_image::config::load(config).map_err(|error| Failure::new(error.to_string()))?;
    let microvisor = ppc::build_microvisor(&ppc::ALL_FEATURES, "microvisor-all")?;
    let system = ppc::images_dir().join(output);
    system_image::pack_system(&microvisor, &spec, &system).map_err(|error| Failure::new(error.to_string()))?;
    Ok((microvisor, system, spec.partitions.len()))
}

/// The system image a `run` packs: one per process, so runs side by side do not overwrite each
/// other's (removed when the run ends, [`RemoveOnDrop`]).
fn run_image_name() -> String {
    format!("run-system-{}.elf", std::process::id())
}

/// Removes a file when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Packs the system a configuration file describes on the full microvisor and runs it.
fn run_config(config: &Path, timeout: Duration, icount: bool, gdb: bool) -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { gdb, ..setup::Needs::ALL })?;
    let (microvisor, system, partitions) = pack_config(config, &run_image_name())?;
    let _remove = RemoveOnDrop(system.clone());
    if gdb {
        println!("QEMU waits for gdb; in another terminal run:\n  {}", qemu_runner::gdb_command(&microvisor));
    }
    // Every partition either prints its end marker or is halted by the health monitor.
    let transcript = stream_until(&system, timeout, Streaming { icount, gdb, system_image: true }, partitions)?;
    eprintln!("xtask: run ended: {:?}", transcript.ending);
    Ok(ExitCode::SUCCESS)
}

/// How [`stream`] runs an image.
#[derive(Clone, Copy)]
struct Streaming {
    /// Deterministic mode (`-icount`).
    icount: bool,
    /// Wait for gdb before the first instruction.
    gdb: bool,
    /// The image is a system image (the microvisor's): its `-icount` runs go in QEMU's record mode
    /// (`qemu_runner::Options::record`).
    system_image: bool,
}

impl Streaming {
    /// A bare guest, at QEMU's own pace, without gdb.
    const PLAIN: Streaming = Streaming { icount: false, gdb: false, system_image: false };
}

/// Runs an image, printing each UART line as it arrives.
fn stream(image: &Path, timeout: Duration, how: Streaming) -> Result<qemu_runner::Transcript, Failure> {
    stream_until(image, timeout, how, 1)
}

/// Runs an image until `ends` end markers (one per partition that ends), printing lines live.
fn stream_until(image: &Path, timeout: Duration, how: Streaming, ends: usize) -> Result<qemu_runner::Transcript, Failure> {
    // Write errors (a closed pipe: `… | head`) are ignored; the run still ends cleanly and QEMU is stopped.
    let mut print_line = |uart: qemu_runner::Uart, line: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = match uart {
            qemu_runner::Uart::Uart0 => writeln!(out, "{line}"),
            qemu_runner::Uart::Uart1 => writeln!(out, "[uart1] {line}"),
        };
    };
    let options = qemu_runner::Options {
        timeout,
        icount: how.icount.then_some(qemu_runner::ICOUNT_SHIFT),
        record: how.system_image,
        gdb: how.gdb,
        live: Some(&mut print_line),
        end_markers: ends,
        halts_end: true,
        ..qemu_runner::Options::default()
    };
    qemu_runner::run(image, options).map_err(|error| Failure::new(error.to_string()))
}

fn run_guest(guest: &Path, native: bool, timeout: Duration, icount: bool, gdb: bool) -> Result<ExitCode, Failure> {
    setup::ensure(setup::Needs { nightly: !native, cross: !native, qemu: true, gdb })?;
    if !guest.is_file() {
        return Err(Failure::new(format!("{}: no such file", guest.display())));
    }
    let image = if native {
        guest.to_path_buf()
    } else {
        let microvisor = ppc::build_microvisor(&ppc::ALL_FEATURES, "microvisor-all")?;
        let system = ppc::images_dir().join(run_image_name());
        // A guest alone gets all the RAM a partition can have (112 MiB), as close to the board's
        // 128 MiB as the microvisor's own 16 MiB allow.
        let alone = system_image::PartitionSpec {
            memory: irfm::image::partition_limit(0, 1),
            ..system_image::PartitionSpec::full(guest)
        };
        system_image::pack(&microvisor, &[alone], &system)
            .map_err(|error| Failure::new(error.to_string()))?;
        if gdb {
            println!(
                "QEMU waits for gdb; in another terminal run:\n  {} -ex 'add-symbol-file {}'",
                qemu_runner::gdb_command(&microvisor),
                guest.display()
            );
        }
        system
    };
    if gdb && native {
        println!("QEMU waits for gdb; in another terminal run:\n  {}", qemu_runner::gdb_command(guest));
    }
    let _remove = (!native).then(|| RemoveOnDrop(image.clone()));
    let transcript = stream(&image, timeout, Streaming { icount, gdb, system_image: !native })?;
    match transcript.ending {
        qemu_runner::Ending::QemuExited(status) => {
            eprintln!("xtask: QEMU exited ({status}): {}", transcript.qemu_stderr.trim());
            Ok(ExitCode::from(1))
        }
        ending => {
            eprintln!("xtask: run ended: {ending:?}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

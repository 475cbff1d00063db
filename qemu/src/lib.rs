//! Boots a PPC405 image under QEMU's `ref405ep` and returns what its two UARTs printed.
//!
//! The machine configuration lives here and nowhere else: [`QEMU`], [`MACHINE`], the serial wiring
//! (UART0 → QEMU's stdout, read line by line; UART1 → a file beside the run) and the flags of the
//! deterministic (`-icount`) and debugging (`-s -S`) modes. Every path out of [`run`] — end marker,
//! timeout, a stop request from Ctrl-C/SIGTERM, an error, a panic — kills QEMU and waits for it, so
//! no QEMU is left behind.
#![forbid(unsafe_code)]

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The QEMU binary. Debian bookworm's 7.2 is the last packaged release with the 405 machines.
pub const QEMU: &str = "qemu-system-ppc";
/// The board: AMCC's PPC405EP evaluation board (UART0 at 0xEF600300, UART1 at 0xEF600400).
pub const MACHINE: &str = "ref405ep";
/// The line our own guests print last; the runner stops when UART0 prints it.
pub const END_MARKER: &str = "== end ==";
/// TCP port of QEMU's gdb stub in [`Options::gdb`] mode (`-s`).
pub const GDB_PORT: u16 = 1234;
/// `-icount` shift for deterministic runs: one instruction is 2^shift ns of virtual time.
pub const ICOUNT_SHIFT: u32 = 0;

/// The value of `-icount` in deterministic mode, for `shift`; `record` adds QEMU's record mode.
///
/// `sleep=off` makes QEMU skip a sleeping core's idle time: it moves the clock on to the next timer
/// at once. That skip alone is not deterministic in QEMU 7.2. Measured on ORCOS under the
/// microvisor, which sleeps a lot: two runs of the same image disagreed after a few hundred to a
/// few tens of thousands of lines. The microvisor's own time-base trace showed why: the real PIT,
/// programmed at the same tick for the same count in both runs, woke the sleeping core 20 ticks
/// (60 instructions) later in one of them, the instructions it had run since it last read the
/// clock. The skip is computed by QEMU's main loop, which can run while the core is going to sleep
/// and miss those instructions. Native runs are exposed too (`guests/sleep-wake`: five different
/// hashes in six runs side by side on a busy host). In record mode (`rr=record`, nothing kept: `rrfile=/dev/null`)
/// QEMU's threads take turns, and runs of the same image agree again. Two limits keep it to the
/// runs that ask for it ([`Options::record`]): QEMU 7.2 aborts in record mode when the real core
/// is reset (`replay_advance_current_icount: Assertion 'diff >= 0' failed`, with
/// `guests/reset-requests` natively), and its main loop then answers no monitor command while the
/// guest runs without sleeping.
pub fn icount_argument(shift: u32, record: bool) -> String {
    let record = if record { ",rr=record,rrfile=/dev/null" } else { "" };
    format!("shift={shift},align=off,sleep=off{record}")
}

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every [`run`] in this process to stop QEMU and return (called from a Ctrl-C/SIGTERM handler).
pub fn request_stop() {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Which UART a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uart {
    /// UART0 at 0xEF600300.
    Uart0,
    /// UART1 at 0xEF600400.
    Uart1,
}

/// Whether `line` is the microvisor's report that a partition halted (`microvisor: VM 2 halted`).
pub fn is_halt_report(line: &str) -> bool {
    line.trim()
        .strip_prefix("microvisor: VM ")
        .and_then(|rest| rest.strip_suffix(" halted"))
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}

/// Receives each complete line as the guest prints it (for live output).
pub type LineSink<'a> = &'a mut dyn FnMut(Uart, &str);

/// How to run an image.
pub struct Options<'a> {
    /// Wall-clock limit for the whole run.
    pub timeout: Duration,
    /// Stop once UART0 printed [`end_markers`](Self::end_markers) lines ending with this (after
    /// trimming; a line may carry a partition prefix such as `[VM 1] `).
    pub end_marker: Option<String>,
    /// How many end-marker lines to wait for (one per partition that ends).
    pub end_markers: usize,
    /// Count the microvisor's `microvisor: VM n halted` line as that partition's end marker: a
    /// halted partition prints nothing more, so a run waiting for it would only time out.
    pub halts_end: bool,
    /// Deterministic mode: `-icount` with [`icount_argument`] for shift N.
    pub icount: Option<u32>,
    /// With [`icount`](Self::icount), QEMU's record mode, so that runs of the same image agree to
    /// the tick ([`icount_argument`]). Only for images that never reset the real core: the
    /// microvisor's system images (guests' resets are the microvisor's to emulate) and guests known
    /// not to; not with [`read_memory`](Self::read_memory), whose monitor commands record mode would
    /// leave unanswered.
    pub record: bool,
    /// Wait for gdb on [`GDB_PORT`] before the first instruction (`-s -S`).
    pub gdb: bool,
    /// Called with every line as it arrives.
    pub live: Option<LineSink<'a>>,
    /// Physical memory to read (address, words) through QEMU's monitor when the end marker is seen,
    /// before QEMU is stopped: the guest cannot see or change how it is read.
    pub read_memory: Vec<(u32, u32)>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
            end_marker: Some(END_MARKER.to_string()),
            end_markers: 1,
            halts_end: false,
            icount: None,
            record: false,
            gdb: false,
            live: None,
            read_memory: Vec::new(),
        }
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// UART0 printed the end marker.
    EndMarker,
    /// The timeout passed first.
    Timeout,
    /// [`request_stop`] was called (Ctrl-C, SIGTERM).
    Stopped,
    /// QEMU exited by itself with this status text.
    QemuExited(String),
}

/// What a run printed.
#[derive(Clone, Debug)]
pub struct Transcript {
    /// UART0 output, lines joined with `\n`, carriage returns removed.
    pub uart0: String,
    /// UART1 output, likewise.
    pub uart1: String,
    /// What QEMU wrote on its stderr.
    pub qemu_stderr: String,
    /// Why the run ended.
    pub ending: Ending,
    /// The words of each [`Options::read_memory`] request (empty if the run did not reach the end marker).
    pub memory: Vec<Vec<u32>>,
}

/// Why a run could not happen.
#[derive(Debug)]
pub enum Error {
    /// `qemu-system-ppc` is not on PATH.
    QemuMissing,
    /// The QEMU found lacks `-M ref405ep`.
    NoRef405ep {
        /// Its version line.
        version: String,
    },
    /// The image file does not exist.
    ImageMissing(PathBuf),
    /// Any other I/O failure, with what was being done.
    Io(String, std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::QemuMissing => write!(
                f,
                "{QEMU} not found on PATH; install QEMU 7.2 (Debian bookworm): apt-get install qemu-system-ppc"
            ),
            Error::NoRef405ep { version } => write!(
                f,
                "{QEMU} ({version}) has no '-M {MACHINE}': the PPC405 machines were removed from QEMU after 7.2; \
                 install Debian bookworm's qemu-system-ppc 7.2: apt-get install qemu-system-ppc=1:7.2*"
            ),
            Error::ImageMissing(path) => write!(f, "{}: no such image", path.display()),
            Error::Io(what, error) => write!(f, "{what}: {error}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that QEMU is installed and has the `ref405ep` machine; returns its version line.
pub fn check_qemu() -> Result<String, Error> {
    let version = Command::new(QEMU).arg("--version").output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => Error::QemuMissing,
        _ => Error::Io(format!("running {QEMU} --version"), error),
    })?;
    let version = String::from_utf8_lossy(&version.stdout).lines().next().unwrap_or("unknown version").to_string();
    let machines = Command::new(QEMU)
        .args(["-M", "help"])
        .output()
        .map_err(|error| Error::Io(format!("running {QEMU} -M help"), error))?;
    let has_machine =
        String::from_utf8_lossy(&machines.stdout).lines().any(|line| line.split_whitespace().next() == Some(MACHINE));
    if has_machine {
        Ok(version)
    } else {
        Err(Error::NoRef405ep { version })
    }
}

/// The command line QEMU is started with for `image` (shown to users in gdb mode).
pub fn command_line(image: &Path, uart1_file: &Path, options: &Options) -> Vec<String> {
    let monitor = if options.read_memory.is_empty() {
        "none".to_string()
    } else {
        format!("unix:{},server=on,wait=off", monitor_socket(uart1_file).display())
    };
    let mut args: Vec<String> = vec![
        "-M".into(),
        MACHINE.into(),
        "-display".into(),
        "none".into(),
        "-monitor".into(),
        monitor,
        "-serial".into(),
        "stdio".into(),
        "-serial".into(),
        format!("file:{}", uart1_file.display()),
        "-kernel".into(),
        image.display().to_string(),
    ];
    if let Some(shift) = options.icount {
        args.push("-icount".into());
        args.push(icount_argument(shift, options.record && options.read_memory.is_empty()));
    }
    if options.gdb {
        args.push("-s".into());
        args.push("-S".into());
    }
    args
}

/// The monitor's socket, beside the run's UART1 file.
fn monitor_socket(uart1_file: &Path) -> PathBuf {
    uart1_file.with_file_name("monitor.sock")
}

/// Reads `words` words of physical memory at `address` with the monitor's `xp` command.
fn read_memory(socket: &Path, requests: &[(u32, u32)]) -> Result<Vec<Vec<u32>>, String> {
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    let mut stream = UnixStream::connect(socket).map_err(|e| format!("monitor: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut results = Vec::new();
    for &(address, words) in requests {
        writeln!(stream, "xp /{words}wx {address:#x}").map_err(|e| format!("monitor: {e}"))?;
        let mut values = Vec::new();
        let mut line = String::new();
        // Output lines look like `0000000000004eb0: 0x00000001 0x00000002 …`, four words each.
        while values.len() < words as usize {
            line.clear();
            if reader.read_line(&mut line).map_err(|e| format!("monitor: {e}"))? == 0 {
                return Err("monitor closed".into());
            }
            let text = line.trim();
            if let Some((head, rest)) = text.split_once(": ") {
                if head.chars().all(|c| c.is_ascii_hexdigit()) {
                    values.extend(rest.split_whitespace().filter_map(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok()));
                }
            }
        }
        if values.len() != words as usize {
            return Err(format!("monitor returned {} words of {words} at {address:#x}", values.len()));
        }
        results.push(values);
    }
    Ok(results)
}

/// The gdb-multiarch command that attaches to a run started with [`Options::gdb`].
pub fn gdb_command(image: &Path) -> String {
    format!(
        "gdb-multiarch -q -ex 'set architecture powerpc:403' -ex 'file {}' -ex 'target remote localhost:{GDB_PORT}'",
        image.display()
    )
}

/// Kills and reaps QEMU however the run ends.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Boots `image` and collects UART output until the end marker, the timeout or a stop request.
pub fn run(image: &Path, mut options: Options) -> Result<Transcript, Error> {
    if !image.is_file() {
        return Err(Error::ImageMissing(image.to_path_buf()));
    }
    check_qemu()?;
    let run_dir = std::env::temp_dir().join(format!("qemu-run-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&run_dir).map_err(|e| Error::Io(format!("creating {}", run_dir.display()), e))?;
    let uart1_file = run_dir.join("uart1.txt");
    let result = run_in(image, &uart1_file, &mut options);
    let _ = std::fs::remove_dir_all(&run_dir);
    result
}

fn unique() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

enum Event {
    Line(String),
    Closed,
}

fn run_in(image: &Path, uart1_file: &Path, options: &mut Options) -> Result<Transcript, Error> {
    let args = command_line(image, uart1_file, options);
    let mut command = Command::new(QEMU);
    command.args(&args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Own process group: a terminal's Ctrl-C reaches us, and we stop QEMU ourselves.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().map_err(|e| Error::Io(format!("starting {QEMU}"), e))?;
    let mut reaper = Reaper(child);
    let stdout = reaper.0.stdout.take().expect("stdout is piped");
    let mut stderr = reaper.0.stderr.take().expect("stderr is piped");
    let stderr_thread = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line).replace('\r', "");
                    let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
                    if sender.send(Event::Line(text)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = sender.send(Event::Closed);
    });

    let deadline = Instant::now() + options.timeout;
    let mut uart0 = Vec::<String>::new();
    let mut uart1_seen = 0usize;
    let mut uart1_partial = String::new();
    let mut memory = Vec::new();
    let mut ends_seen = 0;
    let ending = loop {
        if STOP_REQUESTED.load(Ordering::SeqCst) {
            break Ending::Stopped;
        }
        let now = Instant::now();
        if now >= deadline {
            break Ending::Timeout;
        }
        let wait = (deadline - now).min(Duration::from_millis(50));
        match receiver.recv_timeout(wait) {
            Ok(Event::Line(line)) => {
                if let Some(sink) = options.live.as_mut() {
                    sink(Uart::Uart0, &line);
                }
                let is_end = options.end_marker.as_deref().is_some_and(|marker| {
                    let line = line.trim();
                    line == marker || line.ends_with(&format!("] {marker}"))
                }) || (options.halts_end && is_halt_report(&line));
                uart0.push(line);
                if is_end {
                    ends_seen += 1;
                }
                if is_end && ends_seen >= options.end_markers.max(1) {
                    if !options.read_memory.is_empty() {
                        memory = read_memory(&monitor_socket(uart1_file), &options.read_memory)
                            .map_err(|e| Error::Io("reading memory through the QEMU monitor".into(), std::io::Error::other(e)))?;
                    }
                    break Ending::EndMarker;
                }
            }
            Ok(Event::Closed) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = reaper.0.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                break Ending::QemuExited(status);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        stream_uart1(uart1_file, &mut uart1_seen, &mut uart1_partial, options);
    };
    drop(reaper);
    stream_uart1(uart1_file, &mut uart1_seen, &mut uart1_partial, options);
    let qemu_stderr = stderr_thread.join().unwrap_or_default();
    let uart1 = std::fs::read(uart1_file).map(|bytes| String::from_utf8_lossy(&bytes).replace('\r', "")).unwrap_or_default();
    Ok(Transcript {
        uart0: uart0.join("\n"),
        uart1: uart1.strip_suffix('\n').unwrap_or(&uart1).to_string(),
        qemu_stderr,
        ending,
        memory,
    })
}

/// Passes UART1 lines that appeared since the last call to the live sink.
fn stream_uart1(file: &Path, seen: &mut usize, partial: &mut String, options: &mut Options) {
    let Some(sink) = options.live.as_mut() else { return };
    let Ok(bytes) = std::fs::read(file) else { return };
    if bytes.len() <= *seen {
        return;
    }
    partial.push_str(&String::from_utf8_lossy(&bytes[*seen..]).replace('\r', ""));
    *seen = bytes.len();
    while let Some(end) = partial.find('\n') {
        let line: String = partial.drain(..=end).collect();
        sink(Uart::Uart1, line.trim_end_matches('\n'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_wires_uart0_to_stdout_and_uart1_to_a_file() {
        let options = Options { icount: Some(0), ..Options::default() };
        let args = command_line(Path::new("g.elf"), Path::new("/tmp/u1"), &options);
        let joined = args.join(" ");
        assert!(joined.contains("-M ref405ep"), "{joined}");
        assert!(joined.contains("-serial stdio -serial file:/tmp/u1"), "{joined}");
        assert!(joined.contains("-kernel g.elf"), "{joined}");
        assert!(joined.ends_with("-icount shift=0,align=off,sleep=off"), "{joined}");
        assert!(!joined.contains("-S"), "{joined}");
    }

    #[test]
    fn record_mode_is_added_when_asked_and_never_with_the_monitor() {
        let recorded = Options { icount: Some(0), record: true, ..Options::default() };
        let joined = command_line(Path::new("g.elf"), Path::new("/tmp/u1"), &recorded).join(" ");
        assert!(joined.ends_with("-icount shift=0,align=off,sleep=off,rr=record,rrfile=/dev/null"), "{joined}");
        let reading = Options { read_memory: vec![(0x1000, 1)], ..recorded };
        let joined = command_line(Path::new("g.elf"), Path::new("/tmp/u1"), &reading).join(" ");
        assert!(joined.ends_with("-icount shift=0,align=off,sleep=off"), "{joined}");
        assert!(joined.contains("-monitor unix:"), "{joined}");
    }

    #[test]
    fn only_the_microvisors_halt_line_is_a_halt_report() {
        assert!(is_halt_report("microvisor: VM 2 halted"));
        assert!(is_halt_report("microvisor: VM 12 halted\r"));
        assert!(!is_halt_report("[VM 0] microvisor: VM 2 halted x"));
        assert!(!is_halt_report("microvisor: VM 2 used its 3 restarts"));
        assert!(!is_halt_report("microvisor: VM  halted"));
    }

    #[test]
    fn a_missing_image_is_named() {
        let error = run(Path::new("/nonexistent/guest.elf"), Options::default()).unwrap_err();
        assert_eq!(error.to_string(), "/nonexistent/guest.elf: no such image");
    }

    #[test]
    fn the_no_ref405ep_error_says_cause_and_remedy_in_one_line() {
        let text = Error::NoRef405ep { version: "QEMU emulator version 9.2.0".into() }.to_string();
        assert!(!text.contains('\n'));
        assert!(text.contains("ref405ep") && text.contains("apt-get install"), "{text}");
    }
}

//! Helpers shared by the QEMU integration tests.
//!
//! The tests are `#[ignore]`d in plain `cargo test` (they need QEMU and the PPC405 images);
//! `cargo xtask test` builds the images and runs them with `--ignored`, pointing
//! `PPC405_IMAGES` at `target/images`.
#![forbid(unsafe_code)]

pub mod fft;

use std::path::PathBuf;
use std::time::Duration;

pub use qemu_runner::{Ending, Transcript};

/// The image `name` (`target/images/<name>.elf`), built by `cargo xtask`.
pub fn image(name: &str) -> PathBuf {
    let dir = std::env::var("PPC405_IMAGES")
        .unwrap_or_else(|_| panic!("PPC405_IMAGES is not set: run these tests with `cargo xtask test`"));
    let path = PathBuf::from(dir).join(format!("{name}.elf"));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Boots an image natively (no microvisor) and returns its transcript once it printed the end marker.
pub fn boot(path: &std::path::Path) -> Transcript {
    let options = qemu_runner::Options { timeout: Duration::from_secs(30), ..qemu_runner::Options::default() };
    let transcript = qemu_runner::run(path, options).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        transcript.ending,
        Ending::EndMarker,
        "{} did not finish; UART0 so far:\n{}\nQEMU stderr: {}",
        path.display(),
        transcript.uart0,
        transcript.qemu_stderr
    );
    transcript
}

/// The microvisor image built by `cargo xtask` (basis configuration).
pub fn microvisor() -> PathBuf {
    image("microvisor")
}

/// Packs `guest` as the only partition (fully virtualized, with UART0) and boots it on the microvisor.
pub fn boot_on_microvisor(guest: &std::path::Path) -> Transcript {
    boot_system(&microvisor(), &[system_image::PartitionSpec::full(guest)])
}

/// Packs a system from `partitions` on `microvisor` and boots it until UART0 prints the end marker.
pub fn boot_system(microvisor: &std::path::Path, partitions: &[system_image::PartitionSpec]) -> Transcript {
    let system = pack(microvisor, partitions);
    let transcript = boot(&system);
    let _ = std::fs::remove_file(&system);
    transcript
}

/// Packs a system into a temporary file and returns its path.
pub fn pack(microvisor: &std::path::Path, partitions: &[system_image::PartitionSpec]) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "system-{}-{}.elf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    system_image::pack(microvisor, partitions, &path).unwrap_or_else(|error| panic!("{error}"));
    path
}

/// Packs a whole system (schedule, channels) into a temporary file and returns its path.
pub fn pack_system_for_test(microvisor: &std::path::Path, system: &system_image::SystemSpec) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "system-spec-{}-{}.elf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    system_image::pack_system(microvisor, system, &path).unwrap_or_else(|error| panic!("{error}"));
    path
}

/// A copy of `elf` with the bytes of symbol `symbol` (in a loaded section) replaced by `bytes`.
pub fn patch_symbol(elf: &std::path::Path, symbol: &str, bytes: &[u8]) -> PathBuf {
    use object::{Object, ObjectSection, ObjectSymbol};
    let mut data = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let file = object::File::parse(&data[..]).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let found = file.symbols().find(|s| s.name() == Ok(symbol)).unwrap_or_else(|| panic!("no symbol {symbol}"));
    let section = file.section_by_index(found.section_index().expect("a defined symbol")).expect("its section");
    let (offset, _) = section.file_range().expect("a loaded section");
    let at = (offset + found.address() - section.address()) as usize;
    drop(file);
    data[at..at + bytes.len()].copy_from_slice(bytes);
    // Named by content, so that runs reuse the same few files instead of leaving new ones behind
    // (`cargo xtask test` empties the folder first: images rebuilt differ in their debug data);
    // written under a unique name and renamed, so tests patching alike never read half a file.
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3));
    let dir = std::env::temp_dir().join("ppc405-patched");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let stem = elf.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let path = dir.join(format!("{stem}-{symbol}-{hash:016x}.elf"));
    if !path.exists() {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let partial = dir.join(format!("{}-{}.partial", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&partial, data).unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

/// Boots `image` natively with a longer timeout.
pub fn boot_for(path: &std::path::Path, seconds: u64) -> Transcript {
    let options = qemu_runner::Options { timeout: Duration::from_secs(seconds), ..qemu_runner::Options::default() };
    let transcript = qemu_runner::run(path, options).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(transcript.ending, Ending::EndMarker, "{} did not finish:\n{}", path.display(), transcript.uart0);
    transcript
}

/// Boots `image` under `-icount` (deterministic: one instruction per ns of virtual time) until the
/// end marker, within `seconds` of wall time, and returns what UART0 printed. In QEMU's record
/// mode, so that runs of it agree to the tick (`qemu_runner::icount_argument`): a guest that resets
/// the real core (natively) runs with [`boot_icount_resetting`] instead.
pub fn boot_icount(path: &std::path::Path, seconds: u64) -> String {
    boot_icount_with(path, seconds, true)
}

/// [`boot_icount`] without record mode, in which QEMU 7.2 aborts when the real core is reset.
pub fn boot_icount_resetting(path: &std::path::Path, seconds: u64) -> String {
    boot_icount_with(path, seconds, false)
}

fn boot_icount_with(path: &std::path::Path, seconds: u64, record: bool) -> String {
    let options = qemu_runner::Options {
        timeout: Duration::from_secs(seconds),
        icount: Some(qemu_runner::ICOUNT_SHIFT),
        record,
        ..qemu_runner::Options::default()
    };
    let transcript = qemu_runner::run(path, options).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(transcript.ending, Ending::EndMarker, "{} did not finish:\n{}", path.display(), transcript.uart0);
    transcript.uart0
}

/// A copy of `elf` padded by `previrt patch` (relocation mode), in a temporary file.
pub fn previrt_patched(elf: &std::path::Path) -> PathBuf {
    let bytes = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let patched = previrt_tool::patch::patch(&bytes, &previrt_tool::patch::Options::default())
        .unwrap_or_else(|e| panic!("previrt patch {}: {e}", elf.display()));
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "previrt-{}-{}.elf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, patched.bytes).unwrap();
    path
}

/// The transcript without the microvisor's own lines (`microvisor: …`).
pub fn guest_lines(transcript: &str) -> String {
    transcript.lines().filter(|line| !line.starts_with("microvisor: ")).collect::<Vec<_>>().join("\n")
}

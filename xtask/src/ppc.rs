//! Builds PowerPC 405 images: Rust crates with nightly `-Zbuild-std=core`, C guests with gcc.
//!
//! Every image lands in `target/images/<name>.elf` with an `objdump -d -S` listing beside it
//! (`<name>.asm`), and passes the ISA check ([`crate::isa_check`]) before anyone runs it.

use crate::{isa_check, root, run_quiet, Failure};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The JSON target spec (32-bit big-endian PowerPC, no FPU, static, panic = abort).
pub const TARGET_SPEC: &str = "linker/ppc405.json";
/// Flags of every C guest: gcc for the 405, soft float, nothing from a hosted C library.
pub const GCC_FLAGS: &[&str] = &[
    "-mcpu=405",
    "-msoft-float",
    "-ffreestanding",
    "-nostdlib",
    // gcc 12 may otherwise turn a freestanding memset loop into a call to memset itself.
    "-fno-tree-loop-distribute-patterns",
    "-fno-pic",
    "-msdata=none",
    "-static",
    "-Os",
    "-g",
    "-Wall",
    "-Wextra",
    "-Werror",
    // Keep relocations in the linked image: previrt uses them to move code.
    "-Wl,--emit-relocs",
    "-Wl,--build-id=none",
];

/// Where built images go.
pub fn images_dir() -> PathBuf {
    root().join("target/images")
}

/// A PowerPC Rust crate build: package, binary and Cargo features.
pub struct RustBuild<'a> {
    /// Cargo package name.
    pub package: &'a str,
    /// Binary target inside it.
    pub bin: &'a str,
    /// Features (`--no-default-features` is always passed, so this is the whole set).
    pub features: &'a [&'a str],
    /// Name of the image in `target/images` (without `.elf`).
    pub image: &'a str,
    /// A separate cargo target directory (so builds with other features do not evict this one).
    pub target_dir: Option<PathBuf>,
    /// Extra rustc flags for every crate of the build (core too).
    pub rustflags: &'a [&'a str],
    /// Whether compiler-builtins supplies `memcpy`, `memmove`, `memset`… (else the crate does).
    pub builtin_mem: bool,
}

/// Builds a Rust crate for the PPC405 and returns the checked image.
pub fn build_rust(build: &RustBuild) -> Result<PathBuf, Failure> {
    let target_dir = build.target_dir.clone().unwrap_or_else(|| root().join("target"));
    let mut command = nightly_cargo();
    command.current_dir(root()).args([
        "build",
        "--release",
        "--package",
        build.package,
        "--bin",
        build.bin,
        "--target",
        TARGET_SPEC,
        "-Zbuild-std=core,compiler_builtins",
        "-Zjson-target-spec",
        "--no-default-features",
    ]);
    command.arg("--target-dir").arg(&target_dir);
    if build.builtin_mem {
        command.arg("-Zbuild-std-features=compiler-builtins-mem");
    }
    if !build.rustflags.is_empty() {
        command.env("CARGO_ENCODED_RUSTFLAGS", build.rustflags.join("\x1f"));
    }
    if !build.features.is_empty() {
        command.args(["--features", &build.features.join(",")]);
    }
    let status = command.status().map_err(|e| Failure::new(format!("running nightly cargo: {e}")))?;
    if !status.success() {
        return Err(Failure::new(format!("building {} for the PPC405 failed ({status})", build.package)));
    }
    let built = target_dir.join("ppc405/release").join(build.bin);
    install_image(&built, build.image)
}

/// `cargo` of the nightly toolchain, with the variables the outer (stable) cargo set removed.
pub fn nightly_cargo() -> Command {
    let mut command = Command::new("rustup");
    command.args(["run", "nightly", "cargo"]);
    for variable in ["RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "CARGO", "RUSTC_WRAPPER", "RUSTFLAGS", "CARGO_TARGET_DIR"] {
        command.env_remove(variable);
    }
    command
}

/// A C guest: every `.c` and `.S` file in `guests/<name>/`, plus the shared `guests/crt/` (whose weak
/// `_start` a guest may replace), plus those of each folder its `shares` file names (see
/// [`shared_folders`]), which also go on the include path.
pub fn build_c_guest(name: &str) -> Result<PathBuf, Failure> {
    let dir = root().join("guests").join(name);
    let crt = root().join("guests/crt");
    let shared = shared_folders(&dir)?;
    let mut sources = c_sources(&crt)?;
    for folder in &shared {
        sources.extend(c_sources(folder)?);
    }
    sources.extend(c_sources(&dir)?);
    let out_dir = root().join("target/c-guests");
    std::fs::create_dir_all(&out_dir).map_err(|e| Failure::new(format!("{}: {e}", out_dir.display())))?;
    let output = out_dir.join(format!("{name}.elf"));
    let status = Command::new("powerpc-linux-gnu-gcc")
        .args(GCC_FLAGS)
        .arg("-I")
        .arg(&crt)
        .arg("-I")
        .arg(&dir)
        .args(shared.iter().flat_map(|folder| [std::ffi::OsStr::new("-I"), folder.as_os_str()]))
        .arg("-T")
        .arg(root().join("linker/guest.ld"))
        .arg("-o")
        .arg(&output)
        .args(&sources)
        .arg("-lgcc")
        .status()
        .map_err(|e| Failure::new(format!("running powerpc-linux-gnu-gcc: {e}")))?;
    if !status.success() {
        return Err(Failure::new(format!("building C guest {name} failed ({status})")));
    }
    install_image(&output, name)
}

/// The folders a C guest shares with others: `guests/<name>/shares` lists them, one a line, relative
/// to `guests/` (`lib/rtos`); blank lines and `#` comments are ignored. Shared folders live in
/// `guests/lib/`, which holds no sources of its own and so is not a guest.
pub fn shared_folders(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let list = dir.join("shares");
    let Ok(text) = std::fs::read_to_string(&list) else { return Ok(Vec::new()) };
    let mut folders = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let folder = root().join("guests").join(line);
        if !folder.is_dir() {
            return Err(Failure::new(format!("{}:{}: guests/{line}: no such folder", list.display(), number + 1)));
        }
        folders.push(folder);
    }
    Ok(folders)
}

fn c_sources(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
    let mut sources: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "S")))
        .collect();
    sources.sort();
    Ok(sources)
}

/// Copies a built ELF to `target/images/<name>.elf`, writes its listing and checks its ISA.
fn install_image(built: &Path, name: &str) -> Result<PathBuf, Failure> {
    let dir = images_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
    let image = dir.join(format!("{name}.elf"));
    // Copied aside and renamed into place: a run in another process may be reading the old image.
    let partial = dir.join(format!("{name}.elf.{}", std::process::id()));
    std::fs::copy(built, &partial).map_err(|e| Failure::new(format!("copying {}: {e}", built.display())))?;
    std::fs::rename(&partial, &image).map_err(|e| Failure::new(format!("{}: {e}", image.display())))?;
    let listing = run_quiet(Command::new("powerpc-linux-gnu-objdump").args(["-d", "-S", "-M", "405"]).arg(&image))?;
    let listing_path = dir.join(format!("{name}.asm"));
    std::fs::write(&listing_path, listing).map_err(|e| Failure::new(format!("{}: {e}", listing_path.display())))?;
    isa_check::check_file(&image)?;
    Ok(image)
}

/// The guests in `guests/`: Rust crates (folders with a Cargo.toml) and C guests (with `.c` files).
pub fn guest_folders() -> Result<(Vec<String>, Vec<String>), Failure> {
    let dir = root().join("guests");
    let mut rust = Vec::new();
    let mut c = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if !path.is_dir() || name == "crt" || name == "rt" {
            continue;
        }
        if path.join("Cargo.toml").is_file() {
            rust.push(name);
        } else if !c_sources(&path)?.is_empty() {
            c.push(name);
        }
    }
    rust.sort();
    c.sort();
    Ok((rust, c))
}

/// Builds the microvisor with `features` into `target/images/<image>.elf`. Each feature set gets its
/// own cargo target directory, so switching between them does not rebuild everything.
pub fn build_microvisor(features: &[&str], image: &str) -> Result<PathBuf, Failure> {
    let set = if features.is_empty() { "basis".to_string() } else { features.join("+") };
    let target_dir = Some(root().join("target/microvisor-features").join(set));
    build_rust(&RustBuild { package: "microvisor", bin: "microvisor", features, image, target_dir, rustflags: MICROVISOR_RUSTFLAGS, builtin_mem: false })
}

/// The microvisor is measured in bytes (it also brings its own small `memcpy`, `memset`: see
/// `microvisor/src/arch/ppc405/mem.rs`): a panic (which guest input never causes) is a `trap`
/// instruction, not a handler with its formatting machinery (about 480 B). The trap lands in the
/// microvisor's own program vector, which stops the core with a report (`trap::halt`). LLVM's
/// inlining threshold is 20 (opt-level `z` sets 5): by `cargo xtask footprint`, that makes the basis
/// 220 B and every feature together 356 B smaller than 5 does (15 and 25 give less, 30 or more add
/// bytes), and `cargo xtask bench` moves by a few instructions either way.
const MICROVISOR_RUSTFLAGS: &[&str] = &["-Zunstable-options", "-Cpanic=immediate-abort", "-Cllvm-args=-inline-threshold=20"];

/// The features of `microvisor-trap-stats`: the basis with trap counters, and the real-time
/// schedules so that the counters can be read under them too (the hostile PIT storm). One constant
/// for every builder of that image, so that none overwrites it with another feature set.
pub const TRAP_STATS: [&str; 2] = ["trap-stats", "rt-sched"];

/// The para-virtualization features, all of them.
pub const PARA_VIRT: [&str; 6] = ["para-virt", "irfm", "irfm-fallback", "previrt", "drivers", "ipcm"];

/// Every product feature: what `cargo xtask run` and the demo use.
pub const ALL_FEATURES: [&str; 9] =
    ["para-virt", "irfm", "irfm-fallback", "previrt", "drivers", "ipcm", "tlb-virt", "rt-sched", "console-mux"];

/// Builds every image: the guests and the microvisor (basis configuration).
pub fn build_all() -> Result<Vec<PathBuf>, Failure> {
    let mut images = build_guests()?;
    images.push(build_microvisor(&[], "microvisor")?);
    // The equivalence suite must be able to fail: a microvisor with one emulated bit flipped.
    images.push(build_microvisor(&["inject-fault"], "microvisor-inject-fault")?);
    images.push(build_microvisor(&TRAP_STATS, "microvisor-trap-stats")?);
    images.push(build_microvisor(&["tlb-virt"], "microvisor-tlb-virt")?);
    images.push(build_microvisor(&PARA_VIRT, "microvisor-para")?);
    images.push(build_microvisor(&ALL_FEATURES, "microvisor-all")?);
    images.push(build_microvisor(&["para-virt", "irfm"], "microvisor-irfm-no-fallback")?);
    Ok(images)
}

/// Builds every guest in `guests/` and returns their images.
pub fn build_guests() -> Result<Vec<PathBuf>, Failure> {
    let (rust, c) = guest_folders()?;
    let mut images = Vec::new();
    for name in &rust {
        images.push(build_rust(&RustBuild { package: name, bin: name, features: &[], image: name, target_dir: None, rustflags: &[], builtin_mem: true })?);
    }
    for name in &c {
        images.push(build_c_guest(name)?);
    }
    Ok(images)
}

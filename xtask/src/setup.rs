//! Finds, and when it can installs, every tool the PPC405 build and the QEMU runs need.
//!
//! Idempotent and quick when everything is present (a few `--version` calls). Installs with
//! `apt-get` when running as root on a Debian-like system, otherwise stops with the exact command.

use crate::{run_quiet, Failure};
use std::process::Command;

/// A tool we need, and the Debian package that provides it.
struct Tool {
    command: &'static str,
    package: &'static str,
}

const CROSS_TOOLS: &[Tool] = &[
    Tool { command: "powerpc-linux-gnu-gcc", package: "gcc-powerpc-linux-gnu" },
    Tool { command: "powerpc-linux-gnu-objdump", package: "binutils-powerpc-linux-gnu" },
    Tool { command: "powerpc-linux-gnu-readelf", package: "binutils-powerpc-linux-gnu" },
];
const QEMU_TOOL: Tool = Tool { command: qemu_runner::QEMU, package: "qemu-system-ppc" };
const GDB_TOOL: Tool = Tool { command: "gdb-multiarch", package: "gdb-multiarch" };

/// What a command needs installed.
#[derive(Clone, Copy)]
pub struct Needs {
    /// The nightly toolchain with rust-src (every PowerPC Rust build).
    pub nightly: bool,
    /// powerpc-linux-gnu gcc and binutils (C guests, listings, ISA cross-check).
    pub cross: bool,
    /// qemu-system-ppc 7.2 with ref405ep.
    pub qemu: bool,
    /// gdb-multiarch (gdb tests and `run --gdb`).
    pub gdb: bool,
}

impl Needs {
    /// Everything.
    pub const ALL: Needs = Needs { nightly: true, cross: true, qemu: true, gdb: true };
}

fn on_path(command: &str) -> bool {
    Command::new(command).arg("--version").output().is_ok()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0").unwrap_or(false)
}

/// Makes sure every tool in `needs` is present; installs what is missing when it can.
pub fn ensure(needs: Needs) -> Result<(), Failure> {
    let mut tools: Vec<&Tool> = Vec::new();
    if needs.cross {
        tools.extend(CROSS_TOOLS);
    }
    if needs.qemu {
        tools.push(&QEMU_TOOL);
    }
    if needs.gdb {
        tools.push(&GDB_TOOL);
    }
    let missing: Vec<&Tool> = tools.into_iter().filter(|tool| !on_path(tool.command)).collect();
    if !missing.is_empty() {
        let mut packages: Vec<&str> = missing.iter().map(|tool| tool.package).collect();
        packages.dedup();
        let commands: Vec<&str> = missing.iter().map(|tool| tool.command).collect();
        let remedy = format!("apt-get install -y --no-install-recommends {}", packages.join(" "));
        if is_root() && on_path("apt-get") {
            eprintln!("xtask: installing {} ({})", packages.join(" "), commands.join(", "));
            apt_install(&packages)?;
        } else {
            return Err(Failure::new(format!("{} not found on PATH; run as root: {remedy}", commands.join(", "))));
        }
        if let Some(tool) = missing.iter().find(|tool| !on_path(tool.command)) {
            return Err(Failure::new(format!(
                "{} still not found on PATH after installing {}; add /usr/bin to PATH",
                tool.command, tool.package
            )));
        }
    }
    if needs.qemu {
        qemu_runner::check_qemu().map_err(|error| Failure::new(error.to_string()))?;
    }
    if needs.nightly {
        ensure_nightly()?;
    }
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result<(), Failure> {
    let update = Command::new("apt-get").args(["update", "-qq"]).env("DEBIAN_FRONTEND", "noninteractive").status();
    if !update.map(|s| s.success()).unwrap_or(false) {
        return Err(Failure::new("apt-get update failed; check the network and /etc/apt/sources.list"));
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| Failure::new(format!("running apt-get: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("apt-get install {} failed ({status})", packages.join(" "))))
    }
}

/// The nightly toolchain and its rust-src (PowerPC has no prebuilt std; we build `core`).
fn ensure_nightly() -> Result<(), Failure> {
    let sysroot = run_quiet(Command::new("rustup").args(["run", "nightly", "rustc", "--print", "sysroot"]));
    let sysroot = match sysroot {
        Ok(path) => path,
        Err(_) => {
            eprintln!("xtask: installing the nightly toolchain (rustup toolchain install nightly)");
            let status = Command::new("rustup")
                .args(["toolchain", "install", "nightly", "--profile", "minimal", "--component", "rust-src"])
                .status()
                .map_err(|e| Failure::new(format!("running rustup: {e}; install rustup from https://rustup.rs")))?;
            if !status.success() {
                return Err(Failure::new("rustup toolchain install nightly failed; run it by hand to see why"));
            }
            run_quiet(Command::new("rustup").args(["run", "nightly", "rustc", "--print", "sysroot"]))?
        }
    };
    let core = std::path::Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/core/Cargo.toml");
    if !core.is_file() {
        eprintln!("xtask: installing rust-src for nightly (rustup component add rust-src --toolchain nightly)");
        let status = Command::new("rustup")
            .args(["component", "add", "rust-src", "--toolchain", "nightly"])
            .status()
            .map_err(|e| Failure::new(format!("running rustup: {e}")))?;
        if !status.success() {
            return Err(Failure::new("rustup component add rust-src --toolchain nightly failed"));
        }
    }
    Ok(())
}

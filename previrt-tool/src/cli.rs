//! The `previrt` command line: clap, exit codes 0 / 1 / 2, one-line errors.

use crate::patch::{self, Mode, Options};
use crate::{audit, scan, verify, Error};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

const LONG_ABOUT: &str = "\
Pre-virtualizes linked PowerPC 405 guest ELFs for the microvisor, from any compiler, without source.

Exit codes: 0 done; 1 findings or failure (audit found sensitive instructions that do not trap,
verify found a difference); 2 bad usage or input. Errors are one line: `previrt: FILE: cause`.
Nothing is written on failure, and the input is never touched.

Modes of `patch`:
  relocations (default; the guest was linked with -Wl,--emit-relocs or -C link-arg=--emit-relocs):
    NOPs are inserted after each privileged instruction and code moves. Relative branches are
    re-aimed by decoding them (a bc that no longer reaches gets a 2-word branch island); @ha/@l
    pairs, addresses in data, jump tables, DWARF addresses are recomputed from the relocations;
    symbols, sections, segments, the entry point and the DWARF line program follow.
    Limits: code that computes addresses without relocations (PC-relative tricks such as
    `bl .+4; mflr`, hand-written absolute addresses) is not fixed; gcc's REL32 jump-table entries
    are read relative to the nearest preceding address the code builds with @ha/@l; words of
    code covered by an ADDR32/REL32 relocation or an STT_OBJECT symbol are data; the exception
    vectors (sections .vectors* or below 0x2100) never move: their padded instructions get
    trampolines; DWARF 5 range/location offset pairs and CFA advances are not moved.
  trampolines (--trampolines; the only way without relocations):
    nothing moves; each privileged instruction that needs padding becomes `b stub`, and the stub
    holds the instruction, its padding and `b` back. Limits: code reading its own instructions
    sees the branch; an interrupt in the stub reports the stub's address in SRR0; stubs must lie
    within 32 MiB of the code.

Stripped images (no .symtab) have no relocations either: only --trampolines applies, and the
table is then found by its magic (no __previrt_table symbol can be added).
The table: section .previrt in a new PT_LOAD segment above the image, symbol __previrt_table,
format in irfm::table (magic PVRT, version, count, CRC-32).";

#[derive(Parser)]
#[command(name = "previrt", version, about = "Pre-virtualizes linked PPC405 guest ELFs", long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists every privileged or sensitive instruction: address, encoding, disassembly, class, symbol, source line.
    Scan {
        /// The guest ELF.
        guest: PathBuf,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Pads every privileged instruction and writes the pre-virtualization table.
    #[command(long_about = LONG_ABOUT)]
    Patch {
        /// The guest ELF (never modified).
        guest: PathBuf,
        /// Output file [default: GUEST with .previrt before its extension].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// NOP words after every privileged instruction, instead of each class's own padding.
        #[arg(long, value_name = "N")]
        pad: Option<u8>,
        /// Patch in place with trampoline stubs (for images linked without --emit-relocs).
        #[arg(long)]
        trampolines: bool,
    },
    /// Proves PATCHED is ORIGINAL plus padding: every instruction in order, every branch and address moved with its target.
    Verify {
        /// The guest before patching.
        original: PathBuf,
        /// The patched guest.
        patched: PathBuf,
    },
    /// Reports sensitive instructions that do not trap (Popek and Goldberg); exit 1 if any.
    Audit {
        /// The guest ELF.
        guest: PathBuf,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::input(format!("cannot read: {e}")))
}

fn default_output(guest: &Path) -> PathBuf {
    let stem = guest.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "guest".into());
    let name = match guest.extension() {
        Some(extension) => format!("{stem}.previrt.{}", extension.to_string_lossy()),
        None => format!("{stem}.previrt"),
    };
    guest.with_file_name(name)
}

/// Runs `previrt` with `args` (program name first); returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let text = error.render().to_string();
            let _ = if code == 0 { write!(out, "{text}") } else { write!(err, "{text}") };
            return code;
        }
    };
    let (file, result) = dispatch(cli.command, out);
    match result {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(err, "previrt: {}: {}", file.display(), error.message);
            error.code
        }
    }
}

fn dispatch(command: Command, out: &mut dyn Write) -> (PathBuf, Result<u8, Error>) {
    match command {
        Command::Scan { guest, json } => {
            let result = read(&guest).and_then(|bytes| scan::scan(&bytes)).map(|items| {
                let text = if json { scan::render_json(&items) } else { scan::render_text(&items) };
                let _ = out.write_all(text.as_bytes());
                0
            });
            (guest, result)
        }
        Command::Patch { guest, output, pad, trampolines } => {
            let output = output.unwrap_or_else(|| default_output(&guest));
            let result = patch::patch_file(&guest, &output, &Options { pad, trampolines }).map(|report| {
                let mode = match report.mode {
                    Mode::Relocations => "relocations",
                    Mode::Trampolines => "trampolines",
                };
                let _ = writeln!(
                    out,
                    "{}: {} privileged instructions ({} padded in place, {} trampolines), {} NOPs, {} branch islands, \
                     code grew {} bytes; table at {:#x}; mode {mode}",
                    output.display(),
                    report.sites,
                    report.padded,
                    report.trampolines,
                    report.nops,
                    report.islands,
                    report.growth,
                    report.table_address
                );
                0
            });
            (guest, result)
        }
        Command::Verify { original, patched } => {
            let result = read(&original).and_then(|old| {
                let new = read(&patched).map_err(|e| Error::input(format!("{}: {}", patched.display(), e.message)))?;
                verify::verify(&old, &new)
            });
            let result = result.map(|summary| {
                let _ = writeln!(
                    out,
                    "{}: verified against {}: {} original words in order, {} branches and {} relocated fields reach \
                     their moved targets, {} table entries ({} trampolines), {} branch islands",
                    patched.display(),
                    original.display(),
                    summary.instructions,
                    summary.branches,
                    summary.relocations,
                    summary.sites,
                    summary.trampolines,
                    summary.islands
                );
                0
            });
            (patched, result)
        }
        Command::Audit { guest } => {
            let result = read(&guest).and_then(|bytes| audit::audit(&bytes)).map(|(text, found)| {
                let _ = out.write_all(text.as_bytes());
                u8::from(found)
            });
            (guest, result)
        }
    }
}

//! previrt: pre-virtualization of linked PPC405 guest ELFs, from any compiler, without source.
//!
//! The library behind the `previrt` command (and the tests, the fuzz target and the benchmark):
//! - [`scan`]: every privileged or sensitive instruction, where it is and what it is;
//! - [`patch`]: pads privileged instructions, moves code and fixes everything that refers to
//!   it, and writes the pre-virtualization table ([`irfm::table`]);
//! - [`verify`]: proves a patched image is its original plus padding;
//! - [`audit`]: the Popek and Goldberg report (sensitive instructions that do not trap).
//!
//! Every input is checked by [`elf::Elf::parse`] before use; errors are one line, never a panic.
#![forbid(unsafe_code)]

pub mod audit;
pub mod cli;
pub mod code;
pub mod disasm;
pub mod dwarf;
pub mod elf;
pub mod layout;
pub mod patch;
pub mod reloc;
pub mod scan;
pub mod synth;
pub mod verify;
mod writer;

use std::fmt;

/// A failure, with the exit code it deserves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// 2 for bad usage or input, 1 for a failure or findings.
    pub code: u8,
    /// One line, without the `previrt: file:` prefix.
    pub message: String,
}

impl Error {
    /// Bad input: exit 2.
    pub fn input(message: impl Into<String>) -> Error {
        Error { code: 2, message: message.into() }
    }

    /// The tool ran and the answer is no (verification failed): exit 1.
    pub fn failure(message: impl Into<String>) -> Error {
        Error { code: 1, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

//! Helpers shared by the QEMU integration tests.
//!
//! The tests are `#[ignore]`d in plain `cargo test` (they need QEMU and the PPC405 images);
//! `cargo xtask test` builds the images and runs them with `--ignored`, pointing
//! `PPC405_IMAGES` at `target/images`.
#![forbid(unsafe_code)]

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

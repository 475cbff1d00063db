//! Everything the PPC405 core defines, and all of the microvisor's unsafe code but `guest_mem`.
//!
//! On the host (`cargo test`), each primitive has a stand-in in [`host`] that records what the
//! real one would have done, so the emulation above it is tested without QEMU.
#![allow(unsafe_code)]

pub mod ppc405;

#[cfg(not(target_arch = "powerpc"))]
pub mod host;

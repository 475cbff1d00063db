//! A configurable type-1 microvisor for the IBM/AMCC PowerPC 405.
//!
//! Principles:
//! - **A guest believes it owns a 405, and owns only its partition.** It always runs in user mode
//!   with translation on; every privileged instruction traps and is emulated on its virtual CPU
//!   ([`vcpu`]) as the PPC405 user's manual defines it; its memory and devices are real TLB entries
//!   carrying its TID ([`partition`]). Nothing a guest does can reach another partition or the
//!   microvisor; what a real 405 would do to it, it gets ([`reflect`]); what the microvisor refuses
//!   stops that partition alone with a one-line report ([`console`]).
//! - **Static configuration.** Partitions come from a table the system-image packer wrote
//!   (`irfm::image`); nothing is allocated, every loop is bounded, every path deterministic.
//! - **One hop from an instruction to its emulation.** Vector → [`trap::dispatch`] →
//!   [`emulate::instruction`] (one `match` on `irfm::insn::Op`) → `emulate::<module>::<mnemonic>`.
//! - **Unsafe is confined** to [`arch`] (assembly, real registers, the global state) and
//!   [`guest_mem`] (guest memory by real address). Everything else is safe code, and `cargo test`
//!   runs it on the host against stand-ins of the hardware.
//! - **Every optional component is a Cargo feature**, declared here and nowhere else.
#![cfg_attr(target_arch = "powerpc", no_std)]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

// Feature combinations that cannot work, refused with the reason (tests/compile-fail checks these).
#[cfg(all(feature = "irfm", not(feature = "para-virt")))]
compile_error!("feature `irfm` needs `para-virt`: the IRFM replacements of mtmsr, wrtee, wrteei and rfi are hypercalls");
#[cfg(all(feature = "irfm-fallback", not(feature = "irfm")))]
compile_error!("feature `irfm-fallback` needs `irfm`: without IRFM pages there is nothing to fall back from");
#[cfg(all(feature = "previrt", not(feature = "irfm")))]
compile_error!("feature `previrt` needs `irfm`: pre-virtualized sites become IRFM loads and stores");
#[cfg(all(feature = "drivers", not(feature = "para-virt")))]
compile_error!("feature `drivers` needs `para-virt`: the console driver is reached by hypercalls");
#[cfg(all(feature = "ipcm", not(feature = "para-virt")))]
compile_error!("feature `ipcm` needs `para-virt`: channels are opened and notified by hypercalls");

/// This build's features (`irfm::hypercall::feature` bits): the `Version` hypercall answers them,
/// and the packer reads them (`irfm::image::FEATURES_SYMBOL`) to refuse a system this build cannot run.
pub const FEATURES: u32 = {
    use irfm::hypercall::feature;
    let mut bits = 0;
    if cfg!(feature = "irfm") {
        bits |= feature::IRFM;
    }
    if cfg!(feature = "irfm-fallback") {
        bits |= feature::IRFM_FALLBACK;
    }
    if cfg!(feature = "drivers") {
        bits |= feature::DRIVERS;
    }
    if cfg!(feature = "tlb-virt") {
        bits |= feature::TLB_VIRT;
    }
    if cfg!(feature = "ipcm") {
        bits |= feature::IPCM;
    }
    if cfg!(feature = "rt-sched") {
        bits |= feature::RT_SCHED;
    }
    if cfg!(feature = "console-mux") {
        bits |= feature::CONSOLE_MUX;
    }
    bits
};

// Without `tlb-virt` a guest sees its memory one-to-one; with it, its own virtual TLB.
#[cfg_attr(feature = "tlb-virt", path = "address_space/virtual_tlb.rs")]
#[cfg_attr(not(feature = "tlb-virt"), path = "address_space/real_mode.rs")]
pub mod address_space;
pub mod arch;
pub mod boot;
pub mod console;
#[cfg(feature = "drivers")]
pub mod drivers;
pub mod emulate;
pub mod guest_mem;
pub mod health;
pub mod io_map;
#[cfg(feature = "para-virt")]
pub mod hypercall;
#[cfg(feature = "ipcm")]
pub mod ipcm;
#[cfg(feature = "irfm-fallback")]
pub mod irfm_fallback;
#[cfg(feature = "irfm")]
pub mod irfm_pages;
pub mod partition;
pub mod platform;
#[cfg(feature = "previrt")]
pub mod previrt_loader;
pub mod reflect;
pub mod reset;
#[cfg(feature = "rt-sched")]
pub mod rt_sched;
pub mod sched;
#[cfg(feature = "trap-stats")]
pub mod stats;
pub mod system;
pub mod trap;
pub mod vcpu;
pub mod vtimer;
pub mod vuic;

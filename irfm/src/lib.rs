//! The microvisor's ABI: what the microvisor, its guests and `previrt` all agree on.
//!
//! One source of truth, shared by the PPC405 microvisor (no_std), the guests and the host tool:
//! - [`isa`]: every instruction form the PPC405 implements (the ISA check of our images);
//! - [`insn`]: the classification of privileged and sensitive instructions and their rewrites;
//! - [`access`]: the data-access instructions (loads, stores, their forms), as a microvisor
//!   completing one for a guest decodes them;
//! - [`spr`]: SPR numbers and MSR bits as the PPC405 user's manual numbers them;
//! - [`image`]: the partition table the system-image packer writes into the microvisor;
//! - [`page`]: the IRFM pages; [`hypercall`]: the hypercall ABI;
//! - [`table`]: the pre-virtualization table `previrt patch` writes into guests.
//!
//! Nothing here is unsafe, allocates or depends on the host.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod hypercall;
pub mod image;
pub mod insn;
pub mod isa;
pub mod page;
pub mod spr;
pub mod stats;
pub mod table;

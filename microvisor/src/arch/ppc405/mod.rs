//! The PPC405 core: vectors, world switch, SPR/DCR/TLB/cache primitives, the board's MMIO.

pub mod boot;
pub mod cache;
pub mod dcr;
pub mod entry;
pub mod fast_path;
pub mod mem;
pub mod mmio;
pub mod spr;
pub mod tlb;
pub mod vectors;

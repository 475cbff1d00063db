//! Cache maintenance on real addresses (PPC405 user's manual, chapter 5 "Cache operations").
//!
//! The microvisor runs untranslated, so every address here is real. Nothing here discards data:
//! a guest's invalidations are turned into flushes (see `emulate::cache`).

/// Writes the data cache line holding `real` back to memory and invalidates it (`dcbf`).
pub fn flush_data_line(real: u32) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: dcbf only moves data from the cache to memory; no data is lost.
    unsafe {
        core::arch::asm!("dcbf 0, {0}", "sync", in(reg) real, options(nostack))
    };
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::record("dcbf", real);
}

/// Invalidates the instruction cache line holding `real` (`icbi`), after the data is in memory.
pub fn sync_instruction_line(real: u32) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the instruction cache never holds modified data; invalidating a line loses nothing.
    unsafe {
        core::arch::asm!("dcbst 0, {0}", "sync", "icbi 0, {0}", "isync", in(reg) real, options(nostack))
    };
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::record("icbi", real);
}

/// Invalidates the whole instruction cache (`iccci`: one congruence class per call on the 405;
/// QEMU, without caches, treats it as a no-op).
pub fn invalidate_instruction_cache() {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the instruction cache never holds modified data; invalidating it loses nothing.
    unsafe {
        core::arch::asm!("iccci 0, {0}", "isync", in(reg) 0u32, options(nostack))
    };
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::record("iccci", 0);
}

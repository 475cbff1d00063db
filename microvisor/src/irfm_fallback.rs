//! IRFM fallback (feature `irfm-fallback`): one state, whichever way a guest touches a register.
//!
//! With `irfm` alone, the Rust trap path already reads the read-write page back into the register
//! file on entry and writes both pages on exit (`irfm_pages`), so trapped instructions and
//! hypercalls agree with the pages. What remains is the assembly fast path, which emulates the hot
//! instructions without going through Rust: with this feature it finds the running partition's pages
//! through SPRG2 (set here on every switch) and
//! - emulates `mfspr`/`mtspr` of SRR0–3 and SPRG0–3 on the read-write page, not the register file;
//! - writes every MSR it changes (`mtmsr`, `wrtee`, `wrteei`, `rfi`) to the read-only page too.
//!
//! A guest that mixes `mfspr SRR0` (trapped) with `lwz SRR0(0)` (mapped) in any order thus reads
//! what it last wrote either way (the equivalence suite's mixed mode).

/// Points SPRG2 at the running partition's pages (read-only page first) for the fast path; 0 for
/// a fully virtualized partition, whose register file stays the only copy.
pub fn set_page_register(pages: Option<&crate::irfm_pages::Pages>) {
    crate::arch::ppc405::spr::set_sprg2(pages.map_or(0, crate::irfm_pages::Pages::real_address));
}

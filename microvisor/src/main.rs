//! The microvisor image: everything is in the library; this binary only links it for the PPC405.
#![cfg_attr(target_arch = "powerpc", no_std, no_main)]

// Linking the library pulls in the vectors, `_start` and the two entry points (arch::ppc405).
use microvisor as _;

#[cfg(target_arch = "powerpc")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Unreachable by design (guest input never panics the microvisor); if it happens, stop quietly
    // rather than run on with broken state.
    microvisor::console::print("microvisor: internal error\n");
    loop {}
}

#[cfg(not(target_arch = "powerpc"))]
fn main() {}

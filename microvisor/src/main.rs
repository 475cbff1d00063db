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

/// On the host, prints the per-partition memory of this feature set (`cargo xtask footprint` reads
/// it): the layouts hold only fixed-size integers, so host and PPC405 sizes agree.
#[cfg(not(target_arch = "powerpc"))]
fn main() {
    use microvisor::system::Partition;
    println!("vcpu {}", core::mem::size_of::<microvisor::vcpu::Vcpu>());
    println!("uic {}", core::mem::size_of::<microvisor::vuic::VirtualUic>());
    println!("partition {}", core::mem::size_of::<Partition>());
}

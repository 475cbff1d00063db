//! The smallest guest: prints a greeting on UART0 and the end marker.
#![cfg_attr(target_arch = "powerpc", no_std, no_main)]

use core::fmt::Write;

/// Called by `guest_rt` once the stack and `.bss` are ready.
#[no_mangle]
pub extern "C" fn guest_main() {
    guest_rt::println("Hello from a PowerPC 405 guest (Rust).");
    let mut sum = 0u32;
    for n in 1..=10 {
        sum += n * n;
    }
    let _ = writeln!(guest_rt::Console, "sum of squares 1..10 = {sum}");
}

#[cfg(not(target_arch = "powerpc"))]
fn main() {}

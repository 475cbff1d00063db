//! Start-up, UART0 console and panic handler shared by our Rust guests.
//!
//! A guest crate depends on this one and defines `#[no_mangle] extern "C" fn guest_main()`.
//! `_start` (placed first by `linker/guest.ld`) sets the stack, clears `.bss`, calls
//! `guest_main`, prints the end marker and sleeps. Guests run on a bare PPC405 or under the
//! microvisor alike: they only touch UART0 at the address the board wires it to.
#![no_std]

use core::fmt;

/// UART0's transmit holding register (16550, board `ref405ep`).
const UART0_THR: usize = 0xef60_0300;
/// UART0's line status register; bit 0x20 = transmit holding register empty.
const UART0_LSR: usize = UART0_THR + 5;

/// The line the QEMU runner stops on (`qemu_runner::END_MARKER`).
pub const END_MARKER: &str = "== end ==";

#[cfg(target_arch = "powerpc")]
core::arch::global_asm!(
    ".section .text.start, \"ax\"",
    ".globl _start",
    "_start:",
    // The EABI stack: r1 at the top of the stack the linker script reserves, 16-byte aligned,
    // with a zero back chain so debuggers stop unwinding here.
    "lis 1, __stack_top@ha",
    "addi 1, 1, __stack_top@l",
    "li 0, 0",
    "stwu 0, -16(1)",
    "bl {start}",
    "0: b 0b",
    start = sym rt_start,
);

#[cfg(target_arch = "powerpc")]
extern "C" {
    static mut __bss_start: u8;
    static mut __bss_end: u8;
}

#[cfg(target_arch = "powerpc")]
extern "C" {
    fn guest_main();
}

/// Clears `.bss`, runs the guest, prints the end marker and idles.
#[cfg(target_arch = "powerpc")]
#[no_mangle]
unsafe extern "C" fn rt_start() -> ! {
    // SAFETY: the linker script defines both symbols around .bss; nothing has used .bss yet.
    unsafe {
        let start = &raw mut __bss_start;
        let end = &raw mut __bss_end;
        let mut byte = start;
        while byte < end {
            core::ptr::write_volatile(byte, 0);
            byte = byte.add(1);
        }
        guest_main();
    }
    println(END_MARKER);
    loop {
        core::hint::spin_loop();
    }
}

/// Sends one byte to UART0, waiting until the transmitter can take it.
pub fn putc(byte: u8) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: UART0 is a device at a fixed address on this board; byte accesses have no other effect.
    unsafe {
        while core::ptr::read_volatile(UART0_LSR as *const u8) & 0x20 == 0 {}
        core::ptr::write_volatile(UART0_THR as *mut u8, byte);
    }
    #[cfg(not(target_arch = "powerpc"))]
    let _ = (byte, UART0_THR, UART0_LSR);
}

/// Prints `text` on UART0.
pub fn print(text: &str) {
    text.bytes().for_each(putc);
}

/// Prints `text` and a newline on UART0.
pub fn println(text: &str) {
    print(text);
    putc(b'\n');
}

/// `core::fmt` sink for UART0 (`write!(guest_rt::Console, …)`).
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        print(text);
        Ok(())
    }
}

#[cfg(target_arch = "powerpc")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    let _ = writeln!(Console, "guest panic: {info}");
    println(END_MARKER);
    loop {
        core::hint::spin_loop();
    }
}

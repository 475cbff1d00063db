//! The microvisor's one-line reports on UART0: `VM n: <what> at <pc>`.
//!
//! No `core::fmt`: a hex and a decimal printer are all the microvisor needs, for a fraction of the size.

use crate::arch::ppc405::mmio::uart0_putc;

/// Prints `text`.
pub fn print(text: &str) {
    text.bytes().for_each(uart0_putc);
}

/// Prints `value` as `0x` and eight hex digits.
pub fn print_hex(value: u32) {
    print("0x");
    for shift in (0..8).rev() {
        let digit = ((value >> (shift * 4)) & 0xf) as u8;
        uart0_putc(if digit < 10 { b'0' + digit } else { b'a' + digit - 10 });
    }
}

/// Prints `value` in decimal.
pub fn print_decimal(value: u32) {
    let mut digits = [0u8; 10];
    let mut count = 0;
    let mut rest = value;
    loop {
        digits[count] = b'0' + (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    digits[..count].iter().rev().for_each(|digit| uart0_putc(*digit));
}

/// Prints a single decimal digit (partition numbers are below 10).
pub fn print_digit(value: u32) {
    uart0_putc(b'0' + (value % 10) as u8);
}

/// Bytes of one line a partition's console holds before printing it: a longer line is printed in
/// pieces of this size, each on a line of its own.
#[cfg(any(feature = "console-mux", feature = "drivers"))]
pub const LINE_BYTES: usize = 120;

/// A partition's console output since its last full line (features `console-mux` and `drivers`:
/// without them no guest byte passes through the microvisor).
#[cfg(any(feature = "console-mux", feature = "drivers"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineBuffer {
    bytes: [u8; LINE_BYTES],
    len: u8,
}

#[cfg(any(feature = "console-mux", feature = "drivers"))]
impl LineBuffer {
    /// Nothing held.
    pub const EMPTY: LineBuffer = LineBuffer { bytes: [0; LINE_BYTES], len: 0 };
}

/// One byte of a partition's console output (the console driver's and the emulated UART's). Lines
/// are printed whole on UART0, prefixed `[VM n] `: a partition preempted in the middle of a line
/// cannot split another's. A line is printed at its newline, when the buffer is full, or when the
/// partition sleeps or stops (`flush_line`).
#[cfg(any(feature = "console-mux", feature = "drivers"))]
pub fn guest_byte(partition: &mut crate::system::Partition, byte: u8) {
    let line = &mut partition.line;
    if byte != b'\n' {
        line.bytes[usize::from(line.len)] = byte;
        line.len += 1;
    }
    if byte == b'\n' || usize::from(line.len) == LINE_BYTES {
        print_line(partition);
    }
}

/// Prints what partition `partition` holds of an unfinished line, if anything.
pub fn flush_line(partition: &mut crate::system::Partition) {
    #[cfg(any(feature = "console-mux", feature = "drivers"))]
    if partition.line.len > 0 {
        print_line(partition);
    }
    let _ = partition;
}

#[cfg(any(feature = "console-mux", feature = "drivers"))]
fn print_line(partition: &mut crate::system::Partition) {
    print("[VM ");
    print_digit(u32::from(partition.index));
    print("] ");
    for byte in &partition.line.bytes[..usize::from(partition.line.len)] {
        uart0_putc(*byte);
    }
    uart0_putc(b'\n');
    partition.line.len = 0;
}

/// `VM <index>: <what> at <pc>` and a newline.
pub fn report(index: usize, what: &str, pc: u32) {
    print("VM ");
    print_digit(index as u32);
    print(": ");
    print(what);
    print(" at ");
    print_hex(pc);
    print("\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(any(feature = "console-mux", feature = "drivers"))]
    fn guest_output_is_printed_in_whole_prefixed_lines() {
        let mut partition = crate::system::Partition { index: 2, ..crate::system::Partition::EMPTY };
        for byte in b"ab" {
            guest_byte(&mut partition, *byte);
        }
        assert_eq!(crate::arch::host::console_text(), "", "nothing before the line ends");
        guest_byte(&mut partition, b'\n');
        for _ in 0..LINE_BYTES + 1 {
            guest_byte(&mut partition, b'x');
        }
        flush_line(&mut partition);
        let long = "x".repeat(LINE_BYTES);
        assert_eq!(crate::arch::host::console_text(), format!("[VM 2] ab\n[VM 2] {long}\n[VM 2] x\n"));
    }

    #[test]
    fn a_report_is_one_line_with_the_vm_and_pc() {
        report(2, "access outside its memory", 0x4010);
        assert_eq!(crate::arch::host::console_text(), "VM 2: access outside its memory at 0x00004010\n");
    }
}

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

/// One byte of a partition's console output on UART0, each line prefixed `[VM n] ` (the console
/// driver's and the emulated UART's output).
pub fn guest_byte(partition: &mut crate::system::Partition, byte: u8) {
    if !partition.mid_line {
        print("[VM ");
        print_digit(u32::from(partition.index));
        print("] ");
    }
    uart0_putc(byte);
    partition.mid_line = byte != b'\n';
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
    fn a_report_is_one_line_with_the_vm_and_pc() {
        report(2, "access outside its memory", 0x4010);
        assert_eq!(crate::arch::host::console_text(), "VM 2: access outside its memory at 0x00004010\n");
    }
}

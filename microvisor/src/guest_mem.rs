//! The one place that reads or writes a partition's memory.
//!
//! The microvisor runs untranslated, so it reaches guest memory at real addresses. Every access
//! here first checks the address against the partition's memory through `partition::translate_*`;
//! a guest pointer is never dereferenced as it is.
#![allow(unsafe_code)]


use crate::system::Partition;

/// Reads the word at real address `real`.
fn read_real(real: u32) -> u32 {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: callers pass addresses translated into a partition's memory (or the board-info block
    // QEMU wrote into the microvisor's memory), word-aligned, in RAM the microvisor reaches untranslated.
    unsafe {
        core::ptr::read_volatile(real as usize as *const u32)
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::read_word(real)
}

/// Writes the word at real address `real`.
fn write_real(real: u32, value: u32) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: callers pass addresses translated into a partition's memory, word-aligned.
    unsafe {
        core::ptr::write_volatile(real as usize as *mut u32, value)
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::write_word(real, value)
}

/// The instruction word at guest effective address `address`, if it is in the partition's memory.
pub fn fetch(partition: &Partition, address: u32) -> Option<u32> {
    if address & 3 != 0 {
        return None;
    }
    crate::address_space::translate_fetch(partition, address).map(read_real)
}

/// Copies QEMU's board-information block into the partition's memory at guest `address`, with its
/// memory size (second word) set to the partition's. Returns `false` if it does not fit.
pub fn copy_board_info(partition: &Partition, address: u32, from_real: u32, bytes: u32) -> bool {
    let Some(last) = address.checked_add(bytes - 4) else { return false };
    if address & 3 != 0 || partition.real_address(last).is_none() {
        return false;
    }
    for offset in (0..bytes).step_by(4) {
        let word = if offset == 4 { partition.size } else { read_real(from_real + offset) };
        if let Some(real) = partition.real_address(address + offset) {
            write_real(real, word);
        }
    }
    true
}

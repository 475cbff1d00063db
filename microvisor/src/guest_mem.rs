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

/// Reads a byte at real address `real`.
fn read_real_byte(real: u32) -> u8 {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: callers pass addresses translated into a partition's memory or granted windows.
    unsafe {
        core::ptr::read_volatile(real as usize as *const u8)
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::read_byte(real)
}

/// Writes a byte at real address `real`.
fn write_real_byte(real: u32, value: u8) {
    #[cfg(target_arch = "powerpc")]
    // SAFETY: callers pass addresses translated into a partition's memory.
    unsafe {
        core::ptr::write_volatile(real as usize as *mut u8, value)
    }
    #[cfg(not(target_arch = "powerpc"))]
    crate::arch::host::write_byte(real, value)
}

/// The byte at guest effective address `address`, through the guest's translation, if it may read it.
pub fn read_byte(partition: &Partition, address: u32) -> Option<u8> {
    crate::address_space::translate_data(partition, address, false).ok().map(read_real_byte)
}

/// Writes the byte at guest effective address `address`, if the guest may write it.
pub fn write_byte(partition: &Partition, address: u32, value: u8) -> bool {
    match crate::address_space::translate_data(partition, address, true) {
        Ok(real) => {
            write_real_byte(real, value);
            true
        }
        Err(_) => false,
    }
}

/// The word at guest physical address `address` (the partition's memory only).
pub fn read_physical_word(partition: &Partition, address: u32) -> Option<u32> {
    if address & 3 != 0 {
        return None;
    }
    partition.real_address(address.checked_add(3)?)?;
    partition.real_address(address).map(read_real)
}

/// Writes the word at guest physical address `address` (the partition's memory only).
pub fn write_physical_word(partition: &Partition, address: u32, value: u32) -> Option<u32> {
    if address & 3 != 0 {
        return None;
    }
    partition.real_address(address.checked_add(3)?)?;
    let real = partition.real_address(address)?;
    write_real(real, value);
    Some(real)
}

/// The `length` bytes of the partition's memory at guest physical `address`, for reading.
///
/// Used only for the pre-virtualization table, which nothing writes while the slice lives.
pub fn physical_bytes(partition: &Partition, address: u32, length: u32) -> Option<&'static [u8]> {
    let last = address.checked_add(length.checked_sub(1)?)?;
    partition.real_address(last)?;
    let real = partition.real_address(address)?;
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the range lies in the partition's memory (checked above), which stays mapped for the
    // microvisor's whole life; callers do not write it while they hold the slice.
    unsafe {
        Some(core::slice::from_raw_parts(real as usize as *const u8, length as usize))
    }
    #[cfg(not(target_arch = "powerpc"))]
    Some(Box::leak((0..length).map(|offset| crate::arch::host::read_byte(real + offset)).collect::<Vec<u8>>().into_boxed_slice()))
}

/// Reloads the partition's memory from the pristine image copy at real address `copy` (`bytes`
/// long, laid out as `irfm::image::image_copy` says): each segment's file bytes copied, the rest
/// of its memory zeroed. `false` if the copy is not where the packer puts copies or a segment does
/// not fit the partition (nothing is written then).
pub fn reload(partition: &Partition, copy: u32, bytes: u32) -> bool {
    use irfm::image::{CHANNEL_PAGES, IMAGE_COPIES};
    let Some(end) = copy.checked_add(bytes) else { return false };
    if bytes == 0 || copy < IMAGE_COPIES || end > CHANNEL_PAGES || copy % 4 != 0 {
        return false;
    }
    // Two passes: check every segment header, then copy.
    for write in [false, true] {
        let mut at = copy;
        while at < end {
            if end - at < 12 {
                return false;
            }
            let (address, file, memory) = (read_real(at), read_real(at + 4), read_real(at + 8));
            let data = at + 12;
            let padded = (file + 3) & !3;
            let fits = file <= memory
                && address % 4 == 0
                && address.checked_add(memory).is_some_and(|last| last <= partition.size)
                && data.checked_add(padded).is_some_and(|after| after <= end);
            if !fits {
                return false;
            }
            if write {
                let base = partition.real_base + address;
                for offset in (0..memory).step_by(4) {
                    let word = if offset < padded { read_real(data + offset) } else { 0 };
                    // The last file word may run into the zero fill: keep only the file's bytes.
                    let word = if offset + 4 > file && offset < file {
                        word & !(u32::MAX >> (8 * (file - offset)))
                    } else {
                        word
                    };
                    write_real(base + offset, word);
                }
            }
            at = data + padded;
        }
    }
    true
}

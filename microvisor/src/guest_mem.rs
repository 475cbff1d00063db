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
/// Inline: the slow path of every trapped instruction starts with it.
#[inline(always)]
pub fn fetch(partition: &Partition, address: u32) -> Option<u32> {
    if address & 3 != 0 {
        return None;
    }
    crate::address_space::translate_fetch(partition, address).map(read_real)
}

/// Copies QEMU's board-information block into the partition's memory at guest `address`, with its
/// memory size (second word) set to the partition's: the end of its memory, or with high memory the
/// board's 128 MiB, as natively. QEMU's block itself is zeroed if it lies in the partition's high
/// memory, which natively is RAM the boot left zero. Returns `false` if it does not fit.
pub fn copy_board_info(partition: &Partition, address: u32, from_real: u32, bytes: u32) -> bool {
    let Some(last) = address.checked_add(bytes - 4) else { return false };
    if address & 3 != 0 || partition.real_address(last).is_none() {
        return false;
    }
    let memory = if partition.descriptor.high_memory != 0 { irfm::image::RAM_BYTES } else { partition.size() };
    for offset in (0..bytes).step_by(4) {
        let word = if offset == 4 { memory } else { read_real(from_real + offset) };
        if let Some(real) = partition.real_address(address + offset) {
            write_real(real, word);
        }
    }
    if partition.owns_real(from_real) {
        for offset in (0..bytes).step_by(4) {
            write_real(from_real + offset, 0);
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

/// Writes the instruction word `word` at guest physical `address` (the partition's memory only),
/// where the guest may fetch it next: its data cache line written back and its instruction cache
/// line invalidated. Nothing is written where the partition has no memory.
pub fn write_instruction(partition: &Partition, address: u32, word: u32) {
    if let Some(real) = write_physical_word(partition, address, word) {
        crate::arch::ppc405::cache::sync_instruction_line(real);
    }
}

/// The `length` bytes of the partition's memory at guest physical `address`, for reading.
///
/// Used only for the pre-virtualization table, which nothing writes while the slice lives.
pub fn physical_bytes(partition: &Partition, address: u32, length: u32) -> Option<&'static [u8]> {
    let last = address.checked_add(length.checked_sub(1)?)?;
    let real = partition.real_address(address)?;
    // One stretch of real memory (not across the gap below a partition's high memory).
    if partition.real_address(last)? != real + (last - address) {
        return None;
    }
    #[cfg(target_arch = "powerpc")]
    // SAFETY: the range lies in the partition's memory (checked above), which stays mapped for the
    // microvisor's whole life; callers do not write it while they hold the slice.
    unsafe {
        Some(core::slice::from_raw_parts(real as usize as *const u8, length as usize))
    }
    #[cfg(not(target_arch = "powerpc"))]
    Some(Box::leak((0..length).map(|offset| crate::arch::host::read_byte(real + offset)).collect::<Vec<u8>>().into_boxed_slice()))
}

/// `Partition::loaded` of a partition whose image is not being loaded again.
pub const NOT_LOADING: u32 = u32::MAX;

/// The segment header at real address `at` of the copy ending at `end`: (guest address, file
/// bytes, memory bytes, real address of the file bytes, of the next header), if it is whole and
/// the segment fits the partition's memory.
fn segment(partition: &Partition, at: u32, end: u32) -> Option<(u32, u32, u32, u32, u32)> {
    if end.checked_sub(at)? < 12 {
        return None;
    }
    let (address, file, memory) = (read_real(at), read_real(at + 4), read_real(at + 8));
    let data = at + 12;
    let next = data.checked_add((file.checked_add(3)?) & !3)?;
    let fits = file <= memory && address % 4 == 0 && address.checked_add(memory)? <= partition.size() && next <= end;
    fits.then_some((address, file, memory, data, next))
}

/// Whether the pristine image copy at real address `copy` (`bytes` long, laid out as
/// `irfm::image::image_copy` says) can be loaded, checked before any of it is written: it is where
/// the packer puts copies and each segment fits the partition.
pub fn check_copy(partition: &Partition, copy: u32, bytes: u32) -> bool {
    use irfm::image::{CHANNEL_PAGES, IMAGE_COPIES};
    let Some(end) = copy.checked_add(bytes) else { return false };
    if bytes == 0 || copy < IMAGE_COPIES || end > CHANNEL_PAGES || !copy.is_multiple_of(4) {
        return false;
    }
    let mut at = copy;
    while at < end {
        let Some(next) = segment(partition, at, end) else { return false };
        at = next.4;
    }
    true
}

/// Loads up to `words` more words of the checked copy from real address `copy` to `end` into the
/// partition's memory, `done` bytes of its segments' memory being loaded already: each segment's
/// file bytes copied, the rest of its memory zeroed, every data cache line written back (the guest
/// may fetch them). The word at guest address `held` is not written but given to `held_word`.
/// How many bytes are then loaded, or `None` once the whole copy is.
pub fn reload_step(partition: &Partition, copy: u32, end: u32, done: u32, words: u32, held: u32, held_word: &mut u32) -> Option<u32> {
    let (mut at, mut offset, mut left) = (copy, done, words);
    while let Some((address, file, memory, data, next)) = segment(partition, at, end) {
        let base = partition.real_base() + address;
        while offset < memory {
            if left == 0 {
                return Some(done + 4 * words);
            }
            let word = if offset < file { read_real(data + offset) } else { 0 };
            // The last file word may run into the zero fill: keep only the file's bytes.
            let word = if offset + 4 > file && offset < file { word & !(u32::MAX >> (8 * (file - offset))) } else { word };
            if address + offset == held {
                *held_word = word;
            } else if offset + 4 > memory {
                // A segment's memory need not end on a word: not a byte past it (it may be the
                // partition's last, and the next partition's memory follows).
                for (byte, value) in word.to_be_bytes().into_iter().enumerate().take((memory - offset) as usize) {
                    write_real_byte(base + offset + byte as u32, value);
                }
            } else {
                write_real(base + offset, word);
            }
            if offset & 28 == 28 || offset + 4 >= memory {
                crate::arch::ppc405::cache::flush_data_line(base + offset);
            }
            (offset, left) = (offset + 4, left - 1);
        }
        (at, offset) = (next, offset - memory);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::host;
    use irfm::image::IMAGE_COPIES;

    /// A copy of two segments: 6 file bytes in 16 at 0x4000, 8 in 6 at 0x100.
    fn copy() -> u32 {
        let words = [0x4000, 6, 16, 0x1122_3344, 0x5566_7788, 0x100, 6, 6, 0xaaaa_aaaa, 0xbbbb_0000];
        for (i, word) in words.into_iter().enumerate() {
            host::write_word(IMAGE_COPIES + 4 * i as u32, word);
        }
        4 * words.len() as u32
    }

    #[test]
    fn a_copy_loads_a_few_words_at_a_time_and_holds_back_one() {
        let p = Partition::with_memory(16 << 20, 16 << 20);
        let bytes = copy();
        for offset in (0..16).step_by(4) {
            host::write_word(p.real_base() + 0x4000 + offset, 0xffff_ffff);
        }
        host::write_word(p.real_base() + 0x104, 0xcccc_cccc);
        assert!(check_copy(&p, IMAGE_COPIES, bytes));
        let (mut step, mut held, mut steps) = (Some(0), 0xdead_beef, 0);
        while let Some(done) = step {
            step = reload_step(&p, IMAGE_COPIES, IMAGE_COPIES + bytes, done, 3, 0x4004, &mut held);
            steps += 1;
        }
        assert_eq!(steps, 2);
        let word = |address: u32| host::read_word(p.real_base() + address);
        // The partial file word keeps only the file's two bytes; the zero fill follows.
        assert_eq!((word(0x4000), held, word(0x4008), word(0x400c)), (0x1122_3344, 0x5566_0000, 0, 0));
        assert_eq!(word(0x4004), 0xffff_ffff, "the held word was written");
        // The segment ends mid-word: the bytes after it keep theirs.
        assert_eq!((word(0x100), word(0x104)), (0xaaaa_aaaa, 0xbbbb_cccc));
    }

    #[test]
    fn a_copy_with_a_segment_outside_the_partition_is_refused_before_anything_is_written() {
        let p = Partition::with_memory(16 << 20, 0x4008);
        assert!(!check_copy(&p, IMAGE_COPIES, copy()));
        assert!(!check_copy(&p, IMAGE_COPIES - 4, 8));
    }
}

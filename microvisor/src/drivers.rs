//! Para-virtual console driver (feature `drivers`): hypercalls to write and read the console.
//!
//! Output of every partition is multiplexed on UART0, each line prefixed with `[VM n] ` so the
//! lines of several guests stay apart; input comes from UART0's receiver, whichever partition asks
//! first. Buffers are guest effective addresses, checked byte by byte against the guest's own
//! translation: a wild pointer or length gets `Error::BadArgument`, never a fault in the microvisor.


use crate::system::Partition;
use irfm::hypercall::Error;

/// The most bytes one hypercall moves.
pub const MAX_BYTES: u32 = 4096;

/// Writes `length` bytes from guest address `address` to the console; returns the bytes written.
pub fn write(partition: &mut Partition, address: u32, length: u32) -> Result<u32, Error> {
    if length > MAX_BYTES || address.checked_add(length).is_none() {
        return Err(Error::BadArgument);
    }
    // Check the whole buffer first: nothing is printed from a buffer that is partly wild.
    if (0..length).any(|offset| crate::guest_mem::read_byte(partition, address + offset).is_none()) {
        return Err(Error::BadArgument);
    }
    for offset in 0..length {
        let byte = crate::guest_mem::read_byte(partition, address + offset).unwrap_or(b'?');
        crate::console::guest_byte(partition, byte);
    }
    Ok(length)
}

/// Reads up to `length` bytes the console received into guest address `address`; returns how many
/// (0 when nothing is waiting: the call never blocks).
pub fn read(partition: &mut Partition, address: u32, length: u32) -> Result<u32, Error> {
    if length > MAX_BYTES || address.checked_add(length).is_none() {
        return Err(Error::BadArgument);
    }
    let mut count = 0;
    while count < length {
        let Some(byte) = crate::arch::ppc405::mmio::uart0_getc() else { break };
        if !crate::guest_mem::write_byte(partition, address + count, byte) {
            return Err(Error::BadArgument);
        }
        count += 1;
    }
    Ok(count)
}

//! The partition table the system-image packer wrote into `.partitions`.

use irfm::image::{self, PartitionTable, TableError, TABLE_BYTES};

/// The table, as linked: [`image::EMPTY_MAGIC`] until the packer overwrites it (symbol
/// [`image::TABLE_SYMBOL`]).
#[no_mangle]
#[used]
#[link_section = ".partitions"]
static PARTITION_TABLE: [u8; TABLE_BYTES] = image::empty_table_bytes();

/// Reads and validates the packed table.
pub fn partition_table() -> Result<PartitionTable, TableError> {
    let mut bytes = [0u8; TABLE_BYTES];
    let base = core::ptr::addr_of!(PARTITION_TABLE) as *const u8;
    for (index, byte) in bytes.iter_mut().enumerate() {
        // SAFETY: reads within the static; volatile because the packer changed the bytes after the
        // compiler saw their initial value, which it must not fold into the code.
        *byte = unsafe { core::ptr::read_volatile(base.add(index)) };
    }
    PartitionTable::decode(&bytes)
}

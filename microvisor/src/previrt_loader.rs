//! Load-time para-virtualization (feature `previrt`): turns a guest padded by `previrt patch` into
//! para-virtual code before it first runs.
//!
//! The packer recorded where the guest's pre-virtualization table is (`irfm::image`,
//! `previrt_table`). The table is validated as a whole before anything is written
//! (`irfm::table::Table::parse`: magic, version, sizes, checksum, every entry's op), then every site
//! is checked to lie in the partition's memory, outside the table, and to hold the recorded
//! instruction followed by its NOPs (in place or in its trampoline stub). Only then is each site
//! rewritten with its para-virtual form (`irfm::page::replacement`: an IRFM load or store, or a
//! hypercall; the NOPs stay), and the instruction cache synchronised. Any failure leaves the guest
//! untouched: it runs fully virtualized, and UART0 says why in one line.

use crate::guest_mem;
use crate::system::Partition;
use irfm::table::{Table, ENTRY_SIZE, HEADER_SIZE};

/// What the patcher did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patched {
    /// Sites rewritten.
    pub rewritten: u32,
    /// Sites left trapping (no para-virtual form: TLB, cache, DCR, side-effecting SPRs).
    pub trapping: u32,
}

/// Patches the partition's guest from its table at guest physical `table_address`.
pub fn patch(partition: &Partition, table_address: u32) -> Result<Patched, &'static str> {
    let header = guest_mem::physical_bytes(partition, table_address, HEADER_SIZE as u32)
        .ok_or("table outside the partition's memory")?;
    let count = u32::from_be_bytes([header[12], header[13], header[14], header[15]]);
    let length = count
        .checked_mul(ENTRY_SIZE as u32)
        .and_then(|entries| entries.checked_add(HEADER_SIZE as u32))
        .ok_or("table too large")?;
    let bytes = guest_mem::physical_bytes(partition, table_address, length).ok_or("table outside the partition's memory")?;
    let table = Table::parse(bytes).map_err(|_| "table does not validate")?;
    let table_end = table_address + length;
    // Where each site's instruction is (its stub when it was moved), checked before any write.
    let target = |entry: &irfm::table::Entry| entry.stub_address(table_address).unwrap_or(entry.site_address(table_address));
    for entry in table.entries() {
        let at = target(&entry);
        if (table_address..table_end).contains(&at) {
            return Err("a site lies inside the table");
        }
        if guest_mem::read_physical_word(partition, at) != Some(entry.original) {
            return Err("a site does not hold its recorded instruction");
        }
        for nop in 1..=u32::from(entry.padding) {
            if guest_mem::read_physical_word(partition, at + 4 * nop) != Some(irfm::insn::encode::NOP) {
                return Err("a site is not followed by its NOPs");
            }
        }
    }
    let mut patched = Patched { rewritten: 0, trapping: 0 };
    for entry in table.entries() {
        match irfm::page::replacement_at(entry.original, partition.descriptor.irfm_base) {
            Some(word) => {
                guest_mem::write_instruction(partition, target(&entry), word);
                patched.rewritten += 1;
            }
            None => patched.trapping += 1,
        }
    }
    Ok(patched)
}

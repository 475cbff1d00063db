//! Without `tlb-virt`: every guest sees its memory one-to-one, whatever its MSR[IR, DR] say.
//!
//! A guest that turns translation on keeps running untranslated (its IR/DR bits are recorded and
//! read back, nothing else); one that executes a TLB instruction is stopped (`emulate::tlb`).
//! `docs/instructions.md` states this outcome.

use crate::emulate::{Fault, Outcome};
use crate::partition::{in_granted_window, tid, GUEST_ZPR};
use crate::system::{Partition, System};

/// No per-partition TLB state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tlb;

impl Tlb {
    /// The empty state.
    pub const EMPTY: Tlb = Tlb;

    /// After a reset: still nothing.
    pub fn reset(&mut self) {}
}

/// A processor reset (`reset`): no TLB state to invalidate.
pub fn reset(_partition: &mut Partition) {}

/// The real address of a guest data access at effective address `address`, or what the guest gets
/// instead (`store` says whether the access writes).
pub fn translate_data(partition: &Partition, address: u32, store: bool) -> Result<u32, Outcome> {
    let _ = store;
    if let Some(real) = partition.real_address(address) {
        return Ok(real);
    }
    if in_granted_window(partition, address) {
        return Ok(address);
    }
    Err(Outcome::Stop(Fault::OutsideMemory { address }))
}

/// The real address of the guest instruction at effective address `address`. Inline: every
/// trapped instruction is fetched through it.
#[inline(always)]
pub fn translate_fetch(partition: &Partition, address: u32) -> Option<u32> {
    partition.real_address(address)
}

/// The guest changed MSR[PR, IR, DR] or ZPR: its view stays the one-to-one map; only the IRFM
/// zone follows its mode.
pub fn translation_changed(partition: &mut Partition) {
    if cfg!(feature = "irfm") {
        crate::arch::ppc405::spr::set_zpr(real_context(partition).1);
    }
}

/// The guest wrote ZPR: only the IRFM zone follows.
pub fn zpr_changed(partition: &mut Partition) {
    translation_changed(partition);
}

/// The guest changed PID: nothing depends on it.
pub fn pid_changed(_partition: &mut Partition) {}

/// The real PID and ZPR the partition runs with.
pub fn real_context(partition: &Partition) -> (u8, u32) {
    let user = partition.vcpu.user_mode();
    let zpr = if cfg!(feature = "irfm") { crate::partition::with_irfm_zone(GUEST_ZPR, user) } else { GUEST_ZPR };
    (tid(usize::from(partition.index)), zpr)
}

/// A real DSI or ISI: always the guest's own (it has no translation of its own to mix up).
pub fn storage_fault(_system: &mut System, _index: usize, _address: u32, _data: bool, _store: bool) -> Option<Outcome> {
    None
}

/// A real TLB miss: the guest touched an address outside its memory and granted devices.
pub fn tlb_miss(system: &mut System, index: usize, address: u32, data: bool, _store: bool) -> Outcome {
    crate::io_map::outside(&mut system.partitions[index], address, address, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use irfm::image::Device;

    #[test]
    fn data_outside_memory_and_grants_is_refused() {
        let mut p = Partition::with_memory(16 << 20, 16 << 20);
        p.descriptor.devices = 1 << Device::Uart0 as u32;
        assert_eq!(translate_data(&p, 0x100, false), Ok((16 << 20) + 0x100));
        assert_eq!(translate_data(&p, 0xef60_0305, true), Ok(0xef60_0305));
        assert_eq!(
            translate_data(&p, 0x0100_0000, true),
            Err(Outcome::Stop(Fault::OutsideMemory { address: 0x0100_0000 }))
        );
        assert!(translate_data(&p, 0xfff0_0000, false).is_err(), "SRAM was not granted");
    }
}

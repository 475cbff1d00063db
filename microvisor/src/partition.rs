//! A partition's address space: what its guest can reach, and nothing else.
//!
//! A guest always runs with the real MSR[PR] = 1 and translation on (`system::GUEST_MSR`); what it
//! believes to be physical memory is mapped by real TLB entries tagged with its own TID, so even a
//! guest in (virtual) real mode reaches only its memory and the devices it was granted:
//! - guest physical `0..size` → real `real_base..real_base + size`, executable and writable, and
//!   for a partition alone its high memory at the top of the board's RAM (`irfm::image::HIGH_MEMORY_OFFSET`);
//! - each granted device's window → the same real addresses, guarded and cache-inhibited, not
//!   executable.
//!
//! Partition `n` uses TID `n + 1`; entries are written once at boot, so switching partitions is a
//! PID write. What the guest sees when it turns its own translation on is `address_space`'s:
//! nothing changes without `tlb-virt`, a virtual TLB with shadow entries with it.

use crate::arch::ppc405::spr as real;
use crate::arch::ppc405::tlb::{self, hi, lo, Entry};
use crate::platform::ref405ep;
use crate::system::Partition;
use crate::vcpu::Spr;
use irfm::image::Device;

/// The real ZPR while a guest runs untranslated: zone 0 = 01, access as the TLB entry's EX/WR bits
/// say, in user mode too (PPC405 manual 7.5.2). The one-to-one entries all use zone 0.
pub const GUEST_ZPR: u32 = 0x4000_0000;
/// The zone of the IRFM pages (feature `irfm`): open (01) in the guest's supervisor mode, closed
/// (00) in its user mode. With `tlb-virt`, a para-virtual guest's own pages in this zone get precise
/// shadows (`address_space`); a fully virtualized guest, which has no IRFM pages, keeps it.
pub const IRFM_ZONE: u8 = 15;

/// `zpr` with the IRFM zone set for the guest's mode.
pub const fn with_irfm_zone(zpr: u32, user: bool) -> u32 {
    (zpr & !3) | if user { 0 } else { 1 }
}

/// The TID of partition `index`'s entries.
pub const fn tid(index: usize) -> u8 {
    index as u8 + 1
}

/// UIC0 lines of the devices in `devices` (bits of [`Device`]).
pub fn owned_lines(devices: u32) -> u32 {
    Device::ALL
        .iter()
        .filter(|device| devices & (1 << **device as u32) != 0)
        .fold(0, |lines, device| lines | ref405ep::window(*device).lines)
}

/// Whether `address` lies in a device window the partition was granted.
pub fn in_granted_window(partition: &Partition, address: u32) -> bool {
    Device::ALL.iter().any(|device| {
        let window = ref405ep::window(*device);
        partition.descriptor.devices & (1 << *device as u32) != 0 && address.wrapping_sub(window.base) < window.bytes
    })
}

/// Page sizes the 405 offers, largest first, as (SIZE field, bytes).
const PAGE_SIZES: [(u32, u32); 8] = [
    (7, 16 << 20),
    (6, 4 << 20),
    (5, 1 << 20),
    (4, 256 << 10),
    (3, 64 << 10),
    (2, 16 << 10),
    (1, 4 << 10),
    (0, 1 << 10),
];

/// Maps `bytes` at effective `base` to real `real` with the largest pages that fit (QEMU cannot map
/// 1 KiB pages, so at least 4 KiB), writing real TLB entries from `*slot` on. `false` if the TLB is full.
fn map_range(base: u32, real: u32, bytes: u32, attributes: u32, tid: u8, slot: &mut usize) -> bool {
    let mut offset = 0;
    while offset < bytes {
        let (address, target) = (base + offset, real + offset);
        let Some(&(size, page)) = PAGE_SIZES
            .iter()
            .find(|(size, page)| *size >= 1 && (address | target) & (page - 1) == 0 && offset + page <= bytes)
        else {
            return false;
        };
        if *slot >= tlb::ENTRIES {
            return false;
        }
        let entry = Entry {
            hi: (address & hi::EPN) | (size << hi::SIZE_SHIFT) | hi::V,
            lo: (target & lo::RPN) | attributes,
            tid,
        };
        tlb::write(*slot, entry, 0);
        *slot += 1;
        offset += page;
    }
    true
}

/// Writes partition `index`'s TLB entries from `*slot` on; `false` if the TLB is full.
pub fn map(partition: &Partition, index: usize, slot: &mut usize) -> bool {
    let tid = tid(index);
    if !map_range(0, partition.real_base(), partition.size(), lo::EX | lo::WR | lo::M, tid, slot) {
        return false;
    }
    let high = partition.descriptor.high_memory;
    let at = irfm::image::RAM_BYTES - high;
    if high != 0 && !map_range(at, at - irfm::image::HIGH_MEMORY_OFFSET, high, lo::EX | lo::WR | lo::M, tid, slot) {
        return false;
    }
    let mut mapped: [u32; Device::ALL.len()] = [u32::MAX; Device::ALL.len()];
    for (n, device) in Device::ALL.iter().enumerate() {
        let window = ref405ep::window(*device);
        // Two devices may share a page (UART0 and UART1 do): map it once.
        if partition.descriptor.devices & (1 << *device as u32) == 0 || mapped.contains(&window.base) {
            continue;
        }
        mapped[n] = window.base;
        if !map_range(window.base, window.base, window.bytes, lo::WR | lo::I | lo::G, tid, slot) {
            return false;
        }
    }
    true
}

/// Makes partition `index` the one the real registers serve: its TID, its SPRG4–7 (user-readable
/// without a trap) and its SRR2/SRR3 (QEMU 7.2 lets user mode access them without a trap; on a real
/// 405 they trap and this copy is merely unused).
pub fn enter(partition: &Partition) {
    let (pid, zpr) = crate::address_space::real_context(partition);
    real::set_pid(pid);
    real::set_zpr(zpr);
    let vcpu = &partition.vcpu;
    real::load_user_sprgs(&[vcpu[Spr::Sprg4], vcpu[Spr::Sprg5], vcpu[Spr::Sprg6], vcpu[Spr::Sprg7]]);
    real::set_critical_save(vcpu[Spr::Srr2], vcpu[Spr::Srr3]);
}

/// The running partition goes on: its SRR2/SRR3 may have changed by emulation, write them back.
pub fn sync_critical_save(partition: &Partition) {
    real::set_critical_save(partition.vcpu[Spr::Srr2], partition.vcpu[Spr::Srr3]);
}

/// The running partition trapped: take back what it may have changed without a trap (SRR2/SRR3 on
/// QEMU). `resumed_with` is what the real registers held when it last resumed: a real register that
/// differs from it was written by the guest directly, and wins over any other copy.
pub fn leave(partition: &mut Partition, resumed_with: (u32, u32)) {
    let (srr2, srr3) = real::critical_save();
    if srr2 != resumed_with.0 {
        partition.vcpu[Spr::Srr2] = srr2;
    }
    if srr3 != resumed_with.1 {
        partition.vcpu[Spr::Srr3] = srr3;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::host;

    fn partition(devices: u32) -> Partition {
        let mut partition = Partition::with_memory(16 << 20, 16 << 20);
        partition.descriptor.devices = devices;
        partition
    }

    #[test]
    fn a_partition_maps_its_memory_with_one_16_mib_page_and_each_device_page_once() {
        let p = partition(1 << Device::Uart0 as u32 | 1 << Device::Uart1 as u32);
        let mut slot = 3;
        assert!(map(&p, 1, &mut slot));
        assert_eq!(slot, 5);
        host::with(|m| {
            assert_eq!(m.tlb[3], Entry { hi: (7 << 7) | hi::V, lo: (16 << 20) | lo::EX | lo::WR | lo::M, tid: 2 });
            assert_eq!(m.tlb[4].hi, 0xef60_0000 | (1 << 7) | hi::V);
            assert_eq!(m.tlb[4].lo, 0xef60_0000 | lo::WR | lo::I | lo::G);
        });
    }

    #[test]
    fn a_partition_alone_has_its_high_memory_at_the_top_of_ram_over_the_microvisors_free_megabytes() {
        let mut p = Partition::with_memory(16 << 20, 112 << 20);
        p.descriptor.high_memory = 11 << 20;
        // Guest 112 MiB .. 117 MiB: nothing; 117 MiB .. 128 MiB: real 5 MiB .. 16 MiB.
        assert_eq!(p.real_address((112 << 20) - 4), Some((128 << 20) - 4));
        assert_eq!(p.real_address(112 << 20), None);
        assert_eq!(p.real_address((117 << 20) - 4), None);
        assert_eq!(p.real_address(117 << 20), Some(5 << 20));
        assert_eq!(p.real_address((128 << 20) - 4), Some((16 << 20) - 4));
        assert_eq!(p.real_address(128 << 20), None);
        assert!(p.owns_real(5 << 20) && p.owns_real((16 << 20) - 1) && !p.owns_real((5 << 20) - 1));
        assert_eq!(crate::guest_mem::physical_bytes(&p, (112 << 20) - 4, 8), None, "across the gap");
        let mut slot = 0;
        assert!(map(&p, 0, &mut slot));
        // 112 MiB in 16 MiB pages, then real 5..8 MiB in 1 MiB pages and 8..16 MiB in 4 MiB pages.
        assert_eq!(slot, 7 + 3 + 2);
        host::with(|m| {
            assert_eq!(m.tlb[7], Entry { hi: (117 << 20) | (5 << 7) | hi::V, lo: (5 << 20) | lo::EX | lo::WR | lo::M, tid: 1 });
            assert_eq!(m.tlb[11], Entry { hi: (124 << 20) | (6 << 7) | hi::V, lo: (12 << 20) | lo::EX | lo::WR | lo::M, tid: 1 });
        });
    }

    #[test]
    fn owned_lines_follow_the_granted_devices() {
        assert_eq!(owned_lines(1 << Device::Uart1 as u32), 0x4000_0000 | 0x2000_0000 | 0x0000_1f00, "UART1, IIC, GPT");
        assert_eq!(owned_lines(1 << Device::Sram as u32), 0);
    }
}

//! Boot: validate the partition table, build each partition, start the first one.

use crate::arch::ppc405::dcr::{self as real_dcr, Uic};
use crate::arch::ppc405::{spr as real, tlb, vectors};
use crate::console;
use crate::platform::ref405ep;
use crate::system::{Next, Partition, State, System};
use crate::vcpu::Vcpu;
use irfm::image::{Device, PartitionDescriptor, PartitionTable, TableError, PARTITION_STRIDE};

/// Why a descriptor is refused.
fn check(index: usize, descriptor: &PartitionDescriptor, table: &PartitionTable) -> Result<(), &'static str> {
    if descriptor.real_base != (index as u32 + 1) * PARTITION_STRIDE {
        return Err("memory not at its slot");
    }
    if descriptor.size == 0 || descriptor.size > PARTITION_STRIDE || descriptor.size % (4 << 10) != 0 {
        return Err("memory size not a multiple of 4 KiB up to 16 MiB");
    }
    if descriptor.real_base.checked_add(descriptor.size).is_none_or(|end| end > ref405ep::RAM_BYTES) {
        return Err("memory beyond the board's RAM");
    }
    if descriptor.entry >= descriptor.size || descriptor.entry & 3 != 0 {
        return Err("entry point outside its memory");
    }
    if descriptor.devices >> Device::ALL.len() != 0 {
        return Err("unknown device");
    }
    for (other, earlier) in table.partitions[..index].iter().enumerate() {
        let shared = Device::ALL.iter().any(|mine| {
            descriptor.devices & (1 << *mine as u32) != 0
                && Device::ALL.iter().any(|theirs| {
                    earlier.devices & (1 << *theirs as u32) != 0
                        && ref405ep::window(*mine).base == ref405ep::window(*theirs).base
                })
        });
        if shared {
            let _ = other;
            return Err("device page already granted to another partition");
        }
    }
    Ok(())
}

fn describe(error: TableError) -> &'static str {
    match error {
        TableError::Empty => "the image holds no guest",
        TableError::BadMagic => "bad magic",
        TableError::BadVersion => "unknown version",
        TableError::BadCount => "bad partition count",
        TableError::BadChecksum => "bad checksum",
        TableError::BadMode => "unknown mode",
    }
}

/// Builds partition `index` from its descriptor; `false` if its address space does not fit the TLB.
fn build(partition: &mut Partition, index: usize, descriptor: &PartitionDescriptor, slot: &mut usize) -> bool {
    partition.real_base = descriptor.real_base;
    partition.size = descriptor.size;
    partition.devices = descriptor.devices;
    // QEMU's -kernel boot passes a board-information block in r3 at 16 MiB − 0x80 (or the end of a
    // smaller memory): give each guest its own copy, at the same place in its memory.
    let board_info = descriptor.size - ref405ep::BOARD_INFO_BYTES;
    let r3 = if crate::guest_mem::copy_board_info(
        partition,
        board_info,
        ref405ep::BOARD_INFO,
        ref405ep::BOARD_INFO_BYTES,
    ) {
        board_info
    } else {
        0
    };
    partition.vcpu = Vcpu::at_reset(descriptor.entry, ref405ep::BOOT_STACK, r3);
    partition.uic = crate::vuic::VirtualUic::RESET;
    if !crate::partition::map(partition, index, slot) {
        return false;
    }
    partition.state = State::Runnable;
    true
}

/// Sets up the machine and the partitions; returns what runs first.
pub fn start(system: &mut System, table: &Result<PartitionTable, TableError>) -> Next {
    crate::vtimer::init();
    // The real UIC: everything off and acknowledged, nothing critical.
    real_dcr::write_uic(Uic::Er, 0);
    real_dcr::write_uic(Uic::Cr, 0);
    real_dcr::write_uic(Uic::Sr, 0xffff_ffff);
    tlb::invalidate_all();
    system.idle = Vcpu::at_reset(vectors::idle_loop_address(), 0, 0);
    system.current = Next::Idle;
    let table = match table {
        Ok(table) => table,
        Err(error) => {
            console::print("microvisor: no partition to run: ");
            console::print(describe(*error));
            console::print("\n");
            return Next::Idle;
        }
    };
    let mut slot = 0;
    for (index, descriptor) in table.partitions[..table.count].iter().enumerate() {
        let refused = match check(index, descriptor, table) {
            Err(reason) => Some(reason),
            Ok(()) if !build(&mut system.partitions[index], index, descriptor, &mut slot) => {
                Some("its address space does not fit the TLB")
            }
            Ok(()) => None,
        };
        if let Some(reason) = refused {
            system.partitions[index].state = State::Stopped;
            console::print("microvisor: partition ");
            console::print_decimal(index as u32);
            console::print(" refused: ");
            console::print(reason);
            console::print("\n");
        }
    }
    system.count = table.count;
    system.timers.last_update = real::time_base();
    crate::trap::resume(system)
}

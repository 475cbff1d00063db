//! Boot: validate the partition table, build each partition, start the first one.

use crate::arch::ppc405::dcr::{self as real_dcr, Uic};
use crate::arch::ppc405::{tlb, vectors};
use crate::console;
use crate::platform::ref405ep;
use crate::system::{Next, Partition, System};
use crate::arch::ppc405::boot as boot_table;
use irfm::image::{self, Console, Device, Mode, PartitionDescriptor, TableError, PARTITION_STRIDE};

/// Why a descriptor is refused (the packer checks these too; the microvisor trusts nothing it did
/// not check itself).
fn check(index: usize, count: usize, descriptor: &PartitionDescriptor) -> Result<(), &'static str> {
    let fits = descriptor.size != 0
        && descriptor.size <= image::partition_limit(index, count)
        && descriptor.size.is_multiple_of(4 << 10)
        && descriptor.real_base == (index as u32 + 1) * PARTITION_STRIDE
        && descriptor.real_base + descriptor.size <= ref405ep::RAM_BYTES;
    if !fits {
        return Err("memory outside its slot");
    }
    if descriptor.entry >= descriptor.size || descriptor.entry & 3 != 0 {
        return Err("entry point outside its memory");
    }
    let high = descriptor.high_memory;
    if high != 0 {
        // Above the microvisor, its stack and the image copy, within its 16 MiB; a partition alone.
        let start = PARTITION_STRIDE.wrapping_sub(high);
        let free = descriptor.image_copy.saturating_add(descriptor.image_bytes).max(boot_table::microvisor_end());
        if count != 1 || !high.is_multiple_of(4 << 10) || high > PARTITION_STRIDE || start < free
            || descriptor.size != image::partition_limit(0, 1)
        {
            return Err("high memory over the microvisor's");
        }
    }
    if descriptor.devices >> Device::ALL.len() != 0 {
        return Err("unknown device");
    }
    if !cfg!(feature = "console-mux") && descriptor.console != Console::Direct {
        return Err("its console is emulated or UART1, which this build lacks (feature console-mux)");
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
        TableError::BadCode => "a field with an unknown code",
    }
}

/// A table the microvisor cannot use: nothing runs, and UART0 says why.
fn no_partition(error: TableError) -> Next {
    console::print("microvisor: no partition to run: ");
    console::print(describe(error));
    console::print("\n");
    Next::Idle
}

/// Builds partition `index` from its descriptor (memory, devices, address space) and starts its
/// guest; `false` if its address space does not fit the TLB.
fn build(partition: &mut Partition, index: usize, slot: &mut usize) -> bool {
    partition.index = index as u8;
    partition.owned_lines = crate::partition::owned_lines(partition.descriptor.devices);
    crate::partition::map(partition, index, slot)
}

/// The mode the partition runs in: what its descriptor asks, if this build can; else fully
/// virtualized, and UART0 says why. A pre-virtualized guest is patched here, before it runs.
fn para_virtual_mode(index: usize, descriptor: &PartitionDescriptor) -> Mode {
    let (mode, why) = match descriptor.mode {
        Mode::Full => (Mode::Full, None),
        Mode::Para if cfg!(feature = "para-virt") => (Mode::Para, None),
        Mode::Para => (Mode::Full, Some("para-virtualization is not in this build")),
        Mode::Previrt if !cfg!(feature = "previrt") => (Mode::Full, Some("pre-virtualization is not in this build")),
        Mode::Previrt if descriptor.previrt_table == 0 => (Mode::Full, Some("no pre-virtualization table")),
        Mode::Previrt => (Mode::Previrt, None),
    };
    if let Some(why) = why {
        console::print("microvisor: VM ");
        console::print_digit(index as u32);
        console::print(": ");
        console::print(why);
        console::print("; running fully virtualized\n");
    }
    mode
}

/// Decides the partition's mode and maps a para-virtual partition's IRFM pages; `Some(reason)` if
/// its address space is full.
fn para_virtualize(system: &mut System, index: usize, slot: &mut usize) -> Option<&'static str> {
    system.partitions[index].mode = para_virtual_mode(index, &system.partitions[index].descriptor);
    let _ = (&system, index, &slot);
    #[cfg(feature = "irfm")]
    if system.partitions[index].mode != Mode::Full {
        let pages = &system.irfm[index];
        let base = system.partitions[index].descriptor.irfm_base;
        if !irfm::page::valid_base(base) {
            return Some("IRFM pages at an address d(0) cannot reach");
        }
        if !crate::irfm_pages::map(pages, base, crate::partition::tid(index), slot) {
            return Some("its address space does not fit the TLB");
        }
        #[cfg(feature = "tlb-virt")]
        if !crate::irfm_pages::map(pages, base, crate::address_space::shadow_tid(index as u8), slot) {
            return Some("its address space does not fit the TLB");
        }
    }
    None
}

/// Sets up the machine and the partitions; returns what runs first.
pub fn start(system: &mut System) -> Next {
    crate::vtimer::init();
    // The real UIC: everything off and acknowledged, nothing critical.
    real_dcr::write_uic(Uic::Er, 0);
    real_dcr::write_uic(Uic::Cr, 0);
    real_dcr::write_uic(Uic::Sr, 0xffff_ffff);
    tlb::invalidate_all();
    system.idle.pc = vectors::idle_loop_address();
    // The table is read piece by piece, straight into the partitions (no copy of it is built),
    // once whole to check it: all of it is used, or none.
    let word = boot_table::table_word;
    let checked = image::check_header(&word).and_then(|count| {
        for index in 0..count {
            system.partitions[index].descriptor = image::descriptor(&word, index)?;
            system.partitions[index].alone = count == 1;
        }
        image::channels(&word)?;
        Ok((count, image::schedule(&word)?))
    });
    let count = match checked {
        Ok((count, schedule)) => {
            system.count = count;
            crate::sched::configure(system, &schedule);
            count
        }
        Err(error) => return no_partition(error),
    };
    let mut slot = 0;
    for index in 0..count {
        let refused = match check(index, count, &system.partitions[index].descriptor) {
            Err(reason) => Some(reason),
            Ok(()) if !build(&mut system.partitions[index], index, &mut slot) => {
                Some("its address space does not fit the TLB")
            }
            Ok(()) => para_virtualize(system, index, &mut slot),
        };
        match refused {
            Some(reason) => {
                console::print("microvisor: partition ");
                console::print_digit(index as u32);
                console::print(" refused: ");
                console::print(reason);
                console::print("\n");
                crate::health::halt(system, index);
            }
            None => crate::health::start_guest(system, index),
        }
    }
    #[cfg(feature = "ipcm")]
    if let Ok(channels) = image::channels(&word) {
        crate::ipcm::configure(system, channels, &mut slot);
    }
    system.first_shadow_slot = slot as u8;
    system.next_shadow_slot = slot as u8;
    system.timers_due = true;
    crate::trap::resume(system)
}

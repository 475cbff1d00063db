//! TLB virtualization (feature `tlb-virt`): the conformance guest's MMU section, which manages the
//! TLB and runs translated in supervisor and user mode, prints the same natively and virtualized.

use system_image::PartitionSpec;
use system_tests::{boot_for, image, pack, patch_symbol};

const MMU: u32 = 8;
const MMU_RANDOM: u32 = 16;

fn conformance(sections: u32) -> std::path::PathBuf {
    let mut config = Vec::new();
    for word in [0x434f_4e46u32, sections, 1, 200] {
        config.extend_from_slice(&word.to_be_bytes());
    }
    patch_symbol(&image("conformance"), "conformance_config", &config)
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn the_mmu_section_prints_the_same_natively_and_with_tlb_virt() {
    let guest = conformance(MMU);
    let native = boot_for(&guest, 30);
    let system = pack(&image("microvisor-tlb-virt"), &[PartitionSpec::full(&guest)]);
    let virtualized = boot_for(&system, 30);
    let _ = std::fs::remove_file(system);
    assert_eq!(virtualized.uart0, native.uart0);
    println!("mmu section: {} lines compared", native.uart0.lines().count());
}

/// A guest that boots as a Linux-like kernel does on a 405 (see `guests/demand-paging`): pinned
/// kernel entries, translated mode by `rfi`, and 300 pages demand-paged through its own TLB-miss
/// handlers, thousands of `tlbwe`, protection faults, zones; natively and on `microvisor-all`, under
/// `-icount`: the same transcript.
#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_demand_paging_kernel_prints_the_same_natively_and_with_every_feature() {
    let guest = image("demand-paging");
    let native = system_tests::boot_icount(&guest, 60);
    assert!(native.contains("page faults 301"), "{native}");
    let system = pack(&image("microvisor-all"), &[PartitionSpec::full(&guest)]);
    let virtualized = system_tests::boot_icount(&system, 60);
    let _ = std::fs::remove_file(system);
    assert_eq!(virtualized, native);
}

/// Seeds of the randomized TLB section: 1000 by default, more with `CONFORMANCE_MMU_SEEDS`.
fn mmu_seeds() -> u32 {
    std::env::var("CONFORMANCE_MMU_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn randomized_tlb_use_prints_the_same_hashes_natively_and_with_tlb_virt() {
    let seeds = mmu_seeds();
    let mut config = Vec::new();
    for word in [0x434f_4e46u32, MMU_RANDOM, 1, seeds] {
        config.extend_from_slice(&word.to_be_bytes());
    }
    let guest = patch_symbol(&image("conformance"), "conformance_config", &config);
    let native = boot_for(&guest, 30 + u64::from(seeds) / 100);
    let system = pack(&image("microvisor-tlb-virt"), &[PartitionSpec::full(&guest)]);
    let virtualized = boot_for(&system, 30 + u64::from(seeds) / 100);
    let _ = std::fs::remove_file(system);
    let summary = format!("mmu random: {seeds} seeds, combined hash");
    assert!(native.uart0.contains(&summary), "{}", native.uart0);
    let differing: Vec<_> = native.uart0.lines().zip(virtualized.uart0.lines()).filter(|(n, v)| n != v).take(5).collect();
    assert!(differing.is_empty() && native.uart0 == virtualized.uart0, "first differences: {differing:?}");
    println!("randomized TLB use: {seeds} seeds compared, native and virtualized hashes identical");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn the_whole_suite_still_holds_with_tlb_virt() {
    let guest = conformance(1 | 2 | 4);
    let native = boot_for(&guest, 30);
    let system = pack(&image("microvisor-tlb-virt"), &[PartitionSpec::full(&guest)]);
    let virtualized = boot_for(&system, 30);
    let _ = std::fs::remove_file(system);
    assert_eq!(virtualized.uart0, native.uart0);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn without_tlb_virt_a_tlb_instruction_stops_the_partition_with_a_report() {
    let system = pack(&image("microvisor"), &[PartitionSpec::full(conformance(MMU))]);
    let options = qemu_runner::Options { timeout: std::time::Duration::from_secs(5), ..Default::default() };
    let transcript = qemu_runner::run(&system, options).unwrap();
    let _ = std::fs::remove_file(system);
    let report = transcript.uart0.lines().find(|line| line.starts_with("VM 0:")).expect("a report line");
    assert!(report.starts_with("VM 0: TLB instruction needs the tlb-virt feature at 0x"), "{report}");
}

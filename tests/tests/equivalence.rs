//! The equivalence suite: the conformance guest prints the same transcript natively and on the
//! microvisor (Popek and Goldberg's equivalence), for the fixed cases and for randomized sequences.

use std::path::PathBuf;
use system_tests::{boot_for, image, pack, patch_symbol};
use system_image::PartitionSpec;

const FIXED: u32 = 1;
const INTERRUPTS: u32 = 2;
const RANDOM: u32 = 4;
const ENCODINGS: u32 = 128;

/// The conformance guest configured to run `sections` and `seeds` seeds from `first_seed`.
fn conformance(sections: u32, first_seed: u32, seeds: u32) -> PathBuf {
    let mut config = Vec::new();
    for word in [0x434f_4e46u32, sections, first_seed, seeds] {
        config.extend_from_slice(&word.to_be_bytes());
    }
    patch_symbol(&image("conformance"), "conformance_config", &config)
}

/// Lines that differ between two transcripts, as a readable report.
fn differences(native: &str, virtualized: &str) -> String {
    let mut report = String::new();
    for (number, (a, b)) in native.lines().zip(virtualized.lines()).enumerate() {
        if a != b {
            report.push_str(&format!("line {}:\n  native:      {a}\n  virtualized: {b}\n", number + 1));
        }
    }
    let (n, v) = (native.lines().count(), virtualized.lines().count());
    if n != v {
        report.push_str(&format!("native has {n} lines, virtualized {v}; virtualized ends:\n"));
        for line in virtualized.lines().skip(v.saturating_sub(5)) {
            report.push_str(&format!("  {line}\n"));
        }
    }
    report
}

fn assert_equivalent(guest: &std::path::Path, microvisor: &std::path::Path, seconds: u64) -> usize {
    let native = boot_for(guest, seconds);
    let system = pack(microvisor, &[PartitionSpec::full(guest)]);
    let virtualized = boot_for(&system, seconds);
    let _ = std::fs::remove_file(system);
    let report = differences(&native.uart0, &virtualized.uart0);
    assert!(report.is_empty(), "transcripts differ:\n{report}");
    native.uart0.lines().count()
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn fixed_cases_print_the_same_transcript_natively_and_virtualized() {
    let lines = assert_equivalent(&conformance(FIXED, 0, 0), &system_tests::microvisor(), 30);
    println!("fixed cases: {lines} transcript lines compared");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn interrupts_print_the_same_transcript_natively_and_virtualized() {
    let lines = assert_equivalent(&conformance(INTERRUPTS, 0, 0), &system_tests::microvisor(), 30);
    println!("interrupt cases: {lines} transcript lines compared");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn every_spr_number_and_reserved_bit_prints_the_same_natively_and_virtualized() {
    let lines = assert_equivalent(&conformance(ENCODINGS, 0, 0), &system_tests::microvisor(), 60);
    println!("encodings: {lines} transcript lines compared");
}

/// A guest that resets itself through DBCR0[RST] and its watchdog (see its README) prints what each
/// reset leaves, natively and on the microvisor: the basis, and with every feature, where it also
/// reads its TLB back after each reset. Under `-icount`: natively, whether QEMU's timer thread has
/// set TSR[PIS] by the time the guest looks depends on the host's load.
#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn resets_print_the_same_transcript_natively_and_virtualized() {
    let guest = image("reset-requests");
    let with_tlb = patch_symbol(&guest, "reset_uses_tlb", &1u32.to_be_bytes());
    let mut lines = Vec::new();
    for (guest, microvisor) in [(&guest, system_tests::microvisor()), (&with_tlb, image("microvisor-all"))] {
        let native = system_tests::boot_icount_resetting(guest, 60);
        let system = pack(&microvisor, &[PartitionSpec::full(guest)]);
        let virtualized = system_tests::boot_icount(&system, 60);
        let _ = std::fs::remove_file(system);
        let report = differences(&native, &virtualized);
        assert!(report.is_empty(), "transcripts differ:\n{report}");
        lines.push(native.lines().count());
    }
    println!("resets: {} transcript lines compared on the basis, {} with every feature", lines[0], lines[1]);
}

/// Seeds per run: 1000 by default, more with `CONFORMANCE_SEEDS`.
fn seeds() -> u32 {
    std::env::var("CONFORMANCE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn randomized_sequences_print_the_same_hashes_natively_and_virtualized() {
    let seeds = seeds();
    let guest = conformance(RANDOM, 1, seeds);
    assert_equivalent(&guest, &system_tests::microvisor(), 30 + u64::from(seeds) / 100);
    println!("randomized: {seeds} seeds compared, native and virtualized hashes identical");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn the_suite_catches_a_microvisor_with_one_emulated_bit_flipped() {
    let broken = image("microvisor-inject-fault");
    for (what, guest) in [("fixed", conformance(FIXED, 0, 0)), ("randomized", conformance(RANDOM, 1, 50))] {
        let native = boot_for(&guest, 30);
        let system = pack(&broken, &[PartitionSpec::full(&guest)]);
        let virtualized = boot_for(&system, 30);
        let _ = std::fs::remove_file(system);
        let report = differences(&native.uart0, &virtualized.uart0);
        assert!(!report.is_empty(), "the {what} cases did not notice the flipped bit");
        println!("{what}: the flipped bit shows in {} line(s)", report.matches("line ").count());
    }
}

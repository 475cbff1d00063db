//! Para-virtualization: guests patched by `previrt` and turned para-virtual at load time, hypercalls,
//! IRFM pages with and without the fallback, the console driver.

use irfm::image::Mode;
use system_image::PartitionSpec;
use system_tests::{boot_for, guest_lines, image, pack, patch_symbol, previrt_patched};

fn conformance(sections: u32, seeds: u32) -> std::path::PathBuf {
    let mut config = Vec::new();
    for word in [0x434f_4e46u32, sections, 1, seeds] {
        config.extend_from_slice(&word.to_be_bytes());
    }
    patch_symbol(&image("conformance"), "conformance_config", &config)
}

fn run(microvisor: &str, guest: &std::path::Path, mode: Mode) -> String {
    let spec = PartitionSpec { mode, ..PartitionSpec::full(guest) };
    let system = pack(&image(microvisor), &[spec]);
    let transcript = boot_for(&system, 60);
    let _ = std::fs::remove_file(system);
    transcript.uart0
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_previrt_patched_guest_runs_para_virtualized_with_its_native_transcript() {
    // The padded guest's code moved, so the addresses it prints are its own: compare it natively
    // with itself para-virtualized.
    // Section 128: every SPR number, and invalid forms in the guest's code, which must keep trapping.
    let patched = previrt_patched(&conformance(1 | 2 | 4 | 128, 300));
    let native = boot_for(&patched, 60).uart0;
    let virtualized = run("microvisor-para", &patched, Mode::Previrt);
    let report = virtualized.lines().find(|l| l.starts_with("microvisor: VM 0: pre-virtualized")).expect("patch report");
    println!("{report}");
    assert_same(&native, &guest_lines(&virtualized));
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn irfm_pages_placed_lower_serve_a_previrt_patched_guest_the_same() {
    // The pages at 0xffffc000 instead of 0xffff8000: every IRFM load and store the microvisor writes
    // at load time has its displacement from there, and the guest's transcript is still its native one.
    let patched = previrt_patched(&conformance(1 | 2 | 4, 100));
    let native = boot_for(&patched, 60).uart0;
    let spec = PartitionSpec { mode: Mode::Previrt, irfm_base: 0xffff_c000, ..PartitionSpec::full(&patched) };
    let system = pack(&image("microvisor-para"), &[spec]);
    let virtualized = boot_for(&system, 60).uart0;
    let _ = std::fs::remove_file(system);
    assert!(virtualized.contains("microvisor: VM 0: pre-virtualized,"), "{virtualized}");
    assert_same(&native, &guest_lines(&virtualized));
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_previrt_patched_guest_managing_its_tlb_runs_para_virtualized_with_tlb_virt() {
    // The MMU sections (fixed, then randomized TLB use): translated, the guest reaches its IRFM
    // pages through entries that go with its shadows at every tlbwe, PID or mode change, and its own
    // pages in zone 15 (the IRFM pages' in the real ZPR) get precise shadows.
    let patched = previrt_patched(&conformance(8 | 16, 300));
    let native = boot_for(&patched, 60).uart0;
    assert!(native.contains("mmu random: 300 seeds"), "{native}");
    let virtualized = run("microvisor-all", &patched, Mode::Previrt);
    assert!(virtualized.contains("microvisor: VM 0: pre-virtualized,"), "{virtualized}");
    assert_same(&native, &guest_lines(&virtualized));
}

/// Fails with the first differing lines, not the whole transcripts.
fn assert_same(native: &str, virtualized: &str) {
    let differing: Vec<String> = native
        .lines()
        .zip(virtualized.lines())
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .take(8)
        .map(|(n, (a, b))| format!("line {}:\n  native:      {a}\n  virtualized: {b}", n + 1))
        .collect();
    assert!(differing.is_empty(), "transcripts differ:\n{}", differing.join("\n"));
    assert_eq!(native.lines().count(), virtualized.lines().count(), "line counts differ; virtualized ends: {:?}", virtualized.lines().rev().take(3).collect::<Vec<_>>());
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn the_console_driver_prefixes_each_line_and_refuses_wild_buffers() {
    let output = run("microvisor-para", &image("pv-console"), Mode::Para);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines[0], "[VM 0] para-virtual guest: hello through the console driver");
    assert_eq!(lines[1], "[VM 0] a line written in three hypercalls");
    // Version 1; features IRFM | fallback | drivers | IPCM; errors: BadArgument (2) for both buffers.
    assert_eq!(lines[2], "version 1, features 0x0000000f, wild buffer 2, oversized 2");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn hypercalls_are_illegal_instructions_in_a_fully_virtualized_partition() {
    let spec = PartitionSpec { mode: Mode::Full, ..PartitionSpec::full(image("pv-console")) };
    let system = pack(&image("microvisor-para"), &[spec]);
    let options = qemu_runner::Options { timeout: std::time::Duration::from_secs(5), ..Default::default() };
    let transcript = qemu_runner::run(&system, options).unwrap();
    let _ = std::fs::remove_file(system);
    // The guest has no vectors: its illegal-instruction interrupt runs into zeros; nothing is printed
    // through the driver.
    assert!(!transcript.uart0.contains("[VM 0]"), "{}", transcript.uart0);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_corrupt_table_is_refused_and_the_guest_runs_fully_virtualized() {
    let patched = previrt_patched(&conformance(1, 0));
    let native = boot_for(&patched, 60).uart0;
    // Flip one byte of the table's first entry: the checksum no longer matches.
    let mut bytes = std::fs::read(&patched).unwrap();
    let file = object::File::parse(&bytes[..]).unwrap();
    use object::{Object, ObjectSection};
    let section = file.section_by_name(irfm::table::SECTION).expect("a .previrt section");
    let (offset, _) = section.file_range().unwrap();
    drop(file);
    bytes[offset as usize + irfm::table::HEADER_SIZE + 5] ^= 0x01;
    let corrupt = patched.with_extension("corrupt.elf");
    std::fs::write(&corrupt, bytes).unwrap();
    let virtualized = run("microvisor-para", &corrupt, Mode::Previrt);
    let report = virtualized.lines().next().unwrap();
    assert_eq!(report, "microvisor: VM 0: pre-virtualization table refused (table does not validate); running fully virtualized");
    assert_same(&native, &guest_lines(&virtualized));
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_microvisor_without_previrt_runs_a_patched_guest_fully_virtualized() {
    let patched = previrt_patched(&conformance(1, 0));
    let native = boot_for(&patched, 60).uart0;
    let virtualized = run("microvisor", &patched, Mode::Previrt);
    assert_eq!(
        virtualized.lines().next().unwrap(),
        "microvisor: VM 0: pre-virtualization is not in this build; running fully virtualized"
    );
    assert_same(&native, &guest_lines(&virtualized));
}

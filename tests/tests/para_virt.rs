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
    let patched = previrt_patched(&conformance(1 | 2 | 4, 300));
    let native = boot_for(&patched, 60).uart0;
    let virtualized = run("microvisor-para", &patched, Mode::Previrt);
    let report = virtualized.lines().find(|l| l.starts_with("microvisor: VM 0: pre-virtualized")).expect("patch report");
    println!("{report}");
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

//! The microvisor runs unmodified guests: the same transcript as on the bare board.

use system_tests::{boot, boot_on_microvisor, image};

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn hello_rust_runs_unmodified_on_the_microvisor_with_its_native_transcript() {
    let native = boot(&image("hello"));
    let virtualized = boot_on_microvisor(&image("hello"));
    assert_eq!(virtualized.uart0, native.uart0);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn hello_c_runs_unmodified_on_the_microvisor_with_its_native_transcript() {
    let native = boot(&image("hello-c"));
    let virtualized = boot_on_microvisor(&image("hello-c"));
    assert_eq!(virtualized.uart0, native.uart0);
}

//! Our first guests, run natively on QEMU's PPC405: exact transcripts.

use system_tests::{boot, image};

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn hello_rust_prints_its_greeting_and_arithmetic() {
    let transcript = boot(&image("hello"));
    assert_eq!(
        transcript.uart0,
        "Hello from a PowerPC 405 guest (Rust).\nsum of squares 1..10 = 385\n== end =="
    );
    assert_eq!(transcript.uart1, "");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn hello_c_prints_its_greeting_jump_table_and_function_pointers() {
    let transcript = boot(&image("hello-c"));
    assert_eq!(
        transcript.uart0,
        "Hello from a PowerPC 405 guest (C, gcc).\nmixed powers 1..10 = 1445\nzero three six\n== end =="
    );
}

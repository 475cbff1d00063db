//! previrt: pre-virtualization of linked PPC405 guest ELFs.
#![forbid(unsafe_code)]
fn main() {
    eprintln!("previrt: not built yet");
    std::process::exit(2);
}

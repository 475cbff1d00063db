//! Any bytes into previrt: parse, scan, patch (both modes), then verify. Errors are fine; a panic,
//! an overflow or an out-of-bounds access is a crash. A successful patch must parse again and
//! hold a valid table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use previrt_tool::elf::Elf;
use previrt_tool::patch::{self, Options};
use previrt_tool::{scan, verify};

fuzz_target!(|data: &[u8]| {
    if Elf::parse(data).is_err() {
        return;
    }
    let _ = scan::scan(data);
    for options in [Options::default(), Options { pad: Some(2), trampolines: true }] {
        if let Ok(patched) = patch::patch(data, &options) {
            let elf = Elf::parse(&patched.bytes).expect("a patched image parses");
            verify::read_table(&elf).expect("a patched image holds a valid table");
            let _ = verify::verify(data, &patched.bytes);
        }
    }
});

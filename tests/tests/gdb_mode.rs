//! The runner's gdb mode: QEMU waits on the gdb stub and gdb-multiarch can stop the guest at a symbol.

use std::process::Command;
use std::time::Duration;
use system_tests::image;

#[test]
#[ignore = "needs QEMU, gdb-multiarch and the PPC405 images: run `cargo xtask test`"]
fn gdb_multiarch_stops_the_c_guest_at_main() {
    let elf = image("hello-c");
    let runner_elf = elf.clone();
    let qemu = std::thread::spawn(move || {
        let options = qemu_runner::Options {
            timeout: Duration::from_secs(30),
            gdb: true,
            ..qemu_runner::Options::default()
        };
        qemu_runner::run(&runner_elf, options).expect("QEMU starts")
    });
    std::thread::sleep(Duration::from_millis(500));
    let output = Command::new("gdb-multiarch")
        .args(["-q", "-batch", "-nx"])
        .args(["-ex", "set architecture powerpc:403"])
        .arg("-ex")
        .arg(format!("file {}", elf.display()))
        .args(["-ex", &format!("target remote localhost:{}", qemu_runner::GDB_PORT)])
        .args(["-ex", "break main", "-ex", "continue", "-ex", "print $pc == main", "-ex", "continue"])
        .output()
        .expect("gdb-multiarch runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Breakpoint 1, main"), "gdb output:\n{text}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("$1 = 1"), "gdb output:\n{text}");
    let transcript = qemu.join().unwrap();
    assert!(transcript.uart0.starts_with("Hello from a PowerPC 405 guest (C, gcc)."), "{}", transcript.uart0);
}

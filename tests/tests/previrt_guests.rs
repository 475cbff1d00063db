//! `previrt` on real guests: the gcc-built and the rustc-built privileged guests patch cleanly,
//! verify, satisfy binutils, and print under QEMU exactly what their unpatched images print;
//! trampoline mode does the same on the C guest relinked without relocations; gdb-multiarch
//! stops at a source line of a patched guest on the moved instruction.

use previrt_tool::patch::{self, Options};
use previrt_tool::{scan, verify};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use system_tests::{boot, image};

/// gdb attaches to QEMU's fixed gdb port: one gdb test at a time.
static GDB_PORT: Mutex<()> = Mutex::new(());

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("previrt-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn patch_to(input: &Path, output: &Path, options: Options) {
    let report = patch::patch_file(input, output, &options).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    assert!(report.sites >= 40, "{report:?}");
    let summary = verify::verify(&std::fs::read(input).unwrap(), &std::fs::read(output).unwrap())
        .unwrap_or_else(|e| panic!("verify {}: {e}", output.display()));
    assert_eq!(summary.sites, report.sites);
}

/// binutils must read the patched image without a warning.
fn binutils_accept(path: &Path) {
    for (tool, args) in [("powerpc-linux-gnu-readelf", &["-a", "-W"][..]), ("powerpc-linux-gnu-objdump", &["-d", "-M", "405"][..])] {
        let output = Command::new(tool).args(args).arg(path).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && stderr.trim().is_empty(), "{tool} on {}: {stderr}", path.display());
    }
}

fn same_transcript(original: &Path, patched: &Path) {
    let native = boot(original);
    assert!(native.uart0.contains("every class of privileged instruction"), "{}", native.uart0);
    assert!(native.uart0.contains("tlbsx found it"), "{}", native.uart0);
    let padded = boot(patched);
    assert_eq!(padded.uart0, native.uart0, "{} prints differently once patched", patched.display());
}

fn patched_guest_runs_like_the_original(name: &str) {
    let original = image(name);
    let dir = scratch(name);
    let patched = dir.join(format!("{name}.previrt.elf"));
    patch_to(&original, &patched, Options::default());
    binutils_accept(&patched);
    same_transcript(&original, &patched);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs QEMU, binutils and the PPC405 images: run `cargo xtask test`"]
fn gcc_guest_patched_with_relocations_runs_like_the_original() {
    patched_guest_runs_like_the_original("privileged-c");
}

#[test]
#[ignore = "needs QEMU, binutils and the PPC405 images: run `cargo xtask test`"]
fn rustc_guest_patched_with_relocations_runs_like_the_original() {
    patched_guest_runs_like_the_original("privileged-rs");
}

#[test]
#[ignore = "needs QEMU, binutils and the PPC405 images: run `cargo xtask test`"]
fn padding_every_site_with_pad_option_still_runs_like_the_original() {
    let original = image("privileged-rs");
    let dir = scratch("pad");
    let patched = dir.join("pad.elf");
    patch_to(&original, &patched, Options { pad: Some(7), trampolines: false });
    same_transcript(&original, &patched);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The C guest, relinked by gcc like `cargo xtask` does but without `--emit-relocs`.
fn c_guest_without_relocations(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = dir.join("privileged-c-norelocs.elf");
    let status = Command::new("powerpc-linux-gnu-gcc")
        .args(["-mcpu=405", "-msoft-float", "-ffreestanding", "-nostdlib", "-fno-tree-loop-distribute-patterns"])
        .args(["-fno-pic", "-msdata=none", "-static", "-Os", "-g", "-Wl,--build-id=none"])
        .arg("-I")
        .arg(root.join("guests/crt"))
        .arg("-T")
        .arg(root.join("linker/guest.ld"))
        .arg("-o")
        .arg(&output)
        .arg(root.join("guests/crt/crt0.S"))
        .arg(root.join("guests/crt/console.c"))
        .arg(root.join("guests/privileged-c/main.c"))
        .arg("-lgcc")
        .status()
        .expect("powerpc-linux-gnu-gcc runs");
    assert!(status.success());
    output
}

#[test]
#[ignore = "needs QEMU, the PowerPC gcc and binutils: run `cargo xtask test`"]
fn trampolines_patch_a_guest_linked_without_relocations() {
    let dir = scratch("trampolines");
    let original = c_guest_without_relocations(&dir);
    let patched = dir.join("trampolines.elf");
    let refused = patch::patch_file(&original, &patched, &Options::default()).unwrap_err();
    assert_eq!(refused.code, 2);
    assert!(refused.message.contains("--emit-relocs"), "{refused}");
    assert!(!patched.exists(), "nothing is written on failure");
    patch_to(&original, &patched, Options { pad: None, trampolines: true });
    binutils_accept(&patched);
    same_transcript(&original, &patched);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs QEMU, gdb-multiarch and the PPC405 images: run `cargo xtask test`"]
fn gdb_breaks_at_a_source_line_of_a_patched_guest_on_the_moved_instruction() {
    let _port = GDB_PORT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let original = image("privileged-c");
    let dir = scratch("gdb");
    let patched = dir.join("gdb.elf");
    patch_to(&original, &patched, Options::default());
    // The tlbsync line lies after several padded sites, so its instruction moved.
    let items = scan::scan(&std::fs::read(&patched).unwrap()).unwrap();
    let tlbsync = items.iter().find(|item| item.op == irfm::insn::Op::Tlbsync).expect("a tlbsync");
    let old = scan::scan(&std::fs::read(&original).unwrap()).unwrap();
    let old_tlbsync = old.iter().find(|item| item.op == irfm::insn::Op::Tlbsync).unwrap();
    assert!(tlbsync.address > old_tlbsync.address, "the instruction moved");
    let source = tlbsync.source.clone().expect("DWARF gives its line");
    let line = source.rsplit(':').next().unwrap();
    assert_eq!(old_tlbsync.source.as_deref(), Some(source.as_str()));

    let runner_image = patched.clone();
    let qemu = std::thread::spawn(move || {
        let options = qemu_runner::Options { timeout: Duration::from_secs(30), gdb: true, ..qemu_runner::Options::default() };
        qemu_runner::run(&runner_image, options).expect("QEMU starts")
    });
    std::thread::sleep(Duration::from_millis(500));
    let output = Command::new("gdb-multiarch")
        .args(["-q", "-batch", "-nx"])
        .args(["-ex", "set architecture powerpc:403"])
        .arg("-ex")
        .arg(format!("file {}", patched.display()))
        .args(["-ex", &format!("target remote localhost:{}", qemu_runner::GDB_PORT)])
        .args(["-ex", &format!("break main.c:{line}"), "-ex", "continue", "-ex", "printf \"pc=%#x\\n\", $pc", "-ex", "continue"])
        .output()
        .expect("gdb-multiarch runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(&format!("main.c:{line}")), "gdb output:\n{text}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains(&format!("pc={:#x}", tlbsync.address)), "gdb stopped elsewhere:\n{text}");
    let transcript = qemu.join().unwrap();
    assert!(transcript.uart0.contains("tlbsx found it"), "{}", transcript.uart0);
    let _ = std::fs::remove_dir_all(&dir);
}

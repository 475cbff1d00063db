//! Build script shared by every PPC405 crate (`build = "…/linker/build.rs"` in its Cargo.toml).
//!
//! Links the crate's binaries with the linker script its Cargo.toml names under
//! `[package.metadata.ppc405] linker-script = "linker/….ld"` (a path from the workspace root), and
//! relinks when that script changes. On the host it does nothing, so host unit tests still build.
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let manifest = manifest_dir.join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("powerpc") {
        return;
    }
    let text = std::fs::read_to_string(&manifest).expect("Cargo.toml is readable");
    let script = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("linker-script").map(|rest| rest.trim_start_matches([' ', '='])))
        .map(|value| value.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("ERROR(build): {} lacks [package.metadata.ppc405] linker-script", manifest.display()));
    let workspace = std::iter::successors(Some(manifest_dir.as_path()), |dir| dir.parent())
        .find(|dir| dir.join(&script).is_file())
        .unwrap_or_else(|| panic!("ERROR(build): linker script {script} not found above {}", manifest_dir.display()));
    let script = workspace.join(&script);
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    // Keep the relocations in the linked image: `previrt patch` moves code with them.
    println!("cargo:rustc-link-arg-bins=--emit-relocs");
}

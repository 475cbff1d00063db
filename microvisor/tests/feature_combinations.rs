//! Feature combinations that cannot work fail to build, with a message saying why (the
//! `compile_error!`s at the top of `lib.rs`), and the ones that can work build.

use std::process::Command;

fn check(features: &str) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let target = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/feature-checks");
    let output = Command::new(cargo)
        .args(["check", "--quiet", "--lib", "--manifest-path", manifest, "--target-dir", target])
        .args(["--no-default-features", "--features", features])
        .output()
        .expect("cargo runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).to_string())
}

#[test]
fn irfm_fallback_without_irfm_is_refused_with_the_reason() {
    let (built, errors) = check("para-virt,irfm-fallback");
    assert!(!built);
    assert!(errors.contains("feature `irfm-fallback` needs `irfm`"), "{errors}");
}

#[test]
fn irfm_without_para_virt_is_refused_with_the_reason() {
    let (built, errors) = check("irfm");
    assert!(!built);
    assert!(errors.contains("feature `irfm` needs `para-virt`"), "{errors}");
}

#[test]
fn previrt_without_irfm_is_refused_with_the_reason() {
    let (built, errors) = check("para-virt,previrt");
    assert!(!built);
    assert!(errors.contains("feature `previrt` needs `irfm`"), "{errors}");
}

#[test]
fn drivers_without_para_virt_is_refused_with_the_reason() {
    let (built, errors) = check("drivers");
    assert!(!built);
    assert!(errors.contains("feature `drivers` needs `para-virt`"), "{errors}");
}

#[test]
fn every_feature_together_builds() {
    let (built, errors) = check("para-virt,irfm,irfm-fallback,previrt,drivers,tlb-virt,trap-stats");
    assert!(built, "{errors}");
}

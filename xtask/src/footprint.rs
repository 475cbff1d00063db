//! `cargo xtask footprint`: the microvisor's size per feature set, beside Proteus's Table 2.
//!
//! Each row builds the microvisor with a feature set and reads the section sizes of the image:
//! code is `.text` plus the instruction words of the sparse vector table (its zero fill between
//! vectors is address space, not code); read-only data is `.rodata` (with what LLVM marks read-only
//! after relocation); static data is `.data` + `.partitions` + `.bss` (the stack is listed apart).
//! Per-partition bytes come from the host build of the same feature set (`microvisor`'s host
//! `main` prints `size_of` of its structures). The table is printed and written to
//! `docs/results.md` between the footprint markers.

use crate::{ppc, root, run_quiet, Failure};
use object::{Object, ObjectSection};
use std::process::{Command, ExitCode};

/// One row of the table: a label, the features, and Proteus's figures (.text, .data) if it has one.
struct Row {
    label: &'static str,
    features: &'static [&'static str],
    paper: Option<(u32, u32)>,
}

/// The rows of the paper's Table 2, in its order; rows whose features do not exist yet are skipped
/// with a note.
const ROWS: &[Row] = &[
    Row { label: "basis (full virtualization)", features: &[], paper: Some((4348, 2444)) },
    Row { label: "+trap statistics", features: &["trap-stats"], paper: None },
    Row { label: "+para-virtualization", features: &["para-virt"], paper: None },
    Row { label: "+IRFM", features: &["para-virt", "irfm"], paper: None },
    Row { label: "+IRFM fallback", features: &["para-virt", "irfm", "irfm-fallback"], paper: None },
    Row { label: "+pre-virtualization", features: &["para-virt", "irfm", "irfm-fallback", "previrt"], paper: None },
    Row { label: "+TLB virtualization", features: &["tlb-virt"], paper: None },
    Row { label: "+real-time scheduling", features: &["rt-sched"], paper: None },
    Row { label: "+console multiplexing", features: &["console-mux"], paper: None },
    Row { label: "+drivers", features: &["para-virt", "drivers"], paper: None },
    Row { label: "+IPCM", features: &["para-virt", "ipcm"], paper: None },
    Row { label: "all features (what `cargo xtask run` uses)", features: &ALL, paper: None },
];

/// Every product feature (`ppc::ALL_FEATURES`, in the order the image name uses).
const ALL: [&str; 9] = ppc::ALL_FEATURES;
/// Proteus: every feature together under 11 KB; our goal (issue 7): under 8 KiB.
const PROTEUS_ALL: u64 = 11 * 1024;
const GOAL_ALL: u64 = 8 * 1024;

/// Sizes read from one image.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sizes {
    /// Code bytes.
    pub code: u64,
    /// Read-only data bytes.
    pub rodata: u64,
    /// Initialized and zeroed static data, without the stack.
    pub data: u64,
    /// The microvisor's stack.
    pub stack: u64,
}

/// Reads the sizes of an ELF image as described in the module doc.
pub fn sizes(elf: &[u8]) -> Result<Sizes, String> {
    let file = object::File::parse(elf).map_err(|e| e.to_string())?;
    let mut sizes = Sizes::default();
    for section in file.sections() {
        let name = section.name().unwrap_or("");
        match name {
            ".text" => sizes.code += section.size(),
            ".vectors" => {
                let data = section.data().map_err(|e| e.to_string())?;
                sizes.code += 4 * data.chunks_exact(4).filter(|word| word.iter().any(|b| *b != 0)).count() as u64;
            }
            ".rodata" => sizes.rodata += section.size(),
            ".data" | ".partitions" | ".bss" | ".sdata" | ".sbss" => sizes.data += section.size(),
            ".stack" => sizes.stack += section.size(),
            _ => {}
        }
    }
    Ok(sizes)
}

/// Where an image's code comes from: bytes per source file (`microvisor/src/…`, `irfm/src/…`), the
/// core library Rust inlined, and assembly (vectors, fast path, stubs: no line information), from
/// the image's DWARF line table; largest first. The bytes add up to [`Sizes::code`].
pub fn code_by_source(elf: &[u8]) -> Result<Vec<(String, u64)>, String> {
    let file = object::File::parse(elf).map_err(|e| e.to_string())?;
    let lines = previrt_tool::dwarf::Lines::read(&previrt_tool::elf::Elf::parse(elf).map_err(|e| e.to_string())?);
    let mut bytes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for section in file.sections() {
        let name = section.name().unwrap_or("");
        if name != ".text" && name != ".vectors" {
            continue;
        }
        let data = section.data().map_err(|e| e.to_string())?;
        for (index, word) in data.chunks_exact(4).enumerate() {
            if name == ".vectors" && word.iter().all(|b| *b == 0) {
                continue; // the zero fill between vectors is not code
            }
            let address = (section.address() + 4 * index as u64) as u32;
            let source = match lines.lookup(address) {
                None => "assembly (vectors, fast path, stubs)".to_string(),
                Some(position) => source_name(&position.file),
            };
            *bytes.entry(source).or_default() += 4;
        }
    }
    let mut sorted: Vec<(String, u64)> = bytes.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(sorted)
}

/// A source file's name in the breakdown: its path inside the repository's crates, or the core
/// library for Rust's own (inlined) code.
fn source_name(path: &str) -> String {
    for crate_dir in ["microvisor/src/", "irfm/src/"] {
        if let Some(at) = path.rfind(crate_dir) {
            return path[at..].to_string();
        }
    }
    if path.contains("library/") || path.contains("rustlib") || path.contains("compiler-builtins") {
        return "Rust core library (inlined)".to_string();
    }
    "assembly (vectors, fast path, stubs)".to_string()
}

/// Per-partition bytes of a feature set: (register file, whole partition).
fn per_partition(features: &[&str]) -> Result<(u32, u32), Failure> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root()).args(["run", "--quiet", "--package", "microvisor", "--no-default-features"]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let output = run_quiet(&mut command)?;
    let value = |key: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.trim().parse::<u32>().ok()))
            .ok_or_else(|| Failure::new(format!("microvisor's host main printed no '{key}' line")))
    };
    Ok((value("vcpu ")?, value("partition ")?))
}

fn declared_features() -> Result<Vec<String>, Failure> {
    let manifest = root().join("microvisor/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| Failure::new(format!("{}: {e}", manifest.display())))?;
    let section = text.split("[features]").nth(1).unwrap_or("");
    Ok(section
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim().to_string()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect())
}

/// Builds every row and prints the table; writes it to docs/results.md.
pub fn run() -> Result<ExitCode, Failure> {
    let declared = declared_features()?;
    let mut table = String::from(
        "| configuration | code (B) | read-only data (B) | static data (B) | stack (B) | register file per VM (B) | per VM, all (B) | Proteus .text / .data (B) |\n\
         |---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let mut notes = Vec::new();
    let mut basis = None;
    let mut everything = None;
    let mut per_vm = Vec::new();
    let mut plotted = Vec::new();
    let mut breakdown: Vec<(String, u64)> = Vec::new();
    for row in ROWS {
        if let Some(missing) = row.features.iter().find(|f| !declared.iter().any(|d| d == *f)) {
            notes.push(format!("{}: not built, feature `{missing}` does not exist yet", row.label));
            continue;
        }
        // Named apart from the test images, which may combine features differently.
        let image_name = if row.features.is_empty() {
            "footprint-basis".to_string()
        } else {
            format!("footprint-{}", row.features.join("+"))
        };
        let image = ppc::build_microvisor(row.features, &image_name)?;
        let bytes = std::fs::read(&image).map_err(|e| Failure::new(format!("{}: {e}", image.display())))?;
        let sizes = sizes(&bytes).map_err(|e| Failure::new(format!("{}: {e}", image.display())))?;
        let (vcpu, partition) = per_partition(row.features)?;
        let paper = row.paper.map_or("–".to_string(), |(text, data)| format!("{text} / {data}"));
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.label, sizes.code, sizes.rodata, sizes.data, sizes.stack, vcpu, partition, paper
        ));
        if row.features.is_empty() {
            basis = Some(sizes);
            let sources = code_by_source(&bytes).map_err(|e| Failure::new(format!("{}: {e}", image.display())))?;
            let counted: u64 = sources.iter().map(|(_, b)| b).sum();
            if counted != sizes.code {
                return Err(Failure::new(format!("code by source adds up to {counted} B, not {} B", sizes.code)));
            }
            breakdown = sources;
        }
        if row.features == ALL.as_slice() {
            everything = Some(sizes);
        }
        per_vm.push((row.features, partition));
        plotted.push((row.label, sizes));
    }
    let plot = crate::plot::write("footprint", &chart(&plotted))?;
    println!("{table}");
    for note in &notes {
        println!("{note}");
    }
    if let Some(basis) = basis {
        let code = basis.code + basis.rodata;
        let verdict = |ours: u64, theirs: u64| {
            if ours <= theirs {
                format!("{} B under", theirs - ours)
            } else {
                format!("{} B over", ours - theirs)
            }
        };
        let summary = format!(
            "Basis against Proteus: code + read-only data {code} B vs 4348 B .text ({}); static data {} B vs 2444 B .data ({}).",
            verdict(code, 4348),
            basis.data,
            verdict(basis.data, 2444)
        );
        println!("{summary}");
        notes.push(summary);
        // Where the basis code goes: the largest sources, the rest together.
        let shown = 14.min(breakdown.len());
        let rest: u64 = breakdown[shown..].iter().map(|(_, b)| b).sum();
        let mut parts: Vec<String> = breakdown[..shown].iter().map(|(source, b)| format!("{source} {b}")).collect();
        if rest > 0 {
            parts.push(format!("{} other sources {rest}", breakdown.len() - shown));
        }
        let summary = format!(
            "Where the basis code ({} B) comes from, by source file (DWARF line table; inlined code counts \
             where it was written): {}.",
            basis.code,
            parts.join(", ")
        );
        println!("{summary}");
        notes.push(summary);
    }
    if let Some(all) = everything {
        let total = all.code + all.rodata + all.data;
        // Each partition's two IRFM pages are page-aligned static data of the microvisor.
        let pages = (irfm::image::MAX_PARTITIONS as u64) * 2 * u64::from(irfm::page::PAGE_BYTES);
        let summary = format!(
            "Every feature together: code + read-only data + static data {total} B, of which {pages} B are the \
             IRFM pages (two 4 KiB pages per partition, {} partitions) and {} B the rest; Proteus: under \
             {PROTEUS_ALL} B ({}), our goal: under {GOAL_ALL} B ({}).",
            irfm::image::MAX_PARTITIONS,
            total - pages,
            if total < PROTEUS_ALL { "met" } else { "missed" },
            if total < GOAL_ALL { "met" } else { "missed" },
        );
        println!("{summary}");
        notes.push(summary);
    }
    let per_vm_of = |features: &[&str]| per_vm.iter().find(|(f, _)| *f == features).map(|(_, bytes)| *bytes);
    if let (Some(plain), Some(with_tlb)) = (per_vm_of(&[]), per_vm_of(&["tlb-virt"])) {
        let summary = format!(
            "Per VM: {plain} B in the basis, {with_tlb} B with TLB virtualization, so the TLB state is {} B \
             (Proteus: 304 B per VM, +956 B with TLB virtualization); with `irfm`, each VM also has its two \
             4 KiB IRFM pages.",
            with_tlb - plain
        );
        println!("{summary}");
        notes.push(summary);
    }
    crate::bench::record(
        "Footprint (`cargo xtask footprint`)",
        &format!(
            "Measured from the PPC405 images, one build per feature set (release, `opt-level = \"z\"`, LTO). \
             Code is `.text` plus the instruction words of the vector table (its zero fill is address space, not \
             code); read-only data is `.rodata` (with `.data.rel.ro`); static data is `.data` + `.partitions` + \
             `.bss` for {} partitions; the stack is apart. Per-VM bytes are `size_of` of the register file (`Vcpu`) \
             and of the whole partition record (register file, virtual UIC, memory bounds, state).\n\n{table}\n\
             ![Footprint per feature set]({plot})\n\n{}\n",
            irfm::image::MAX_PARTITIONS,
            notes.iter().map(|n| format!("- {n}\n")).collect::<String>()
        ),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The plot of the table (`docs/plots/footprint.svg`): code, read-only data and static data of
/// each configuration built, end to end.
fn chart(rows: &[(&str, Sizes)]) -> crate::plot::Chart {
    use crate::plot::{group_digits, Chart, Layout, Series};
    let series = |name: &str, bytes: fn(&Sizes) -> u64| Series {
        name: name.to_string(),
        values: rows.iter().map(|(_, sizes)| Some(bytes(sizes) as f64)).collect(),
    };
    Chart {
        title: "Microvisor footprint per feature set (PPC405 image, release)".into(),
        axis: "bytes (the stack is not included)".into(),
        categories: rows.iter().map(|(label, _)| label.to_string()).collect(),
        series: vec![
            series("code", |sizes| sizes.code),
            series("read-only data", |sizes| sizes.rodata),
            series("static data", |sizes| sizes.data),
        ],
        layout: Layout::Stacked,
        format: |bytes| format!("{} B", group_digits(&format!("{bytes:.0}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_named_inside_their_crate_or_as_the_core_library() {
        assert_eq!(source_name("/work/main/microvisor/src/emulate/spr.rs"), "microvisor/src/emulate/spr.rs");
        assert_eq!(source_name("/x/irfm/src/insn.rs"), "irfm/src/insn.rs");
        assert_eq!(
            source_name("/root/.rustup/toolchains/nightly/lib/rustlib/src/rust/library/core/src/ptr/mod.rs"),
            "Rust core library (inlined)"
        );
        assert_eq!(source_name(""), "assembly (vectors, fast path, stubs)");
    }
}

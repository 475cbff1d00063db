//! The 405 tables checked against two independent decoders: GNU binutils (`as`/`objdump -M 405`)
//! and capstone 5.
//!
//! binutils assembles one canonical line per [`irfm::isa::FORMS`] row and our decoder must name the
//! same instruction. capstone must agree on every privileged row except where it is known to be
//! wrong for the 405: it decodes `dcread` as `icbtls` and does not decode `icread` or `icbt` at all;
//! there the PPC405 manual (and so our table) wins, and these tests pin capstone's mistakes so a
//! capstone upgrade that fixes them is noticed.
//!
//! The binutils half needs `powerpc-linux-gnu-as`; without it the test says so and passes, unless
//! `PPC405_REQUIRE_CROSS_TOOLS=1` (set by `cargo xtask test`), where it fails.

use capstone::prelude::*;
use irfm::{insn, isa};
use std::process::Command;

/// One line of assembly per form, in the order of `isa::FORMS`.
const CANONICAL: &[&str] = &[
    "twi 4,5,16",
    "mulhhwu 5,6,7",
    "machhwu 5,6,7",
    "mulhhw 5,6,7",
    "machhw 5,6,7",
    "nmachhw 5,6,7",
    "machhwsu 5,6,7",
    "machhws 5,6,7",
    "nmachhws 5,6,7",
    "mulchwu 5,6,7",
    "macchwu 5,6,7",
    "mulchw 5,6,7",
    "macchw 5,6,7",
    "nmacchw 5,6,7",
    "macchwsu 5,6,7",
    "macchws 5,6,7",
    "nmacchws 5,6,7",
    "mullhwu 5,6,7",
    "maclhwu 5,6,7",
    "mullhw 5,6,7",
    "maclhw 5,6,7",
    "nmaclhw 5,6,7",
    "maclhwsu 5,6,7",
    "maclhws 5,6,7",
    "nmaclhws 5,6,7",
    "mulli 5,6,7",
    "subfic 5,6,7",
    "cmpli 1,0,6,7",
    "cmpi 1,0,6,7",
    "addic 5,6,7",
    "addic. 5,6,7",
    "addi 5,6,7",
    "addis 5,6,7",
    "bc 12,2,.+8",
    "sc",
    "b .+8",
    "mcrf 1,2",
    "bclr 20,0",
    "crnor 1,2,3",
    "rfi",
    "rfci",
    "crandc 1,2,3",
    "isync",
    "crxor 1,2,3",
    "crnand 1,2,3",
    "crand 1,2,3",
    "creqv 1,2,3",
    "crorc 1,2,3",
    "cror 1,2,3",
    "bcctr 20,0",
    "rlwimi 5,6,7,8,9",
    "rlwinm 5,6,7,8,9",
    "rlwnm 5,6,7,8,9",
    "ori 5,6,7",
    "oris 5,6,7",
    "xori 5,6,7",
    "xoris 5,6,7",
    "andi. 5,6,7",
    "andis. 5,6,7",
    "cmp 1,0,6,7",
    "tw 4,6,7",
    "subfc 5,6,7",
    "addc 5,6,7",
    "mulhwu 5,6,7",
    "mfcr 5",
    "lwarx 5,6,7",
    "lwzx 5,6,7",
    "slw 5,6,7",
    "cntlzw 5,6",
    "and 5,6,7",
    "cmpl 1,0,6,7",
    "subf 5,6,7",
    "dcbst 6,7",
    "lwzux 5,6,7",
    "andc 5,6,7",
    "mulhw 5,6,7",
    "dlmzb 5,6,7",
    "mfmsr 5",
    "dcbf 6,7",
    "lbzx 5,6,7",
    "neg 5,6",
    "lbzux 5,6,7",
    "nor 5,6,7",
    "wrtee 5",
    "subfe 5,6,7",
    "adde 5,6,7",
    "mtcrf 0x81,5",
    "mtmsr 5",
    "stwcx. 5,6,7",
    "stwx 5,6,7",
    "wrteei 1",
    "stwux 5,6,7",
    "subfze 5,6",
    "addze 5,6",
    "stbx 5,6,7",
    "subfme 5,6",
    "addme 5,6",
    "mullw 5,6,7",
    "dcbtst 6,7",
    "stbux 5,6,7",
    "icbt 6,7",
    "add 5,6,7",
    "dcbt 6,7",
    "lhzx 5,6,7",
    "eqv 5,6,7",
    "lhzux 5,6,7",
    "xor 5,6,7",
    "mfdcr 5,0xc0",
    "mfspr 5,26",
    "lhax 5,6,7",
    "tlbia",
    "mftb 5",
    "lhaux 5,6,7",
    "sthx 5,6,7",
    "orc 5,6,7",
    "sthux 5,6,7",
    "or 5,6,7",
    "mtdcr 0xc0,5",
    "dccci 6,7",
    "divwu 5,6,7",
    "mtspr 26,5",
    "dcbi 6,7",
    "nand 5,6,7",
    "dcread 5,6,7",
    "divw 5,6,7",
    "mcrxr 1",
    "lswx 5,6,7",
    "lwbrx 5,6,7",
    "srw 5,6,7",
    "tlbsync",
    "lswi 5,6,4",
    "sync",
    "stswx 5,6,7",
    "stwbrx 5,6,7",
    "stswi 5,6,4",
    "dcba 6,7",
    "lhbrx 5,6,7",
    "sraw 5,6,7",
    "srawi 5,6,7",
    "eieio",
    "tlbsx 5,6,7",
    "sthbrx 5,6,7",
    "extsh 5,6",
    "tlbre 5,6,1",
    "extsb 5,6",
    "iccci 6,7",
    "tlbwe 5,6,1",
    "icbi 6,7",
    "icread 6,7",
    "dcbz 6,7",
    "lwz 5,8(6)",
    "lwzu 5,8(6)",
    "lbz 5,8(6)",
    "lbzu 5,8(6)",
    "stw 5,8(6)",
    "stwu 5,8(6)",
    "stb 5,8(6)",
    "stbu 5,8(6)",
    "lhz 5,8(6)",
    "lhzu 5,8(6)",
    "lha 5,8(6)",
    "lhau 5,8(6)",
    "sth 5,8(6)",
    "sthu 5,8(6)",
    "lmw 28,8(6)",
    "stmw 28,8(6)",
];

fn mnemonic_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap()
}

#[test]
fn every_form_has_one_canonical_line() {
    assert_eq!(CANONICAL.len(), isa::FORMS.len());
    for (line, form) in CANONICAL.iter().zip(isa::FORMS) {
        assert_eq!(mnemonic_of(line), form.mnemonic);
    }
}

/// Assembles `lines` with binutils for the 405; `None` if binutils is not installed.
fn assemble(lines: &[&str]) -> Option<Vec<u32>> {
    // One directory per call: tests run in parallel threads of one process.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("irfm-as-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("forms.s");
    std::fs::write(&source, lines.join("\n") + "\n").unwrap();
    let object = dir.join("forms.o");
    let binary = dir.join("forms.bin");
    let assembled = Command::new("powerpc-linux-gnu-as").args(["-m405", "-o"]).arg(&object).arg(&source).output();
    let Ok(assembled) = assembled else {
        if std::env::var("PPC405_REQUIRE_CROSS_TOOLS").is_ok() {
            panic!("powerpc-linux-gnu-as is required (PPC405_REQUIRE_CROSS_TOOLS is set)");
        }
        eprintln!("skipped: powerpc-linux-gnu-as not installed (cargo xtask test installs it)");
        return None;
    };
    assert!(assembled.status.success(), "as: {}", String::from_utf8_lossy(&assembled.stderr));
    let copied = Command::new("powerpc-linux-gnu-objcopy")
        .args(["-O", "binary", "-j", ".text"])
        .arg(&object)
        .arg(&binary)
        .status()
        .unwrap();
    assert!(copied.success());
    let bytes = std::fs::read(&binary).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(bytes.chunks_exact(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect())
}

#[test]
fn binutils_encodings_decode_to_the_same_form() {
    let Some(words) = assemble(CANONICAL) else { return };
    assert_eq!(words.len(), CANONICAL.len());
    for (word, line) in words.iter().zip(CANONICAL) {
        let decoded = isa::decode(*word).map(|form| form.mnemonic);
        assert_eq!(decoded, Some(mnemonic_of(line)), "`{line}` assembles to {word:#010x}");
    }
}

#[test]
fn binutils_encodings_of_privileged_rows_classify() {
    let Some(words) = assemble(CANONICAL) else { return };
    for (word, line) in words.iter().zip(CANONICAL) {
        let mnemonic = mnemonic_of(line);
        let row = insn::ROWS.iter().find(|row| row.mnemonic == mnemonic);
        match row {
            Some(row) => assert_eq!(insn::classify(*word), Some(row.op), "`{line}`"),
            None if mnemonic == "mftb" => assert_eq!(insn::classify(*word), Some(insn::Op::Mftb)),
            None => assert_eq!(insn::classify(*word), None, "`{line}` is neither privileged nor sensitive"),
        }
    }
}

fn capstone() -> Capstone {
    Capstone::new().ppc().mode(arch::ppc::ArchMode::Mode32).endian(capstone::Endian::Big).build().unwrap()
}

fn capstone_mnemonic(cs: &Capstone, word: u32) -> Option<String> {
    let insns = cs.disasm_count(&word.to_be_bytes(), 0, 1).ok()?;
    insns.iter().next().map(|insn| insn.mnemonic().unwrap_or("").to_string())
}

#[test]
fn capstone_agrees_on_privileged_instructions_except_the_known_405_mistakes() {
    let cs = capstone();
    // Encodings taken from the PPC405 manual's instruction descriptions (checked by binutils above).
    let cases: &[(u32, &str, Option<&str>)] = &[
        (0x7ca0_00a6, "mfmsr", Some("mfmsr")),
        (0x7ca0_0124, "mtmsr", Some("mtmsr")),
        (0x7ca0_0106, "wrtee", Some("wrtee")),
        (0x7c00_8146, "wrteei", Some("wrteei")),
        (0x4c00_0064, "rfi", Some("rfi")),
        (0x4c00_0066, "rfci", Some("rfci")),
        (0x7ca0_3286, "mfdcr", Some("mfdcr")),
        (0x7ca0_3386, "mtdcr", Some("mtdcr")),
        (0x7ca6_0fa4, "tlbwe", Some("tlbwelo")),
        (0x7ca6_0f64, "tlbre", Some("tlbrelo")),
        (0x7ca6_3f24, "tlbsx", Some("tlbsx")),
        (0x7c00_02e4, "tlbia", Some("tlbia")),
        (0x7c00_046c, "tlbsync", Some("tlbsync")),
        (0x7c06_3f8c, "iccci", Some("iccci")),
        (0x7c06_3b8c, "dccci", Some("dccci")),
        (0x7c06_3bac, "dcbi", Some("dcbi")),
        // capstone's mistakes on the 405 (PPC405 manual 9.11 defines these three):
        (0x7ca6_3bcc, "dcread", Some("icbtls")),
        (0x7c06_3fcc, "icread", None),
        (0x7c06_3a0c, "icbt", None),
    ];
    for &(word, ours, theirs) in cases {
        assert_eq!(isa::decode(word).map(|f| f.mnemonic), Some(ours), "our table on {word:#010x}");
        assert_eq!(capstone_mnemonic(&cs, word).as_deref(), theirs, "capstone on {ours} ({word:#010x})");
    }
}

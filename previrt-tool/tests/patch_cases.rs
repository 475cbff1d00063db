//! `previrt` on small synthetic images: original/expected pairs where bytes matter, and every
//! kind of bad input. Runs on the host, no QEMU or cross tools.

use irfm::insn::encode::NOP;
use irfm::table::{self, Table};
use previrt_tool::elf::Elf;
use previrt_tool::patch::{self, Options};
use previrt_tool::reloc::*;
use previrt_tool::synth::{self, Reloc, Sym, Synth, Which, RODATA_SYMBOL, TEXT, TEXT_SYMBOL};
use previrt_tool::{cli, verify};

const MTMSR_R3: u32 = 0x7c60_0124; // padding 5
const MFMSR_R3: u32 = 0x7c60_00a6; // padding 0
const BLR: u32 = 0x4e80_0020;
const LI_R3_1: u32 = 0x3860_0001;
const PAD: usize = 5;

/// A resolved image of `synth`; a dummy function-pointer word keeps it "linked with relocations".
fn image(mut synth: Synth) -> Vec<u8> {
    if synth.rodata_relocs.is_empty() && !synth.no_relocations {
        synth.rodata.push(0);
        synth.rodata_relocs.push(Reloc { offset: 4 * (synth.rodata.len() as u32 - 1), kind: R_PPC_ADDR32, symbol: TEXT_SYMBOL, addend: 0 });
    }
    let bytes = synth.build();
    synth::resolve(&bytes, &synth)
}

fn patched(input: &[u8]) -> Vec<u8> {
    let out = patch::patch(input, &Options::default()).unwrap_or_else(|e| panic!("{e}")).bytes;
    verify::verify(input, &out).unwrap_or_else(|e| panic!("verify: {e}"));
    out
}

fn section_words(bytes: &[u8], name: &str) -> (u32, Vec<u32>) {
    let elf = Elf::parse(bytes).unwrap();
    let index = elf.section_by_name(name).unwrap();
    let words = elf.section_data(index).chunks_exact(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect();
    (elf.sections[index].addr, words)
}

fn text(bytes: &[u8]) -> Vec<u32> {
    section_words(bytes, ".text").1
}

fn nops(n: usize) -> Vec<u32> {
    vec![NOP; n]
}

#[test]
fn branch_over_padded_site_is_retargeted() {
    let orig = image(Synth { text: vec![0x4800_000c, MTMSR_R3, LI_R3_1, BLR], ..Synth::default() });
    let mut expected = vec![0x4800_0000 | (4 * (3 + PAD as u32)), MTMSR_R3];
    expected.extend(nops(PAD));
    expected.extend([LI_R3_1, BLR]);
    assert_eq!(text(&patched(&orig)), expected);
}

#[test]
fn backward_branch_and_call_across_a_site_are_retargeted() {
    // 0: blr (callee); 1: mtmsr; 2: bl 0; 3: b 0
    let orig = image(Synth { text: vec![BLR, MTMSR_R3, 0x4bff_fff9, 0x4bff_fff4], ..Synth::default() });
    let bl_at = 2 + PAD as u32;
    let mut expected = vec![BLR, MTMSR_R3];
    expected.extend(nops(PAD));
    expected.push(0x4800_0001 | ((-(4 * bl_at as i32)) as u32 & 0x03ff_fffc));
    expected.push(0x4800_0000 | ((-(4 * (bl_at as i32 + 1))) as u32 & 0x03ff_fffc));
    assert_eq!(text(&patched(&orig)), expected);
}

#[test]
fn site_without_padding_stays_in_place_but_is_recorded() {
    let orig = image(Synth { text: vec![MFMSR_R3, BLR], ..Synth::default() });
    let out = patched(&orig);
    assert_eq!(text(&out), vec![MFMSR_R3, BLR]);
    let (table_address, entries) = verify::read_table(&Elf::parse(&out).unwrap()).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].site_address(table_address), TEXT);
    assert_eq!((entries[0].original, entries[0].padding, entries[0].stub), (MFMSR_R3, 0, 0));
}

#[test]
fn pad_option_overrides_every_class() {
    let orig = image(Synth { text: vec![MFMSR_R3, MTMSR_R3, BLR], ..Synth::default() });
    let out = patch::patch(&orig, &Options { pad: Some(2), trampolines: false }).unwrap().bytes;
    verify::verify(&orig, &out).unwrap();
    assert_eq!(text(&out), vec![MFMSR_R3, NOP, NOP, MTMSR_R3, NOP, NOP, BLR]);
}

#[test]
fn bc_out_of_reach_gets_island() {
    // beq +32764 at 0 (the farthest a bc reaches), a padded site at 1, the target at 8191.
    let mut words = vec![0x4182_7ffc, MTMSR_R3];
    words.resize(8191, LI_R3_1);
    words.push(BLR);
    let orig = image(Synth { text: words, ..Synth::default() });
    let out = text(&patched(&orig));
    let new_target = 8191 + 2 + PAD as u32; // two island words, the padding
    assert_eq!(out[0], 0x4182_0008, "bc now jumps to the island");
    assert_eq!(out[1], 0x4800_0008, "fall-through skips the island");
    assert_eq!(out[2], 0x4800_0000 | (4 * (new_target - 2)), "island reaches the moved target");
    assert_eq!(out[3], MTMSR_R3);
    assert_eq!(out[new_target as usize], BLR);
}

#[test]
fn bcl_through_an_island_returns_to_the_fall_through() {
    // bcl 20,31 (always, link) +32764: LR = the word after the bc, which is `b +8` over the island.
    let mut words = vec![0x429f_7ffd, MTMSR_R3];
    words.resize(8191, LI_R3_1);
    words.push(BLR);
    let out = text(&patched(&image(Synth { text: words, ..Synth::default() })));
    assert_eq!(out[0], 0x429f_0009);
    assert_eq!(out[1], 0x4800_0008);
}

#[test]
fn lis_addi_pair_to_moved_code_is_fixed() {
    // lis r3,f@ha; addi r3,r3,f@l; mtmsr; … f at 0x7ff0: @ha 0 before, 1 after (0x8004 has bit 15 set).
    let f = 0x3ff0u32;
    let mut words = vec![0x3c60_0000, 0x3863_0000, MTMSR_R3];
    words.resize((f / 4) as usize, LI_R3_1);
    words.push(BLR);
    let relocs = vec![
        Reloc { offset: 2, kind: R_PPC_ADDR16_HA, symbol: TEXT_SYMBOL, addend: f as i32 },
        Reloc { offset: 6, kind: R_PPC_ADDR16_LO, symbol: TEXT_SYMBOL, addend: f as i32 },
    ];
    let orig = image(Synth { text: words, text_relocs: relocs, ..Synth::default() });
    assert_eq!(&text(&orig)[..2], &[0x3c60_0000, 0x3863_7ff0]);
    let out = text(&patched(&orig));
    let moved = TEXT + f + 4 * PAD as u32;
    assert_eq!(moved, 0x8004);
    assert_eq!(&out[..2], &[0x3c60_0001, 0x3863_8004], "lis r3,1; addi r3,r3,-0x7ffc");
}

#[test]
fn jump_table_entries_follow_moved_code() {
    // Code: lis/addi of the table (its anchor), a site, then the cases. Table: gcc's REL32
    // entries (case - table start) and one ADDR32 function pointer.
    let words = vec![0x3d40_0000, 0x394a_0000, MTMSR_R3, LI_R3_1, BLR, LI_R3_1, BLR];
    let case = |word: i32, entry: i32| Reloc { offset: 4 * entry as u32, kind: R_PPC_REL32, symbol: TEXT_SYMBOL, addend: 4 * word + 4 * entry };
    let synth = Synth {
        text: words,
        rodata: vec![0; 3],
        text_relocs: vec![
            Reloc { offset: 2, kind: R_PPC_ADDR16_HA, symbol: RODATA_SYMBOL, addend: 0 },
            Reloc { offset: 6, kind: R_PPC_ADDR16_LO, symbol: RODATA_SYMBOL, addend: 0 },
        ],
        rodata_relocs: vec![case(3, 0), case(5, 1), Reloc { offset: 8, kind: R_PPC_ADDR32, symbol: TEXT_SYMBOL, addend: 20 }],
        ..Synth::default()
    };
    let orig = image(synth);
    let (old_table, old_entries) = section_words(&orig, ".rodata");
    assert_eq!(old_entries, vec![(TEXT + 12).wrapping_sub(old_table), (TEXT + 20).wrapping_sub(old_table), TEXT + 20]);
    let out = patched(&orig);
    let (new_table, entries) = section_words(&out, ".rodata");
    let case3 = TEXT + 4 * (3 + PAD as u32);
    let case5 = TEXT + 4 * (5 + PAD as u32);
    assert_eq!(entries, vec![case3.wrapping_sub(new_table), case5.wrapping_sub(new_table), case5]);
    // And the code loads the moved table.
    let code = text(&out);
    assert_eq!((code[0] & 0xffff, code[1] & 0xffff), ((new_table + 0x8000) >> 16, new_table & 0xffff));
}

#[test]
fn symbols_entry_point_and_segments_move_with_code() {
    let synth = Synth {
        text: vec![MTMSR_R3, LI_R3_1, BLR],
        symbols: vec![
            Sym { name: "_start".into(), section: Which::Text, offset: 0, size: 4, kind: 2 },
            Sym { name: "after".into(), section: Which::Text, offset: 4, size: 8, kind: 2 },
        ],
        ..Synth::default()
    };
    let out = patched(&image(synth));
    let elf = Elf::parse(&out).unwrap();
    let after = elf.symbols.iter().find(|s| s.name == "after").unwrap();
    let start = elf.symbols.iter().find(|s| s.name == "_start").unwrap();
    assert_eq!((start.value, start.size), (TEXT, 4 + 4 * PAD as u32));
    assert_eq!((after.value, after.size), (TEXT + 4 + 4 * PAD as u32, 8));
    assert_eq!(elf.header.entry, TEXT);
    let text_segment = elf.segments.iter().find(|s| s.vaddr == TEXT).unwrap();
    let rodata = &elf.sections[elf.section_by_name(".rodata").unwrap()];
    assert_eq!(text_segment.memsz, rodata.end() - TEXT);
}

#[test]
fn table_is_in_a_loaded_segment_behind_its_symbol_and_magic() {
    let out = patched(&image(Synth { text: vec![MTMSR_R3, MFMSR_R3, BLR], ..Synth::default() }));
    let elf = Elf::parse(&out).unwrap();
    let symbol = elf.symbols.iter().find(|s| s.name == table::SYMBOL).unwrap();
    let segment = elf.segments.iter().find(|s| s.kind == 1 && symbol.value >= s.vaddr && symbol.value < s.vaddr + s.filesz).unwrap();
    let loaded = &out[segment.offset as usize..][..segment.filesz as usize];
    let at = table::find(loaded).expect("the magic is found in the loaded bytes");
    assert_eq!(segment.vaddr + at as u32, symbol.value);
    let table = Table::parse(&loaded[at..]).unwrap();
    assert_eq!(table.len(), 2);
    let sites: Vec<u32> = table.entries().map(|e| e.site_address(symbol.value)).collect();
    assert_eq!(sites, vec![TEXT, TEXT + 4 + 4 * PAD as u32]);
}

#[test]
fn no_relocations_is_refused_with_the_relink_hint() {
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], no_relocations: true, ..Synth::default() });
    let error = patch::patch(&orig, &Options::default()).err().unwrap();
    assert_eq!(error.code, 2);
    assert!(error.message.contains("-Wl,--emit-relocs") && error.message.contains("--trampolines"), "{error}");
}

#[test]
fn trampolines_patch_in_place_without_relocations() {
    let orig = image(Synth { text: vec![MTMSR_R3, MFMSR_R3, BLR], no_relocations: true, ..Synth::default() });
    let out = patch::patch(&orig, &Options { pad: None, trampolines: true }).unwrap().bytes;
    verify::verify(&orig, &out).unwrap();
    let (stubs_at, stubs) = section_words(&out, table::STUB_SECTION);
    let code = text(&out);
    assert_eq!(code[0], irfm::insn::encode::b(TEXT, stubs_at), "site branches to its stub");
    assert_eq!(&code[1..], &[MFMSR_R3, BLR], "nothing else moved");
    let mut expected = vec![MTMSR_R3];
    expected.extend(nops(PAD));
    expected.push(irfm::insn::encode::b(stubs_at + 4 * (1 + PAD as u32), TEXT + 4));
    assert_eq!(stubs, expected);
}

#[test]
fn stripped_image_is_patched_with_trampolines_and_found_by_magic() {
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], no_relocations: true, stripped: true, ..Synth::default() });
    assert!(patch::patch(&orig, &Options::default()).is_err());
    let out = patch::patch(&orig, &Options { pad: None, trampolines: true }).unwrap().bytes;
    let elf = Elf::parse(&out).unwrap();
    assert!(elf.symbols.is_empty());
    assert!(table::find(elf.section_data(elf.section_by_name(table::SECTION).unwrap())).is_some());
    verify::verify(&orig, &out).unwrap();
}

#[test]
fn table_already_present_is_refused() {
    let once = patched(&image(Synth { text: vec![MTMSR_R3, BLR], ..Synth::default() }));
    let error = patch::patch(&once, &Options::default()).err().unwrap();
    assert_eq!(error.code, 2);
    assert!(error.message.contains("already"), "{error}");
}

#[test]
fn verify_fails_with_exit_1_when_padding_was_tampered_with() {
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], ..Synth::default() });
    let mut out = patched(&orig);
    let elf = Elf::parse(&out).unwrap();
    let at = elf.sections[elf.section_by_name(".text").unwrap()].offset as usize + 8;
    out[at..at + 4].copy_from_slice(&LI_R3_1.to_be_bytes());
    let error = verify::verify(&orig, &out).unwrap_err();
    assert_eq!(error.code, 1);
    assert!(error.message.contains("padding"), "{error}");
}

#[test]
fn verify_catches_a_branch_that_misses_its_moved_target() {
    let orig = image(Synth { text: vec![0x4800_000c, MTMSR_R3, LI_R3_1, BLR], ..Synth::default() });
    let mut out = patched(&orig);
    let elf = Elf::parse(&out).unwrap();
    let at = elf.sections[elf.section_by_name(".text").unwrap()].offset as usize;
    out[at..at + 4].copy_from_slice(&0x4800_000cu32.to_be_bytes()); // the old displacement
    assert_eq!(verify::verify(&orig, &out).unwrap_err().code, 1);
}

fn error_of(bytes: &[u8]) -> previrt_tool::Error {
    patch::patch(bytes, &Options::default()).err().expect("refused")
}

#[test]
fn truncated_elf_is_refused_with_exit_2() {
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], ..Synth::default() });
    for length in [0, 3, 20, 51, 60, orig.len() / 2, orig.len() - 1] {
        let error = error_of(&orig[..length]);
        assert_eq!(error.code, 2, "{length}: {error}");
        assert!(!error.message.contains('\n'));
    }
    assert_eq!(error_of(&orig[..20]).message, "truncated ELF header (20 bytes, need 52)");
}

#[test]
fn not_an_elf_64_bit_little_endian_and_wrong_machine_are_named() {
    let orig = image(Synth { text: vec![BLR], ..Synth::default() });
    assert_eq!(error_of(b"#!/bin/sh\n").message, "not an ELF file");
    let mut wide = orig.clone();
    wide[4] = 2;
    assert_eq!(error_of(&wide).message, "64-bit ELF, expected 32-bit big-endian PowerPC");
    let mut little = orig.clone();
    little[5] = 1;
    assert_eq!(error_of(&little).message, "little-endian ELF, expected 32-bit big-endian PowerPC");
    let mut x86 = orig.clone();
    x86[18..20].copy_from_slice(&3u16.to_be_bytes());
    assert_eq!(error_of(&x86).message, "machine 3 (x86), expected 32-bit big-endian PowerPC");
}

#[test]
fn lying_and_overlapping_headers_are_refused() {
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], rodata: vec![1, 2], ..Synth::default() });
    let elf = Elf::parse(&orig).unwrap();
    let shoff = u32::from_be_bytes(orig[32..36].try_into().unwrap()) as usize;
    let text_header = shoff + 40; // section 1
    // .text claims to be huge.
    let mut lying = orig.clone();
    lying[text_header + 20..text_header + 24].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    assert!(error_of(&lying).message.contains("truncated: section 1"), "{}", error_of(&lying));
    // .rodata claims .text's address.
    let mut overlapping = orig.clone();
    let rodata_header = shoff + 80;
    overlapping[rodata_header + 12..rodata_header + 16].copy_from_slice(&elf.sections[1].addr.to_be_bytes());
    assert!(error_of(&overlapping).message.contains("overlapping sections"), "{}", error_of(&overlapping));
    // Section headers past the end.
    let mut far = orig.clone();
    far[32..36].copy_from_slice(&(orig.len() as u32).to_be_bytes());
    assert!(error_of(&far).message.starts_with("truncated: section headers"));
}

#[test]
fn output_equal_to_input_is_refused() {
    let dir = std::env::temp_dir().join(format!("previrt-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("guest.elf");
    let orig = image(Synth { text: vec![MTMSR_R3, BLR], ..Synth::default() });
    std::fs::write(&input, &orig).unwrap();
    let error = patch::patch_file(&input, &dir.join("./guest.elf"), &Options::default()).unwrap_err();
    assert_eq!(error.code, 2);
    assert!(error.message.contains("is the input"), "{error}");
    assert_eq!(std::fs::read(&input).unwrap(), orig, "input untouched");
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = std::iter::once("previrt").chain(args.iter().copied()).map(Into::into);
    let code = cli::run(args, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn command_line_exit_codes_follow_the_convention() {
    let dir = std::env::temp_dir().join(format!("previrt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let guest = dir.join("guest.elf");
    let mut synth = Synth { text: vec![MTMSR_R3, 0x7c64_42a6, BLR], ..Synth::default() }; // mfspr r3,260 (SPRG4 user)
    synth.text.insert(2, 0x7c6c_42e6); // mftb r3
    std::fs::write(&guest, image(synth)).unwrap();
    let g = guest.to_str().unwrap();
    let out_path = dir.join("out.elf");
    let o = out_path.to_str().unwrap();
    assert_eq!(run(&["patch", g, "-o", o]).0, 0);
    assert_eq!(run(&["verify", g, o]).0, 0);
    let (code, text, _) = run(&["audit", g]);
    assert_eq!(code, 1, "sensitive unprivileged instructions are findings");
    assert!(text.contains("SPRG4-7") && text.contains("time base"), "{text}");
    let (code, json, _) = run(&["scan", g, "--json"]);
    assert_eq!(code, 0);
    assert!(json.contains("\"mtmsr\"") && json.contains("\"sensitive-unprivileged\":2"), "{json}");
    let (code, _, err) = run(&["patch", g, "-o", g]);
    assert_eq!(code, 2);
    assert!(err.starts_with("previrt: ") && err.lines().count() == 1, "{err}");
    assert_eq!(run(&["patch", "/nonexistent/guest.elf", "-o", o]).0, 2);
    assert_eq!(run(&["frobnicate"]).0, 2);
    assert_eq!(run(&["patch", g, "--pad", "65", "-o", o]).0, 2);
    assert_eq!(run(&["--help"]).0, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn large_synthetic_guest_patches_and_verifies() {
    let orig = synth::large_guest(16 * 1024, 64);
    let out = patch::patch(&orig, &Options::default()).unwrap();
    assert_eq!(out.report.sites, 16 * 1024 / 64);
    verify::verify(&orig, &out.bytes).unwrap();
}

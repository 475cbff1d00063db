//! The PPC405 instruction set: every form the core implements, and nothing else.
//!
//! PPC405 core user's manual, chapter 9 ("Instruction set") and appendix A (instructions sorted
//! by opcode). The 405 implements the 32-bit PowerPC user ISA without floating point, plus its own
//! extensions (multiply-accumulate, `dlmzb`, the 40x TLB and cache instructions, `mfdcr`/`mtdcr`,
//! `wrtee`/`wrteei`, `rfci`). Anything [`decode`] rejects is an instruction the 405 does not
//! implement: floating point, AltiVec, 64-bit operations, `isel`, `mfocrf`/`mtocrf`, `lwsync`…
//! `cargo xtask` checks every PowerPC image we build against this table.

/// How the extended opcode of a form is found (PPC405 manual, section 9.2 "Instruction formats").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The primary opcode alone identifies the instruction (D, I, B, SC, M forms).
    Primary,
    /// Extended opcode in bits 21–30 (X, XL, XFX forms).
    X,
    /// Extended opcode in bits 22–30; bit 21 is OE (XO form, and the 405 MAC instructions).
    Xo,
}

/// Whether an instruction can change the flow of control, and how it names its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// `b`: 24-bit word displacement (LI), AA and LK bits.
    Branch,
    /// `bc`: 14-bit word displacement (BD), AA and LK bits.
    BranchConditional,
    /// `bclr`, `bcctr`: the target is in LR or CTR.
    Indirect,
    /// `sc`, `tw`, `twi`, `rfi`, `rfci`: leaves through an interrupt or returns from one.
    Interrupt,
}

/// One instruction form of the PPC405.
#[derive(Clone, Copy, Debug)]
pub struct Form {
    /// Mnemonic as the PPC405 manual spells it (without the `.` or `o` suffixes).
    pub mnemonic: &'static str,
    /// Primary opcode, bits 0–5.
    pub primary: u8,
    /// Extended opcode (bits 21–30 for [`Shape::X`], 22–30 for [`Shape::Xo`]); 0 for [`Shape::Primary`].
    pub extended: u16,
    /// How [`extended`](Self::extended) is read from the word.
    pub shape: Shape,
    /// How the instruction changes the flow of control.
    pub flow: Flow,
}

const fn p(mnemonic: &'static str, primary: u8, flow: Flow) -> Form {
    Form { mnemonic, primary, extended: 0, shape: Shape::Primary, flow }
}
const fn x(mnemonic: &'static str, primary: u8, extended: u16) -> Form {
    Form { mnemonic, primary, extended, shape: Shape::X, flow: Flow::Next }
}
const fn xf(mnemonic: &'static str, primary: u8, extended: u16, flow: Flow) -> Form {
    Form { mnemonic, primary, extended, shape: Shape::X, flow }
}
const fn xo(mnemonic: &'static str, primary: u8, extended: u16) -> Form {
    Form { mnemonic, primary, extended, shape: Shape::Xo, flow: Flow::Next }
}

/// Every PPC405 instruction form, sorted by (primary, extended) so [`decode`] can search it.
pub const FORMS: &[Form] = &[
    p("twi", 3, Flow::Interrupt),
    // Primary opcode 4 holds the 405's multiply-accumulate and multiply-halfword instructions
    // (PPC405 manual, section 9.4 "Multiply-accumulate instructions").
    x("mulhhwu", 4, 8),
    xo("machhwu", 4, 12),
    x("mulhhw", 4, 40),
    xo("machhw", 4, 44),
    xo("nmachhw", 4, 46),
    xo("machhwsu", 4, 76),
    xo("machhws", 4, 108),
    xo("nmachhws", 4, 110),
    x("mulchwu", 4, 136),
    xo("macchwu", 4, 140),
    x("mulchw", 4, 168),
    xo("macchw", 4, 172),
    xo("nmacchw", 4, 174),
    xo("macchwsu", 4, 204),
    xo("macchws", 4, 236),
    xo("nmacchws", 4, 238),
    x("mullhwu", 4, 392),
    xo("maclhwu", 4, 396),
    x("mullhw", 4, 424),
    xo("maclhw", 4, 428),
    xo("nmaclhw", 4, 430),
    xo("maclhwsu", 4, 460),
    xo("maclhws", 4, 492),
    xo("nmaclhws", 4, 494),
    p("mulli", 7, Flow::Next),
    p("subfic", 8, Flow::Next),
    p("cmpli", 10, Flow::Next),
    p("cmpi", 11, Flow::Next),
    p("addic", 12, Flow::Next),
    p("addic.", 13, Flow::Next),
    p("addi", 14, Flow::Next),
    p("addis", 15, Flow::Next),
    p("bc", 16, Flow::BranchConditional),
    p("sc", 17, Flow::Interrupt),
    p("b", 18, Flow::Branch),
    x("mcrf", 19, 0),
    xf("bclr", 19, 16, Flow::Indirect),
    x("crnor", 19, 33),
    xf("rfi", 19, 50, Flow::Interrupt),
    xf("rfci", 19, 51, Flow::Interrupt),
    x("crandc", 19, 129),
    x("isync", 19, 150),
    x("crxor", 19, 193),
    x("crnand", 19, 225),
    x("crand", 19, 257),
    x("creqv", 19, 289),
    x("crorc", 19, 417),
    x("cror", 19, 449),
    xf("bcctr", 19, 528, Flow::Indirect),
    p("rlwimi", 20, Flow::Next),
    p("rlwinm", 21, Flow::Next),
    p("rlwnm", 23, Flow::Next),
    p("ori", 24, Flow::Next),
    p("oris", 25, Flow::Next),
    p("xori", 26, Flow::Next),
    p("xoris", 27, Flow::Next),
    p("andi.", 28, Flow::Next),
    p("andis.", 29, Flow::Next),
    x("cmp", 31, 0),
    xf("tw", 31, 4, Flow::Interrupt),
    xo("subfc", 31, 8),
    xo("addc", 31, 10),
    xo("mulhwu", 31, 11),
    x("mfcr", 31, 19),
    x("lwarx", 31, 20),
    x("lwzx", 31, 23),
    x("slw", 31, 24),
    x("cntlzw", 31, 26),
    x("and", 31, 28),
    x("cmpl", 31, 32),
    xo("subf", 31, 40),
    x("dcbst", 31, 54),
    x("lwzux", 31, 55),
    x("andc", 31, 60),
    xo("mulhw", 31, 75),
    x("dlmzb", 31, 78),
    x("mfmsr", 31, 83),
    x("dcbf", 31, 86),
    x("lbzx", 31, 87),
    xo("neg", 31, 104),
    x("lbzux", 31, 119),
    x("nor", 31, 124),
    x("wrtee", 31, 131),
    xo("subfe", 31, 136),
    xo("adde", 31, 138),
    x("mtcrf", 31, 144),
    x("mtmsr", 31, 146),
    x("stwcx.", 31, 150),
    x("stwx", 31, 151),
    x("wrteei", 31, 163),
    x("stwux", 31, 183),
    xo("subfze", 31, 200),
    xo("addze", 31, 202),
    x("stbx", 31, 215),
    xo("subfme", 31, 232),
    xo("addme", 31, 234),
    xo("mullw", 31, 235),
    x("dcbtst", 31, 246),
    x("stbux", 31, 247),
    x("icbt", 31, 262),
    xo("add", 31, 266),
    x("dcbt", 31, 278),
    x("lhzx", 31, 279),
    x("eqv", 31, 284),
    x("lhzux", 31, 311),
    x("xor", 31, 316),
    x("mfdcr", 31, 323),
    x("mfspr", 31, 339),
    x("lhax", 31, 343),
    x("tlbia", 31, 370),
    x("mftb", 31, 371),
    x("lhaux", 31, 375),
    x("sthx", 31, 407),
    x("orc", 31, 412),
    x("sthux", 31, 439),
    x("or", 31, 444),
    x("mtdcr", 31, 451),
    x("dccci", 31, 454),
    xo("divwu", 31, 459),
    x("mtspr", 31, 467),
    x("dcbi", 31, 470),
    x("nand", 31, 476),
    x("dcread", 31, 486),
    xo("divw", 31, 491),
    x("mcrxr", 31, 512),
    x("lswx", 31, 533),
    x("lwbrx", 31, 534),
    x("srw", 31, 536),
    x("tlbsync", 31, 566),
    x("lswi", 31, 597),
    x("sync", 31, 598),
    x("stswx", 31, 661),
    x("stwbrx", 31, 662),
    x("stswi", 31, 725),
    x("dcba", 31, 758),
    x("lhbrx", 31, 790),
    x("sraw", 31, 792),
    x("srawi", 31, 824),
    x("eieio", 31, 854),
    x("tlbsx", 31, 914),
    x("sthbrx", 31, 918),
    x("extsh", 31, 922),
    x("tlbre", 31, 946),
    x("extsb", 31, 954),
    x("iccci", 31, 966),
    x("tlbwe", 31, 978),
    x("icbi", 31, 982),
    x("icread", 31, 998),
    x("dcbz", 31, 1014),
    p("lwz", 32, Flow::Next),
    p("lwzu", 33, Flow::Next),
    p("lbz", 34, Flow::Next),
    p("lbzu", 35, Flow::Next),
    p("stw", 36, Flow::Next),
    p("stwu", 37, Flow::Next),
    p("stb", 38, Flow::Next),
    p("stbu", 39, Flow::Next),
    p("lhz", 40, Flow::Next),
    p("lhzu", 41, Flow::Next),
    p("lha", 42, Flow::Next),
    p("lhau", 43, Flow::Next),
    p("sth", 44, Flow::Next),
    p("sthu", 45, Flow::Next),
    p("lmw", 46, Flow::Next),
    p("stmw", 47, Flow::Next),
];

/// Primary opcode, bits 0–5.
pub const fn primary(word: u32) -> u8 {
    (word >> 26) as u8
}

/// Extended opcode of an X, XL or XFX form, bits 21–30.
pub const fn extended_x(word: u32) -> u16 {
    ((word >> 1) & 0x3ff) as u16
}

/// Extended opcode of an XO form, bits 22–30 (bit 21 is OE).
pub const fn extended_xo(word: u32) -> u16 {
    ((word >> 1) & 0x1ff) as u16
}

fn find(primary: u8, extended: u16) -> Option<&'static Form> {
    let key = (primary, extended);
    let index = FORMS.partition_point(|form| (form.primary, form.extended) < key);
    FORMS.get(index).filter(|form| (form.primary, form.extended) == key)
}

/// The 405 form of `word`, or `None` if the PPC405 does not implement it.
///
/// Beyond opcodes, this rejects the encodings other PowerPC cores give a meaning the 405 lacks:
/// `mfocrf`/`mtocrf` (bit 11 set in `mfcr`/`mtcrf`), `lwsync`/`ptesync` (L ≠ 0 in `sync`), 64-bit
/// compares (L = 1 in `cmp`, `cmpl`, `cmpi`, `cmpli`), `stwcx` without its record bit, and `sc`
/// without bit 30.
pub fn decode(word: u32) -> Option<&'static Form> {
    let primary = primary(word);
    let form = match primary {
        4 | 19 | 31 => match find(primary, extended_x(word)) {
            Some(form) if form.shape == Shape::X => Some(form),
            _ => find(primary, extended_xo(word)).filter(|form| form.shape == Shape::Xo),
        },
        _ => find(primary, 0).filter(|form| form.shape == Shape::Primary),
    }?;
    let bit = |n: u32| word & (1 << (31 - n)) != 0;
    let rejected = match form.mnemonic {
        "mfcr" | "mtcrf" => bit(11),
        "sync" => (word >> 21) & 3 != 0,
        "cmp" | "cmpl" | "cmpi" | "cmpli" => bit(10),
        "stwcx." => !bit(31),
        "sc" => !bit(30),
        _ => false,
    };
    (!rejected).then_some(form)
}

/// Whether the PPC405 implements `word`.
pub fn is_405(word: u32) -> bool {
    decode(word).is_some()
}

/// The target of a relative or absolute branch at `address`, or `None` if `word` is not `b`/`bc`.
pub fn branch_target(word: u32, address: u32) -> Option<u32> {
    let absolute = word & 2 != 0;
    let displacement = match primary(word) {
        18 => sign_extend(word & 0x03ff_fffc, 26),
        16 => sign_extend(word & 0xfffc, 16),
        _ => return None,
    };
    Some(if absolute { displacement as u32 } else { address.wrapping_add(displacement as u32) })
}

/// Whether `displacement` (bytes) fits a `b` (26-bit) or `bc` (16-bit) displacement field.
pub fn displacement_fits(word: u32, displacement: i64) -> bool {
    let bits = if primary(word) == 18 { 26 } else { 16 };
    let limit = 1i64 << (bits - 1);
    displacement & 3 == 0 && (-limit..limit).contains(&displacement)
}

/// `word` with its branch displacement replaced (the caller checked [`displacement_fits`]).
pub fn with_displacement(word: u32, displacement: i32) -> u32 {
    match primary(word) {
        18 => (word & !0x03ff_fffc) | (displacement as u32 & 0x03ff_fffc),
        _ => (word & !0xfffc) | (displacement as u32 & 0xfffc),
    }
}

fn sign_extend(value: u32, bits: u32) -> i32 {
    ((value << (32 - bits)) as i32) >> (32 - bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_sorted_and_unique_so_binary_search_finds_every_row() {
        for pair in FORMS.windows(2) {
            assert!((pair[0].primary, pair[0].extended) < (pair[1].primary, pair[1].extended), "{pair:?}");
        }
        for form in FORMS {
            assert!(find(form.primary, form.extended).is_some(), "{}", form.mnemonic);
        }
    }

    #[test]
    fn common_405_instructions_decode() {
        for (word, mnemonic) in [
            (0x6000_0000, "ori"),     // nop
            (0x7c08_02a6, "mfspr"),   // mflr r0
            (0x4e80_0020, "bclr"),    // blr
            (0x9421_fff0, "stwu"),    // stwu r1,-16(r1)
            (0x7c22_1a14, "add"),     // add r1,r2,r3
            (0x7c22_1e14, "add"),     // addo r1,r2,r3
            (0x1022_1958, "macchw"),  // macchw r1,r2,r3
            (0x1022_1d58, "macchw"),  // macchwo r1,r2,r3
            (0x7c00_8146, "wrteei"),  // wrteei 1
            (0x4c00_0066, "rfci"),    // rfci
            (0x7c6c_42e6, "mftb"),    // mftb r3
            (0x7c00_04ac, "sync"),    // sync
            (0x4400_0002, "sc"),      // sc
            (0x7c22_1f25, "tlbsx"),   // tlbsx. r1,r2,r3
        ] {
            assert_eq!(decode(word).map(|form| form.mnemonic), Some(mnemonic), "{word:#010x}");
        }
    }

    #[test]
    fn instructions_the_405_lacks_are_rejected() {
        for (word, what) in [
            (0xfc22_182a, "fadd f1,f2,f3"),
            (0xc821_0000, "lfd f1,0(r1)"),
            (0x7c22_18de, "isel r1,r2,r3,3"),
            (0x7c78_0026, "mfocrf r3,128"),
            (0x7c70_8120, "mtocrf 8,r3"),
            (0x7c20_04ac, "lwsync"),
            (0xe821_0000, "ld r1,0(r1)"),
            (0x7820_0000, "rldicl"),
            (0x7c22_1912, "mulld"),
            (0x7c20_1800, "cmpd"),
            (0x1022_1804, "vaddubm (AltiVec)"),
            (0x0000_0000, "illegal 0"),
            (0x7c00_012c, "stwcx without record"),
            (0x7c00_0264, "tlbie"),
        ] {
            assert!(decode(word).is_none(), "{what} ({word:#010x}) decoded as {:?}", decode(word));
        }
    }

    #[test]
    fn branch_targets_and_displacements_round_trip() {
        assert_eq!(branch_target(0x4800_0010, 0x100), Some(0x110)); // b +16
        assert_eq!(branch_target(0x4bff_fff0, 0x100), Some(0xf0)); // b -16
        assert_eq!(branch_target(0x4182_fff8, 0x100), Some(0xf8)); // beq -8
        assert_eq!(branch_target(0x4800_0102, 0x100), Some(0x100)); // ba 0x100
        assert!(displacement_fits(0x4182_0000, 32764));
        assert!(!displacement_fits(0x4182_0000, 32768));
        assert!(displacement_fits(0x4800_0000, 32768));
        assert_eq!(branch_target(with_displacement(0x4182_fff8, -0x2000), 0x4000), Some(0x2000));
    }
}

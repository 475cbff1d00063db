//! The PPC405's data-access instructions, as far as a microvisor that completes one for a guest must
//! know them: loads and stores with their update, multiple and string forms, and the cache-block
//! instructions that translate like an access (PPC405 user's manual, chapter 9).
//!
//! The microvisor completes such an instruction when it misses on an emulated device (I/O
//! address-map translation) or where nothing on the board answers; both decode it here.

/// How one instruction reaches memory, in one byte: a size code (the low three bits: 0–3 for 2^n
/// bytes, or one of the codes below) and flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataAccess(u8);

const MULTIPLE: u8 = 4; // lmw, stmw: 4 × (32 − rD) bytes
const STRING_NB: u8 = 5; // lswi, stswi: NB bytes (0 meaning 32), from (rA|0)
const STRING_XER: u8 = 6; // lswx, stswx: XER[TBC] bytes
const LINE: u8 = 7; // dcbz: the 32-byte line around the address
const SIZE: u8 = 7;
const LOAD: u8 = 8;
const UPDATE: u8 = 16;
const INDEXED: u8 = 32;
const CACHE: u8 = 64;

/// Primary opcodes 32–47: lwz(u), lbz(u), stw(u), stb(u), lhz(u), lha(u), sth(u), lmw, stmw.
const D_FORMS: [u8; 16] = [
    2 | LOAD, 2 | LOAD | UPDATE, LOAD, LOAD | UPDATE, 2, 2 | UPDATE, 0, UPDATE,
    1 | LOAD, 1 | LOAD | UPDATE, 1 | LOAD, 1 | LOAD | UPDATE, 1, 1 | UPDATE, MULTIPLE | LOAD, MULTIPLE,
];

/// Primary opcode 31, by extended opcode: the X-form loads and stores (byte-reversed ones too), the
/// string instructions, `dcbz`, and `dcbst` (for which `dcbf` and `icbi` stand: [`CACHE_BLOCK`]).
const X_FORMS: [(u16, u8); 24] = [
    (23, 2 | LOAD | INDEXED), (55, 2 | LOAD | UPDATE | INDEXED), (87, LOAD | INDEXED), (119, LOAD | UPDATE | INDEXED),
    (151, 2 | INDEXED), (183, 2 | UPDATE | INDEXED), (215, INDEXED), (247, UPDATE | INDEXED),
    (279, 1 | LOAD | INDEXED), (311, 1 | LOAD | UPDATE | INDEXED), (343, 1 | LOAD | INDEXED), (375, 1 | LOAD | UPDATE | INDEXED),
    (407, 1 | INDEXED), (439, 1 | UPDATE | INDEXED), (534, 2 | LOAD | INDEXED), (662, 2 | INDEXED),
    (790, 1 | LOAD | INDEXED), (918, 1 | INDEXED), (533, STRING_XER | LOAD | INDEXED), (597, STRING_NB | LOAD),
    (661, STRING_XER | INDEXED), (725, STRING_NB), (1014, LINE | INDEXED | CACHE), (54, INDEXED | CACHE),
];
/// `dcbf` and `icbi`: translated as `dcbst` is (one byte, no data moved).
const CACHE_BLOCK: [u16; 2] = [86, 982];

impl DataAccess {
    /// The data access `word` makes, if it is one of the instructions above.
    pub fn decode(word: u32) -> Option<DataAccess> {
        match word >> 26 {
            primary @ 32..=47 => Some(DataAccess(D_FORMS[primary as usize - 32])),
            31 => {
                let xo = ((word >> 1) & 0x3ff) as u16;
                let xo = if CACHE_BLOCK.contains(&xo) { 54 } else { xo };
                X_FORMS.iter().find(|(form, _)| *form == xo).map(|(_, kind)| DataAccess(*kind))
            }
            _ => None,
        }
    }

    /// Whether it loads registers (from rD on).
    pub const fn loads(self) -> bool {
        self.0 & LOAD != 0
    }

    /// Whether rA receives the effective address (the update forms).
    pub const fn updates(self) -> bool {
        self.0 & UPDATE != 0
    }

    /// The bytes of a plain load or store (1, 2 or 4); `None` for the multiple, string and
    /// cache-block forms.
    pub const fn plain_bytes(self) -> Option<u32> {
        match self.0 & (SIZE | CACHE) {
            size @ 0..=3 => Some(1 << size),
            _ => None,
        }
    }

    /// The bytes it reaches from its effective address, for `word` with `xer`.
    pub const fn bytes(self, word: u32, xer: u32) -> u32 {
        let count = crate::insn::rb(word) as u32;
        match self.0 & SIZE {
            MULTIPLE => 4 * (32 - crate::insn::rd(word) as u32),
            STRING_NB if count == 0 => 32,
            STRING_NB => count,
            STRING_XER => xer & 0x7f,
            LINE => 32,
            size => 1 << size,
        }
    }

    /// Its effective address, for `word` with the guest's registers `gpr`: (rA|0) + d, (rA|0) + rB,
    /// or (rA|0) for `lswi`/`stswi`; `dcbz` reaches the whole line around it.
    pub const fn effective_address(self, word: u32, gpr: &[u32; 32]) -> u32 {
        let ra = crate::insn::ra(word);
        let base = if ra == 0 { 0 } else { gpr[ra] };
        let address = if self.0 & SIZE == STRING_NB {
            base
        } else if self.0 & INDEXED != 0 {
            base.wrapping_add(gpr[crate::insn::rb(word)])
        } else {
            base.wrapping_add(word as u16 as i16 as u32)
        };
        if self.0 & SIZE == LINE {
            address & !31
        } else {
            address
        }
    }

    /// The registers it loads, from rD on (wrapping from r31 to r0 for strings): a word each.
    pub const fn registers_loaded(self, word: u32, xer: u32) -> usize {
        if self.loads() {
            self.bytes(word, xer).div_ceil(4) as usize
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x_form(xo: u32, rd: u32, ra: u32, rb: u32) -> u32 {
        (31 << 26) | (rd << 21) | (ra << 16) | (rb << 11) | (xo << 1)
    }

    #[test]
    fn plain_loads_and_stores_give_their_size_and_update_forms_say_so() {
        let lwzu = DataAccess::decode(0x8483_0008).unwrap(); // lwzu r4, 8(r3)
        assert!(lwzu.loads() && lwzu.updates());
        assert_eq!(lwzu.plain_bytes(), Some(4));
        let mut gpr = [0; 32];
        gpr[3] = 0x1000;
        assert_eq!(lwzu.effective_address(0x8483_0008, &gpr), 0x1008);
        let stbx = DataAccess::decode(x_form(215, 5, 0, 3)).unwrap();
        assert!(!stbx.loads() && !stbx.updates());
        assert_eq!((stbx.plain_bytes(), stbx.effective_address(x_form(215, 5, 0, 3), &gpr)), (Some(1), 0x1000));
        assert_eq!(DataAccess::decode(x_form(790, 4, 0, 3)).unwrap().plain_bytes(), Some(2), "lhbrx");
    }

    #[test]
    fn multiple_string_and_cache_block_forms_are_not_plain() {
        let lmw = 0xbba3_0000; // lmw r29, 0(r3)
        let access = DataAccess::decode(lmw).unwrap();
        assert_eq!((access.plain_bytes(), access.bytes(lmw, 0), access.registers_loaded(lmw, 0)), (None, 12, 3));
        let lswi = x_form(597, 9, 3, 6); // lswi r9, r3, 6
        let access = DataAccess::decode(lswi).unwrap();
        assert_eq!((access.plain_bytes(), access.bytes(lswi, 0), access.registers_loaded(lswi, 0)), (None, 6, 2));
        let lswx = x_form(533, 9, 0, 3);
        assert_eq!(DataAccess::decode(lswx).unwrap().bytes(lswx, 5), 5);
        for xo in [54, 86, 982] {
            let access = DataAccess::decode(x_form(xo, 0, 0, 3)).unwrap();
            assert_eq!((access.plain_bytes(), access.bytes(0, 0), access.loads()), (None, 1, false), "xo {xo}");
        }
        let dcbz = x_form(1014, 0, 0, 3);
        let mut gpr = [0; 32];
        gpr[3] = 0x1234;
        let access = DataAccess::decode(dcbz).unwrap();
        assert_eq!((access.bytes(dcbz, 0), access.effective_address(dcbz, &gpr)), (32, 0x1220));
    }

    #[test]
    fn reservations_and_other_instructions_are_not_decoded() {
        assert_eq!(DataAccess::decode(x_form(20, 4, 0, 3)), None, "lwarx");
        assert_eq!(DataAccess::decode(x_form(150, 4, 0, 3) | 1), None, "stwcx.");
        assert_eq!(DataAccess::decode(0x3860_0001), None, "li r3, 1");
    }
}

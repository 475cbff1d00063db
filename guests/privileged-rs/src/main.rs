//! Every class of privileged PPC405 instruction, run natively in supervisor mode, built by rustc.
//!
//! Deterministic output only (no time base or PIT values). TLB LO is written before HI (QEMU
//! clears the valid bit otherwise); SLER and DBCR0 are never written; only UIC0's DCRs are used.
#![cfg_attr(target_arch = "powerpc", no_std, no_main)]

use core::fmt::Write;

#[cfg(target_arch = "powerpc")]
mod privileged {
    use core::arch::asm;

    /// `mfspr` of a constant SPR.
    macro_rules! mfspr {
        ($spr:expr) => {{
            let value: u32;
            // SAFETY: reading an SPR has no side effect on these registers.
            unsafe { asm!("mfspr {0}, {1}", out(reg) value, const $spr, options(nomem, nostack)) };
            value
        }};
    }

    /// `mtspr` of a constant SPR.
    macro_rules! mtspr {
        ($spr:expr, $value:expr) => {{
            let value: u32 = $value;
            // SAFETY: the SPRs written here (SPRGs, SRR0, PID) hold no state this guest relies on.
            unsafe { asm!("mtspr {1}, {0}", in(reg) value, const $spr, options(nostack)) };
        }};
    }

    pub fn mfmsr() -> u32 {
        let msr: u32;
        // SAFETY: reads the MSR.
        unsafe { asm!("mfmsr {0}", out(reg) msr, options(nomem, nostack)) };
        msr
    }

    pub fn mtmsr(msr: u32) {
        // SAFETY: the caller passes an MSR with translation off, as the guest runs.
        unsafe { asm!("mtmsr {0}", in(reg) msr, options(nostack)) };
    }

    pub fn wrteei(enable: bool) {
        // SAFETY: no interrupt source is enabled (TCR = 0, UIC0 ER = 0), so EE changes nothing else.
        unsafe {
            if enable {
                asm!("wrteei 1", options(nostack));
            } else {
                asm!("wrteei 0", options(nostack));
            }
        }
    }

    pub fn wrtee(value: u32) {
        // SAFETY: as for wrteei.
        unsafe { asm!("wrtee {0}", in(reg) value, options(nostack)) };
    }

    /// Returns through `rfi` to the next instruction with SRR1 = MSR | ME.
    pub fn rfi_to_next() {
        // SAFETY: SRR0/SRR1 point at the label right after the rfi, with the current MSR plus ME.
        unsafe {
            asm!(
                "lis {t}, 1f@ha",
                "addi {t}, {t}, 1f@l",
                "mtspr 26, {t}",
                "mfmsr {t}",
                "ori {t}, {t}, 0x1000",
                "mtspr 27, {t}",
                "rfi",
                "b .",
                "1:",
                t = out(reg_nonzero) _,
                options(nostack)
            )
        };
    }

    /// Returns through `rfci` to the next instruction with SRR3 = 0.
    pub fn rfci_to_next() {
        // SAFETY: SRR2/SRR3 point at the label right after the rfci, with MSR = 0.
        unsafe {
            asm!(
                "lis {t}, 1f@ha",
                "addi {t}, {t}, 1f@l",
                "mtspr 990, {t}",
                "li {t}, 0",
                "mtspr 991, {t}",
                "rfci",
                "b .",
                "1:",
                t = out(reg_nonzero) _,
                options(nostack)
            )
        };
    }

    pub fn sprs() -> [u32; 5] {
        mtspr!(272, 0x1111_1111);
        mtspr!(275, 0x3333_3333);
        mtspr!(276, 0x4444_4444);
        mtspr!(26, 0x00c0_ffee);
        [mfspr!(272), mfspr!(275), mfspr!(260), mfspr!(26), mfspr!(287)]
    }

    pub fn time_base_runs_forward() -> bool {
        let (first, second): (u32, u32);
        // SAFETY: mftb only reads the time base.
        unsafe {
            asm!("mftb {0}", out(reg) first, options(nomem, nostack));
            asm!("mftb {0}", out(reg) second, options(nomem, nostack));
        }
        second.wrapping_sub(first) < 0x8000_0000
    }

    /// UIC0: inputs stay disabled (ER = 0); CR is written and read back, then cleared.
    pub fn dcrs() -> (u32, u32) {
        let (cr, er): (u32, u32);
        // SAFETY: UIC0 DCRs exist on ref405ep; with ER = 0 no interrupt can be raised.
        unsafe {
            asm!("mtdcr 0xc2, {0}", in(reg) 0u32, options(nostack));
            asm!("mtdcr 0xc3, {0}", in(reg) 0xf000u32, options(nostack));
            asm!("mfdcr {0}, 0xc3", out(reg) cr, options(nostack));
            asm!("mtdcr 0xc3, {0}", in(reg) 0u32, options(nostack));
            asm!("mfdcr {0}, 0xc2", out(reg) er, options(nostack));
        }
        (cr, er)
    }

    /// Writes TLB entry 5 (LO first), reads it back, finds it with tlbsx.; returns (hi, lo, index, found).
    pub fn tlb() -> (u32, u32, u32, bool) {
        let (hi, lo, index, cr): (u32, u32, u32, u32);
        mtspr!(945, 0);
        // SAFETY: translation is off (MSR IR = DR = 0), so TLB contents do not affect this guest.
        unsafe {
            asm!("tlbia", options(nostack));
            asm!("tlbwe {0}, {1}, 1", in(reg) 0x0080_0300u32, in(reg) 5u32, options(nostack));
            asm!("tlbwe {0}, {1}, 0", in(reg) 0x0080_00c0u32, in(reg) 5u32, options(nostack));
            asm!("tlbsync", options(nostack));
            asm!("tlbre {0}, {1}, 0", out(reg) hi, in(reg) 5u32, options(nostack));
            asm!("tlbre {0}, {1}, 1", out(reg) lo, in(reg) 5u32, options(nostack));
            asm!("tlbsx. {0}, 0, {2}", "mfcr {1}", out(reg) index, out(reg) cr, in(reg) 0x0080_0123u32, options(nostack));
            asm!("tlbia", options(nostack));
        }
        (hi, lo, index, cr & 0x2000_0000 != 0)
    }

    pub fn caches(buffer: *mut u32) {
        let value: u32;
        // SAFETY: QEMU models no caches; on hardware these only drop clean lines of this buffer
        // and the (write-through here) caches, read cache debug data, and touch no memory.
        unsafe {
            asm!("iccci 0, {0}", in(reg) 0u32, options(nostack));
            asm!("dccci 0, {0}", in(reg) 0u32, options(nostack));
            asm!("dcbi 0, {0}", in(reg) buffer, options(nostack));
            // LLVM's assembler lacks dcread and icread: their words, with fixed registers.
            // dcread r5,0,r4 (PPC405 manual 9.11: primary 31, extended 486).
            asm!(".long 0x7ca023cc", out("r5") value, in("r4") 0u32, options(nostack));
            // icread 0,r4 (primary 31, extended 998).
            asm!(".long 0x7c0027cc", in("r4") 0u32, options(nostack));
        }
        let _ = value;
    }
}

fn line(label: &str, value: u32) {
    let _ = writeln!(guest_rt::Console, "{label} = {value:#010x}");
}

fn twice(n: u32) -> u32 {
    2 * n
}

fn square(n: u32) -> u32 {
    n * n
}

/// Function pointers in data: each entry is an address of moved code.
static OPERATIONS: [fn(u32) -> u32; 2] = [twice, square];

/// A dense match with 72 arms: LLVM's PowerPC back end makes a jump table from 64 cases on.
#[inline(never)]
fn by_case(which: u32, n: u32) -> u32 {
    match which {
        0 => n + 1,
        1 => OPERATIONS[(which & 1) as usize](n) + 3,
        2 => n * 7,
        3 => OPERATIONS[((which >> 1) & 1) as usize](n).wrapping_sub(1),
        4 => n ^ 0x55,
        5 => n << 3,
        6 => n.wrapping_sub(9),
        7 => msr().wrapping_add(n),
        8 => n.rotate_left(9).wrapping_add(57),
        9 => n.rotate_left(10).wrapping_add(64),
        10 => n.rotate_left(11).wrapping_add(71),
        11 => n.rotate_left(12).wrapping_add(78),
        12 => n.rotate_left(13).wrapping_add(85),
        13 => n.rotate_left(14).wrapping_add(92),
        14 => n.rotate_left(15).wrapping_add(99),
        15 => n.rotate_left(16).wrapping_add(106),
        16 => n.rotate_left(17).wrapping_add(113),
        17 => n.rotate_left(18).wrapping_add(120),
        18 => n.rotate_left(19).wrapping_add(127),
        19 => n.rotate_left(20).wrapping_add(134),
        20 => n.rotate_left(21).wrapping_add(141),
        21 => n.rotate_left(22).wrapping_add(148),
        22 => n.rotate_left(23).wrapping_add(155),
        23 => n.rotate_left(24).wrapping_add(162),
        24 => n.rotate_left(25).wrapping_add(169),
        25 => n.rotate_left(26).wrapping_add(176),
        26 => n.rotate_left(27).wrapping_add(183),
        27 => n.rotate_left(28).wrapping_add(190),
        28 => n.rotate_left(29).wrapping_add(197),
        29 => n.rotate_left(30).wrapping_add(204),
        30 => n.rotate_left(31).wrapping_add(211),
        31 => n.rotate_left(1).wrapping_add(218),
        32 => n.rotate_left(2).wrapping_add(225),
        33 => n.rotate_left(3).wrapping_add(232),
        34 => n.rotate_left(4).wrapping_add(239),
        35 => n.rotate_left(5).wrapping_add(246),
        36 => n.rotate_left(6).wrapping_add(253),
        37 => n.rotate_left(7).wrapping_add(260),
        38 => n.rotate_left(8).wrapping_add(267),
        39 => n.rotate_left(9).wrapping_add(274),
        40 => n.rotate_left(10).wrapping_add(281),
        41 => n.rotate_left(11).wrapping_add(288),
        42 => n.rotate_left(12).wrapping_add(295),
        43 => n.rotate_left(13).wrapping_add(302),
        44 => n.rotate_left(14).wrapping_add(309),
        45 => n.rotate_left(15).wrapping_add(316),
        46 => n.rotate_left(16).wrapping_add(323),
        47 => n.rotate_left(17).wrapping_add(330),
        48 => n.rotate_left(18).wrapping_add(337),
        49 => n.rotate_left(19).wrapping_add(344),
        50 => n.rotate_left(20).wrapping_add(351),
        51 => n.rotate_left(21).wrapping_add(358),
        52 => n.rotate_left(22).wrapping_add(365),
        53 => n.rotate_left(23).wrapping_add(372),
        54 => n.rotate_left(24).wrapping_add(379),
        55 => n.rotate_left(25).wrapping_add(386),
        56 => n.rotate_left(26).wrapping_add(393),
        57 => n.rotate_left(27).wrapping_add(400),
        58 => n.rotate_left(28).wrapping_add(407),
        59 => n.rotate_left(29).wrapping_add(414),
        60 => n.rotate_left(30).wrapping_add(421),
        61 => n.rotate_left(31).wrapping_add(428),
        62 => n.rotate_left(1).wrapping_add(435),
        63 => n.rotate_left(2).wrapping_add(442),
        64 => n.rotate_left(3).wrapping_add(449),
        65 => n.rotate_left(4).wrapping_add(456),
        66 => n.rotate_left(5).wrapping_add(463),
        67 => n.rotate_left(6).wrapping_add(470),
        68 => n.rotate_left(7).wrapping_add(477),
        69 => n.rotate_left(8).wrapping_add(484),
        70 => n.rotate_left(9).wrapping_add(491),
        71 => n.rotate_left(10).wrapping_add(498),
        _ => 0,
    }
}

#[cfg(target_arch = "powerpc")]
fn msr() -> u32 {
    privileged::mfmsr()
}

#[cfg(not(target_arch = "powerpc"))]
fn msr() -> u32 {
    0
}

/// Called by `guest_rt` once the stack and `.bss` are ready.
#[cfg(target_arch = "powerpc")]
#[no_mangle]
pub extern "C" fn guest_main() {
    use privileged::*;
    guest_rt::println("privileged-rs: every class of privileged instruction, natively");
    let entry = mfmsr();
    line("msr at entry", entry);
    mtmsr(entry | 0x1000);
    line("msr with ME", mfmsr());
    mtmsr(entry);
    wrteei(true);
    line("msr after wrteei 1", mfmsr());
    wrteei(false);
    wrtee(0x8000);
    line("msr after wrtee EE", mfmsr());
    wrtee(0);
    line("msr after wrtee 0", mfmsr());
    rfi_to_next();
    line("msr after rfi", mfmsr());
    rfci_to_next();
    line("msr after rfci", mfmsr());
    let [sprg0, sprg3, sprg4, srr0, pvr] = sprs();
    line("sprg0", sprg0);
    line("sprg3", sprg3);
    line("sprg4 (user alias)", sprg4);
    line("srr0", srr0);
    line("pvr", pvr);
    guest_rt::println(if time_base_runs_forward() { "time base runs forward" } else { "time base ran backwards" });
    let (cr, er) = dcrs();
    line("uic0 cr", cr);
    line("uic0 er", er);
    let (hi, lo, index, found) = tlb();
    line("tlb 5 hi", hi);
    line("tlb 5 lo", lo);
    line("tlbsx index", index);
    guest_rt::println(if found { "tlbsx found it" } else { "tlbsx missed" });
    let mut buffer = [0u32; 8];
    buffer[0] = 0x5a5a_5a5a;
    caches(buffer.as_mut_ptr());
    guest_rt::println("caches invalidated");
    let limit = core::hint::black_box(73u32);
    let mut sum = 0u32;
    for which in 0..limit {
        sum = sum.wrapping_mul(3).wrapping_add(by_case(core::hint::black_box(which), which + 10));
    }
    line("jump table sum", sum);
}

#[cfg(not(target_arch = "powerpc"))]
fn main() {
    let _ = (line as fn(&str, u32), by_case(0, 0));
}

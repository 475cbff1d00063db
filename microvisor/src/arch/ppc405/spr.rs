//! The real SPRs the microvisor uses (PPC405 user's manual, section 10.2).
//!
//! `mfspr`/`mtspr` take the SPR number as an immediate, so each register has its own function.
//! SPRG0 and SPRG1 are the vectors' (see `vectors`); SPRG4–7 hold the running guest's values.

use irfm::spr;

#[cfg(target_arch = "powerpc")]
macro_rules! mfspr {
    ($number:expr) => {{
        let value: u32;
        // SAFETY: reading an SPR has no side effect on the 405 for the numbers used in this module.
        unsafe { core::arch::asm!("mfspr {0}, {1}", out(reg) value, const $number, options(nomem, nostack)) };
        value
    }};
}

#[cfg(target_arch = "powerpc")]
macro_rules! mtspr {
    ($number:expr, $value:expr) => {{
        let value: u32 = $value;
        // SAFETY: the callers in this module write only registers the microvisor owns, with values
        // whose effect each function documents.
        unsafe { core::arch::asm!("mtspr {1}, {0}", in(reg) value, const $number, options(nostack)) };
    }};
}

#[cfg(not(target_arch = "powerpc"))]
macro_rules! mfspr {
    ($number:expr) => {
        crate::arch::host::read_spr($number)
    };
}

#[cfg(not(target_arch = "powerpc"))]
macro_rules! mtspr {
    ($number:expr, $value:expr) => {
        crate::arch::host::write_spr($number, $value)
    };
}

/// Loads the guest's SPRG4–7 into the real registers (user mode reads them without a trap).
pub fn load_user_sprgs(sprg4_7: &[u32; 4]) {
    mtspr!(276, sprg4_7[0]);
    mtspr!(277, sprg4_7[1]);
    mtspr!(278, sprg4_7[2]);
    mtspr!(279, sprg4_7[3]);
}

/// Sets the real PID: the TID that TLB entries must carry to match (PPC405 manual 7.2.3).
pub fn set_pid(pid: u8) {
    mtspr!(945, u32::from(pid));
}

/// Sets the real zone protection register.
///
/// QEMU 7.2 decides access rights when it fills its own translation cache and does not refill it
/// when ZPR changes; a PID change does flush it (at the next interrupt or `rfi`). So after a new ZPR
/// the PID is moved away and back: on a real 405 this costs two `mtspr` and changes nothing.
pub fn set_zpr(zpr: u32) {
    if mfspr!(944) == zpr {
        return;
    }
    mtspr!(944, zpr);
    let pid = mfspr!(945);
    mtspr!(945, pid ^ 0x80);
    mtspr!(945, pid);
}

/// The real exception syndrome register (why the last DSI/program/… happened).
pub fn esr() -> u32 {
    mfspr!(980)
}

/// The real data exception address register.
pub fn dear() -> u32 {
    mfspr!(981)
}

/// The processor version register (read-only; guests read the real one).
pub fn pvr() -> u32 {
    mfspr!(287)
}

/// The 64-bit time base, read consistently (upper, lower, upper again: PPC405 manual 6.2.1).
pub fn time_base() -> u64 {
    loop {
        let upper = mfspr!(spr::TBU_READ);
        let lower = mfspr!(spr::TBL_READ);
        if mfspr!(spr::TBU_READ) == upper {
            return (u64::from(upper) << 32) | u64::from(lower);
        }
    }
}

/// The microvisor's clock: the lower time base word, less what a partition alone moved the time
/// base by (`write_time_base`). All the microvisor's deadlines are values of it (see `vtimer`).
pub fn time_base_lower() -> u32 {
    mfspr!(spr::TBL_READ).wrapping_sub(clock_offset::get())
}

/// Writes one half of the time base (`upper`: TBU, else TBL), the other kept as QEMU keeps it: the
/// whole is written TBL first to 0, so no carry reaches TBU meanwhile (PPC405 manual 6.2.2). The
/// microvisor's clock moves away from it by as much, so every deadline keeps its instant. Only for
/// a partition alone: the guests of several share the time base.
pub fn write_time_base(upper: bool, half: u32) {
    let before = time_base();
    let value = if upper {
        (before & 0xffff_ffff) | (u64::from(half) << 32)
    } else {
        (before & !0xffff_ffff) | u64::from(half)
    };
    mtspr!(spr::TBL_WRITE, 0);
    mtspr!(spr::TBU_WRITE, (value >> 32) as u32);
    mtspr!(spr::TBL_WRITE, value as u32);
    clock_offset::set(clock_offset::get().wrapping_add((value as u32).wrapping_sub(before as u32)));
}

/// The time base less the microvisor's clock: 0 until a partition alone writes the time base.
/// (The microvisor runs with interrupts off on one core: a plain load and store suffice.)
mod clock_offset {
    #[cfg(target_arch = "powerpc")]
    static OFFSET: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

    #[cfg(target_arch = "powerpc")]
    pub fn get() -> u32 {
        OFFSET.load(core::sync::atomic::Ordering::Relaxed)
    }

    #[cfg(target_arch = "powerpc")]
    pub fn set(offset: u32) {
        OFFSET.store(offset, core::sync::atomic::Ordering::Relaxed)
    }

    // On the host each test thread has its own machine (`arch::host`), and so its own offset.
    #[cfg(not(target_arch = "powerpc"))]
    std::thread_local! {
        static OFFSET: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    }

    #[cfg(not(target_arch = "powerpc"))]
    pub fn get() -> u32 {
        OFFSET.with(|offset| offset.get())
    }

    #[cfg(not(target_arch = "powerpc"))]
    pub fn set(offset: u32) {
        OFFSET.with(|cell| cell.set(offset))
    }
}

/// Writes TCR. Only `timer::init` does, once: on QEMU every TCR write re-arms the PIT and steps
/// the watchdog (see `../shared/platform.md`).
pub fn set_tcr(tcr: u32) {
    mtspr!(986, tcr);
}

/// Starts the real PIT counting down from `ticks` (one-shot: TCR[ARE] = 0).
pub fn set_pit(ticks: u32) {
    mtspr!(987, ticks);
}

/// Clears TSR bits (write 1 to clear).
pub fn clear_tsr(bits: u32) {
    mtspr!(984, bits);
}

/// The real TSR.
pub fn tsr() -> u32 {
    mfspr!(984)
}

/// Loads SRR2/SRR3 (the guest's values: see `partition::enter`).
pub fn set_critical_save(srr2: u32, srr3: u32) {
    mtspr!(990, srr2);
    mtspr!(991, srr3);
}

/// The real SRR2/SRR3.
pub fn critical_save() -> (u32, u32) {
    (mfspr!(990), mfspr!(991))
}

/// Loads SPRG2: the running partition's IRFM pages, for the fast path (`irfm_fallback`).
pub fn set_sprg2(value: u32) {
    mtspr!(274, value);
}

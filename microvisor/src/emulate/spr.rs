//! `mfspr` and `mtspr` of the 405's privileged SPRs (PPC405 manual, sections 9.11 and 10.2).
//!
//! Every SPR a guest can name is answered from its [`Vcpu`](crate::vcpu::Vcpu): the real registers
//! belong to the microvisor. The few with an effect beyond storage say so at their arm. Numbers the
//! 405 does not implement behave as QEMU 7.2's 405 does in supervisor mode (the manual calls them
//! boundedly undefined): `mfspr` leaves rD unchanged and `mtspr` does nothing, except numbers 0, 4,
//! 5, 6 (`mfspr`) and 0 (`mtspr`), which raise a privileged-instruction program interrupt.

use super::{program, Outcome};
use crate::arch::ppc405::spr as real;
use crate::reflect::esr;
use crate::system::Partition;
use crate::vcpu::Spr;
use crate::vtimer;
use irfm::insn::rd;
use irfm::spr::{self, from_word};

/// Advances the partition's timers before its guest reads or writes TCR, TSR or PIT, so it sees
/// every event up to now; `None` if the watchdog asked for a reset meanwhile.
fn timers_now(partition: &mut Partition) -> Option<()> {
    match vtimer::catch_up(partition) {
        vtimer::WatchdogAction::None => Some(()),
        vtimer::WatchdogAction::Reset => None,
    }
}

/// `mfspr rD,SPRN` (and `mftb` of a TBR number that trapped).
pub fn mfspr(partition: &mut Partition, word: u32) -> Outcome {
    let number = from_word(word);
    if matches!(number, spr::TSR | spr::PIT) && timers_now(partition).is_none() {
        return Outcome::WatchdogReset;
    }
    let vcpu = &mut partition.vcpu;
    let value = match Spr::index_of(number) {
        Some(index) => vcpu.sprs[index],
        None => match number {
            // The time base as the guest reads it with `mftb` (not the microvisor's clock).
            spr::TBL_READ | spr::TBL_WRITE => real::time_base() as u32,
            spr::TBU_READ | spr::TBU_WRITE => (real::time_base() >> 32) as u32,
            spr::PVR => real::pvr(),
            spr::PID => u32::from(vcpu.pid),
            // The instruction-cache debug data register: what `icread` would have loaded (nothing).
            spr::ICDBDR => 0,
            spr::EVPR => u32::from(vcpu.evpr) << 16,
            spr::TSR => vcpu.tsr & vtimer::tsr::IMPLEMENTED,
            spr::TCR => vcpu.tcr,
            spr::PIT => vtimer::read_pit(vcpu, real::time_base_lower()),
            0 | 4 | 5 | 6 => return program(esr::PPR),
            _ => return Outcome::Next,
        },
    };
    #[cfg(feature = "inject-fault")]
    let value = if number == spr::SPRG0 + 3 { value ^ 1 } else { value };
    vcpu.gpr[rd(word)] = value;
    Outcome::Next
}

/// `mtspr SPRN,rS`.
pub fn mtspr(partition: &mut Partition, word: u32) -> Outcome {
    let value = partition.vcpu.gpr[rd(word)];
    let timer = matches!(from_word(word), spr::TSR | spr::TCR | spr::PIT);
    if timer && timers_now(partition).is_none() {
        return Outcome::WatchdogReset;
    }
    if from_word(word) == spr::TCR {
        // The write steps the watchdog (as QEMU's does), which may ask for a reset.
        if vtimer::write_tcr(partition, value, real::time_base_lower()) == vtimer::WatchdogAction::Reset {
            return Outcome::WatchdogReset;
        }
        crate::reflect::refresh_pending(partition);
        return Outcome::Next;
    }
    let vcpu = &mut partition.vcpu;
    match from_word(word) {
        // Read-only: user aliases of SPRG4–7, USPRG0 as QEMU models it, PVR, ICDBDR.
        spr::USPRG0 | spr::SPRG4_USER..=spr::SPRG7_USER | spr::PVR | spr::ICDBDR => return program(esr::PPR),
        0 => return program(esr::PPR),
        // The time base is the board's: a partition alone writes it (TBL or TBU, the other half kept,
        // as on QEMU), while several share it as a wall clock none may move (writes ignored).
        spr::TBL_WRITE | spr::TBU_WRITE if partition.alone => {
            real::write_time_base(from_word(word) == spr::TBU_WRITE, value);
        }
        spr::TBL_WRITE | spr::TBU_WRITE => {}
        // An OS that reloads PID on every return from an interrupt mostly writes the one it has:
        // its shadows stay.
        spr::PID if vcpu.pid == value as u8 => {}
        spr::PID => {
            vcpu.pid = value as u8;
            crate::address_space::pid_changed(partition);
        }
        // As QEMU 7.2's 405, whose write-to-clear ANDs with the *negated* value (`spr_write_clear`):
        // the manual clears the bits written, but a guest reads what it reads natively.
        spr::DBSR => vcpu[Spr::Dbsr] &= value.wrapping_neg(),
        spr::EVPR => vcpu.evpr = (value >> 16) as u16,
        // DBCR0[RST] resets the partition alone, as QEMU resets the board (`reset`); the rest of
        // DBCR0 is plain storage, never written to the real one.
        spr::DBCR0 => match crate::reset::Kind::of(value) {
            None => vcpu[Spr::Dbcr0] = value,
            Some(kind) => return Outcome::Reset(kind),
        },
        spr::TSR => vtimer::write_tsr(vcpu, value),
        spr::PIT => vtimer::write_pit(vcpu, value, real::time_base_lower()),
        number => {
            // Everything else that exists is plain storage: SLER included, which stays virtual
            // (QEMU aborts on a non-zero SLER).
            if let Some(index) = Spr::index_of(number) {
                vcpu.sprs[index] = value;
                if (Spr::Sprg4 as usize..=Spr::Sprg7 as usize).contains(&index) {
                    // SPRG4–7 are readable in user mode without a trap: the real ones carry the guest's.
                    real::load_user_sprgs(&[vcpu[Spr::Sprg4], vcpu[Spr::Sprg5], vcpu[Spr::Sprg6], vcpu[Spr::Sprg7]]);
                } else if index == Spr::Zpr as usize {
                    crate::address_space::zpr_changed(partition);
                }
            }
        }
    }
    if timer {
        crate::reflect::refresh_pending(partition);
    }
    Outcome::Next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::Partition;
    use irfm::insn::encode;

    fn partition() -> Partition {
        let mut partition = Partition::EMPTY;
        partition.state = crate::system::State::Runnable;
        partition
    }

    #[test]
    fn mtspr_srr0_then_mfspr_returns_it() {
        let mut p = partition();
        p.vcpu.gpr[5] = 0x1234_5678;
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::SRR0, 5)), Outcome::Next);
        assert_eq!(mfspr(&mut p, encode::mfspr(9, spr::SRR0)), Outcome::Next);
        assert_eq!(p.vcpu.gpr[9], 0x1234_5678);
    }

    #[test]
    fn sprg4_writes_reach_the_real_register_that_user_mode_reads() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0xcafe;
        let _ = mtspr(&mut p, encode::mtspr(spr::SPRG0 + 4, 3));
        assert_eq!(crate::arch::host::read_spr(276), 0xcafe);
    }

    #[test]
    fn sler_and_dbcr0_never_reach_the_real_registers() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0xffff_ffff;
        p.vcpu.gpr[4] = 0xcfff_ffff;
        let _ = mtspr(&mut p, encode::mtspr(spr::SLER, 3));
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::DBCR0, 4)), Outcome::Next);
        assert_eq!(crate::arch::host::read_spr(spr::SLER), 0);
        assert_eq!(crate::arch::host::read_spr(spr::DBCR0), 0);
        assert_eq!((p.vcpu[Spr::Sler], p.vcpu[Spr::Dbcr0]), (0xffff_ffff, 0xcfff_ffff));
    }

    #[test]
    fn dbcr0_rst_resets_the_processor_or_asks_for_a_system_reset() {
        let mut p = partition();
        (p.vcpu.gpr[3], p.vcpu.gpr[4], p.vcpu.pc) = (0x1000_0000, 0x3000_0000, 0x4000);
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::DBCR0, 4)), Outcome::Reset(crate::reset::Kind::System));
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::DBCR0, 3)), Outcome::Reset(crate::reset::Kind::Processor));
        assert_eq!(crate::arch::host::read_spr(spr::DBCR0), 0);
    }

    #[test]
    fn evpr_keeps_its_upper_half_and_pvr_is_read_only() {
        let mut p = partition();
        p.vcpu.gpr[3] = 0x1234_5678;
        let _ = mtspr(&mut p, encode::mtspr(spr::EVPR, 3));
        let _ = mfspr(&mut p, encode::mfspr(4, spr::EVPR));
        assert_eq!(p.vcpu.gpr[4], 0x1234_0000);
        assert_eq!(mtspr(&mut p, encode::mtspr(spr::PVR, 3)), program(esr::PPR));
    }

    #[test]
    fn an_unknown_spr_leaves_rd_alone_but_spr_0_traps() {
        let mut p = partition();
        p.vcpu.gpr[7] = 77;
        assert_eq!(mfspr(&mut p, encode::mfspr(7, 1023)), Outcome::Next);
        assert_eq!(p.vcpu.gpr[7], 77);
        assert_eq!(mfspr(&mut p, encode::mfspr(7, 0)), program(esr::PPR));
    }

    #[test]
    fn a_partition_alone_writes_the_time_base_and_the_microvisors_clock_stays() {
        let mut p = partition();
        crate::arch::host::write_spr(284, 1000);
        let clock = real::time_base_lower();
        p.vcpu.gpr[3] = 0x1234_5678;
        let _ = mtspr(&mut p, encode::mtspr(spr::TBU_WRITE, 3));
        assert_eq!(real::time_base() >> 32, 0, "shared: ignored");
        p.alone = true;
        let _ = mtspr(&mut p, encode::mtspr(spr::TBU_WRITE, 3));
        p.vcpu.gpr[3] = 7;
        let _ = mtspr(&mut p, encode::mtspr(spr::TBL_WRITE, 3));
        assert_eq!(real::time_base(), 0x1234_5678_0000_0007);
        assert_eq!(real::time_base_lower(), clock, "the microvisor's deadlines keep their instants");
        let _ = mfspr(&mut p, encode::mfspr(4, spr::TBL_WRITE));
        assert_eq!(p.vcpu.gpr[4], 7, "the guest reads what it wrote");
    }

    #[test]
    fn dbsr_writes_clear_as_on_qemu() {
        let mut p = partition();
        p.vcpu[Spr::Dbsr] = 0x0000_0300;
        for (written, left) in [(0x100, 0x300), (0x300, 0x100), (0, 0)] {
            p.vcpu.gpr[3] = written;
            let _ = mtspr(&mut p, encode::mtspr(spr::DBSR, 3));
            assert_eq!(p.vcpu[Spr::Dbsr], left, "after writing {written:#x}");
        }
    }

    #[test]
    #[cfg(feature = "tlb-virt")]
    fn rewriting_the_same_pid_keeps_the_shadows_and_another_pid_flushes_them() {
        use crate::arch::ppc405::tlb::{self, hi, Entry};
        let mut p = partition();
        p.vcpu.pid = 7;
        let shadow = Entry { hi: 0x1000_0000 | hi::V, lo: 0, tid: crate::address_space::shadow_tid(0) };
        tlb::write(20, shadow, 0);
        let valid = || crate::arch::host::with(|m| m.tlb[20].hi & hi::V != 0);
        p.vcpu.gpr[3] = 7;
        let _ = mtspr(&mut p, encode::mtspr(spr::PID, 3));
        assert!(valid(), "same PID: shadow kept");
        p.vcpu.gpr[3] = 8;
        let _ = mtspr(&mut p, encode::mtspr(spr::PID, 3));
        assert!(!valid(), "new PID: shadow flushed");
        assert_eq!(p.vcpu.pid, 8);
    }
}

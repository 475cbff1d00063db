//! The virtual UIC: each partition's own view of UIC0 (DCR 0x0C0–0x0C8).
//!
//! PPC405EP user's manual, chapter "Universal Interrupt Controller". The real UIC0 belongs to the
//! microvisor. For the interrupt lines of the devices a partition was granted ("owned" lines), the
//! real status is the truth: the guest's SR shows the real SR bits of its lines, its SR writes clear
//! them and its SRS writes set them, and its PR/TR settings are applied to them (so the line's
//! polarity and trigger are what the guest asked for). A real interrupt on an owned line is masked in the real ER until the guest
//! acknowledges it (writes SR), so a level-triggered device cannot storm the microvisor while the
//! guest runs with interrupts off. Lines a partition does not own exist only virtually: the guest can
//! set them with SRS, enable, prioritise and clear them, and nothing real changes. CR is always
//! virtual: the real UIC raises nothing critical, and the microvisor delivers a critical input when
//! the guest marked the line critical.

use crate::arch::ppc405::dcr::{self, Uic};

/// UIC0's DCR numbers.
pub mod number {
    /// Status (write 1 to clear).
    pub const SR: u16 = 0x0c0;
    /// Status set (write 1 to set; QEMU's UIC model has it).
    pub const SRS: u16 = 0x0c1;
    /// Enable.
    pub const ER: u16 = 0x0c2;
    /// Critical.
    pub const CR: u16 = 0x0c3;
    /// Polarity.
    pub const PR: u16 = 0x0c4;
    /// Trigger.
    pub const TR: u16 = 0x0c5;
    /// Masked status (read-only).
    pub const MSR: u16 = 0x0c6;
    /// Vector (read-only).
    pub const VR: u16 = 0x0c7;
    /// Vector configuration.
    pub const VCR: u16 = 0x0c8;
}

/// A partition's UIC registers, 28 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VirtualUic {
    /// Status bits of lines the partition does not own.
    pub sr: u32,
    /// Enable.
    pub er: u32,
    /// Critical.
    pub cr: u32,
    /// Polarity.
    pub pr: u32,
    /// Trigger.
    pub tr: u32,
    /// Vector configuration.
    pub vcr: u32,
    /// Owned lines whose real enable is held off until the guest acknowledges them.
    pub masked: u32,
}

/// The UIC bit of input `line` (IBM numbering: line 0 is the most significant bit).
pub const fn bit(line: u8) -> u32 {
    0x8000_0000 >> line
}

impl VirtualUic {
    /// The state after reset: everything 0.
    pub const RESET: VirtualUic = VirtualUic { sr: 0, er: 0, cr: 0, pr: 0, tr: 0, vcr: 0, masked: 0 };

    /// The status register as the guest sees it.
    pub fn status(&self, owned: u32) -> u32 {
        (dcr::read_uic(Uic::Sr) & owned) | (self.sr & !owned)
    }

    /// Lines asserted and enabled: (non-critical, critical).
    pub fn asserted(&self, owned: u32) -> (bool, bool) {
        let active = self.status(owned) & self.er;
        (active & !self.cr != 0, active & self.cr != 0)
    }

    /// `mfdcr` of a UIC register, or `None` if `number` is not one.
    pub fn read(&self, number: u16, owned: u32) -> Option<u32> {
        Some(match number {
            number::SR | number::SRS => self.status(owned),
            number::ER => self.er,
            number::CR => self.cr,
            number::PR => self.pr,
            number::TR => self.tr,
            number::MSR => self.status(owned) & self.er,
            number::VR => self.vector(owned),
            number::VCR => self.vcr,
            _ => return None,
        })
    }

    /// `mtdcr` of a UIC register; `false` if `number` is not one.
    pub fn write(&mut self, number: u16, value: u32, owned: u32) -> bool {
        match number {
            number::SR => {
                self.sr &= !(value & !owned);
                dcr::write_uic(Uic::Sr, value & owned);
                self.masked &= !(value & owned);
            }
            number::SRS => {
                self.sr |= value & !owned;
                if value & owned != 0 {
                    dcr::write_uic(Uic::Srs, value & owned);
                }
            }
            number::ER => self.er = value,
            number::CR => self.cr = value,
            number::PR => {
                self.pr = value;
                let real = dcr::read_uic(Uic::Pr);
                dcr::write_uic(Uic::Pr, (real & !owned) | (value & owned));
            }
            number::TR => {
                self.tr = value;
                let real = dcr::read_uic(Uic::Tr);
                dcr::write_uic(Uic::Tr, (real & !owned) | (value & owned));
            }
            number::MSR | number::VR => {}
            number::VCR => self.vcr = value & !0x2,
            _ => return false,
        }
        self.arm(owned);
        true
    }

    /// Sets the real enables of the owned lines: what the guest enabled, unless held off.
    pub fn arm(&self, owned: u32) {
        let real = dcr::read_uic(Uic::Er);
        dcr::write_uic(Uic::Er, (real & !owned) | (self.er & owned & !self.masked));
    }

    /// A real interrupt arrived on owned lines `lines`: hold them off until the guest acknowledges.
    pub fn hold(&mut self, lines: u32, owned: u32) {
        self.masked |= lines & owned;
        self.arm(owned);
    }

    /// The vector register: VCR's base plus 512 bytes per bit between the highest-priority active
    /// critical line and the priority end, or 0 if none. With VCR[PRO] = 0 (bit 31 has priority) as
    /// the manual says; with PRO = 1 the base alone, as QEMU 7.2 returns (its search loop never runs;
    /// the manual would count from bit 0), so that a guest reads what it reads natively.
    pub fn vector(&self, owned: u32) -> u32 {
        let active = self.status(owned) & self.er & self.cr;
        if active == 0 {
            return 0;
        }
        let position = if self.vcr & 1 != 0 { 0 } else { active.trailing_zeros() };
        (self.vcr & !3).wrapping_add(position * 512)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::host;

    const UART0_LINE: u32 = bit(0);

    #[test]
    fn owned_lines_show_the_real_status_and_others_only_virtual_bits() {
        host::write_dcr(0x0c0, UART0_LINE | bit(5));
        let mut uic = VirtualUic::RESET;
        assert!(uic.write(number::SRS, bit(9), UART0_LINE));
        assert_eq!(uic.read(number::SR, UART0_LINE), Some(UART0_LINE | bit(9)));
    }

    #[test]
    fn a_guest_acknowledgement_clears_the_real_line_and_rearms_it() {
        host::write_dcr(0x0c0, UART0_LINE);
        let mut uic = VirtualUic::RESET;
        uic.write(number::ER, UART0_LINE, UART0_LINE);
        uic.hold(UART0_LINE, UART0_LINE);
        assert_eq!(host::read_dcr(0x0c2) & UART0_LINE, 0, "held off while unacknowledged");
        uic.write(number::SR, UART0_LINE, UART0_LINE);
        assert_eq!(host::read_dcr(0x0c2) & UART0_LINE, UART0_LINE, "re-armed");
    }

    #[test]
    fn a_guest_cannot_enable_lines_it_does_not_own_in_the_real_uic() {
        let mut uic = VirtualUic::RESET;
        uic.write(number::ER, 0xffff_ffff, UART0_LINE);
        assert_eq!(host::read_dcr(0x0c2), UART0_LINE);
        assert_eq!(uic.read(number::ER, UART0_LINE), Some(0xffff_ffff));
    }

    #[test]
    fn the_vector_register_counts_from_the_priority_end_with_pro_0() {
        let mut uic = VirtualUic::RESET;
        uic.write(number::SRS, bit(2), 0);
        uic.write(number::ER, bit(2), 0);
        uic.write(number::CR, bit(2), 0);
        uic.write(number::VCR, 0x1000_0001, 0);
        assert_eq!(uic.read(number::VR, 0), Some(0x1000_0000), "PRO = 1: the base alone, as on QEMU");
        uic.write(number::VCR, 0x1000_0000, 0);
        assert_eq!(uic.read(number::VR, 0), Some(0x1000_0000 + 29 * 512), "bit 2 is 29 bits from bit 31");
    }
}

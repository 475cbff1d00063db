//! I/O address-map translation: what each partition finds at a device's address.
//!
//! Most of it is the MMU's work (`partition::map`): a device window the configuration granted is
//! mapped at its own address, guarded and cache-inhibited; one not granted is not mapped at all, so
//! an access to it stops the partition. This module is the third case, an *emulated* device, for
//! UART0's registers (0xEF600300–0xEF600307), chosen per partition (`irfm::image::Console`):
//! - `emulated`: a 16550 that is always ready to send, whose output goes to UART0 with a
//!   `[VM n] ` prefix per line, so several unmodified guests share one console legibly;
//! - `uart1`: the guest's UART0 registers are the real UART1's (0xEF600400–7).
//!
//! Both need a trap per access: UART0 and UART1 share one 4 KiB page, 0x100 apart, and QEMU maps no
//! page smaller than 4 KiB, so no TLB entry can put one in the other's place. The page is left
//! unmapped; each access misses in the TLB, and the load or store is decoded and performed here.
//! No interrupts come from an emulated UART (IIR always says none is pending).
//!
//! Both are feature `console-mux`; without it [`access`] emulates nothing, and a partition's console
//! is the real UART0 page if the system grants it (the packer refuses the other consoles).

/// What a guest access (`data`, or a fetch) that missed in the real TLB gets when its target, at
/// effective `address` and guest physical `physical`, is neither the partition's memory nor a window
/// mapped for it: an emulated device's answer ([`access`]), the board's where nothing is there
/// (`emulate::unassigned`), or else the partition is stopped.
// Out of line: a rare path, whose registers would otherwise be saved on every trap.
#[inline(never)]
pub fn outside(partition: &mut crate::system::Partition, address: u32, physical: u32, data: bool) -> crate::emulate::Outcome {
    use crate::emulate::unassigned;
    let answer = if data {
        access(partition, physical).or_else(|| unassigned::access(partition, address, physical))
    } else {
        unassigned::fetch(physical)
    };
    answer.unwrap_or(crate::emulate::Outcome::Stop(crate::emulate::Fault::OutsideMemory { address: physical }))
}

/// Performs the guest's access at guest physical `physical` if it is to an emulated device; `None`
/// otherwise: without `console-mux` there is none.
#[cfg(not(feature = "console-mux"))]
pub fn access(partition: &mut crate::system::Partition, physical: u32) -> Option<crate::emulate::Outcome> {
    let _ = (partition, physical);
    None
}

#[cfg(feature = "console-mux")]
pub use console_mux::access;

#[cfg(feature = "console-mux")]
mod console_mux {
    use crate::arch::ppc405::mmio;
    use crate::emulate::Outcome;
    use crate::platform::ref405ep;
    use crate::system::Partition;
    use irfm::image::Console;

    /// Performs the guest's access at guest physical `physical`, if it is to UART0's registers and the
    /// partition's console is emulated or moved to UART1; `None` otherwise.
    pub fn access(partition: &mut Partition, physical: u32) -> Option<Outcome> {
        let register = physical.wrapping_sub(ref405ep::UART0);
        if register >= 8 || partition.descriptor.console == Console::Direct {
            return None;
        }
        // Byte loads and stores without update (`irfm::access`): what a 16550 driver uses.
        let word = crate::guest_mem::fetch(partition, partition.vcpu.pc)?;
        let access = irfm::access::DataAccess::decode(word)?;
        if access.plain_bytes() != Some(1) || access.updates() {
            return None;
        }
        let target = irfm::insn::rd(word);
        let register = register as usize;
        if !access.loads() {
            let value = partition.vcpu.gpr[target] as u8;
            match partition.descriptor.console {
                Console::Uart1 => mmio::uart1_write(register as u32, value),
                _ if register == 0 && partition.uart[3] & 0x80 == 0 => {
                    crate::console::guest_byte(partition, value)
                }
                _ => partition.uart[register] = value,
            }
        } else {
            let value = match partition.descriptor.console {
                Console::Uart1 => mmio::uart1_read(register as u32),
                _ => match register {
                    0 if partition.uart[3] & 0x80 == 0 => 0, // RBR: nothing received
                    2 => 0x01,                               // IIR: no interrupt pending
                    5 => 0x60,                               // LSR: transmitter empty and idle
                    6 => 0,                                  // MSR
                    _ => partition.uart[register],
                },
            };
            partition.vcpu.gpr[target] = u32::from(value);
        }
        Some(Outcome::Next)
    }
}

//! AMCC's PPC405EP evaluation board as QEMU 7.2 models it (`-M ref405ep`): addresses and rates.
//!
//! Sources: PPC405EP user's manual (memory map, UIC0 inputs); QEMU 7.2 `hw/ppc/ppc405_uc.c` and
//! `ppc405_boards.c` for what the emulator actually wires. Nothing else in the microvisor names an
//! address of this board.

use irfm::image::Device;

/// Bytes of SDRAM.
pub const RAM_BYTES: u32 = irfm::image::RAM_BYTES;
/// UART0's registers (16550, byte-wide).
pub const UART0: u32 = 0xef60_0300;
/// UART1's registers.
pub const UART1: u32 = 0xef60_0400;
/// Offset of a 16550's line status register.
pub const UART_LSR: u32 = 5;
/// LSR bit: transmit holding register empty.
pub const UART_LSR_THRE: u8 = 0x20;
/// On-chip SRAM (512 KiB at the top of the address space).
pub const SRAM: u32 = 0xfff0_0000;
/// Time-base (and PIT) frequency: QEMU derives 333,333,330 Hz from the CPC's reset PLL settings.
pub const TIME_BASE_HZ: u32 = 333_333_330;
/// Where QEMU's `-kernel` boot writes the board-information block (16 MiB − 0x80), passed in r3.
pub const BOARD_INFO: u32 = 0x00ff_ff80;
/// Bytes of the board-information block.
pub const BOARD_INFO_BYTES: u32 = 0x80;
/// r1 at entry with `-kernel`: the top of the SRAM, minus 8.
pub const BOOT_STACK: u32 = 0xfff7_fff8;

/// A device's window: where the guest sees it (identical to the real address: devices are
/// passed through, not moved), how many bytes the TLB pages covering it span, its UIC0 lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First byte, aligned to `bytes`.
    pub base: u32,
    /// Bytes: a 405 page size (4 KiB … 16 MiB) or a multiple of one.
    pub bytes: u32,
    /// UIC0 inputs of what the window holds, as UIC bits (`vuic::bit`).
    pub lines: u32,
}

/// Where each grantable device is. UART0 and UART1 share one 4 KiB page (0xEF600000) with the
/// GPT, IIC, OPB arbiter and GPIO; QEMU cannot map 1 KiB pages, so granting either UART grants
/// that page, and with it the lines of the page's other devices (IIC: UIC0 input 2; GPT: 19–23,
/// as QEMU 7.2 wires them): one partition holds the page (the configuration check says so).
pub const fn window(device: Device) -> Window {
    const PAGE_DEVICES: u32 = crate::vuic::bit(2) | crate::vuic::bit(19) | crate::vuic::bit(20) | crate::vuic::bit(21)
        | crate::vuic::bit(22) | crate::vuic::bit(23);
    match device {
        Device::Uart0 => Window { base: 0xef60_0000, bytes: 4 << 10, lines: crate::vuic::bit(0) | PAGE_DEVICES },
        Device::Uart1 => Window { base: 0xef60_0000, bytes: 4 << 10, lines: crate::vuic::bit(1) | PAGE_DEVICES },
        Device::Sram => Window { base: SRAM, bytes: 512 << 10, lines: 0 },
        Device::Nvram => Window { base: 0xf000_0000, bytes: 8 << 10, lines: 0 },
        Device::Fpga => Window { base: 0xf030_0000, bytes: 4 << 10, lines: 0 },
    }
}

/// Whether anything on the board answers at real address `physical`: its SDRAM or a device's
/// window. Elsewhere QEMU 7.2's ref405ep reads 0 and drops stores, without an interrupt
/// (`emulate::unassigned`).
pub fn answers(physical: u32) -> bool {
    const WINDOWS: [Window; Device::ALL.len()] = {
        let mut windows = [window(Device::ALL[0]); Device::ALL.len()];
        let mut index = 1;
        while index < windows.len() {
            windows[index] = window(Device::ALL[index]);
            index += 1;
        }
        windows
    };
    physical < RAM_BYTES || WINDOWS.iter().any(|window| physical.wrapping_sub(window.base) < window.bytes)
}

//! Inter-partition communication (feature `ipcm`): shared-memory channels between partitions.
//!
//! The system configuration names each channel's two partitions and the guest address where both
//! see its one shared 4 KiB page (microvisor memory the packer reserved). Nothing is mapped until a
//! partition asks: `ChannelOpen(n)` maps channel `n`'s page into the caller's address space, if it is
//! one of the channel's two ends, and returns the address; any other request gets
//! `Error::Refused` and no mapping. `ChannelNotify(n)` raises UIC line [`LINE`] in the other end's
//! virtual UIC (no real line: the notification exists only for the partition it is meant for), so
//! a guest that enabled that line takes an external interrupt.

use crate::arch::ppc405::tlb::{self, hi, lo, Entry};
use crate::system::System;
use irfm::hypercall::Error;
use irfm::image::{Channel, MAX_CHANNELS};

/// The virtual UIC line a notification raises (no device drives line 31 on the ref405ep).
pub const LINE: u8 = 31;
/// Real TLB slots per channel: one per end, and with `tlb-virt` one more per end for its shadow TID.
const SLOTS_PER_CHANNEL: usize = if cfg!(feature = "tlb-virt") { 4 } else { 2 };

/// Takes the configured channels and reserves their TLB slots from `*slot` on.
pub fn configure(system: &mut System, channels: (usize, [Channel; MAX_CHANNELS]), slot: &mut usize) {
    (system.channel_count, system.channels) = (channels.0.min(MAX_CHANNELS), channels.1);
    system.channel_slots = *slot as u8;
    *slot += SLOTS_PER_CHANNEL * MAX_CHANNELS;
}

/// Which end of channel `channel` partition `index` is, if it may use it.
fn end_of(system: &System, index: usize, channel: u32) -> Option<(usize, usize)> {
    let channel = channel as usize;
    if channel >= system.channel_count {
        return None;
    }
    let ends = system.channels[channel].ends;
    let end = ends.iter().position(|end| usize::from(*end) == index)?;
    Some((channel, end))
}

/// `ChannelOpen(channel)`: maps the channel's page for partition `index`; returns its address.
pub fn open(system: &mut System, index: usize, channel: u32) -> Result<u32, Error> {
    let (channel, end) = end_of(system, index, channel).ok_or(Error::Refused)?;
    let Some(partition) = system.partitions.get(index) else { return Err(Error::Refused) };
    let descriptor = system.channels[channel];
    let entry = |tid| Entry {
        hi: descriptor.address | (1 << hi::SIZE_SHIFT) | hi::V,
        lo: descriptor.page | lo::WR,
        tid,
    };
    let base = usize::from(system.channel_slots) + SLOTS_PER_CHANNEL * channel + end;
    let (pid, _) = crate::address_space::real_context(partition);
    tlb::write(base, entry(crate::partition::tid(index)), pid);
    #[cfg(feature = "tlb-virt")]
    tlb::write(base + 2, entry(crate::address_space::shadow_tid(index as u8)), pid);
    system.channels_open[index] |= 1 << channel;
    Ok(descriptor.address)
}

/// `ChannelNotify(channel)`: raises the notification line in the other end's virtual UIC.
pub fn notify(system: &mut System, index: usize, channel: u32) -> Result<u32, Error> {
    let (channel, end) = end_of(system, index, channel).ok_or(Error::Refused)?;
    if system.channels_open[index] & (1 << channel) == 0 {
        return Err(Error::Refused);
    }
    let peer = usize::from(system.channels[channel].ends[1 - end]);
    let partition = &mut system.partitions[peer];
    partition.uic.sr |= crate::vuic::bit(LINE);
    crate::reflect::refresh_pending(partition);
    if partition.state == crate::system::State::Waiting && crate::reflect::deliverable(&partition.vcpu).is_some() {
        partition.state = crate::system::State::Runnable;
    }
    Ok(0)
}

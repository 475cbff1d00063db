//! Inter-partition channels that work: `ipcm-ping` and `ipcm-pong` make 20 round trips over one
//! shared page, each announced by a ChannelNotify the other end takes as an external interrupt
//! (virtual UIC line 31), on the para-virtual microvisor and on the one with every feature; and a
//! partition the channel does not join is refused it while the two that it joins still talk.
//! (`hostile.rs` checks the refusals an attacker gets.)

use irfm::image::Mode;
use std::time::Duration;
use system_image::{PartitionSpec, SystemSpec};
use system_tests::{image, pack_system_for_test};

/// Where the channel's page appears in both partitions.
const CHANNEL_ADDRESS: u32 = 0xe000_0000;

const PING_SUMMARY: &str = "ping: 20 round trips, 0 wrong, notifications taken: 20";
const PONG_SUMMARY: &str = "pong: 20 requests answered, 0 wrong, notifications taken: 20";

/// A para-virtual partition running `guest`, with no device: it prints through the console driver.
fn para(guest: &str) -> PartitionSpec {
    PartitionSpec { mode: Mode::Para, devices: vec![], ..PartitionSpec::full(image(guest)) }
}

/// Runs `partitions` round-robin on `microvisor` with channel 0 joining `ends`, until every
/// partition printed its end marker or was halted; returns UART0.
fn run(microvisor: &str, partitions: Vec<PartitionSpec>, ends: [u8; 2]) -> String {
    let count = partitions.len();
    let system = SystemSpec { channels: vec![(ends, CHANNEL_ADDRESS)], ..SystemSpec::round_robin(partitions) };
    let packed = pack_system_for_test(&image(microvisor), &system);
    let options = qemu_runner::Options {
        timeout: Duration::from_secs(60),
        end_markers: count,
        halts_end: true,
        ..qemu_runner::Options::default()
    };
    let transcript = qemu_runner::run(&packed, options).unwrap_or_else(|error| panic!("{error}"));
    let _ = std::fs::remove_file(packed);
    assert_eq!(transcript.ending, qemu_runner::Ending::EndMarker, "the system did not finish:\n{}", transcript.uart0);
    println!("{}", transcript.uart0);
    transcript.uart0
}

/// Partition `index`'s lines, without their `[VM n] ` prefix.
fn vm_lines(transcript: &str, index: usize) -> Vec<String> {
    let prefix = format!("[VM {index}] ");
    transcript.lines().filter_map(|line| line.strip_prefix(&prefix)).map(str::to_string).collect()
}

/// Both ends made every round trip, answered right, each woken by its 20 notifications.
fn assert_round_trips(transcript: &str, ping: usize, pong: usize) {
    assert_eq!(vm_lines(transcript, ping), [PING_SUMMARY, "== end =="], "{transcript}");
    assert_eq!(vm_lines(transcript, pong), [PONG_SUMMARY, "== end =="], "{transcript}");
    assert!(!transcript.contains("halted"), "a partition was halted:\n{transcript}");
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn ping_and_pong_make_20_round_trips_each_woken_by_a_notification_interrupt() {
    let transcript = run("microvisor-para", vec![para("ipcm-ping"), para("ipcm-pong")], [0, 1]);
    assert_round_trips(&transcript, 0, 1);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn ping_and_pong_make_20_round_trips_on_the_microvisor_with_every_feature() {
    // With tlb-virt each channel page has a second real TLB entry, for the shadow TID.
    let transcript = run("microvisor-all", vec![para("ipcm-ping"), para("ipcm-pong")], [0, 1]);
    assert_round_trips(&transcript, 0, 1);
}

#[test]
#[ignore = "needs QEMU and the PPC405 images: run `cargo xtask test`"]
fn a_partition_the_channel_does_not_join_is_refused_it_while_its_two_ends_talk() {
    // Channel 0 joins partitions 0 and 2: the pong in partition 1 is refused, the one in 2 answers.
    let partitions = vec![para("ipcm-ping"), para("ipcm-pong"), para("ipcm-pong")];
    let transcript = run("microvisor-para", partitions, [0, 2]);
    let refused = format!("pong: channel refused ({})", irfm::hypercall::Error::Refused as i32);
    assert_eq!(vm_lines(&transcript, 1), [refused.as_str(), "== end =="], "{transcript}");
    assert_round_trips(&transcript, 0, 2);
}

//! Hypercalls (feature `para-virt`): what a para-virtualized guest asks of the microvisor.
//!
//! The ABI is `irfm::hypercall`'s. One `match` on the number; the MSR and return hypercalls reuse
//! the emulation of the instruction they replace (`emulate::msr`, `emulate::rfi`), so a trapped
//! `mtmsr` and its para-virtual form cannot disagree. A number this build lacks returns
//! `Error::NoSuchCall` in r3 (and is counted with `trap-stats`).

use crate::emulate::{msr, rfi, Outcome};
use crate::system::System;
use irfm::hypercall::{Error, Number, VERSION};

/// The instruction word a para-virtual hypercall stands for (an X-form with `rS` and `xo`).
const fn x_form(register: u32, extended: u32) -> u32 {
    (31 << 26) | (register << 21) | (extended << 1)
}

/// Answers hypercall `number` (with register operand `register`) of partition `index`.
pub fn call(system: &mut System, index: usize, number: u8, register: u32) -> Outcome {
    let partition = &mut system.partitions[index];
    let Some(number) = Number::from_u8(number) else { return fail(partition, Error::NoSuchCall) };
    match number {
        Number::Version => {
            partition.vcpu.gpr[3] = VERSION;
            partition.vcpu.gpr[4] = crate::FEATURES;
            partition.vcpu.gpr[5] = if cfg!(feature = "irfm") { partition.descriptor.irfm_base } else { 0 };
            Outcome::Next
        }
        Number::Mtmsr => msr::mtmsr(partition, x_form(register, 146)),
        Number::Wrtee => msr::wrtee(partition, x_form(register, 131)),
        Number::DisableInterrupts => msr::wrteei(partition, x_form(0, 163)),
        Number::EnableInterrupts => msr::wrteei(partition, x_form(0, 163) | 0x8000),
        Number::Rfi => rfi::rfi(partition, x_form(0, 50)),
        Number::Rfci => rfi::rfci(partition, x_form(0, 51)),
        Number::ConsoleWrite | Number::ConsoleRead => console(partition, number),
        Number::Yield => {
            system.yield_requested = true;
            partition_result(&mut system.partitions[index], 0)
        }
        Number::SetSchedule => set_schedule(system, index),
        Number::ChannelOpen | Number::ChannelNotify => channel(system, index, number),
    }
}

/// `SetSchedule(priority, budget)`: a partition may lower its own priority (a larger number) and
/// its budget, never raise them above what the system configuration gave it (feature `rt-sched`).
#[cfg(feature = "rt-sched")]
fn set_schedule(system: &mut System, index: usize) -> Outcome {
    let partition = &mut system.partitions[index];
    let (priority, budget) = (partition.vcpu.gpr[3], partition.vcpu.gpr[4]);
    let configured = partition.descriptor;
    let allowed = priority <= u32::from(u8::MAX)
        && priority as u8 >= configured.priority
        && (configured.budget == 0 || (budget > 0 && budget <= configured.budget));
    if !allowed {
        return fail(partition, Error::Refused);
    }
    partition.descriptor.priority = priority as u8;
    if configured.budget != 0 {
        partition.descriptor.budget = budget;
        partition.budget_left = partition.budget_left.min(budget);
    }
    partition_result(partition, 0)
}

#[cfg(not(feature = "rt-sched"))]
fn set_schedule(system: &mut System, index: usize) -> Outcome {
    fail(&mut system.partitions[index], Error::NoSuchCall)
}

#[cfg(feature = "ipcm")]
fn channel(system: &mut System, index: usize, number: Number) -> Outcome {
    let channel = system.partitions[index].vcpu.gpr[3];
    let result = match number {
        Number::ChannelOpen => crate::ipcm::open(system, index, channel),
        _ => crate::ipcm::notify(system, index, channel),
    };
    let partition = &mut system.partitions[index];
    match result {
        Ok(value) => partition_result(partition, value),
        Err(error) => fail(partition, error),
    }
}

#[cfg(not(feature = "ipcm"))]
fn channel(system: &mut System, index: usize, _number: Number) -> Outcome {
    fail(&mut system.partitions[index], Error::NoSuchCall)
}

#[cfg(feature = "drivers")]
fn console(partition: &mut crate::system::Partition, number: Number) -> Outcome {
    let (address, length) = (partition.vcpu.gpr[3], partition.vcpu.gpr[4]);
    let result = match number {
        Number::ConsoleWrite => crate::drivers::write(partition, address, length),
        _ => crate::drivers::read(partition, address, length),
    };
    match result {
        Ok(bytes) => partition_result(partition, bytes),
        Err(error) => fail(partition, error),
    }
}

#[cfg(not(feature = "drivers"))]
fn console(partition: &mut crate::system::Partition, _number: Number) -> Outcome {
    fail(partition, Error::NoSuchCall)
}

fn partition_result(partition: &mut crate::system::Partition, value: u32) -> Outcome {
    partition.vcpu.gpr[3] = value;
    Outcome::Next
}

fn fail(partition: &mut crate::system::Partition, error: Error) -> Outcome {
    partition_result(partition, error as i32 as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use irfm::spr::msr as bits;

    fn system() -> System {
        let mut system = System::new();
        system.count = 1;
        system.partitions[0].state = crate::system::State::Runnable;
        system
    }

    #[test]
    fn version_answers_and_unknown_numbers_fail_without_stopping_the_guest() {
        let mut s = system();
        assert_eq!(call(&mut s, 0, Number::Version as u8, 0), Outcome::Next);
        assert_eq!(s.partitions[0].vcpu.gpr[3], VERSION);
        assert_eq!(call(&mut s, 0, 200, 0), Outcome::Next);
        assert_eq!(s.partitions[0].vcpu.gpr[3] as i32, Error::NoSuchCall as i32);
    }

    #[test]
    fn the_mtmsr_hypercall_is_the_mtmsr_emulation() {
        let mut s = system();
        s.partitions[0].vcpu.gpr[9] = bits::EE | bits::FP;
        assert_eq!(call(&mut s, 0, Number::Mtmsr as u8, 9), Outcome::Next);
        assert_eq!(s.partitions[0].vcpu.msr, bits::EE | bits::FP);
        assert_eq!(call(&mut s, 0, Number::DisableInterrupts as u8, 0), Outcome::Next);
        assert_eq!(s.partitions[0].vcpu.msr, bits::FP);
    }
}

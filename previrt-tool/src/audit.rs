//! `previrt audit`: is this guest virtualizable by trap-and-emulate on the 405?
//!
//! Popek and Goldberg: a machine is virtualizable by trap-and-emulate when every sensitive
//! instruction (one that reads or changes machine state the virtual machine monitor must control)
//! is privileged, so it traps in user mode. On the PPC405 almost all are, but not all: user-mode
//! reads of SPRG4–7 (`mfspr` 260–263) and of the time base (`mftb`) run without trapping. A guest
//! using them is still correct under the microvisor only because of how the microvisor treats
//! that state; the audit lists each one and says how.

use crate::scan::{self, Item};
use crate::Error;
use irfm::insn::{Class, Op};
use std::fmt::Write;

/// How the microvisor keeps a non-trapping sensitive instruction correct.
pub fn remedy(op: Op) -> &'static str {
    match op {
        Op::MfsprUser => {
            "reads the real SPRG4-7 without trapping; the microvisor loads this guest's SPRG4-7 into the real \
             registers on every world switch, so the read returns the guest's own value"
        }
        Op::Mftb => {
            "reads the real time base without trapping; the time base is shared wall-clock time, so the guest sees \
             real time (time stolen by other partitions included), as on a loaded real machine"
        }
        _ => "traps in user mode and is emulated",
    }
}

/// The audit: the report text and whether it found sensitive instructions that do not trap.
pub fn audit(bytes: &[u8]) -> Result<(String, bool), Error> {
    let items = scan::scan(bytes)?;
    let sensitive: Vec<&Item> = items.iter().filter(|item| item.class == Class::SensitiveUnprivileged).collect();
    let privileged = items.iter().filter(|item| item.privileged).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{privileged} privileged instructions trap in user mode and are emulated (trap-and-emulate covers them)."
    );
    if sensitive.is_empty() {
        let _ = writeln!(out, "No sensitive instruction runs without trapping: virtualizable by trap-and-emulate.");
        return Ok((out, false));
    }
    let _ = writeln!(
        out,
        "{} sensitive instructions do not trap (Popek and Goldberg: not virtualizable by trapping alone):",
        sensitive.len()
    );
    for item in &sensitive {
        let _ = writeln!(
            out,
            "{:#010x}  {:<22} {}{}: {}",
            item.address,
            item.text,
            item.symbol.as_deref().unwrap_or("?"),
            item.source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
            remedy(item.op)
        );
    }
    Ok((out, true))
}

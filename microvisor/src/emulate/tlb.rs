//! `tlbwe`, `tlbre`, `tlbsx`, `tlbia`, `tlbsync` (PPC405 manual 9.11 and chapter 7).
//!
//! Without the `tlb-virt` feature a partition has no virtual TLB: it runs in its (virtual) real
//! mode, mapped one-to-one onto its memory. A guest that manages the TLB is then stopped with the
//! report `VM n: TLB instruction needs the tlb-virt feature at <pc>`: running it further would only
//! fail later and more obscurely. `tlbsync` is a no-op on the 405 and completes.

use super::{Fault, Outcome};
use crate::system::Partition;

const NEEDS_TLB_VIRT: Outcome = Outcome::Stop(Fault::NeedsTlbVirt);

/// `tlbwe rS,rA,WS`.
pub fn tlbwe(_partition: &mut Partition, _word: u32) -> Outcome {
    NEEDS_TLB_VIRT
}

/// `tlbre rD,rA,WS`.
pub fn tlbre(_partition: &mut Partition, _word: u32) -> Outcome {
    NEEDS_TLB_VIRT
}

/// `tlbsx[.] rD,rA,rB`.
pub fn tlbsx(_partition: &mut Partition, _word: u32) -> Outcome {
    NEEDS_TLB_VIRT
}

/// `tlbia`.
pub fn tlbia(_partition: &mut Partition, _word: u32) -> Outcome {
    NEEDS_TLB_VIRT
}

/// `tlbsync`: nothing to wait for on the 405 (it has no TLB-invalidate broadcast).
pub fn tlbsync(_partition: &mut Partition, _word: u32) -> Outcome {
    Outcome::Next
}

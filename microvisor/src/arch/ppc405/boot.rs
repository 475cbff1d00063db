//! The system table the system-image packer wrote into `.partitions`.

use irfm::image::{self, TABLE_WORDS};

/// The table, as linked: [`image::EMPTY_MAGIC`] until the packer overwrites it (symbol
/// [`image::TABLE_SYMBOL`]).
#[no_mangle]
#[used]
#[link_section = ".partitions"]
static PARTITION_TABLE: [u32; TABLE_WORDS] = image::empty_table_words();

/// This build's features, where the packer looks for them (symbol [`image::FEATURES_SYMBOL`]).
#[no_mangle]
#[used]
#[link_section = ".rodata.features"]
static MICROVISOR_FEATURES: u32 = crate::FEATURES;

/// The first real address past the microvisor (its stack is last: `linker/microvisor.ld`).
pub fn microvisor_end() -> u32 {
    #[cfg(target_arch = "powerpc")]
    {
        extern "C" {
            static __stack_top: u8;
        }
        core::ptr::addr_of!(__stack_top) as usize as u32
    }
    #[cfg(not(target_arch = "powerpc"))]
    {
        1 << 20
    }
}

/// Word `index` of the packed table (0 past its end).
pub fn table_word(index: usize) -> u32 {
    if index >= TABLE_WORDS {
        return 0;
    }
    // SAFETY: `index` is within the static; volatile because the packer changed the words after the
    // compiler saw their initial value, which it must not fold into the code.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(PARTITION_TABLE[index])) }
}

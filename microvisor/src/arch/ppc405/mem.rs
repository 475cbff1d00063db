//! `memcpy`, `memmove`, `memset` and `memcmp`, which the compiler calls for copies, fills and
//! comparisons of structures and arrays (the register file reset at boot and restart, the system
//! table's descriptors, IRFM page checks).
//!
//! compiler-builtins' versions (its `mem` feature) unroll word copies with alignment cases: about
//! 700 bytes. These copy a byte per iteration (PPC405 user's manual, `lbzu`/`stbu` and the
//! count register loop `bdnz`), 28 to 60 bytes each: the microvisor copies a few hundred bytes at
//! boot and at a partition's restart, never on a trap's path, so size wins over speed. Each is
//! bounded by its length and takes no stack frame.

#[cfg(target_arch = "powerpc")]
core::arch::global_asm!(
    // memcpy(r3 = dest, r4 = src, r5 = n) -> r3: forward, byte by byte. The areas do not overlap.
    ".section .text.memcpy, \"ax\"",
    ".globl memcpy",
    ".type memcpy, @function",
    "memcpy:",
    "    cmpwi 5, 0",
    "    beqlr",
    "    mtctr 5",
    "    addi 4, 4, -1",
    "    addi 6, 3, -1",
    "1:  lbzu 0, 1(4)",
    "    stbu 0, 1(6)",
    "    bdnz 1b",
    "    blr",
    ".size memcpy, . - memcpy",
    // memmove(r3 = dest, r4 = src, r5 = n) -> r3: backward when dest is above src (they may overlap).
    ".section .text.memmove, \"ax\"",
    ".globl memmove",
    ".type memmove, @function",
    "memmove:",
    "    cmplw 3, 4",
    "    ble memcpy",
    "    cmpwi 5, 0",
    "    beqlr",
    "    mtctr 5",
    "    add 4, 4, 5",
    "    add 6, 3, 5",
    "2:  lbzu 0, -1(4)",
    "    stbu 0, -1(6)",
    "    bdnz 2b",
    "    blr",
    ".size memmove, . - memmove",
    // memset(r3 = dest, r4 = byte, r5 = n) -> r3.
    ".section .text.memset, \"ax\"",
    ".globl memset",
    ".type memset, @function",
    "memset:",
    "    cmpwi 5, 0",
    "    beqlr",
    "    mtctr 5",
    "    addi 6, 3, -1",
    "3:  stbu 4, 1(6)",
    "    bdnz 3b",
    "    blr",
    ".size memset, . - memset",
    // memcmp(r3 = a, r4 = b, r5 = n) -> r3: the difference of the first bytes that differ, or 0.
    ".section .text.memcmp, \"ax\"",
    ".globl memcmp",
    ".type memcmp, @function",
    "memcmp:",
    "    cmpwi 5, 0",
    "    beq 5f",
    "    mtctr 5",
    "    addi 3, 3, -1",
    "    addi 4, 4, -1",
    "4:  lbzu 6, 1(3)",
    "    lbzu 7, 1(4)",
    "    subf. 6, 7, 6",
    "    bne 6f",
    "    bdnz 4b",
    "5:  li 3, 0",
    "    blr",
    "6:  mr 3, 6",
    "    blr",
    ".size memcmp, . - memcmp",
);

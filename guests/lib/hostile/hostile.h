/* What every hostile guest shares: register names, its record, its ending. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdint.h>
#include "guest.h"

/* SPR numbers (PPC405 user's manual, section 10.2). */
#define SRR0 26
#define SRR1 27
#define SPRG0 272
#define ZPR 944
#define PID 945
#define SLER 955
#define ESR 980
#define DEAR 981
#define EVPR 982
#define TSR 984
#define TCR 986
#define PIT 987
#define SRR2 990
#define SRR3 991
#define DBCR0 1010

/* MSR bits (section 3.6). */
#define MSR_WE 0x00040000u
#define MSR_CE 0x00020000u
#define MSR_EE 0x00008000u
#define MSR_PR 0x00004000u
#define MSR_ME 0x00001000u
#define MSR_DE 0x00000200u
#define MSR_IR 0x00000020u
#define MSR_DR 0x00000010u

/* Timer bits (sections 6.6 and 6.7). */
#define TCR_WRC_CHIP 0x20000000u
#define TCR_PIE 0x04000000u
#define TCR_ARE 0x00400000u
#define TSR_PIS 0x08000000u

/* ESR bits (section 5.2.6). */
#define ESR_PIL 0x08000000u
#define ESR_PPR 0x04000000u
#define ESR_PTR 0x02000000u

/* UIC0 DCRs. */
#define UIC_SR 0x0c0
#define UIC_SRS 0x0c1
#define UIC_ER 0x0c2
#define UIC_CR 0x0c3
#define UIC_PR 0x0c4
#define UIC_TR 0x0c5
#define UIC_MSR 0x0c6
#define UIC_VR 0x0c7
#define UIC_VCR 0x0c8

/* TLB entry words (chapter 7): TLBHI and TLBLO fields. */
#define TLBHI_V 0x40u
#define TLBHI_E 0x20u
#define TLBHI_SIZE(n) ((uint32_t)(n) << 7) /* 1 KiB << 2n: 1 = 4 KiB, 2 = 16 KiB, 7 = 16 MiB */
#define TLBLO_EX 0x200u
#define TLBLO_WR 0x100u
#define TLBLO_I 0x4u
#define TLBLO_G 0x1u

#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define MFDCR(n) ({ uint32_t v_; __asm__ volatile("mfdcr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTDCR(n, v) __asm__ volatile("mtdcr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

static inline uint32_t mfmsr(void)
{
    uint32_t value;
    __asm__ volatile("mfmsr %0" : "=r"(value));
    return value;
}

static inline void mtmsr(uint32_t value)
{
    __asm__ volatile("mtmsr %0; isync" : : "r"(value) : "memory");
}

/* Writes TLB entry `index`: TLBLO first, then TLBHI (QEMU clears V otherwise: platform.md). */
static inline void tlb_write(uint32_t index, uint32_t hi, uint32_t lo)
{
    __asm__ volatile("tlbwe %0,%2,1\n\ttlbwe %1,%2,0\n\tisync" : : "r"(lo), "r"(hi), "r"(index) : "memory");
}

/* What the attack saw, in its own memory; tests read it through QEMU's monitor at
   partition base + &hostile_record. */
struct hostile_record {
    uint32_t magic;     /* "HREC" */
    uint32_t stage;     /* how far the attack got (each guest says what its stages are) */
    uint32_t count;     /* iterations, interrupts taken… */
    uint32_t value[13]; /* observations, per guest */
};
#define HOSTILE_RECORD_MAGIC 0x48524543u
extern volatile struct hostile_record hostile_record;

/* Patched by tests (symbol hostile_config). */
struct hostile_config {
    uint32_t magic;   /* "HCFG" */
    uint32_t report;  /* 0: an attack run, end silently; 1: print the record and the end marker */
    uint32_t target;  /* an address some attacks take from the test (each guest says which) */
    uint32_t spare;
};
extern volatile struct hostile_config hostile_config;

/* Ends the attack: in an attack run spins forever without printing (the victim prints the end
   marker); in a report run prints the record, then the end marker. */
void hostile_finish(void) __attribute__((noreturn));

/* The handler of guests built with lib/exception-vectors: `vector` is the offset taken; returns 0
   to leave with rfi, 1 with rfci. The interrupted r0 is in hostile_saved_r0. */
uint32_t on_exception(uint32_t vector);
#define hostile_saved_r0 (*(volatile uint32_t *)0x3000)

/* An instruction the 405 lacks, executed on purpose: its address goes to .isa_allow, so the ISA
   check of our images (xtask/src/isa_check.rs) lets exactly that word through. */
#define HOSTILE_FOREIGN_WORD(word) \
    __asm__ volatile("1: .long " #word "\n\t.pushsection .isa_allow, \"\", @progbits\n\t.long 1b\n\t.popsection")

/* A hypercall (irfm::hypercall), for attackers that run para-virtualized: one word with primary
   opcode 0, 0x48 in bits 16-23 and the number (a literal) in bits 24-31; arguments in r3 and r4,
   the result (negative: an error) in r3. */
#define HOSTILE_HYPERCALL(number, a, b)                                                            \
    ({                                                                                             \
        register uint32_t r3_ __asm__("r3") = (a);                                                 \
        register uint32_t r4_ __asm__("r4") = (b);                                                 \
        __asm__ volatile(".long 0x00004800 + " #number : "+r"(r3_), "+r"(r4_) : : "memory");      \
        (int32_t)r3_;                                                                              \
    })

#endif

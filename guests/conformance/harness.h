/* The conformance guest's harness: its own exception vectors, a trap log, SPR/DCR accessors. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdint.h>
#include "guest.h"

/* SPR numbers (PPC405 user's manual, section 10.2). */
#define SRR0 26
#define SRR1 27
#define SPRG0 272
#define SPRG1 273
#define SPRG2 274
#define SPRG3 275
#define SPRG4 276
#define SPRG5 277
#define SPRG6 278
#define SPRG7 279
#define SPRG4_USER 260
#define SPRG5_USER 261
#define SPRG6_USER 262
#define SPRG7_USER 263
#define PVR 287
#define ZPR 944
#define PID 945
#define CCR0 947
#define IAC3 948
#define IAC4 949
#define DVC1 950
#define DVC2 951
#define SGR 953
#define DCWR 954
#define SLER 955
#define SU0R 956
#define DBCR1 957
#define ICDBDR 979
#define ESR 980
#define DEAR 981
#define EVPR 982
#define TSR 984
#define TCR 986
#define PIT 987
#define SRR2 990
#define SRR3 991
#define DBSR 1008
#define DBCR0 1010
#define IAC1 1012
#define IAC2 1013
#define DAC1 1014
#define DAC2 1015
#define DCCR 1018
#define ICCR 1019

/* MSR bits (section 3.6). */
#define MSR_WE 0x00040000u
#define MSR_CE 0x00020000u
#define MSR_EE 0x00008000u
#define MSR_PR 0x00004000u
#define MSR_FP 0x00002000u
#define MSR_ME 0x00001000u
#define MSR_DWE 0x00000400u
#define MSR_DE 0x00000200u
#define MSR_IR 0x00000020u
#define MSR_DR 0x00000010u

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

#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define MFDCR(n) ({ uint32_t v_; __asm__ volatile("mfdcr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTDCR(n, v) __asm__ volatile("mtdcr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

static inline uint32_t mfmsr(void) { uint32_t v; __asm__ volatile("mfmsr %0" : "=r"(v)); return v; }
static inline void mtmsr(uint32_t v) { __asm__ volatile("mtmsr %0; isync" : : "r"(v) : "memory"); }

/* What the exception handler does when it returns. */
enum resume { RESUME_NEXT, RESUME_SAME, RESUME_CALLER };

/* One interrupt the guest took. */
struct trap {
    uint32_t vector, srr0, srr1, esr, dear;
};

#define TRAP_LOG 32
extern volatile uint32_t trap_count;
/* The MSR the last exception handler ran with. */
extern volatile uint32_t handler_msr;
extern volatile struct trap traps[TRAP_LOG];
/* How the handler resumes synchronous interrupts (program, alignment, storage): after the
   faulting instruction (RESUME_NEXT, default), at it, or back in the function that called the
   faulting address (RESUME_CALLER, its LR). */
extern volatile enum resume resume_mode;
/* r0 value that asks the system-call handler to return in supervisor mode. */
#define LEAVE_USER_MODE 0x5ec0de00u
/* r0 of a system call made only for the interrupt and rfi around it, which are context
 * synchronizing: QEMU 7.2's 405 flushes its own TLB after a PID change only at such a point. The
 * handler returns at once and logs nothing. */
#define CONTEXT_SYNC 0x5ec0de01u
/* r0 of a system call whose handler returns in the mode r3 names (its MSR[PR, IR, DR]), as an OS
 * returns from an interrupt into another context. */
#define SWITCH_MODE 0x5ec0de02u
/* The handler's own counters of timer interrupts. */
extern volatile uint32_t pit_count;
/* When non-zero, the PIT handler stops the PIT (TCR = 0) at this count: a test that awaits n
 * interrupts then counts n however late it gets to switch them off (a slow host). */
extern volatile uint32_t pit_stop_at;

void traps_clear(void);
void traps_print(const char *label);
void line(const char *label, uint32_t value);
void enter_user_mode(void);
void leave_user_mode(void);

/* An instruction the 405 does not implement, executed on purpose: its address goes into
   .isa_allow so the ISA check of our images (xtask/src/isa_check.rs) lets exactly it through. */
#define FOREIGN_INSTRUCTION(text, ...)                                                             \
    __asm__ volatile("1: " text "\n\t.pushsection .isa_allow, \"\", @progbits\n\t.long 1b\n\t.popsection" __VA_ARGS__)

/* FNV-1a over words. */
/* xorshift32: the randomized sections' generator, one state each. */
static inline uint32_t xorshift32(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* An X-form word (primary opcode 31) and the split SPR/DCR field of mfspr, mtspr, mfdcr, mtdcr. */
#define X_FORM(rt, ra, rb, xo) ((31u << 26) | ((rt) << 21) | ((ra) << 16) | ((rb) << 11) | ((xo) << 1))
#define SPR_FIELD(n) ((((n) & 0x1fu) << 16) | ((((n) >> 5) & 0x1fu) << 11))

static inline uint32_t hash_word(uint32_t hash, uint32_t word)
{
    for (int i = 0; i < 4; i++) {
        hash ^= (word >> (24 - 8 * i)) & 0xff;
        hash *= 16777619u;
    }
    return hash;
}

/* Sections of the suite (bits of conformance_config.sections). */
#define SECTION_FIXED 1u
#define SECTION_INTERRUPTS 2u
#define SECTION_RANDOM 4u
#define SECTION_MMU 8u
#define SECTION_MMU_RANDOM 16u
#define SECTION_VERBOSE 32u /* with SECTION_MMU_RANDOM or SECTION_ENCODINGS: print what is hashed */
#define SECTION_ENCODINGS 128u

struct conformance_config {
    uint32_t magic;      /* "CONF" */
    uint32_t sections;
    uint32_t first_seed;
    uint32_t seeds;
};
extern volatile struct conformance_config conformance_config;

void run_fixed(void);
void run_interrupts(void);
void run_random(uint32_t first_seed, uint32_t seeds);
void run_mmu(void);
void run_mmu_random(uint32_t first_seed, uint32_t seeds);
void run_encodings(void);
void run_generated(uint32_t *code, uint32_t *registers);

#endif

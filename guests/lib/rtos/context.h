/* A task's saved registers: the layout vectors.S and the kernel share. */
#ifndef CONTEXT_H
#define CONTEXT_H

#define CTX_R0 0
#define CTX_R1 4
#define CTX_R2 8
#define CTX_CR 128
#define CTX_LR 132
#define CTX_CTR 136
#define CTX_XER 140
#define CTX_SRR0 144 /* where the task resumes */
#define CTX_SRR1 148 /* the MSR it resumes with */
#define CTX_BYTES 152

/* SPR numbers (PPC405 user's manual, section 10.2). */
#define SPR_SRR0 26
#define SPR_SRR1 27
#define SPR_SPRG0 272 /* the kernel's: the running task's context */
#define SPR_SPRG1 273 /* the kernel's: scratch for r1 while the vector saves */
#define SPR_ESR 980
#define SPR_TSR 984
#define SPR_TCR 986
#define SPR_PIT 987

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct context {
    uint32_t gpr[32];
    uint32_t cr, lr, ctr, xer;
    uint32_t srr0, srr1;
};

_Static_assert(offsetof(struct context, gpr[2]) == CTX_R2, "context.h: CTX_R2");
_Static_assert(offsetof(struct context, cr) == CTX_CR, "context.h: CTX_CR");
_Static_assert(offsetof(struct context, xer) == CTX_XER, "context.h: CTX_XER");
_Static_assert(offsetof(struct context, srr0) == CTX_SRR0, "context.h: CTX_SRR0");
_Static_assert(sizeof(struct context) == CTX_BYTES, "context.h: CTX_BYTES");

/* Resumes `context` by rfi (vectors.S); never returns. */
void context_resume(struct context *context) __attribute__((noreturn));
#endif

#endif

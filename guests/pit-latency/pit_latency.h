/* What the PIT vector (vectors.S) and main.c share: the ring of time-base stamps. */
#ifndef PIT_LATENCY_H
#define PIT_LATENCY_H

/* The vector stamps interrupt n into slot n mod 2^STAMP_BITS; main stops long before it wraps. */
#define STAMP_BITS 7
#define STAMP_SLOTS (1 << STAMP_BITS)

/* Scratch words for r3-r6 in the vector, at an absolute address below 32 KiB (d(0), no base
   register needed); linker/guest.ld leaves 0x2100-0x3fff free. */
#define VECTOR_SAVE 0x3000

#endif

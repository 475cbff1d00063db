/* What the IPCM guests share: hypercalls, the channel page, notifications, the console. */
#ifndef IPCM_H
#define IPCM_H

#include <stdint.h>
#include "guest.h"

/* Hypercall numbers (irfm::hypercall; docs/hypercalls.md). */
#define IPCM_CONSOLE_WRITE 16
#define IPCM_CHANNEL_OPEN 32
#define IPCM_CHANNEL_NOTIFY 33

/* A hypercall: one word with primary opcode 0, 0x48 in bits 16-23 and the number (a literal) in
   bits 24-31; arguments in r3 and r4, the result (negative: an error) in r3. */
#define IPCM_HYPERCALL(number, a, b)                                                               \
    ({                                                                                             \
        register uint32_t r3_ __asm__("r3") = (a);                                                 \
        register uint32_t r4_ __asm__("r4") = (b);                                                 \
        __asm__ volatile(".long 0x00004800 + %c2" : "+r"(r3_), "+r"(r4_) : "i"(number) : "memory"); \
        (int32_t)r3_;                                                                              \
    })

/* UIC0 DCRs (PPC405EP user's manual, chapter "Universal Interrupt Controller"). */
#define UIC_SR 0x0c0  /* status, write 1 to clear */
#define UIC_ER 0x0c2  /* enable */
#define UIC_MSR 0x0c6 /* masked status: asserted and enabled */

/* The line a ChannelNotify raises in the other end's UIC (microvisor/src/ipcm.rs); UIC bits are
   numbered from the most significant, so line 31 is the least significant bit. */
#define IPCM_LINE_BIT 0x00000001u

/* MSR bits (PPC405 user's manual, section 3.6). */
#define MSR_WE 0x00040000u
#define MSR_EE 0x00008000u

/* The channel both guests use, and how many round trips they make on it. */
#define IPCM_CHANNEL 0
#define IPCM_ROUNDS 20
#define IPCM_MESSAGE_MAX 64

/* Channel 0's shared page. Each side fills its half and writes the sequence number last, then
   notifies: the sequence number says which round the rest belongs to. */
struct ipcm_page {
    uint32_t request_sequence; /* ping: 1, 2, … */
    uint32_t request_length;
    char request[IPCM_MESSAGE_MAX];
    uint32_t reply_sequence;   /* pong: the request_sequence it answers */
    uint32_t reply_value;      /* ipcm_transform(request_sequence) */
    uint32_t reply_checksum;   /* ipcm_checksum of the request as pong read it */
};

/* Line-31 external interrupts taken so far, counted by the vector (vectors.S). */
extern volatile uint32_t ipcm_notifications;

/* ChannelOpen(IPCM_CHANNEL): the page, or 0 with the error (-4095..-1) in *error. */
volatile struct ipcm_page *ipcm_open(int32_t *error);
/* ChannelNotify(IPCM_CHANNEL): 0, or a negative error. */
int32_t ipcm_notify(void);
/* Enables line 31 in the (virtual) UIC0; MSR[EE] stays 0 outside ipcm_wait_beyond. */
void ipcm_enable_notifications(void);
/* Sleeps (MSR[WE] | MSR[EE]) until ipcm_notifications differs from `seen`; returns with EE = 0. */
void ipcm_wait_beyond(uint32_t seen);

/* What pong answers for sequence number `sequence`, and the checksum both sides compute. */
uint32_t ipcm_transform(uint32_t sequence);
uint32_t ipcm_checksum(const volatile char *bytes, uint32_t length);

/* Console driver output (the caller's [VM n] prefix is the microvisor's). */
void ipcm_say(const char *text);
void ipcm_say_dec(uint32_t value);
void ipcm_say_int(int32_t value);
/* Prints the end marker through the console driver and sleeps for good. */
void ipcm_end(void) __attribute__((noreturn));

#endif

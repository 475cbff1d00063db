/* pit-latency: how long a PIT expiry takes to reach the guest's own PIT handler.
 *
 * The PIT runs with auto-reload (TCR[PIE|ARE]; PPC405 user's manual, chapter 6, timer facilities),
 * so expiry j (j = 1, 2, ...) falls exactly at w + j × PERIOD, where w is the moment `mtspr PIT`
 * took effect; t0 and t1, read just before and just after it, bound w. The vector (vectors.S)
 * stamps the time base on entry. Interrupt k's delay is its stamp minus (t1 + j × PERIOD), j being
 * the earliest expiry it is the first to serve: at most the true delay, and at least the true delay
 * minus (t1 - t0). Several expiries that pass before one interrupt is taken (the guest was
 * descheduled) are served by that one interrupt: they are counted as coalesced, and the next
 * interrupt is measured from the first expiry after them.
 *
 * Nothing is printed until the last interrupt was taken: printing may trap. Output, in time-base
 * ticks (QEMU: 333,333,330 Hz), in lines short enough for the microvisor's emulated console (72
 * bytes a line):
 *   latency: interrupts N period P write W coalesced C
 *   latency: min A max B mean M spread D
 *   latency: first F last L
 *   delays: d0 d1 ... (six per line)
 */
#include "guest.h"
#include "line.h"
#include "pit_latency.h"

#define SPR_TSR 984
#define SPR_TCR 986
#define SPR_PIT 987
#define TCR_PIE 0x04000000u
#define TCR_ARE 0x00400000u
#define TSR_PIS 0x08000000u

#define INTERRUPTS 64
/* 1 ms of time base: an RTOS tick (guests/lib/rtos uses the same). */
#define PERIOD 333333u
#define DELAYS_PER_LINE 6

#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

/* Written by the PIT vector. */
volatile uint32_t pit_count;
volatile uint32_t pit_stamps[STAMP_SLOTS];

_Static_assert(INTERRUPTS < STAMP_SLOTS, "the vector's ring must hold every interrupt measured");

static int32_t delays[INTERRUPTS];

static void emit(struct line *line)
{
    puts_uart0(line->text);
    putc_uart0('\n');
}

/* Called by every vector but the PIT's. */
void unexpected_exception(uint32_t vector)
{
    struct line line;
    line_start(&line, "pit-latency: unexpected exception at vector ");
    line_hex(&line, vector);
    emit(&line);
    guest_end();
}

/* value / 100 with two decimals, the sign in front. */
static void line_hundredths(struct line *line, int64_t value)
{
    if (value < 0) {
        line_text(line, "-");
        value = -value;
    }
    line_dec64(line, (uint64_t)value / 100);
    line_text(line, ".");
    uint32_t cents = (uint32_t)((uint64_t)value % 100);
    line_dec(line, cents / 10);
    line_dec(line, cents % 10);
}

int main(void)
{
    puts_uart0("pit-latency: 64 PIT interrupts, 1 ms auto-reload, stamped by the vector\n");

    uint32_t t0, t1;
    /* TCR before PIT: QEMU 7.2 stops its PIT when TCR is written with ARE clear. */
    MTSPR(SPR_TCR, TCR_PIE | TCR_ARE);
    __asm__ volatile("mftb %0\n\tmtspr %3,%2\n\tmftb %1"
                     : "=&r"(t0), "=&r"(t1)
                     : "r"(PERIOD), "i"(SPR_PIT)
                     : "memory");
    __asm__ volatile("wrteei 1" : : : "memory");
    while (pit_count < INTERRUPTS)
        ;
    __asm__ volatile("wrteei 0" : : : "memory");
    /* PIT before TCR: writing TCR while ARE = 0 stops QEMU's PIT, and PIT = 0 stops any 405's. */
    MTSPR(SPR_PIT, 0);
    MTSPR(SPR_TCR, 0);
    MTSPR(SPR_TSR, TSR_PIS);

    /* served: expiries accounted for so far; the next interrupt serves expiry served + 1. */
    uint32_t served = 0, coalesced = 0;
    int32_t min = 0, max = 0;
    int64_t sum = 0;
    for (uint32_t k = 0; k < INTERRUPTS; k++) {
        uint32_t since = pit_stamps[k] - t1;
        int32_t delay = (int32_t)(since - (served + 1) * PERIOD);
        uint32_t passed = delay > 0 ? (uint32_t)delay / PERIOD : 0;
        served += 1 + passed;
        coalesced += passed;
        delays[k] = delay;
        sum += delay;
        if (k == 0 || delay < min)
            min = delay;
        if (k == 0 || delay > max)
            max = delay;
    }

    struct line line;
    line_start(&line, "latency: interrupts ");
    line_dec(&line, INTERRUPTS);
    line_text(&line, " period ");
    line_dec(&line, PERIOD);
    line_text(&line, " write ");
    line_dec(&line, t1 - t0);
    line_text(&line, " coalesced ");
    line_dec(&line, coalesced);
    emit(&line);
    line_start(&line, "latency: min ");
    line_signed(&line, min);
    line_text(&line, " max ");
    line_signed(&line, max);
    line_text(&line, " mean ");
    line_hundredths(&line, sum * 100 / INTERRUPTS);
    line_text(&line, " spread ");
    line_dec(&line, (uint32_t)(max - min));
    emit(&line);
    line_start(&line, "latency: first ");
    line_signed(&line, delays[0]);
    line_text(&line, " last ");
    line_signed(&line, delays[INTERRUPTS - 1]);
    emit(&line);
    for (uint32_t k = 0; k < INTERRUPTS; k += DELAYS_PER_LINE) {
        line_start(&line, "delays:");
        for (uint32_t i = k; i < k + DELAYS_PER_LINE && i < INTERRUPTS; i++) {
            line_text(&line, " ");
            line_signed(&line, delays[i]);
        }
        emit(&line);
    }
    return 0;
}

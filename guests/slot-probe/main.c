/* slot-probe: when this partition is descheduled and when it runs again, seen from inside.
 *
 * The guest reads the time base in a tight loop (a few instructions a turn, far below THRESHOLD).
 * Any step between two reads longer than THRESHOLD ticks is a gap: the processor was elsewhere
 * (another partition's slot, the microvisor). For each of the first GAPS gaps it records the last
 * read before it (stop) and the first after it (resume). It then waits out SETTLE more gaps
 * unrecorded, so that when it starts printing (which may trap) every other probe has finished
 * measuring too, and prints. Natively nothing interrupts it: it stops after LIMIT ticks with no gap.
 *
 * Output, in time-base ticks (QEMU: 333,333,330 Hz):
 *   probe: gaps N threshold T loop L    (L: the longest step that was not a gap)
 *   gap: k stop resume                  (N lines)
 */
#include "guest.h"
#include "line.h"

#define GAPS 64
#define SETTLE 2
/* 1,000 ticks (3,000 instructions): a hundred turns of the loop, a small fraction of any slot. */
#define THRESHOLD 1000u
/* 2^26 ticks (about 201 ms): longer than GAPS + SETTLE frames of the schedules the bench uses. */
#define LIMIT (1u << 26)

static uint32_t stops[GAPS], resumes[GAPS];

static inline uint32_t time_base_lower(void)
{
    uint32_t lower;
    __asm__ volatile("mftb %0" : "=r"(lower));
    return lower;
}

static void emit(struct line *line)
{
    puts_uart0(line->text);
    putc_uart0('\n');
}

int main(void)
{
    puts_uart0("slot-probe: the first 64 time-base gaps over 1000 ticks\n");
    uint32_t start = time_base_lower();
    uint32_t last = start, gaps = 0, loop = 0;
    /* Wrapping differences throughout: only TBL is read, and the run is far shorter than 2^32 ticks. */
    while (gaps < GAPS + SETTLE) {
        uint32_t now = time_base_lower();
        uint32_t step = now - last;
        if (step > THRESHOLD) {
            if (gaps < GAPS) {
                stops[gaps] = last;
                resumes[gaps] = now;
            }
            gaps++;
        } else if (step > loop) {
            loop = step;
        }
        last = now;
        if (now - start > LIMIT)
            break;
    }
    uint32_t recorded = gaps < GAPS ? gaps : GAPS;

    struct line line;
    line_start(&line, "probe: gaps ");
    line_dec(&line, recorded);
    line_text(&line, " threshold ");
    line_dec(&line, THRESHOLD);
    line_text(&line, " loop ");
    line_dec(&line, loop);
    emit(&line);
    for (uint32_t k = 0; k < recorded; k++) {
        line_start(&line, "gap: ");
        line_dec(&line, k);
        line_text(&line, " ");
        line_dec(&line, stops[k]);
        line_text(&line, " ");
        line_dec(&line, resumes[k]);
        emit(&line);
    }
    return 0;
}

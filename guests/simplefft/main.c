/* SimpleFFT: the fixed-point FFT with no OS; its only privileged act is none at all. */
#include "guest.h"
#include "fft.h"
#include "line.h"
#include "timebase.h"

/* The same work as FFTTask's 10 jobs of 100 repetitions. */
#define REPETITIONS 1000

static int32_t input_re[FFT_POINTS], input_im[FFT_POINTS];
static int32_t re[FFT_POINTS], im[FFT_POINTS];

static void emit(const char *text)
{
    puts_uart0(text);
    putc_uart0('\n');
}

int main(void)
{
    puts_uart0("simplefft: 1024-point Q15 FFT of a fixed input, bare metal\n");
    fft_input(input_re, input_im);
    uint64_t start = time_base();
    for (uint32_t repetition = 0; repetition < REPETITIONS; repetition++) {
        for (uint32_t n = 0; n < FFT_POINTS; n++) {
            re[n] = input_re[n];
            im[n] = input_im[n];
        }
        fft_transform(re, im);
    }
    uint64_t end = time_base();
    fft_print(re, im, emit);
    struct line line;
    line_start(&line, "cost: simplefft ");
    line_dec64(&line, end - start);
    line_text(&line, " ticks over ");
    line_dec(&line, REPETITIONS);
    line_text(&line, " repetitions");
    emit(line.text);
    return 0;
}

/* FFTTask: a periodic job computing the FFT of a fixed input a fixed number of times. */
#include "workloads.h"
#include "fft.h"
#include "line.h"

#define REPETITIONS 100
#define JOBS 10

struct ffttask_data {
    int32_t input_re[FFT_POINTS], input_im[FFT_POINTS];
    int32_t re[FFT_POINTS], im[FFT_POINTS];
    uint32_t first_checksum, differing_jobs;
};
TASK_MEMORY(struct ffttask_data, data);

static void ffttask_job(uint32_t job)
{
    struct ffttask_data *d = &data.value;
    fft_input(d->input_re, d->input_im);
    for (uint32_t repetition = 0; repetition < REPETITIONS; repetition++) {
        for (uint32_t n = 0; n < FFT_POINTS; n++) {
            d->re[n] = d->input_re[n];
            d->im[n] = d->input_im[n];
        }
        fft_transform(d->re, d->im);
    }
    uint32_t checksum = fft_checksum(d->re, d->im);
    if (job == 0)
        d->first_checksum = checksum;
    else if (checksum != d->first_checksum)
        d->differing_jobs++;
}

static void ffttask_finish(void)
{
    struct line line;
    line_start(&line, "ffttask: ");
    line_dec(&line, JOBS);
    line_text(&line, " jobs of ");
    line_dec(&line, REPETITIONS);
    line_text(&line, " repetitions, ");
    line_dec(&line, data.value.differing_jobs);
    line_text(&line, " jobs differing from the first");
    print_line(line.text);
    fft_print(data.value.re, data.value.im, print_line);
}

const struct task_spec ffttask = {
    .name = "ffttask",
    .period = 50,
    .jobs = JOBS,
    .job = ffttask_job,
    .finish = ffttask_finish,
    .memory = &data,
    .memory_bytes = sizeof data,
};

/* CTask: a periodic job that counts a variable to a fixed value. */
#include "workloads.h"
#include "line.h"

#define COUNT 10000
#define JOBS 200

struct ctask_data {
    /* volatile: every step is a load and a store, as the count of a shared variable would be. */
    volatile uint32_t counter;
    uint32_t wrong;
};
TASK_MEMORY(struct ctask_data, data);

static void ctask_job(uint32_t job)
{
    (void)job;
    data.value.counter = 0;
    while (data.value.counter < COUNT)
        data.value.counter++;
    if (data.value.counter != COUNT)
        data.value.wrong++;
}

static void ctask_finish(void)
{
    struct line line;
    line_start(&line, "ctask: ");
    line_dec(&line, JOBS);
    line_text(&line, " jobs, each counted to ");
    line_dec(&line, COUNT);
    line_text(&line, ", ");
    line_dec(&line, data.value.wrong);
    line_text(&line, " wrong");
    print_line(line.text);
}

const struct task_spec ctask = {
    .name = "ctask",
    .period = 1,
    .jobs = JOBS,
    .job = ctask_job,
    .finish = ctask_finish,
    .memory = &data,
    .memory_bytes = sizeof data,
};

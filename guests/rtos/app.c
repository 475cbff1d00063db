/* The RTOS demo: CTask and FFTTask together, CTask (period 1) preempting FFTTask (period 50). */
#include "workloads.h"

const char app_name[] = "rtos";
const struct task_spec *const app_tasks[] = { &ffttask, &ctask };
const uint32_t app_task_count = sizeof app_tasks / sizeof app_tasks[0];

/* FFTTask alone on the RTOS: the paper's FFTTask scenario. */
#include "workloads.h"

const char app_name[] = "rtos-ffttask";
const struct task_spec *const app_tasks[] = { &ffttask };
const uint32_t app_task_count = sizeof app_tasks / sizeof app_tasks[0];

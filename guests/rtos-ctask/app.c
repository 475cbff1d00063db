/* CTask alone on the RTOS: the paper's CTask scenario. */
#include "workloads.h"

const char app_name[] = "rtos-ctask";
const struct task_spec *const app_tasks[] = { &ctask };
const uint32_t app_task_count = sizeof app_tasks / sizeof app_tasks[0];

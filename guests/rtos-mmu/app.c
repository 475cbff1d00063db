/* The RTOS demo with the MMU mode on: CTask and FFTTask in their own address spaces. */
#include "workloads.h"

const char app_name[] = "rtos-mmu";
const struct task_spec *const app_tasks[] = { &ffttask, &ctask };
const uint32_t app_task_count = sizeof app_tasks / sizeof app_tasks[0];

/* Overrides the kernel's weak default: each task gets its own address space. */
volatile struct rtos_config rtos_config = { .magic = RTOS_CONFIG_MAGIC, .flags = RTOS_MMU };

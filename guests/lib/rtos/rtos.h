/* The RTOS's interface to applications: periodic tasks and their system calls. */
#ifndef RTOS_H
#define RTOS_H

#include <stdint.h>

/* A periodic task: `job(n)` runs once per period, `jobs` times, then `finish` (may be 0) once; all
   in user mode. The period is in ticks. `memory` is the task's own data (4 KiB-aligned, a multiple of
   4 KiB, see TASK_MEMORY): in MMU mode, with its stack, the only memory it may write. */
struct task_spec {
    const char *name;
    uint32_t period;
    uint32_t jobs;
    void (*job)(uint32_t job);
    void (*finish)(void);
    void *memory;
    uint32_t memory_bytes;
};

/* Declares a task's own data: `type` padded to whole 4 KiB pages, page-aligned, so that its pages
   hold nothing else. */
#define TASK_MEMORY(type, name)                                                                    \
    static union {                                                                                 \
        type value;                                                                                \
        uint8_t pages[(sizeof(type) + 4095) / 4096 * 4096];                                        \
    } name __attribute__((aligned(4096)))

/* Configuration, patched into the image by tests (symbol rtos_config). */
struct rtos_config {
    uint32_t magic; /* "RTOS" */
    uint32_t flags;
};
#define RTOS_CONFIG_MAGIC 0x52544f53u
/* Each task in its own address space (off by default: the microvisor basis does not virtualize the TLB). */
#define RTOS_MMU 1u
extern volatile struct rtos_config rtos_config;

/* What an application (app.c) defines. */
extern const char app_name[];
extern const struct task_spec *const app_tasks[];
extern const uint32_t app_task_count;

#define RTOS_MAX_TASKS 4

/* System-call numbers, in r0; arguments in r3, r4; the result in r3. */
#define SYS_WAIT_NEXT_PERIOD 1 /* this job is complete: sleep until the next release */
#define SYS_YIELD 2            /* let the highest-priority ready task run (this one, unless another became ready) */
#define SYS_WRITE 3            /* write r4 bytes at r3 to the console, at once */
#define SYS_TICKS 4            /* the time: ticks since the start */
#define SYS_EXIT 5             /* this task is done */
#define SYS_UNKNOWN 0xffffffffu /* the result of a number the kernel does not know */

/* User-mode wrappers (user.c). */
void sys_wait_next_period(void);
void sys_yield(void);
void sys_write(const char *text, uint32_t length);
uint32_t sys_ticks(void);
void sys_exit(void) __attribute__((noreturn));
/* Writes a line (the text and a newline) with one system call. */
void print_line(const char *text);

/* Where a task starts, in user mode (user.c). */
void task_main(const struct task_spec *spec) __attribute__((noreturn));

#endif

/* The user-mode side of the RTOS: system-call wrappers and the periodic-task loop. */
#include "rtos.h"
#include "line.h"

/* sc: the kernel saves and restores every register but r3. */
static uint32_t system_call(uint32_t number, uint32_t first, uint32_t second)
{
    register uint32_t r0 __asm__("0") = number;
    register uint32_t r3 __asm__("3") = first;
    register uint32_t r4 __asm__("4") = second;
    __asm__ volatile("sc" : "+r"(r3) : "r"(r0), "r"(r4) : "memory");
    return r3;
}

void sys_wait_next_period(void)
{
    system_call(SYS_WAIT_NEXT_PERIOD, 0, 0);
}

void sys_yield(void)
{
    system_call(SYS_YIELD, 0, 0);
}

void sys_write(const char *text, uint32_t length)
{
    system_call(SYS_WRITE, (uint32_t)text, length);
}

uint32_t sys_ticks(void)
{
    return system_call(SYS_TICKS, 0, 0);
}

void sys_exit(void)
{
    system_call(SYS_EXIT, 0, 0);
    for (;;)
        ;
}

void print_line(const char *text)
{
    struct line line;
    line_start(&line, text);
    line_text(&line, "\n");
    sys_write(line.text, line.length);
}

void task_main(const struct task_spec *spec)
{
    for (uint32_t job = 0; job < spec->jobs; job++) {
        spec->job(job);
        sys_wait_next_period();
    }
    if (spec->finish)
        spec->finish();
    sys_exit();
}

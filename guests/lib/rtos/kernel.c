/* The RTOS kernel: tasks, the tick, rate-monotonic fixed-priority scheduling, system calls.
 *
 * Every interrupt enters through vectors.S with the running task's registers saved in its context,
 * calls kernel_entry with MSR[EE] = 0, and resumes the context kernel_entry returns. The kernel
 * prints on UART0 directly (guests/crt); tasks print through SYS_WRITE.
 */
#include "guest.h"
#include "context.h"
#include "line.h"
#include "mmu.h"
#include "rtos.h"
#include "timebase.h"

/* The tick: PIT auto-reload value in time-base ticks, about 1 ms at QEMU's 333,333,330 Hz. */
#define TICK 333333u

/* MSR bits (PPC405 user's manual, section 3.6). */
#define MSR_WE 0x00040000u
#define MSR_EE 0x00008000u
#define MSR_PR 0x00004000u
#define MSR_ME 0x00001000u
#define MSR_IR 0x00000020u
#define MSR_DR 0x00000010u
/* TCR and TSR bits (sections 6.6, 6.7). */
#define TCR_PIE 0x04000000u
#define TCR_ARE 0x00400000u
#define TSR_PIS 0x08000000u

#define SPR_DEAR 981

#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

/* Memory a task may hand to SYS_WRITE: the guest's 16 MiB (in MMU mode, only what the task may read). */
#define RAM_BYTES 0x01000000u
#define WRITE_MAX 256u

#define TASK_STACK_BYTES 8192
#define IDLE_STACK_BYTES 1024

enum task_state { TASK_WAITING, TASK_READY, TASK_DONE };

struct task {
    struct context context;
    const struct task_spec *spec;
    uint32_t priority;          /* 0 is the highest */
    enum task_state state;
    uint32_t release_tick;      /* of the current job (ready) or of the next (waiting) */
    uint32_t jobs;              /* completed */
    uint32_t misses;            /* jobs completed after the next release */
    uint32_t preemptions;       /* times a higher-priority task took the processor mid-job */
    uint64_t completion_sum;    /* time base at each job's completion, summed */
    uint64_t release_index_sum; /* (release tick - 1) of each job, summed */
    struct address_space space; /* its memory, for the MMU mode */
};

/* Weak: an application may define its own (guests/rtos-mmu turns the MMU mode on). */
__attribute__((weak)) volatile struct rtos_config rtos_config = { .magic = RTOS_CONFIG_MAGIC, .flags = 0 };
static uint32_t mmu_on;

static struct task tasks[RTOS_MAX_TASKS];
static struct task idle;
static struct task *current;
static uint32_t task_count;
/* Periods of the PIT since the start: counted by time, not by interrupts, since a late interrupt
   can stand for two expiries (QEMU, and a virtual PIT, merge them into one TSR[PIS]). */
static uint32_t ticks;
static uint32_t tasks_done;
/* The time base at the first tick's PIT expiry, and the nominal instant of the next tick. */
static uint64_t first_tick_instant;
static uint64_t next_tick_instant;

static uint8_t task_stacks[RTOS_MAX_TASKS][TASK_STACK_BYTES] __attribute__((aligned(4096)));
static uint8_t idle_stack[IDLE_STACK_BYTES] __attribute__((aligned(16)));

static void print_line_uart0(const struct line *line)
{
    puts_uart0(line->text);
    putc_uart0('\n');
}

static void panic(const char *what, uint32_t value)
{
    struct line line;
    line_start(&line, "rtos: panic: ");
    line_text(&line, what);
    line_text(&line, " ");
    line_hex(&line, value);
    line_text(&line, " in task ");
    line_text(&line, !current ? "(none: starting)" : current == &idle ? "idle" : current->spec->name);
    line_text(&line, " at ");
    line_hex(&line, current ? current->context.srr0 : 0);
    print_line_uart0(&line);
    MTSPR(SPR_TCR, 0);
    guest_end();
}

/* The time base at this tick's PIT expiry. The PIT, auto-reloaded, counts down to the next one;
   it is read between two time-base reads and taken at their midpoint, so the read's own latency
   (a trap when virtualized) does not bias the result. */
static uint64_t this_tick_instant(void)
{
    uint64_t before = time_base();
    uint32_t left = MFSPR(SPR_PIT);
    uint64_t after = time_base();
    return before + (after - before) / 2 + left - TICK;
}

static const char *yes_no(uint32_t count)
{
    return count ? "yes" : "no";
}

/* Every task is done and `last_tick_instant` is tick `ticks`'s expiry: print and stop. Release
   instants are interpolated between the first and this tick, so the cost of each job is its
   completion minus its release tick's PIT expiry, without reading the PIT in every tick. */
static void report(uint64_t last_tick_instant) __attribute__((noreturn));
static void report(uint64_t last_tick_instant)
{
    MTSPR(SPR_TCR, 0);
    uint64_t span = last_tick_instant - first_tick_instant;
    for (uint32_t i = 0; i < task_count; i++) {
        struct task *task = &tasks[i];
        struct line line;
        line_start(&line, "rtos: ");
        line_text(&line, task->spec->name);
        line_text(&line, ": ");
        line_dec(&line, task->jobs);
        line_text(&line, " jobs done, preempted by a higher priority: ");
        line_text(&line, yes_no(task->preemptions));
        print_line_uart0(&line);
        uint64_t releases = task->jobs * first_tick_instant + span * task->release_index_sum / (ticks - 1);
        line_start(&line, "cost: ");
        line_text(&line, task->spec->name);
        line_text(&line, " ");
        line_dec64(&line, task->completion_sum - releases);
        line_text(&line, " ticks over ");
        line_dec(&line, task->jobs);
        line_text(&line, " jobs (release to completion), ");
        line_dec(&line, task->misses);
        line_text(&line, " deadline misses");
        print_line_uart0(&line);
    }
    puts_uart0("rtos: all tasks done\n");
    guest_end();
    for (;;)
        ;
}

static void on_tick(void)
{
    MTSPR(SPR_TSR, TSR_PIS);
    if (ticks == 0) {
        ticks = 1;
        first_tick_instant = this_tick_instant();
        next_tick_instant = first_tick_instant + TICK;
    } else {
        uint64_t now = time_base();
        do {
            ticks++;
            next_tick_instant += TICK;
        } while (now >= next_tick_instant);
    }
    if (tasks_done == task_count)
        report(this_tick_instant());
    for (uint32_t i = 0; i < task_count; i++) {
        struct task *task = &tasks[i];
        if (task->state == TASK_WAITING && task->release_tick <= ticks)
            task->state = TASK_READY;
    }
}

/* The running task's job is complete at `now`. */
static void complete_job(struct task *task, uint64_t now)
{
    task->completion_sum += now;
    task->release_index_sum += task->release_tick - 1;
    task->jobs++;
    task->release_tick += task->spec->period;
    if (task->jobs == task->spec->jobs)
        return; /* stays ready to run its finish */
    if (task->release_tick <= ticks)
        task->misses++; /* its next release has passed: it stays ready */
    else
        task->state = TASK_WAITING;
}

static void write_console(uint32_t address, uint32_t length)
{
    if (address >= RAM_BYTES || length > WRITE_MAX || length > RAM_BYTES - address)
        return;
    if (mmu_on && !mmu_readable(&current->space, address, length))
        return;
    const char *text = (const char *)address;
    for (uint32_t i = 0; i < length; i++)
        putc_uart0(text[i]);
}

static void on_system_call(void)
{
    uint64_t now = time_base();
    struct context *context = &current->context;
    if (current == &idle)
        panic("system call from the idle task", context->gpr[0]);
    switch (context->gpr[0]) {
    case SYS_WAIT_NEXT_PERIOD:
        complete_job(current, now);
        break;
    case SYS_YIELD:
        break;
    case SYS_WRITE:
        write_console(context->gpr[3], context->gpr[4]);
        break;
    case SYS_TICKS:
        context->gpr[3] = ticks;
        break;
    case SYS_EXIT:
        current->state = TASK_DONE;
        tasks_done++;
        break;
    default:
        context->gpr[3] = SYS_UNKNOWN;
        break;
    }
}

/* A user task did what a 405 stops it for (storage, TLB miss, program): it ends, the others go on. */
static void stop_task(const char *what, uint32_t address)
{
    struct line line;
    line_start(&line, "rtos: task ");
    line_text(&line, current->spec->name);
    line_text(&line, " stopped: ");
    line_text(&line, what);
    line_text(&line, " ");
    line_hex(&line, address);
    line_text(&line, " at ");
    line_hex(&line, current->context.srr0);
    print_line_uart0(&line);
    current->state = TASK_DONE;
    tasks_done++;
}

static void on_fault(uint32_t vector)
{
    if (current == &idle || !(current->context.srr1 & MSR_PR))
        panic("interrupt in supervisor mode, vector", vector);
    switch (vector) {
    case 0x0300:
        stop_task("data storage interrupt, address", MFSPR(SPR_DEAR));
        break;
    case 0x0400:
        stop_task("instruction storage interrupt, address", current->context.srr0);
        break;
    case 0x0600:
        stop_task("alignment interrupt, address", MFSPR(SPR_DEAR));
        break;
    case 0x0700:
        stop_task("program interrupt, esr", MFSPR(SPR_ESR));
        break;
    case 0x1100:
        stop_task("data TLB miss, address", MFSPR(SPR_DEAR));
        break;
    default:
        stop_task("instruction TLB miss, address", current->context.srr0);
        break;
    }
}

/* The highest-priority ready task, else idle; SPRG0 follows the running task, PID its address space. */
static struct context *schedule(void)
{
    struct task *next = &idle;
    for (uint32_t i = 0; i < task_count; i++) {
        if (tasks[i].state == TASK_READY && tasks[i].priority < next->priority)
            next = &tasks[i];
    }
    if (next != current) {
        if (current != &idle && current->state == TASK_READY)
            current->preemptions++;
        current = next;
        MTSPR(SPR_SPRG0, &next->context);
        if (mmu_on && next != &idle)
            mmu_switch_to(&next->space);
    }
    return &current->context;
}

/* Called by every vector (vectors.S); returns the context to resume. */
struct context *kernel_entry(uint32_t vector)
{
    switch (vector) {
    case 0x1000:
        on_tick();
        break;
    case 0x0c00:
        on_system_call();
        break;
    case 0x0300:
    case 0x0400:
    case 0x0600:
    case 0x0700:
    case 0x1100:
    case 0x1200:
        on_fault(vector);
        break;
    default:
        panic("unexpected interrupt, vector", vector);
        break;
    }
    return schedule();
}

static void idle_loop(void)
{
    for (;;)
        __asm__ volatile("mtmsr %0" : : "r"(MSR_WE | MSR_EE | MSR_ME) : "memory");
}

/* Rate-monotonic: the shorter the period, the higher the priority; table order breaks ties. */
static void assign_priorities(void)
{
    for (uint32_t i = 0; i < task_count; i++) {
        uint32_t priority = 0;
        for (uint32_t j = 0; j < task_count; j++) {
            uint32_t pi = tasks[i].spec->period, pj = tasks[j].spec->period;
            if (pj < pi || (pj == pi && j < i))
                priority++;
        }
        tasks[i].priority = priority;
    }
}

static void start_context(struct context *context, uint32_t pc, uint32_t msr, uint8_t *stack_top, uint32_t argument)
{
    context->srr0 = pc;
    context->srr1 = msr;
    /* EABI: a 16-byte aligned stack whose first frame has a zero back chain (.bss is zero). */
    context->gpr[1] = (uint32_t)(stack_top - 16);
    context->gpr[3] = argument;
}

int main(void)
{
    struct line line;
    task_count = app_task_count <= RTOS_MAX_TASKS ? app_task_count : RTOS_MAX_TASKS;
    mmu_on = rtos_config.magic == RTOS_CONFIG_MAGIC && (rtos_config.flags & RTOS_MMU);
    line_start(&line, "rtos: ");
    line_text(&line, app_name);
    line_text(&line, ": ");
    line_dec(&line, task_count);
    line_text(&line, " periodic task(s) in user mode, rate-monotonic priorities, tick ");
    line_dec(&line, TICK);
    line_text(&line, " time-base ticks");
    print_line_uart0(&line);
    if (mmu_on) {
        puts_uart0("rtos: MMU on: each task in its own address space (PID = its TID), the kernel in real mode\n");
        mmu_init();
    }
    for (uint32_t i = 0; i < task_count; i++) {
        struct task *task = &tasks[i];
        task->spec = app_tasks[i];
        task->state = TASK_WAITING;
        task->release_tick = 1;
        task->space = (struct address_space){
            .tid = (uint8_t)(i + 1),
            .stack = (uint32_t)task_stacks[i],
            .stack_bytes = TASK_STACK_BYTES,
            .memory = (uint32_t)task->spec->memory,
            .memory_bytes = task->spec->memory_bytes,
        };
        if (mmu_on && !mmu_map(&task->space))
            panic("the TLB cannot map the task's memory, task", i);
        start_context(&task->context, (uint32_t)task_main, MSR_PR | MSR_EE | MSR_ME | (mmu_on ? MSR_IR | MSR_DR : 0),
                      task_stacks[i] + TASK_STACK_BYTES, (uint32_t)app_tasks[i]);
    }
    assign_priorities();
    for (uint32_t i = 0; i < task_count; i++) {
        line_start(&line, "rtos: task ");
        line_text(&line, tasks[i].spec->name);
        line_text(&line, ": period ");
        line_dec(&line, tasks[i].spec->period);
        line_text(&line, " tick(s), ");
        line_dec(&line, tasks[i].spec->jobs);
        line_text(&line, " jobs, priority ");
        line_dec(&line, tasks[i].priority);
        print_line_uart0(&line);
    }
    idle.priority = 0xffffffffu;
    idle.state = TASK_READY;
    start_context(&idle.context, (uint32_t)idle_loop, MSR_EE | MSR_ME, idle_stack + IDLE_STACK_BYTES, 0);
    current = &idle;
    MTSPR(SPR_SPRG0, &idle.context);
    /* TCR before PIT: QEMU stops a running PIT when TCR is written after it. */
    MTSPR(SPR_TSR, TSR_PIS);
    MTSPR(SPR_TCR, TCR_PIE | TCR_ARE);
    MTSPR(SPR_PIT, TICK);
    context_resume(&idle.context);
}

/* The paper's workloads as periodic RTOS tasks. */
#ifndef WORKLOADS_H
#define WORKLOADS_H

#include "rtos.h"

/* CTask: each job counts a variable from 0 to 10,000; period 1 tick, 200 jobs. */
extern const struct task_spec ctask;
/* FFTTask: each job computes the FFT of the fixed input 100 times; period 50 ticks, 10 jobs. */
extern const struct task_spec ffttask;

#endif

/* The RTOS's optional MMU mode: each task in its own address space (off unless rtos_config says). */
#ifndef MMU_H
#define MMU_H

#include <stdint.h>

/* A task's private memory: its stack and its own data, both 4 KiB-aligned multiples of 4 KiB. */
struct address_space {
    uint8_t tid; /* its TLB entries' TID, loaded into PID while it runs */
    uint32_t stack, stack_bytes;
    uint32_t memory, memory_bytes;
};

/* Invalidates the TLB, sets the zones and maps the shared code and read-only data for every TID. */
void mmu_init(void);
/* Maps the space's stack and memory, writable, for its TID alone; 0 if the TLB is full. */
int mmu_map(const struct address_space *space);
/* Whether [address, address + length) is readable by a task of that space. */
int mmu_readable(const struct address_space *space, uint32_t address, uint32_t length);
/* Makes the space the one user-mode translation sees. */
void mmu_switch_to(const struct address_space *space);

#endif

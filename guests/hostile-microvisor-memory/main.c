/* Stores over EA 0x100..0x3fff (the microvisor's vectors and code, in real memory) and reads them back.
 * Stages: 1 written, 2 read back (value[0] = words that did not read back, value[1] = words written).
 */
#include "hostile.h"

#define MARKER 0xa77ac4edu

int main(void)
{
    volatile uint32_t *word;
    uint32_t written = 0, wrong = 0;
    for (word = (volatile uint32_t *)0x100; word < (volatile uint32_t *)0x4000; word++, written++)
        *word = MARKER ^ (uint32_t)word;
    hostile_record.stage = 1;
    for (word = (volatile uint32_t *)0x100; word < (volatile uint32_t *)0x4000; word++)
        if (*word != (MARKER ^ (uint32_t)word))
            wrong++;
    hostile_record.value[0] = wrong;
    hostile_record.value[1] = written;
    hostile_record.stage = 2;
    hostile_finish();
}

/* Uses memory far above 16 MiB, as a guest built for the whole board may: writes a word in each MiB
 * from 1 MiB to 111 MiB, reads them back and prints a checksum, then the highest word it wrote. */
#include "guest.h"

int main(void)
{
    uint32_t sum = 0;
    for (uint32_t mib = 1; mib < 112; mib++) {
        volatile uint32_t *word = (volatile uint32_t *)(mib << 20);
        *word = mib * 0x01010101u;
    }
    for (uint32_t mib = 1; mib < 112; mib++)
        sum += *(volatile uint32_t *)(mib << 20);
    puts_uart0("checksum of 111 words, 1 MiB apart = ");
    print_hex(sum);
    puts_uart0("\nword at 111 MiB = ");
    print_hex(*(volatile uint32_t *)(111u << 20));
    puts_uart0("\n");
    return 0;
}

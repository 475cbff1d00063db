/* Uses memory far above 16 MiB, as a guest built for the whole board may: writes a word in each MiB
 * from 1 MiB to 111 MiB, reads them back and prints a checksum, then the highest word it wrote;
 * then does the same with the last 8 MiB of the board's 128 MiB, where such a guest may put its
 * stack, up to its very last word. */
#include "guest.h"

static uint32_t checksum(uint32_t first_mib, uint32_t end_mib)
{
    uint32_t sum = 0;
    for (uint32_t mib = first_mib; mib < end_mib; mib++) {
        volatile uint32_t *word = (volatile uint32_t *)(mib << 20);
        *word = mib * 0x01010101u;
    }
    for (uint32_t mib = first_mib; mib < end_mib; mib++)
        sum += *(volatile uint32_t *)(mib << 20);
    return sum;
}

int main(void)
{
    /* RAM the boot left alone reads 0, up to the end of the 128 MiB. */
    puts_uart0("words at 128 MiB - 0x80 before any write = ");
    print_hex(*(volatile uint32_t *)((128u << 20) - 0x80));
    puts_uart0(" ");
    print_hex(*(volatile uint32_t *)((128u << 20) - 0x7c));
    puts_uart0("\nchecksum of 111 words, 1 MiB apart = ");
    print_hex(checksum(1, 112));
    puts_uart0("\nword at 111 MiB = ");
    print_hex(*(volatile uint32_t *)(111u << 20));
    puts_uart0("\nchecksum of the words at 120 to 127 MiB = ");
    print_hex(checksum(120, 128));
    volatile uint32_t *last = (volatile uint32_t *)((128u << 20) - 4);
    *last = 0x1a57f00d;
    puts_uart0("\nlast word of the 128 MiB = ");
    print_hex(*last);
    puts_uart0("\n");
    return 0;
}

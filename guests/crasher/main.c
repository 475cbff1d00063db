/* Prints, works a little, then stores outside its memory: a fault for the health monitor. */
#include "guest.h"

int main(void)
{
    puts_uart0("crasher: started; about to store outside my memory\n");
    for (volatile uint32_t spin = 0; spin < 200000; spin++)
        ;
    *(volatile uint32_t *)0x02000000 = 0xdead; /* beyond its 16 MiB: not its memory */
    puts_uart0("crasher: still running (never printed)\n");
    return 0;
}

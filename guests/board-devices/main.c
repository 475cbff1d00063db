/* Reads and writes the ref405ep's devices beyond the UARTs: the FPGA registers, the NVRAM and the
 * GPIO, as a guest written for this board may. Natively and alone on the microvisor (which grants
 * a lone guest every device) the transcripts must be identical. */
#include "guest.h"
static void show(const char *name, uint32_t v) { puts_uart0(name); puts_uart0(" = "); print_hex(v); puts_uart0("\n"); }
int main(void)
{
    volatile uint8_t *fpga = (volatile uint8_t *)0xf0300000;
    show("fpga reg 0", fpga[0]);
    show("fpga reg 1", fpga[1]);
    volatile uint8_t *nvram = (volatile uint8_t *)0xf0000000;
    nvram[0x100] = 0x5a;
    show("nvram byte 0x100 after writing 0x5a", nvram[0x100]);
    volatile uint32_t *gpio = (volatile uint32_t *)0xef600700;
    show("gpio or", gpio[0]);
    return 0;
}

/* UART0 console of the C guests: 16550 at 0xEF600300 on ref405ep, polled. */
#include "guest.h"

#define UART0_THR ((volatile uint8_t *)0xef600300)
#define UART0_LSR ((volatile uint8_t *)0xef600305)
#define LSR_THRE 0x20 /* transmit holding register empty */

void putc_uart0(char c)
{
    while (!(*UART0_LSR & LSR_THRE))
        ;
    *UART0_THR = (uint8_t)c;
}

void puts_uart0(const char *text)
{
    while (*text)
        putc_uart0(*text++);
}

void print_hex(uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    puts_uart0("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        putc_uart0(digits[(value >> shift) & 15]);
}

void print_dec(uint32_t value)
{
    char buffer[11];
    int n = 0;
    do {
        buffer[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        putc_uart0(buffer[--n]);
}

void guest_end(void)
{
    puts_uart0(END_MARKER "\n");
    for (;;)
        ;
}

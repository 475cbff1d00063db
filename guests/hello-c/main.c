/* The smallest C guest: a greeting, a jump table and a function pointer on UART0. */
#include "guest.h"

static uint32_t square(uint32_t n) { return n * n; }
static uint32_t cube(uint32_t n) { return n * n * n; }

/* A function pointer table in .data, so relocating tools meet addresses in data. */
static uint32_t (*const powers[])(uint32_t) = { square, cube };

static const char *name_of(int digit)
{
    /* Dense enough for gcc to emit a jump table. */
    switch (digit) {
    case 0: return "zero";
    case 1: return "one";
    case 2: return "two";
    case 3: return "three";
    case 4: return "four";
    case 5: return "five";
    case 6: return "six";
    default: return "many";
    }
}

int main(void)
{
    puts_uart0("Hello from a PowerPC 405 guest (C, gcc).\n");
    uint32_t sum = 0;
    for (uint32_t n = 1; n <= 10; n++)
        sum += powers[n & 1](n);
    puts_uart0("mixed powers 1..10 = ");
    print_dec(sum);
    puts_uart0("\n");
    for (int digit = 0; digit < 8; digit += 3) {
        puts_uart0(name_of(digit));
        putc_uart0(digit < 6 ? ' ' : '\n');
    }
    return 0;
}

/* What every C guest may use: UART0 output and the end marker. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

void putc_uart0(char c);
void puts_uart0(const char *text);      /* no newline added */
void print_hex(uint32_t value);         /* 8 digits, 0x prefix */
void print_dec(uint32_t value);
void guest_end(void);                   /* prints END_MARKER and idles */

#define END_MARKER "== end =="

#endif

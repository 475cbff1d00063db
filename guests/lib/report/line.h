/* One line of text built in a buffer, then printed at once (by a system call, or on UART0). */
#ifndef LINE_H
#define LINE_H

#include <stdint.h>

#define LINE_CAPACITY 120

struct line {
    uint32_t length;
    char text[LINE_CAPACITY + 1]; /* always NUL-terminated */
};

void line_start(struct line *line, const char *text); /* empties it, then appends text */
void line_text(struct line *line, const char *text);
void line_dec(struct line *line, uint32_t value);
void line_dec64(struct line *line, uint64_t value);
void line_signed(struct line *line, int32_t value);
void line_hex(struct line *line, uint32_t value); /* 8 digits, 0x prefix */

#endif

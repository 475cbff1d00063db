/* One line of text built in a buffer. Text beyond LINE_CAPACITY is dropped, never written past. */
#include "line.h"

static void append(struct line *line, char c)
{
    if (line->length < LINE_CAPACITY)
        line->text[line->length++] = c;
    line->text[line->length] = 0;
}

void line_start(struct line *line, const char *text)
{
    line->length = 0;
    line->text[0] = 0;
    line_text(line, text);
}

void line_text(struct line *line, const char *text)
{
    while (*text)
        append(line, *text++);
}

void line_dec64(struct line *line, uint64_t value)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        append(line, digits[--n]);
}

void line_dec(struct line *line, uint32_t value)
{
    line_dec64(line, value);
}

void line_signed(struct line *line, int32_t value)
{
    if (value < 0) {
        append(line, '-');
        line_dec(line, 0u - (uint32_t)value);
    } else {
        line_dec(line, (uint32_t)value);
    }
}

void line_hex(struct line *line, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    line_text(line, "0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        append(line, digits[(value >> shift) & 15]);
}

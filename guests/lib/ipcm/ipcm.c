/* The channel, its notifications and the console of the IPCM guests. */
#include "ipcm.h"

#define MFDCR(n) ({ uint32_t v_; __asm__ volatile("mfdcr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTDCR(n, v) __asm__ volatile("mtdcr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

volatile uint32_t ipcm_notifications;

volatile struct ipcm_page *ipcm_open(int32_t *error)
{
    int32_t result = IPCM_HYPERCALL(IPCM_CHANNEL_OPEN, IPCM_CHANNEL, 0);
    /* The page's address is negative as an int32_t (0xe0000000 by default): an error is a small
       negative number, never 4 KiB-aligned, a page address always is. */
    int failed = result < 0 && result > -4096;
    *error = failed ? result : 0;
    return failed ? 0 : (volatile struct ipcm_page *)(uint32_t)result;
}

int32_t ipcm_notify(void)
{
    return IPCM_HYPERCALL(IPCM_CHANNEL_NOTIFY, IPCM_CHANNEL, 0);
}

void ipcm_enable_notifications(void)
{
    /* No acknowledgement first: a notification the other end sent before this one got here is
       already in UIC0_SR, and must be taken, not lost. */
    MTDCR(UIC_ER, MFDCR(UIC_ER) | IPCM_LINE_BIT);
}

static uint32_t mfmsr(void)
{
    uint32_t value;
    __asm__ volatile("mfmsr %0" : "=r"(value));
    return value;
}

void ipcm_wait_beyond(uint32_t seen)
{
    for (;;) {
        /* Test with EE = 0, then enable and sleep in one mtmsr: a notification arriving between
           the test and the sleep is pending when mtmsr sets EE, and is taken at once. */
        __asm__ volatile("wrteei 0" : : : "memory");
        if (ipcm_notifications != seen)
            return;
        __asm__ volatile("mtmsr %0; isync" : : "r"(mfmsr() | MSR_WE | MSR_EE) : "memory");
    }
}

uint32_t ipcm_transform(uint32_t sequence)
{
    return (sequence * 2654435761u) ^ 0x50494e47u; /* "PING" */
}

uint32_t ipcm_checksum(const volatile char *bytes, uint32_t length)
{
    uint32_t sum = length;
    for (uint32_t i = 0; i < length; i++)
        sum = ((sum << 5) | (sum >> 27)) ^ (uint8_t)bytes[i];
    return sum;
}

static uint32_t length_of(const char *text)
{
    uint32_t n = 0;
    while (text[n])
        n++;
    return n;
}

void ipcm_say(const char *text)
{
    IPCM_HYPERCALL(IPCM_CONSOLE_WRITE, (uint32_t)text, length_of(text));
}

void ipcm_say_dec(uint32_t value)
{
    char digits[11];
    int n = sizeof digits;
    do {
        digits[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    IPCM_HYPERCALL(IPCM_CONSOLE_WRITE, (uint32_t)&digits[n], (uint32_t)(sizeof digits - n));
}

void ipcm_say_int(int32_t value)
{
    if (value < 0) {
        ipcm_say("-");
        ipcm_say_dec(-(uint32_t)value);
    } else {
        ipcm_say_dec((uint32_t)value);
    }
}

void ipcm_end(void)
{
    ipcm_say(END_MARKER "\n");
    for (;;)
        __asm__ volatile("wrteei 0; mtmsr %0; isync" : : "r"((mfmsr() & ~MSR_EE) | MSR_WE) : "memory");
}

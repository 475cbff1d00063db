/* The victim of the hostile-guest suite: deterministic work, memory checks and interrupts, one line
 * per round. Natively and as partition 0 beside any attacker it must print the same transcript.
 */
#include "guest.h"

/* Patched by tests (symbol victim_config): how many rounds, how much work in each. */
volatile struct {
    uint32_t magic; /* "VICT" */
    uint32_t rounds;
    uint32_t work; /* xorshift steps per round */
} victim_config = { 0x56494354, 300, 100000 };

#define MFSPR(n) ({ uint32_t v_; __asm__ volatile("mfspr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTSPR(n, v) __asm__ volatile("mtspr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define MFDCR(n) ({ uint32_t v_; __asm__ volatile("mfdcr %0,%1" : "=r"(v_) : "i"(n)); v_; })
#define MTDCR(n, v) __asm__ volatile("mtdcr %0,%1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

/* SPRs (PPC405 user's manual, section 10.2), UIC0 DCRs, MSR and timer bits. */
#define SRR0 26
#define SPRG4_READ 260 /* SPRG4-7 as user mode reads them (without a trap under the microvisor) */
#define SPRG5_READ 261
#define SPRG6_READ 262
#define SPRG7_READ 263
#define SPRG4 276
#define SPRG5 277
#define SPRG6 278
#define SPRG7 279
#define SRR2 990
#define TSR 984
#define TCR 986
#define PIT 987
#define UIC_SR 0x0c0
#define UIC_SRS 0x0c1
#define UIC_ER 0x0c2
#define UIC_CR 0x0c3
#define UIC_TR 0x0c5
#define UIC_MSR 0x0c6
#define MSR_WE 0x00040000u
#define MSR_EE 0x00008000u
#define TCR_PIE 0x04000000u
#define TSR_PIS 0x08000000u

#define UART0_IER ((volatile uint8_t *)0xef600301)
#define UART_IER_THRI 0x02
#define UART0_LINE 0x80000000u   /* UIC0 input 0 */
#define SOFT_LINE 0x00000020u    /* UIC0 input 26: no device drives it */
#define NOTIFY_LINE 0x00000001u  /* UIC0 input 31: no device drives it (IPCM notifications use it) */

/* 256 KiB of pattern at guest physical 1 MiB: the attackers aim at it (real 0x0110_0000). */
#define PATTERN ((volatile uint32_t *)0x00100000)
#define PATTERN_WORDS (256u * 1024 / 4)
#define CHUNK_WORDS (16u * 1024 / 4)
/* One page of the on-chip SRAM, granted to the victim alone. */
#define SRAM ((volatile uint32_t *)0xfff00000)
#define SRAM_WORDS 1024u

extern char __bss_start[];

static volatile uint32_t pit_count, uart_count, soft_count, unexpected_count;

static uint32_t pattern_word(uint32_t index)
{
    return (index * 2654435761u) ^ 0x5a5a1234u;
}

static void print_line(const char *label, uint32_t value)
{
    puts_uart0(label);
    print_hex(value);
    putc_uart0('\n');
}

/* Called by every vector (vectors.S); returns 1 to leave with rfci. */
uint32_t victim_interrupt(uint32_t vector, uint32_t srr0)
{
    switch (vector) {
    case 0x1000:
        pit_count++;
        MTSPR(TSR, TSR_PIS);
        return 0;
    case 0x0500: {
        uint32_t raised = MFDCR(UIC_MSR);
        if (raised & UART0_LINE) {
            *UART0_IER = 0;
            MTDCR(UIC_SR, UART0_LINE);
            uart_count++;
        }
        if (raised & SOFT_LINE) {
            MTDCR(UIC_SR, SOFT_LINE);
            soft_count++;
        }
        if (raised & ~(UART0_LINE | SOFT_LINE)) {
            print_line("unexpected uic lines ", raised);
            MTDCR(UIC_ER, MFDCR(UIC_ER) & ~(raised & ~(UART0_LINE | SOFT_LINE)));
            MTDCR(UIC_SR, raised);
            unexpected_count++;
        }
        if (!raised) {
            puts_uart0("unexpected external interrupt with nothing raised\n");
            unexpected_count++;
        }
        return 0;
    }
    default:
        break;
    }
    int critical = vector == 0x100 || vector == 0x200 || vector == 0x1020 || vector == 0x2000;
    puts_uart0("unexpected interrupt ");
    print_hex(vector);
    puts_uart0(" at ");
    print_hex(critical ? MFSPR(SRR2) : srr0);
    putc_uart0('\n');
    unexpected_count++;
    /* Skip a faulting instruction rather than take it again forever. */
    if (vector == 0x300 || vector == 0x600 || vector == 0x700 || vector == 0x1100)
        MTSPR(SRR0, srr0 + 4);
    return critical;
}

static uint32_t sum_words(const volatile uint32_t *from, const volatile uint32_t *to)
{
    uint32_t sum = 0x12345678;
    for (; from < to; from++)
        sum = (sum ^ *from) * 16777619u + 1;
    return sum;
}

/* What never changes in the victim's memory: its vectors, code, read-only data and .data (the save
 * area at 0x3800 and .bss do change). */
static uint32_t code_sum(void)
{
    return sum_words((const volatile uint32_t *)0, (const volatile uint32_t *)0x2100) ^
           sum_words((const volatile uint32_t *)0x4000, (const volatile uint32_t *)__bss_start);
}

/* The index of the first wrong word in pattern words [first, first + count), or -1. */
static int32_t check_pattern(uint32_t first, uint32_t count)
{
    for (uint32_t i = first; i < first + count; i++)
        if (PATTERN[i] != pattern_word(i))
            return (int32_t)i;
    return -1;
}

/* SPRG4-7 hold secrets: another partition must neither read nor change them. */
static const uint32_t secrets[4] = { 0x5ec7e704, 0x5ec7e705, 0x5ec7e706, 0x5ec7e707 };

static int sprgs_intact(void)
{
    return MFSPR(SPRG4_READ) == secrets[0] && MFSPR(SPRG5_READ) == secrets[1] && MFSPR(SPRG6_READ) == secrets[2] &&
           MFSPR(SPRG7_READ) == secrets[3];
}

static int32_t check_sram(void)
{
    for (uint32_t i = 0; i < SRAM_WORDS; i++)
        if (SRAM[i] != ~pattern_word(i))
            return (int32_t)i;
    return -1;
}

/* Deterministic work: a xorshift walk mixed with one pattern chunk. */
static uint32_t work(uint32_t round)
{
    uint32_t x = 0x9e3779b9u ^ round;
    uint32_t steps = victim_config.work;
    for (uint32_t i = 0; i < steps; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    uint32_t first = (round % (PATTERN_WORDS / CHUNK_WORDS)) * CHUNK_WORDS;
    return x ^ sum_words(PATTERN + first, PATTERN + first + CHUNK_WORDS);
}

/* Sleeps until a one-shot PIT interrupt (TCR before PIT: platform.md). */
static void pit_sleep(void)
{
    uint32_t before = pit_count;
    MTSPR(TCR, TCR_PIE);
    MTSPR(PIT, 20000);
    while (pit_count == before)
        __asm__ volatile("mtmsr %0; isync" : : "r"(MSR_WE | MSR_EE) : "memory");
    __asm__ volatile("mtmsr %0; isync" : : "r"(0) : "memory");
    MTSPR(TCR, 0);
}

/* UART0's transmitter is empty after polled output: enabling its interrupt raises UIC line 0. */
static void uart_interrupt(void)
{
    uint32_t before = uart_count;
    MTDCR(UIC_ER, UART0_LINE);
    *UART0_IER = UART_IER_THRI;
    __asm__ volatile("wrteei 1");
    __asm__ volatile("wrteei 0");
    MTDCR(UIC_ER, 0);
    if (uart_count != before + 1)
        print_line("uart interrupt count ", uart_count - before);
}

/* A line no device drives, set by software, taken when EE comes on. */
static void soft_interrupt(void)
{
    uint32_t before = soft_count;
    MTDCR(UIC_SRS, SOFT_LINE);
    MTDCR(UIC_ER, SOFT_LINE);
    __asm__ volatile("wrteei 1");
    __asm__ volatile("wrteei 0");
    MTDCR(UIC_ER, 0);
    if (soft_count != before + 1)
        print_line("soft interrupt count ", soft_count - before);
}

int main(void)
{
    puts_uart0("victim: start\n");
    MTDCR(UIC_ER, 0);
    MTDCR(UIC_CR, 0);
    MTDCR(UIC_TR, 0);
    MTDCR(UIC_SR, 0xffffffff);
    for (uint32_t i = 0; i < PATTERN_WORDS; i++)
        PATTERN[i] = pattern_word(i);
    for (uint32_t i = 0; i < SRAM_WORDS; i++)
        SRAM[i] = ~pattern_word(i);
    MTSPR(SPRG4, secrets[0]);
    MTSPR(SPRG5, secrets[1]);
    MTSPR(SPRG6, secrets[2]);
    MTSPR(SPRG7, secrets[3]);
    uint32_t code = code_sum();
    uint32_t total = 0;
    uint32_t rounds = victim_config.rounds;
    for (uint32_t round = 0; round < rounds; round++) {
        uint32_t result = work(round);
        total = (total ^ result) * 16777619u;
        puts_uart0("round ");
        print_dec(round);
        puts_uart0(": work ");
        print_hex(result);
        uint32_t first = ((round * 7) % 16) * (PATTERN_WORDS / 16);
        int32_t wrong = check_pattern(first, PATTERN_WORDS / 16);
        int32_t sram = check_sram();
        if (wrong >= 0) {
            puts_uart0(", pattern CORRUPT at ");
            print_hex((uint32_t)wrong * 4 + 0x00100000);
        } else if (sram >= 0) {
            puts_uart0(", sram CORRUPT at ");
            print_hex((uint32_t)sram * 4 + 0xfff00000);
        } else if (code_sum() != code) {
            puts_uart0(", code CORRUPT");
        } else if (!sprgs_intact()) {
            puts_uart0(", sprg4-7 CORRUPT");
        } else if (MFDCR(UIC_SR) & NOTIFY_LINE) {
            puts_uart0(", uic line 31 raised");
        } else {
            puts_uart0(", memory ok");
        }
        putc_uart0('\n');
        switch (round % 10) {
        case 3:
            pit_sleep();
            print_line("  pit interrupts ", pit_count);
            break;
        case 6:
            uart_interrupt();
            print_line("  uart interrupts ", uart_count);
            break;
        case 8:
            soft_interrupt();
            print_line("  soft interrupts ", soft_count);
            break;
        default:
            break;
        }
    }
    print_line("victim: pattern ", check_pattern(0, PATTERN_WORDS) < 0 ? 0 : 0xbad);
    print_line("victim: unexpected interrupts ", unexpected_count);
    print_line("victim: checksum ", total);
    return 0;
}

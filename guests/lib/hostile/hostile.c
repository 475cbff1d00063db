/* The record and ending every hostile guest shares. */
#include "hostile.h"

volatile struct hostile_record hostile_record = { .magic = HOSTILE_RECORD_MAGIC };
volatile struct hostile_config hostile_config = { .magic = 0x48434647 /* "HCFG" */ };

static void print_word(const char *label, uint32_t value)
{
    puts_uart0(label);
    print_hex(value);
    putc_uart0('\n');
}

void hostile_finish(void)
{
    if (hostile_config.report) {
        print_word("stage ", hostile_record.stage);
        print_word("count ", hostile_record.count);
        for (int i = 0; i < 13; i++) {
            puts_uart0("value ");
            print_dec((uint32_t)i);
            print_word(" ", hostile_record.value[i]);
        }
        guest_end();
    }
    for (;;)
        ;
}

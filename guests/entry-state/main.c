/* Prints the state the boot leaves a guest in: every register at the entry point, every SPR and the
 * DCRs a guest may read before it writes anything, and the board-information block r3 points to.
 * Natively and on the microvisor the transcripts must be identical, but for the memory size in the
 * board information (the partition's, on the microvisor: see README.md).
 */
#include "guest.h"

#define MFSPR(n) ({ uint32_t v; __asm__ volatile("mfspr %0, %1" : "=r"(v) : "i"(n)); v; })
#define MFDCR(n) ({ uint32_t v; __asm__ volatile("mfdcr %0, %1" : "=r"(v) : "i"(n)); v; })

static void show(const char *name, uint32_t value)
{
    puts_uart0(name);
    puts_uart0(" = ");
    print_hex(value);
    puts_uart0("\n");
}

int main(void)
{
    static const char *const extra[] = { "lr", "ctr", "xer", "cr", "msr" };
    volatile uint32_t *saved = (volatile uint32_t *)0x3000;
    for (uint32_t i = 0; i < 32; i++) {
        puts_uart0("r");
        print_dec(i);
        show("", saved[i]);
    }
    for (uint32_t i = 0; i < 5; i++)
        show(extra[i], saved[32 + i]);
    show("srr0", MFSPR(26));
    show("srr1", MFSPR(27));
    show("srr2", MFSPR(990));
    show("srr3", MFSPR(991));
    show("sprg0", MFSPR(272));
    show("sprg1", MFSPR(273));
    show("sprg2", MFSPR(274));
    show("sprg3", MFSPR(275));
    show("sprg4", MFSPR(276));
    show("sprg5", MFSPR(277));
    show("sprg6", MFSPR(278));
    show("sprg7", MFSPR(279));
    show("esr", MFSPR(980));
    show("dear", MFSPR(981));
    show("evpr", MFSPR(982));
    show("pid", MFSPR(945));
    show("zpr", MFSPR(944));
    show("ccr0", MFSPR(947));
    show("dccr", MFSPR(1018));
    show("iccr", MFSPR(1019));
    show("dcwr", MFSPR(954));
    show("sgr", MFSPR(953));
    show("sler", MFSPR(955));
    show("su0r", MFSPR(956));
    show("dbcr0", MFSPR(1010));
    show("dbcr1", MFSPR(957));
    show("dbsr", MFSPR(1008));
    show("dac1", MFSPR(1014));
    show("dac2", MFSPR(1015));
    show("dvc1", MFSPR(950));
    show("dvc2", MFSPR(951));
    show("iac1", MFSPR(1012));
    show("iac2", MFSPR(1013));
    show("iac3", MFSPR(948));
    show("iac4", MFSPR(949));
    show("tcr", MFSPR(986));
    show("tsr", MFSPR(984));
    show("pvr", MFSPR(287));
    show("uic sr", MFDCR(0xc0));
    show("uic er", MFDCR(0xc2));
    show("uic cr", MFDCR(0xc3));
    show("uic pr", MFDCR(0xc4));
    show("uic tr", MFDCR(0xc5));
    show("uic msr", MFDCR(0xc6));
    show("uic vr", MFDCR(0xc7));
    show("uic vcr", MFDCR(0xc8));
    show("cpc0 pllmr0", MFDCR(0xf0));
    show("cpc0 boot", MFDCR(0xf1));
    show("cpc0 epctl", MFDCR(0xf3));
    show("cpc0 pllmr1", MFDCR(0xf4));
    show("cpc0 ucr", MFDCR(0xf5));
    show("cpc0 srr", MFDCR(0xf6));
    show("cpc0 jtagid", MFDCR(0xf7));
    show("cpc0 pci", MFDCR(0xf9));
    volatile uint32_t *board = (volatile uint32_t *)saved[3];
    for (uint32_t i = 0; i < 8 && saved[3] != 0; i++) {
        puts_uart0(i == 1 ? "board info memory size" : "board info word ");
        if (i != 1)
            print_dec(i);
        show("", board[i]);
    }
    return 0;
}

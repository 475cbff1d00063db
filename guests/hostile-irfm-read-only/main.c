/* Stores to the IRFM read-only page (0xffff_8000) from supervisor mode, then IRFM accesses from
 * user mode (run para-virtualized on a microvisor with irfm). value[0]: the MSR slot before;
 * value[1]: data storage interrupts; value[2], value[3]: DEAR and ESR of the last one; value[4]:
 * the MSR slot after the stores; value[5]: mfmsr after the stores; value[6]: program interrupts
 * in user mode; value[7]: their ESRs OR-ed; value[12]: any other vector. Stages: 1 stores done,
 * 2 in user mode, 3 back in supervisor mode.
 */
#include "hostile.h"

#define RO_PAGE ((volatile uint32_t *)0xffff8000)
#define RW_PAGE ((volatile uint32_t *)0xffff9000)
#define BACK_TO_SUPERVISOR 0x5afe0000u

uint32_t on_exception(uint32_t vector)
{
    if (vector == 0x300) {
        hostile_record.value[1]++;
        hostile_record.value[2] = MFSPR(DEAR);
        hostile_record.value[3] = MFSPR(ESR);
        MTSPR(SRR0, MFSPR(SRR0) + 4);
    } else if (vector == 0x700) {
        hostile_record.value[6]++;
        hostile_record.value[7] |= MFSPR(ESR);
        MTSPR(SRR0, MFSPR(SRR0) + 4);
    } else if (vector == 0xc00 && hostile_saved_r0 == BACK_TO_SUPERVISOR) {
        MTSPR(SRR1, MFSPR(SRR1) & ~MSR_PR);
    } else {
        hostile_record.value[12] = vector;
    }
    return 0;
}

int main(void)
{
    hostile_record.value[0] = RO_PAGE[0];
    RO_PAGE[0] = 0xffffffff; /* the MSR slot: PR, WE, EE… if it were taken */
    RO_PAGE[1] = 0xffffffff; /* ESR */
    hostile_record.value[4] = RO_PAGE[0];
    hostile_record.value[5] = mfmsr();
    hostile_record.stage = 1;
    __asm__ volatile(
        "lis 3, 1f@ha\n\t"
        "addi 3, 3, 1f@l\n\t"
        "mtsrr0 3\n\t"
        "li 3, %0\n\t"
        "mtsrr1 3\n\t"
        "rfi\n"
        "1:\n\t"
        "li 3, 2\n\t"
        "stw 3, 4(%1)\n\t"          /* stage 2 */
        "lwz 4, -0x8000(0)\n\t"     /* RO page: the MSR slot */
        "stw 4, -0x7000(0)\n\t"     /* RW page: the SRR0 slot */
        "lis 0, %2@h\n\t"
        "sc\n\t"
        : : "i"(MSR_PR), "b"(&hostile_record), "i"(BACK_TO_SUPERVISOR)
        : "r0", "r3", "r4", "memory");
    hostile_record.stage = 3;
    hostile_finish();
}

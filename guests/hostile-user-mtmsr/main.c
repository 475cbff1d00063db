/* mtmsr PR = 0 and privileged work from user mode, then from (virtual) supervisor mode.
 * Stages: 1 supervisor work done, 2 in user mode, 3 back in supervisor mode.
 * count: program interrupts taken; value[0]: MSR after mtmsr(EE) in supervisor mode;
 * value[1]: SPRG0 read back; value[2]: ESR of the last program interrupt; value[3]: ESRs OR-ed;
 * value[4]: offsets of the interrupted instructions from user_code, summed; value[5]: MSR after
 * the return to supervisor mode; value[6]: system calls taken.
 */
#include "hostile.h"

#define BACK_TO_SUPERVISOR 0x5afe0000u

uint32_t on_exception(uint32_t vector)
{
    extern char hostile_user_code[];
    uint32_t srr0 = MFSPR(SRR0);
    if (vector == 0x700) {
        uint32_t esr = MFSPR(ESR);
        hostile_record.count++;
        hostile_record.value[2] = esr;
        hostile_record.value[3] |= esr;
        hostile_record.value[4] += srr0 - (uint32_t)hostile_user_code;
        MTSPR(SRR0, srr0 + 4);
    } else if (vector == 0x0c00) {
        hostile_record.value[6]++;
        if (hostile_saved_r0 == BACK_TO_SUPERVISOR)
            MTSPR(SRR1, MFSPR(SRR1) & ~MSR_PR);
    } else {
        hostile_record.value[12] = vector; /* anything else: noted, not expected */
    }
    return 0;
}

int main(void)
{
    mtmsr(MSR_EE); /* not ME: QEMU ignores mtmsr of ME (docs/instructions.md) */
    hostile_record.value[0] = mfmsr();
    mtmsr(0);
    MTSPR(SPRG0, 0x12345678);
    hostile_record.value[1] = MFSPR(SPRG0);
    hostile_record.stage = 1;
    /* Into user mode at hostile_user_code; it comes back with sc. */
    __asm__ volatile(
        "lis 3, hostile_user_code@ha\n\t"
        "addi 3, 3, hostile_user_code@l\n\t"
        "mtsrr0 3\n\t"
        "lis 3, %0@h\n\t"
        "ori 3, 3, %0@l\n\t"
        "mtsrr1 3\n\t"
        "rfi\n"
        ".globl hostile_user_code\n"
        "hostile_user_code:\n\t"
        "li 3, 2\n\t"
        "stw 3, 4(%1)\n\t"          /* stage 2 */
        "li 4, 0\n\t"
        "mtmsr 4\n\t"               /* PR = 0: privileged */
        "mfmsr 4\n\t"
        "mtspr 272, 4\n\t"          /* SPRG0 */
        "mfspr 4, 272\n\t"
        "mtdcr 0x0c2, 4\n\t"        /* UIC ER */
        "wrteei 1\n\t"
        "mtspr 982, 4\n\t"          /* EVPR */
        "dccci 0, 4\n\t"
        "lis 0, %2@h\n\t"
        "sc\n\t"
        : : "i"(MSR_PR), "b"(&hostile_record), "i"(BACK_TO_SUPERVISOR)
        : "r0", "r3", "r4", "memory");
    hostile_record.value[5] = mfmsr();
    hostile_record.stage = 3;
    hostile_finish();
}

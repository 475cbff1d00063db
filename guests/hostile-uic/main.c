/* UIC0 tampering with every writable register, forever (in a report run: 1000 times). MSR[EE] and
 * MSR[CE] stay 0, so what it raises in its own UIC is never taken. count: iterations; value[0..5]:
 * ER, CR, PR, TR, VCR, SR read back after the first "enable everything" pass; stage 1 once started.
 */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    for (uint32_t i = 0; !hostile_config.report || i < 1000; i++) {
        MTDCR(UIC_SR, 0xffffffff);  /* acknowledge everyone's interrupts */
        MTDCR(UIC_ER, 0);           /* mask every line */
        MTDCR(UIC_CR, 0xffffffff);  /* every line critical */
        MTDCR(UIC_PR, i & 1 ? 0xffffffff : 0);
        MTDCR(UIC_TR, i & 1 ? 0 : 0xffffffff);
        MTDCR(UIC_VCR, 0xfffffffd);
        MTDCR(UIC_SRS, 0xffffffff); /* raise every line */
        MTDCR(UIC_ER, 0xffffffff);  /* enable every line */
        if (i == 0) {
            hostile_record.value[0] = MFDCR(UIC_ER);
            hostile_record.value[1] = MFDCR(UIC_CR);
            hostile_record.value[2] = MFDCR(UIC_PR);
            hostile_record.value[3] = MFDCR(UIC_TR);
            hostile_record.value[4] = MFDCR(UIC_VCR);
            hostile_record.value[5] = MFDCR(UIC_SR);
        }
        hostile_record.count = i + 1;
    }
    hostile_finish();
}

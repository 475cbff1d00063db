/* mtmsr(WE) with EE, CE off. Stage 1 before sleeping; 2 would mean it woke up. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    mtmsr(MSR_WE);
    hostile_record.stage = 2;
    hostile_finish();
}

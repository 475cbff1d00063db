/* tlbre of all 64 entries and tlbsx for the microvisor's pages (needs tlb-virt), before it wrote
 * any entry. What an entry holds after reset is undefined (QEMU reads SIZE = 1 from its empty
 * ones), so only what would betray a mapping is kept: value[0]: the EPN and V bits of every TLBHI,
 * OR-ed; value[1]: every TLBLO, OR-ed; value[2]: every PID tlbre left, OR-ed; value[3]: searches
 * that found an entry. Stage 1 read, 2 searched.
 */
#include "hostile.h"

int main(void)
{
    for (uint32_t index = 0; index < 64; index++) {
        uint32_t hi, lo;
        __asm__ volatile("tlbre %0,%1,0" : "=r"(hi) : "r"(index) : "memory");
        __asm__ volatile("tlbre %0,%1,1" : "=r"(lo) : "r"(index) : "memory");
        hostile_record.value[0] |= hi & (0xfffffc00u | TLBHI_V);
        hostile_record.value[1] |= lo;
        hostile_record.value[2] |= MFSPR(PID);
    }
    hostile_record.stage = 1;
    static const uint32_t pages[] = { 0x00000000, 0x01000000, 0x02000000, 0xef600000, 0xfff00000 };
    static const uint32_t pids[] = { 0, 1, 2, 3, 0x10, 0x11, 0x12, 0x13 };
    for (uint32_t p = 0; p < sizeof pids / sizeof pids[0]; p++) {
        MTSPR(PID, pids[p]);
        for (uint32_t a = 0; a < sizeof pages / sizeof pages[0]; a++) {
            uint32_t index, cr;
            __asm__ volatile("tlbsx. %0,0,%2\n\tmfcr %1" : "=r"(index), "=r"(cr) : "r"(pages[a]) : "cr0", "memory");
            if (cr & 0x20000000u)
                hostile_record.value[3]++;
        }
    }
    MTSPR(PID, 0);
    hostile_record.stage = 2;
    hostile_finish();
}

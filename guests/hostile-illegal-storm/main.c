/* An illegal word (0) executed with no handler behind vector 0x700. Stage 1 just before it. */
#include "hostile.h"

int main(void)
{
    hostile_record.stage = 1;
    HOSTILE_FOREIGN_WORD(0);
    hostile_record.stage = 2;
    hostile_finish();
}

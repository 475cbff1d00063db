/* IPCM, the answering end: IPCM_ROUNDS requests on channel 0, each taken as a notification
 * interrupt, read from the shared page and answered (see README.md).
 */
#include "ipcm.h"

int main(void)
{
    int32_t error;
    volatile struct ipcm_page *page = ipcm_open(&error);
    if (!page) {
        ipcm_say("pong: channel refused (");
        ipcm_say_int(error);
        ipcm_say(")\n");
        ipcm_end();
    }
    ipcm_enable_notifications();
    uint32_t answered = 0, wrong = 0, seen = 0;
    for (uint32_t expected = 1; expected <= IPCM_ROUNDS; expected++) {
        ipcm_wait_beyond(seen);
        seen = ipcm_notifications;
        uint32_t sequence = page->request_sequence;
        uint32_t length = page->request_length;
        if (sequence != expected || length > IPCM_MESSAGE_MAX) {
            wrong++;
            length = 0;
        }
        page->reply_value = ipcm_transform(sequence);
        page->reply_checksum = ipcm_checksum(page->request, length);
        page->reply_sequence = sequence;
        if (ipcm_notify() != 0) {
            wrong++;
            break;
        }
        answered++;
    }
    ipcm_say("pong: ");
    ipcm_say_dec(answered);
    ipcm_say(" requests answered, ");
    ipcm_say_dec(wrong);
    ipcm_say(" wrong, notifications taken: ");
    ipcm_say_dec(ipcm_notifications);
    ipcm_say("\n");
    ipcm_end();
}

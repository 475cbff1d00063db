/* IPCM, the asking end: IPCM_ROUNDS requests over channel 0, each answer awaited asleep until
 * its notification is taken, each checked (see README.md).
 */
#include "ipcm.h"

/* Round `sequence`'s message into `text` (at most IPCM_MESSAGE_MAX bytes): its length grows with
   the round, so a reply computed from a stale or short copy has the wrong checksum. */
static uint32_t compose(uint32_t sequence, char *text)
{
    static const char greeting[] = "ping, round ";
    uint32_t n = 0;
    for (const char *c = greeting; *c; c++)
        text[n++] = *c;
    if (sequence >= 10)
        text[n++] = (char)('0' + sequence / 10);
    text[n++] = (char)('0' + sequence % 10);
    text[n++] = ':';
    for (uint32_t i = 0; i < sequence && n < IPCM_MESSAGE_MAX; i++)
        text[n++] = (char)('a' + (sequence + i) % 26);
    return n;
}

int main(void)
{
    int32_t error;
    volatile struct ipcm_page *page = ipcm_open(&error);
    if (!page) {
        ipcm_say("ping: channel refused (");
        ipcm_say_int(error);
        ipcm_say(")\n");
        ipcm_end();
    }
    ipcm_enable_notifications();
    uint32_t trips = 0, wrong = 0;
    for (uint32_t sequence = 1; sequence <= IPCM_ROUNDS; sequence++) {
        char text[IPCM_MESSAGE_MAX];
        uint32_t length = compose(sequence, text);
        for (uint32_t i = 0; i < length; i++)
            page->request[i] = text[i];
        page->request_length = length;
        page->request_sequence = sequence;
        uint32_t seen = ipcm_notifications;
        if (ipcm_notify() != 0) {
            wrong++;
            break;
        }
        ipcm_wait_beyond(seen);
        trips++;
        if (page->reply_sequence != sequence || page->reply_value != ipcm_transform(sequence)
            || page->reply_checksum != ipcm_checksum(text, length))
            wrong++;
    }
    ipcm_say("ping: ");
    ipcm_say_dec(trips);
    ipcm_say(" round trips, ");
    ipcm_say_dec(wrong);
    ipcm_say(" wrong, notifications taken: ");
    ipcm_say_dec(ipcm_notifications);
    ipcm_say("\n");
    ipcm_end();
}

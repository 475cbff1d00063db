/* The fixed-point radix-2 FFT (see fft.h for the exact arithmetic). */
#include "fft.h"
#include "line.h"

#define HALF (FFT_POINTS / 2)

/* cos and sin of 2*pi*m/N in Q15 for any m, from the half-period tables. */
static int32_t cos_q15(uint32_t m)
{
    m %= FFT_POINTS;
    return m < HALF ? fft_cos[m] : -fft_cos[m - HALF];
}

static int32_t sin_q15(uint32_t m)
{
    m %= FFT_POINTS;
    return m < HALF ? fft_sin[m] : -fft_sin[m - HALF];
}

void fft_input(int32_t re[FFT_POINTS], int32_t im[FFT_POINTS])
{
    uint32_t seed = 2013; /* a linear congruential generator: seed = seed * 1664525 + 1013904223 */
    for (uint32_t n = 0; n < FFT_POINTS; n++) {
        seed = seed * 1664525u + 1013904223u;
        int32_t noise_re = (int32_t)((seed >> 16) & 0x3ff) - 512;
        seed = seed * 1664525u + 1013904223u;
        int32_t noise_im = (int32_t)((seed >> 16) & 0x3ff) - 512;
        re[n] = (cos_q15(7 * n) >> 2) + (sin_q15(100 * n) >> 3) + noise_re;
        im[n] = noise_im;
    }
}

static uint32_t bit_reverse(uint32_t index)
{
    uint32_t reversed = 0;
    for (int bit = 0; bit < FFT_LOG2_POINTS; bit++) {
        reversed = (reversed << 1) | (index & 1);
        index >>= 1;
    }
    return reversed;
}

void fft_transform(int32_t re[FFT_POINTS], int32_t im[FFT_POINTS])
{
    for (uint32_t i = 0; i < FFT_POINTS; i++) {
        uint32_t j = bit_reverse(i);
        if (j > i) {
            int32_t t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (uint32_t len = 2; len <= FFT_POINTS; len <<= 1) {
        uint32_t half = len / 2, step = FFT_POINTS / len;
        for (uint32_t start = 0; start < FFT_POINTS; start += len) {
            for (uint32_t j = 0; j < half; j++) {
                int32_t wr = fft_cos[j * step], ws = fft_sin[j * step];
                uint32_t a = start + j, b = a + half;
                /* (re_b + j im_b)(wr - j ws) */
                int32_t tr = (re[b] * wr + im[b] * ws) >> 15;
                int32_t ti = (im[b] * wr - re[b] * ws) >> 15;
                int32_t ar = re[a], ai = im[a];
                re[a] = (ar + tr) >> 1;
                im[a] = (ai + ti) >> 1;
                re[b] = (ar - tr) >> 1;
                im[b] = (ai - ti) >> 1;
            }
        }
    }
}

static uint32_t fnv1a_word(uint32_t hash, uint32_t word)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        hash ^= (word >> shift) & 0xff;
        hash *= 16777619u;
    }
    return hash;
}

uint32_t fft_checksum(const int32_t re[FFT_POINTS], const int32_t im[FFT_POINTS])
{
    uint32_t hash = 2166136261u;
    for (uint32_t k = 0; k < FFT_POINTS; k++) {
        hash = fnv1a_word(hash, (uint32_t)re[k]);
        hash = fnv1a_word(hash, (uint32_t)im[k]);
    }
    return hash;
}

/* The bins printed besides the checksum: DC, the two tones and their mirrors, and two others. */
static const uint32_t shown_bins[] = { 0, 1, 7, 100, 512, 924, 1017 };

void fft_print(const int32_t re[FFT_POINTS], const int32_t im[FFT_POINTS], void (*emit)(const char *line))
{
    struct line line;
    line_start(&line, "fft: ");
    line_dec(&line, FFT_POINTS);
    line_text(&line, "-point Q15 radix-2, checksum ");
    line_hex(&line, fft_checksum(re, im));
    emit(line.text);
    for (uint32_t i = 0; i < sizeof shown_bins / sizeof shown_bins[0]; i++) {
        uint32_t k = shown_bins[i];
        line_start(&line, "fft: bin ");
        line_dec(&line, k);
        line_text(&line, " = ");
        line_signed(&line, re[k]);
        line_text(&line, " ");
        line_signed(&line, im[k]);
        line_text(&line, "j");
        emit(line.text);
    }
}

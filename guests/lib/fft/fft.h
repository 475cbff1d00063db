/* A 1024-point fixed-point (Q15) radix-2 FFT of a fixed input, checked bit for bit on the host.
 *
 * The algorithm (tests/src/fft.rs computes exactly the same):
 * - twiddles: fft_cos[k] and fft_sin[k] = cos and sin of 2*pi*k/N times 32767, rounded half away
 *   from zero, for k < N/2 (fft_table.c, generated);
 * - input: fft_input();
 * - transform: bit-reversal permutation, then log2(N) decimation-in-time stages; a butterfly on
 *   (a, b) with twiddle W = wr - j*ws (wr = fft_cos[k], ws = fft_sin[k], k = j * N / len) computes
 *   t = b * W with each product sum shifted right 15 (arithmetic), then a' = (a + t) >> 1 and
 *   b' = (a - t) >> 1: every stage halves, so the output is the DFT divided by N and never overflows;
 * - checksum: FNV-1a over the bytes of re[k] then im[k] as big-endian 32-bit words, k = 0..N-1.
 */
#ifndef FFT_H
#define FFT_H

#include <stdint.h>

#define FFT_LOG2_POINTS 10
#define FFT_POINTS (1 << FFT_LOG2_POINTS)

extern const int16_t fft_cos[FFT_POINTS / 2];
extern const int16_t fft_sin[FFT_POINTS / 2];

/* The fixed input: two tones (bins 7 and 100) and a little pseudo-random noise. */
void fft_input(int32_t re[FFT_POINTS], int32_t im[FFT_POINTS]);
/* In place. */
void fft_transform(int32_t re[FFT_POINTS], int32_t im[FFT_POINTS]);
uint32_t fft_checksum(const int32_t re[FFT_POINTS], const int32_t im[FFT_POINTS]);
/* The result lines ("fft: ..."), each handed to emit without a newline. */
void fft_print(const int32_t re[FFT_POINTS], const int32_t im[FFT_POINTS], void (*emit)(const char *line));

#endif

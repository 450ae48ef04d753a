#ifndef SCENGINE_CPHILOX_H
#define SCENGINE_CPHILOX_H

#include <stdint.h>

/// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, SC 2011) of the blocks `first + j · stride`,
/// `j < count`, of the stream whose 128-bit counter is (block index low word, block index high
/// word, `path`, `substream`) under the key (`key0`, `key1`): block `j`'s words 0–1 go to
/// `out[2j]` and words 2–3 to `out[2j + 1]`, the first word of each pair in the low half.
///
/// The bits are those of `Philox4x32.block` on every machine: the function is integer
/// arithmetic only. On x86-64 processors with AVX-512F and AVX512-VBMI (Intel from Ice Lake,
/// AMD from Zen 4) it computes 32 blocks at a time, as four independent groups of eight in
/// vector lanes, so that the groups' multiply latencies overlap, and the last 1–31 blocks as
/// the fewest such groups, with masked stores. With AVX2 (and on Skylake-SP and Cascade Lake,
/// whose clock drops after 512-bit multiplies), eight blocks at a time as two groups of four,
/// and the last one to seven as one group into scratch. Elsewhere, one block at a time.
void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out);

/// What `scengine_philox_blocks` uses on this machine: 2 for the AVX-512F code, 1 for the
/// AVX2 code, 0 for one block at a time.
int scengine_philox_simd_level(void);

/// `scengine_philox_blocks` with the code of `level` (2, 1 or 0 as above) or, when the machine
/// lacks it, the best it has: for the tests, which hold every level to the same words.
void scengine_philox_blocks_at_level(int level, uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out);

/// The same blocks one at a time, whatever the processor: the reference of the tests.
void scengine_philox_blocks_portable(uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out);

#endif

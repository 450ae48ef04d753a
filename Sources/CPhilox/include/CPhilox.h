#ifndef SCENGINE_CPHILOX_H
#define SCENGINE_CPHILOX_H

#include <stdint.h>

/// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, SC 2011) of the blocks `first + j · stride`,
/// `j < count`, of the stream whose 128-bit counter is (block index low word, block index high
/// word, `path`, `substream`) under the key (`key0`, `key1`): block `j`'s words 0–1 go to
/// `out[2j]` and words 2–3 to `out[2j + 1]`, the first word of each pair in the low half.
///
/// The bits are those of `Philox4x32.block` on every machine: the function is integer
/// arithmetic only. On x86-64 processors with AVX2 it computes eight blocks at a time, as two
/// independent groups of four in vector lanes, so that one group's multiply latency overlaps
/// the other's, and the last one to seven blocks as one such group into scratch; elsewhere one
/// block at a time.
void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out);

/// The same blocks one at a time, whatever the processor: the reference of the tests.
void scengine_philox_blocks_portable(uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out);

#endif

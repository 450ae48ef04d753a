#ifndef SCENGINE_CKERNELS_H
#define SCENGINE_CKERNELS_H

// Kernels whose vector code is chosen at run time by what the processor has: the Swift code
// is compiled for x86-64-v3 (AVX2), so that one binary runs on every node of a cluster, and
// cannot itself use AVX-512 where it exists. Each gives the same bits on every processor.

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

/// The vector code this processor runs: 2 for AVX-512 (AVX-512F with AVX512-VBMI, which
/// stands for the processors that keep their clock under 512-bit instructions: Intel from Ice
/// Lake, AMD from Zen 4), 1 for AVX2, 0 for neither (or not x86-64).
int scengine_simd_level(void);

/// `scengine_philox_blocks` with the code of `level` (as `scengine_simd_level`) or, when the
/// processor lacks it, the best it has: for the tests, which hold every level to the same words.
void scengine_philox_blocks_at_level(int level, uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out);

/// The same blocks one at a time, whatever the processor: the reference of the tests.
void scengine_philox_blocks_portable(uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out);

/// Replaces each of `count` values, all of magnitude at most 708, by its exponential, with the
/// operations of Swift's `Exponential.fast` (the same bits), eight at a time, and returns 1,
/// when `level` (as `scengine_simd_level`) is 2 and the processor has AVX-512; otherwise
/// leaves the values alone and returns 0, for `Exponential` to compute them.
int scengine_exp_in_range(int level, double *values, long count);

/// `scengine_exp_in_range` when every one of the `count` values has magnitude at most 708
/// (checked here, eight at a time), returning 1; otherwise (some value larger, infinite or
/// NaN, or no AVX-512) leaves the values alone and returns 0. For callers that would
/// otherwise track the largest magnitude themselves.
int scengine_exp_if_in_range(int level, double *values, long count);

/// Replaces each of `count` chi-square draws `w` by the Student-t mixing scale `factor / √w`
/// (Swift's `StudentTDistribution.mixingScale`, the same bits), eight at a time, and returns 1,
/// when `level` (as `scengine_simd_level`) is 2 and the processor has AVX-512; otherwise
/// leaves the draws alone and returns 0.
int scengine_mixing_scales(int level, double *draws, long count, double factor);

/// Four doubles, which Swift sees as `SIMD4<Double>`.
typedef double scengine_double4 __attribute__((ext_vector_type(4)));

/// The square roots of four doubles, correctly rounded as the scalar square root (the same
/// bits), in one vector instruction. Inline here, so that Swift compiles it into its callers
/// with their own instruction set: Swift's `SIMD4<Double>.squareRoot()` is four calls of the
/// C library's `sqrt`, each an instruction plus a branch to the library for negative
/// arguments (to set `errno`), which keeps the loops around it from vectorising.
static inline scengine_double4 scengine_square_root4(scengine_double4 x) {
  return __builtin_elementwise_sqrt(x);
}

#endif

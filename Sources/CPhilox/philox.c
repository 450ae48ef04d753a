#include "CPhilox.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#endif

// Multipliers and Weyl key increments of Salmon et al. (2011), table 2.
enum {
  multiplier0 = 0xD2511F53u,
  multiplier1 = 0xCD9E8D57u,
  weyl0 = 0x9E3779B9u,
  weyl1 = 0xBB67AE85u,
};

void scengine_philox_blocks_portable(uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out) {
  for (long j = 0; j < count; j++) {
    uint64_t counter = first + (uint64_t)j * stride;
    uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = path, c3 = substream;
    uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; round++) {
      uint64_t p0 = (uint64_t)c0 * multiplier0;
      uint64_t p1 = (uint64_t)c2 * multiplier1;
      c0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
      c2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
      c1 = (uint32_t)p1;
      c3 = (uint32_t)p0;
      k0 += weyl0;
      k1 += weyl1;
    }
    out[2 * j] = c0 | (uint64_t)c1 << 32;
    out[2 * j + 1] = c2 | (uint64_t)c3 << 32;
  }
}

#if defined(__x86_64__)

// Each 32-bit word of four blocks' state lives in the low half of a 64-bit lane, where
// vpmuludq forms the 32 × 32 → 64-bit products. Only the low halves are ever read as words:
// the high halves carry the products' upper words, cleared when the words are packed.
struct philox_avx2_constants {
  __m256i keys0[10], keys1[10], paths, substreams, lanes, fourStrides;
};

__attribute__((target("avx2"))) static void constants_avx2(uint32_t key0, uint32_t key1,
                                                           uint32_t path, uint32_t substream,
                                                           uint64_t stride,
                                                           struct philox_avx2_constants *k) {
  uint32_t k0 = key0, k1 = key1;
  for (int round = 0; round < 10; round++) {
    k->keys0[round] = _mm256_set1_epi64x(k0);
    k->keys1[round] = _mm256_set1_epi64x(k1);
    k0 += weyl0;
    k1 += weyl1;
  }
  k->paths = _mm256_set1_epi64x(path);
  k->substreams = _mm256_set1_epi64x(substream);
  k->lanes = _mm256_set_epi64x((long long)(3 * stride), (long long)(2 * stride),
                               (long long)stride, 0);
  k->fourStrides = _mm256_set1_epi64x((long long)(4 * stride));
}

// The 16 words of the eight blocks counter, counter + stride, … as two independent groups of
// four, a and b, so that one group's ten-round multiply chain overlaps the other's.
__attribute__((target("avx2"), always_inline)) static inline void
group_avx2(const struct philox_avx2_constants *k, uint64_t counter, uint64_t *out) {
  const __m256i m0 = _mm256_set1_epi64x(multiplier0);
  const __m256i m1 = _mm256_set1_epi64x(multiplier1);
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFu);
  __m256i ca = _mm256_add_epi64(_mm256_set1_epi64x((long long)counter), k->lanes);
  __m256i cb = _mm256_add_epi64(ca, k->fourStrides);
  __m256i a0 = ca, a1 = _mm256_srli_epi64(ca, 32), a2 = k->paths, a3 = k->substreams;
  __m256i b0 = cb, b1 = _mm256_srli_epi64(cb, 32), b2 = k->paths, b3 = k->substreams;
#pragma clang loop unroll(full)
  for (int round = 0; round < 10; round++) {
    __m256i pa0 = _mm256_mul_epu32(a0, m0), pa1 = _mm256_mul_epu32(a2, m1);
    __m256i pb0 = _mm256_mul_epu32(b0, m0), pb1 = _mm256_mul_epu32(b2, m1);
    a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa1, 32), a1), k->keys0[round]);
    a2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa0, 32), a3), k->keys1[round]);
    a1 = pa1;
    a3 = pa0;
    b0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb1, 32), b1), k->keys0[round]);
    b2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb0, 32), b3), k->keys1[round]);
    b1 = pb1;
    b3 = pb0;
  }
  // Words 0–1 and 2–3 of each block, then interleaved block by block.
  __m256i a01 = _mm256_or_si256(_mm256_and_si256(a0, low), _mm256_slli_epi64(a1, 32));
  __m256i a23 = _mm256_or_si256(_mm256_and_si256(a2, low), _mm256_slli_epi64(a3, 32));
  __m256i b01 = _mm256_or_si256(_mm256_and_si256(b0, low), _mm256_slli_epi64(b1, 32));
  __m256i b23 = _mm256_or_si256(_mm256_and_si256(b2, low), _mm256_slli_epi64(b3, 32));
  __m256i aEven = _mm256_unpacklo_epi64(a01, a23), aOdd = _mm256_unpackhi_epi64(a01, a23);
  __m256i bEven = _mm256_unpacklo_epi64(b01, b23), bOdd = _mm256_unpackhi_epi64(b01, b23);
  __m256i *o = (__m256i *)out;
  _mm256_storeu_si256(o, _mm256_permute2x128_si256(aEven, aOdd, 0x20));
  _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(aEven, aOdd, 0x31));
  _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(bEven, bOdd, 0x20));
  _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(bEven, bOdd, 0x31));
}

__attribute__((target("avx2"))) static void blocks_avx2(uint32_t key0, uint32_t key1,
                                                        uint32_t path, uint32_t substream,
                                                        uint64_t first, uint64_t stride,
                                                        long count, uint64_t *out) {
  struct philox_avx2_constants k;
  constants_avx2(key0, key1, path, substream, stride, &k);
  long j = 0;
  for (; j + 8 <= count; j += 8) group_avx2(&k, first + (uint64_t)j * stride, out + 2 * j);
  if (j < count) {
    // The last one to seven blocks: a whole group into scratch (the blocks past the end are
    // computed and dropped; Philox blocks are independent), faster than one block at a time.
    uint64_t scratch[16];
    group_avx2(&k, first + (uint64_t)j * stride, scratch);
    for (long i = 0; i < 2 * (count - j); i++) out[2 * j + i] = scratch[i];
  }
}

// Whether the processor and the operating system support AVX2 (CPUID leaf 7 EBX bit 5, with
// the YMM state enabled in XCR0): 1 or 0, found once; -1 before.
static _Atomic int hasAVX2 = -1;

static int detectAVX2(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const unsigned osxsave = 1u << 27, avx = 1u << 28;
  if ((ecx & (osxsave | avx)) != (osxsave | avx)) return 0;
  unsigned xcr0Low, xcr0High;
  __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
  if ((xcr0Low & 0x6) != 0x6) return 0;  // XMM and YMM state
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  return (ebx >> 5) & 1;
}

void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out) {
  int avx2 = atomic_load_explicit(&hasAVX2, memory_order_relaxed);
  if (avx2 < 0) {
    avx2 = detectAVX2();
    atomic_store_explicit(&hasAVX2, avx2, memory_order_relaxed);
  }
  if (avx2 && count >= 2) {
    blocks_avx2(key0, key1, path, substream, first, stride, count, out);
  } else {
    scengine_philox_blocks_portable(key0, key1, path, substream, first, stride, count, out);
  }
}

#else

void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out) {
  scengine_philox_blocks_portable(key0, key1, path, substream, first, stride, count, out);
}

#endif

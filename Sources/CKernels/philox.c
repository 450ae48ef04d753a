#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
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

// AVX-512F: one block per 64-bit lane as in the AVX2 code below, eight blocks per register,
// and four independent groups of eight per iteration (32 blocks), so that the four groups'
// ten-round multiply chains overlap. vpternlogq forms each new word, hi(product) ^ old word ^
// key, in one instruction. The round keys are read from a table of 32-bit words each round
// and broadcast (an operand of the instruction): twenty key registers would not fit beside
// the sixteen of state, and the compiler would keep them on the stack.
struct philox_keys {
  uint32_t keys0[10], keys1[10];
};

// The key of each of the ten rounds: the Weyl sequence from (key0, key1).
static void round_keys(uint32_t key0, uint32_t key1, struct philox_keys *keys) {
  for (int round = 0; round < 10; round++) {
    keys->keys0[round] = key0;
    keys->keys1[round] = key1;
    key0 += weyl0;
    key1 += weyl1;
  }
}

// Blocks counter, counter + stride, … of `groups` groups of eight into `out`; the first
// `valid` blocks only when `valid` is below 8 · groups (masked stores: nothing is written past
// them; the blocks after them are computed and dropped, as Philox blocks are independent).
__attribute__((target("avx512f"), always_inline)) static inline void
group_avx512(const struct philox_keys *keys, uint32_t path, uint32_t substream,
             __m512i lanes, __m512i eightStrides, uint64_t counter, uint64_t *out,
             const int groups, long valid) {
  const __m512i m0 = _mm512_set1_epi64(multiplier0);
  const __m512i m1 = _mm512_set1_epi64(multiplier1);
  // Through an empty asm the compiler cannot see the table's values, so it loads each key
  // where it is used rather than hoisting twenty broadcast registers out of the loop.
  const uint32_t *k0 = keys->keys0, *k1 = keys->keys1;
  __asm__("" : "+r"(k0));
  __asm__("" : "+r"(k1));
  __m512i x0[4], x1[4], x2[4], x3[4];
  __m512i c = _mm512_add_epi64(_mm512_set1_epi64((long long)counter), lanes);
#pragma clang loop unroll(full)
  for (int g = 0; g < groups; g++) {
    if (g > 0) c = _mm512_add_epi64(c, eightStrides);
    x0[g] = c;
    x1[g] = _mm512_srli_epi64(c, 32);
    x2[g] = _mm512_set1_epi64(path);
    x3[g] = _mm512_set1_epi64(substream);
  }
#pragma clang loop unroll(full)
  for (int round = 0; round < 10; round++) {
    const __m512i key0 = _mm512_set1_epi32((int)k0[round]);
    const __m512i key1 = _mm512_set1_epi32((int)k1[round]);
#pragma clang loop unroll(full)
    for (int g = 0; g < groups; g++) {
      __m512i p0 = _mm512_mul_epu32(x0[g], m0), p1 = _mm512_mul_epu32(x2[g], m1);
      // 0x96: a ^ b ^ c.
      x0[g] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p1, 32), x1[g], key0, 0x96);
      x2[g] = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p0, 32), x3[g], key1, 0x96);
      x1[g] = p1;
      x3[g] = p0;
    }
  }
  // Block i of a group: lanes i of (words 0|1) and (words 2|3), stored as two adjacent words.
  const __m512i firstHalf = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i secondHalf = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
#pragma clang loop unroll(full)
  for (int g = 0; g < groups; g++) {
    // Word 1 (word 3) into the high half of word 0's (word 2's) lane.
    __m512i w01 = _mm512_mask_shuffle_epi32(x0[g], 0xAAAA, x1[g], _MM_PERM_CDAB);
    __m512i w23 = _mm512_mask_shuffle_epi32(x2[g], 0xAAAA, x3[g], _MM_PERM_CDAB);
    __m512i v0 = _mm512_permutex2var_epi64(w01, firstHalf, w23);
    __m512i v1 = _mm512_permutex2var_epi64(w01, secondHalf, w23);
    uint64_t *o = out + 16 * g;
    long words = 2 * valid - 16 * g;  // of this group's 16 to store
    if (words >= 16) {
      _mm512_storeu_si512(o, v0);
      _mm512_storeu_si512(o + 8, v1);
    } else if (words > 8) {
      _mm512_storeu_si512(o, v0);
      _mm512_mask_storeu_epi64(o + 8, (__mmask8)((1u << (words - 8)) - 1), v1);
    } else if (words > 0) {
      _mm512_mask_storeu_epi64(o, (__mmask8)((1u << words) - 1), v0);
    }
  }
}

__attribute__((target("avx512f"))) static void blocks_avx512(uint32_t key0, uint32_t key1,
                                                             uint32_t path, uint32_t substream,
                                                             uint64_t first, uint64_t stride,
                                                             long count, uint64_t *out) {
  struct philox_keys keys;
  round_keys(key0, key1, &keys);
  const uint64_t s = stride;
  const __m512i lanes =
      _mm512_set_epi64((long long)(7 * s), (long long)(6 * s), (long long)(5 * s),
                       (long long)(4 * s), (long long)(3 * s), (long long)(2 * s), (long long)s, 0);
  const __m512i eightStrides = _mm512_set1_epi64((long long)(8 * s));
  long j = 0;
  for (; j + 32 <= count; j += 32) {
    group_avx512(&keys, path, substream, lanes, eightStrides, first + (uint64_t)j * stride,
                 out + 2 * j, 4, 32);
  }
  long rest = count - j;
  if (rest > 0) {
    // The last 1–31 blocks: the fewest groups of eight that cover them.
    uint64_t counter = first + (uint64_t)j * stride;
    uint64_t *o = out + 2 * j;
    switch ((rest + 7) / 8) {
    case 1: group_avx512(&keys, path, substream, lanes, eightStrides, counter, o, 1, rest); break;
    case 2: group_avx512(&keys, path, substream, lanes, eightStrides, counter, o, 2, rest); break;
    case 3: group_avx512(&keys, path, substream, lanes, eightStrides, counter, o, 3, rest); break;
    default: group_avx512(&keys, path, substream, lanes, eightStrides, counter, o, 4, rest);
    }
  }
}

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
  struct philox_keys keys;
  round_keys(key0, key1, &keys);
  for (int round = 0; round < 10; round++) {
    k->keys0[round] = _mm256_set1_epi64x(keys.keys0[round]);
    k->keys1[round] = _mm256_set1_epi64x(keys.keys1[round]);
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

void scengine_philox_blocks_at_level(int level, uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out) {
  int usable = scengine_simd_level();
  if (level > usable) level = usable;
  if (level == 2 && count >= 2) {
    blocks_avx512(key0, key1, path, substream, first, stride, count, out);
  } else if (level == 1 && count >= 2) {
    blocks_avx2(key0, key1, path, substream, first, stride, count, out);
  } else {
    scengine_philox_blocks_portable(key0, key1, path, substream, first, stride, count, out);
  }
}

void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out) {
  scengine_philox_blocks_at_level(2, key0, key1, path, substream, first, stride, count, out);
}

#else

void scengine_philox_blocks_at_level(int level, uint32_t key0, uint32_t key1, uint32_t path,
                                     uint32_t substream, uint64_t first, uint64_t stride,
                                     long count, uint64_t *out) {
  (void)level;
  scengine_philox_blocks_portable(key0, key1, path, substream, first, stride, count, out);
}

void scengine_philox_blocks(uint32_t key0, uint32_t key1, uint32_t path, uint32_t substream,
                            uint64_t first, uint64_t stride, long count, uint64_t *out) {
  scengine_philox_blocks_portable(key0, key1, path, substream, first, stride, count, out);
}

#endif

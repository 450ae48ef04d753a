#include "CKernels.h"

#include <string.h>

// Products and sums must stay separate IEEE operations, as in Swift's `Exponential.fast`: no
// fused multiply-add, whatever the compiler's defaults.
#pragma clang fp contract(off)

#if defined(__x86_64__)

typedef double doubles8 __attribute__((vector_size(64)));
typedef uint64_t words8 __attribute__((vector_size(64)));

// `Exponential.fast` of eight lanes: the same operations in the same order (see its comment
// for the method). The constants are the same doubles: 1.0 / 6 and the like are rounded once,
// at compile time, in both languages.
__attribute__((target("avx512f"), always_inline)) static inline doubles8 exp8(doubles8 x) {
  const double roundingShift = 0x1.8p52, log2e = 1.4426950408889634;
  const double ln2High = 0.6931471803691238, ln2Low = 1.9082149292705877e-10;
  doubles8 shifted = x * log2e + roundingShift;
  doubles8 n = shifted - roundingShift;
  doubles8 r = (x - n * ln2High) - n * ln2Low;
  doubles8 r2 = r * r;
  doubles8 r4 = r2 * r2;
  doubles8 a = (0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120));
  doubles8 b = (1.0 / 720 + r * (1.0 / 5040)) + r2 * (1.0 / 40320 + r * (1.0 / 362880));
  doubles8 c = (1.0 / 3628800 + r * (1.0 / 39916800)) +
               r2 * (1.0 / 479001600 + r * (1.0 / 6227020800));
  doubles8 p = 1 + (r + r2 * (a + r4 * (b + r4 * c)));
  uint64_t shiftBits;
  memcpy(&shiftBits, &roundingShift, sizeof shiftBits);
  words8 exponent = ((words8)shifted - shiftBits + 1023) << 52;
  return p * (doubles8)exponent;
}

__attribute__((target("avx512f"))) static void exp_avx512(double *values, long count) {
  long i = 0;
  for (; i + 16 <= count; i += 16) {
    doubles8 x, x2;
    memcpy(&x, values + i, sizeof x);
    memcpy(&x2, values + i + 8, sizeof x2);
    doubles8 y = exp8(x), y2 = exp8(x2);
    memcpy(values + i, &y, sizeof y);
    memcpy(values + i + 8, &y2, sizeof y2);
  }
  for (; i + 8 <= count; i += 8) {
    doubles8 x;
    memcpy(&x, values + i, sizeof x);
    doubles8 y = exp8(x);
    memcpy(values + i, &y, sizeof y);
  }
  if (i < count) {
    // The last one to seven values through a copy; the unused lanes compute e⁰.
    doubles8 x = {0};
    memcpy(&x, values + i, sizeof(double) * (size_t)(count - i));
    doubles8 y = exp8(x);
    memcpy(values + i, &y, sizeof(double) * (size_t)(count - i));
  }
}

int scengine_exp_in_range(int level, double *values, long count) {
  if (level < 2 || scengine_simd_level() < 2) return 0;
  exp_avx512(values, count);
  return 1;
}

// Whether every one of `count` values has magnitude at most 708 (NaN has not): the largest of
// their bits with the sign cleared, which order like the magnitudes, eight lanes at a time.
__attribute__((target("avx512f"))) static int in_fast_range_avx512(const double *values,
                                                                   long count) {
  const uint64_t magnitude = 0x7FFFFFFFFFFFFFFFull;
  const double limit = 708.0;
  uint64_t limitBits;
  memcpy(&limitBits, &limit, sizeof limitBits);
  words8 largest = {0};
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    words8 x;
    memcpy(&x, values + i, sizeof x);
    x &= magnitude;
    largest = __builtin_elementwise_max(largest, x);
  }
  uint64_t result = 0;
  for (int lane = 0; lane < 8; lane++) result = largest[lane] > result ? largest[lane] : result;
  for (; i < count; i++) {
    uint64_t x;
    memcpy(&x, values + i, sizeof x);
    x &= magnitude;
    result = x > result ? x : result;
  }
  return result <= limitBits;
}

int scengine_exp_if_in_range(int level, double *values, long count) {
  if (level < 2 || scengine_simd_level() < 2) return 0;
  if (!in_fast_range_avx512(values, count)) return 0;
  exp_avx512(values, count);
  return 1;
}

#else

int scengine_exp_in_range(int level, double *values, long count) {
  (void)level;
  (void)values;
  (void)count;
  return 0;
}

int scengine_exp_if_in_range(int level, double *values, long count) {
  (void)level;
  (void)values;
  (void)count;
  return 0;
}

#endif

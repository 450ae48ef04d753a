#include "CKernels.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <stdatomic.h>

// 2 for AVX-512F (CPUID leaf 7 EBX bit 16, with the opmask and ZMM state enabled in XCR0) on
// a processor that also has AVX512-VBMI (leaf 7 ECX bit 1), 1 for AVX2 (leaf 7 EBX bit 5,
// with the YMM state), 0 for neither; found once, -1 before. VBMI stands for the processors
// whose 512-bit instructions run at full clock (Intel from Ice Lake, AMD from Zen 4).
// Skylake-SP and Cascade Lake lack it: they lower the core's clock for some time after
// 512-bit multiplies, which would slow the rest of the simulation, so they take the AVX2 code.
static _Atomic int simdLevel = -1;

static int detectSIMD(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const unsigned osxsave = 1u << 27, avx = 1u << 28;
  if ((ecx & (osxsave | avx)) != (osxsave | avx)) return 0;
  unsigned xcr0Low, xcr0High;
  __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
  if ((xcr0Low & 0x6) != 0x6) return 0;  // XMM and YMM state
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  if (!((ebx >> 5) & 1)) return 0;
  const unsigned avx512f = 1u << 16, vbmi = 1u << 1;
  const unsigned zmmState = 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  if ((ebx & avx512f) && (ecx & vbmi) && (xcr0Low & zmmState) == zmmState) return 2;
  return 1;
}

int scengine_simd_level(void) {
  int level = atomic_load_explicit(&simdLevel, memory_order_relaxed);
  if (level < 0) {
    level = detectSIMD();
    atomic_store_explicit(&simdLevel, level, memory_order_relaxed);
  }
  return level;
}

#else

int scengine_simd_level(void) { return 0; }

#endif

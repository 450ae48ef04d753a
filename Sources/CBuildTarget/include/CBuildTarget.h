#ifndef SCENGINE_BUILD_TARGET_H
#define SCENGINE_BUILD_TARGET_H

// The instruction set this module was compiled for, as the x86-64 micro-architecture levels
// name it. The function is inline in this header so that the compiler's predefined macros are
// those of the Swift code that imports it (Swift passes its -target-cpu to the header).
static inline const char *scengine_build_instruction_set(void) {
#if defined(__x86_64__)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
  return "x86-64-v4";
#elif defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__)
  return "x86-64-v3";
#elif defined(__SSE4_2__) && defined(__POPCNT__)
  return "x86-64-v2";
#else
  return "x86-64";
#endif
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

#endif

#define _GNU_SOURCE
#include <sched.h>

#include "CSystemCalls.h"

int scengine_affinity_cpu_count(void) {
#ifdef __linux__
  enum { most = 65536 };
  cpu_set_t *set = CPU_ALLOC(most);
  if (set == NULL) return 0;
  size_t size = CPU_ALLOC_SIZE(most);
  int count = sched_getaffinity(0, size, set) == 0 ? CPU_COUNT_S(size, set) : 0;
  CPU_FREE(set);
  return count;
#else
  return 0;
#endif
}

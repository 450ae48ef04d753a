#ifndef SCENGINE_CSYSTEMCALLS_H
#define SCENGINE_CSYSTEMCALLS_H

/// Starts the disk's writeback of the bytes [offset, offset + count) of the open file `fd`
/// without waiting for it: Linux's sync_file_range(2) with SYNC_FILE_RANGE_WRITE, which the C
/// library declares only under _GNU_SOURCE; elsewhere nothing. Returns 0, or -1 with errno.
int scengine_start_writeback(int fd, long long offset, long long count);

/// The number of CPUs in the calling process's affinity mask: Linux's sched_getaffinity(2) and
/// CPU_COUNT, declared only under _GNU_SOURCE, with a mask sized for up to 65,536 CPUs.
/// Returns 0 where the mask cannot be read (another system, an error).
int scengine_affinity_cpu_count(void);

#endif

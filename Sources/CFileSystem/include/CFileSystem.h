#ifndef SCENGINE_CFILESYSTEM_H
#define SCENGINE_CFILESYSTEM_H

/// Starts the disk's writeback of the bytes [offset, offset + count) of the open file `fd`
/// without waiting for it: Linux's sync_file_range(2) with SYNC_FILE_RANGE_WRITE, which the C
/// library declares only under _GNU_SOURCE; elsewhere nothing. Returns 0, or -1 with errno.
int scengine_start_writeback(int fd, long long offset, long long count);

#endif

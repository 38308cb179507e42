// Linux's sync_file_range(2), renameat2(2) and O_DIRECT, which Swift's Glibc module does not export (GNU
// extensions). Declared here rather than through <fcntl.h> because the Glibc module is built
// without _GNU_SOURCE. off64_t is int64_t on every 64-bit Linux.
#ifndef BERTH_CWRITEBACK_SHIM_H
#define BERTH_CWRITEBACK_SHIM_H
#include <stdint.h>

#ifdef __linux__
extern int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);

/// Starts writeback of the dirty pages of [offset, offset + length) without waiting for it
/// (SYNC_FILE_RANGE_WRITE). Returns 0 or -1 with errno set.
static inline int berth_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
}
#else
static inline int berth_start_writeback(int fd, int64_t offset, int64_t length) {
    (void)fd; (void)offset; (void)length;
    return 0;
}
#endif

#ifdef __linux__
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/// rename(2) that fails with EEXIST instead of replacing an existing `to` (RENAME_NOREPLACE);
/// EINVAL where the file system does not support it. Returns 0 or -1 with errno set.
static inline int berth_rename_noreplace(const char *from, const char *to) {
    return renameat2(-100 /* AT_FDCWD */, from, -100, to, 1 /* RENAME_NOREPLACE */);
}
#else
#include <errno.h>
static inline int berth_rename_noreplace(const char *from, const char *to) {
    (void)from; (void)to;
    errno = EINVAL;
    return -1;
}
#endif

/// open(2)'s O_DIRECT, hidden the same way; its value differs by architecture. 0 where it is
/// unknown (no direct I/O there).
static inline int berth_open_direct_flag(void) {
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
    return 040000;
#elif defined(__linux__) && (defined(__aarch64__) || defined(__arm__))
    return 0200000;
#elif defined(__linux__) && defined(__powerpc64__)
    return 0400000;
#else
    return 0;
#endif
}
#endif

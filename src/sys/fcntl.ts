/**
 * fcntl(2) and close(2) on the caller's own fds.
 */
import { libc } from './libc.js';

/**
 * O_PATH (since 2.6.39), the same on every Linux architecture Node runs on (include/uapi/asm-generic/
 * fcntl.h): an fd that names a file without opening it — no device open, no FIFO wait; fstat(2), *at()
 * lookups, readlinkat(fd, "") of a symlink (with O_NOFOLLOW) and a reopen through /proc/self/fd/N work on
 * it. node:fs has no name for it.
 */
export const O_PATH = 0o10000000;

/** F_LINUX_SPECIFIC_BASE + 3. linux-libc-dev 6.1 lacks it; glibc defines it since 2.41. */
export const F_DUPFD_QUERY = 1027;

/**
 * fcntl(fd1, F_DUPFD_QUERY, fd2): 1 when both fds of OUR process refer to the same open file description,
 * 0 when not; equality only, no order. No permission checks. Since 6.10 (commit c62b758bae6a). Older
 * kernels: EINVAL for a regular fd1, but EBADF when fd1 is O_PATH (O_PATH fds reject unknown commands with
 * EBADF). 6.10/6.11 builds without commit 2714b0d1f369 (Oct 2024, sent to stable) return 0 for an invalid
 * fd2, so a 0 must be confirmed by validating fd2. Higher bits may gain meanings later: test `r & 1`.
 * Returns 0/1 or the negated errno.
 */
export function sysDupfdQuery(fd1: number, fd2: number): number {
  const r = libc().fcntl(fd1, F_DUPFD_QUERY, fd2);
  return r < 0 ? r : r & 1;
}

/** F_GETFD: validates that `fd` is open in our process (0/FD_CLOEXEC, or -EBADF). Changes nothing. */
export function sysFdIsOpen(fd: number): boolean {
  return libc().fcntl(fd, 1 /* F_GETFD */, 0) >= 0;
}

/**
 * F_GETFL: the status flags and access mode of the open file description behind OUR fd `fd` (the same
 * f_flags fdinfo shows), or the negated errno. O_ACCMODE and O_PATH never change after open(2): F_SETFL
 * replaces only the bits of SETFL_MASK (O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME; fs/fcntl.c).
 */
export function sysGetFl(fd: number): number {
  return libc().fcntl(fd, 3 /* F_GETFL */, 0);
}

/** close(2). Returns 0 or the negated errno. */
export function sysClose(fd: number): number {
  return libc().close(fd);
}

/**
 * pidfd_open(2), pidfd_getfd(2) and pidfd_send_signal(2) (kcmp-spec.md §6.2–§6.4; K-PID).
 */
import { libc } from './libc.js';
import { syscallNumbers } from './platform.js';

/** PIDFD_THREAD (= O_EXCL, since 6.9): open a pidfd for a thread rather than a thread-group leader. */
export const PIDFD_THREAD = 0o200;

/**
 * pidfd_open(pid, flags), since 5.3. No ptrace check: any user may open a pidfd of any visible process,
 * zombies included. The fd is always close-on-exec. Errors: EINVAL (bad flags, pid ≤ 0), ESRCH (no such
 * pid), and for a non-leader tid without PIDFD_THREAD: ENOENT on 6.18 (EINVAL on older kernels).
 * Returns the new fd or the negated errno.
 */
export function sysPidfdOpen(pid: number, flags = 0): number {
  return libc().syscall(syscallNumbers().pidfdOpen, pid, flags, 0, 0, 0);
}

/**
 * pidfd_getfd(pidfd, targetfd, 0), since 5.6: duplicates another process's fd into ours, sharing the open
 * file description (so F_DUPFD_QUERY can then compare it). Needs PTRACE_MODE_ATTACH_REALCREDS, so Yama
 * applies (scope 3: always EPERM), unlike kcmp. The new fd is always O_CLOEXEC.
 * Hazards (§6.4): closing it drops every POSIX record lock OUR process holds on that inode; holding it keeps
 * the file alive (a pipe's readers see no EOF); receiving a socket re-tags its cgroup classid/netprio.
 * Errors: EBADF (not a pidfd, targetfd not open), ESRCH (zombie or reaped), EPERM, EINVAL (flags).
 * Returns the new fd or the negated errno.
 */
export function sysPidfdGetfd(pidfd: number, targetFd: number): number {
  return libc().syscall(syscallNumbers().pidfdGetfd, pidfd, targetFd, 0, 0, 0);
}

/**
 * pidfd_send_signal(pidfd, sig, NULL, 0), since 5.1: kill(2) aimed through a pidfd, so it reaches the
 * process the pidfd was opened for or nobody — never a process that reused its pid (ESRCH once it has
 * exited, even before it is reaped). Same permission rule as kill(2): EPERM when the caller may not signal
 * it. Returns 0 or the negated errno.
 */
export function sysPidfdSendSignal(pidfd: number, signal: number): number {
  return libc().syscall(syscallNumbers().pidfdSendSignal, pidfd, signal, 0, 0, 0);
}

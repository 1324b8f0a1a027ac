/**
 * kcmp(2), raw (kernel/kcmp.c; the types of include/uapi/linux/kcmp.h).
 *
 *   long kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1, unsigned long idx2);
 *
 * Returns 0 (same kernel object), 1 (less), 2 (greater) over per-type, per-boot obfuscated pointers: a strict
 * total order since 3.17 (before, a subtraction made it non-transitive). 3 ("unordered") is documented but
 * no current kernel returns it. NULL == NULL also gives 0: two tasks without an io_context or SysV undo
 * list, and zombies (VM, FILES, FS, IO, SYSVSEM), compare equal without sharing anything.
 *
 * Permissions: PTRACE_MODE_READ_REALCREDS on both tasks (real uid/gid must match the target's, the target
 * must be dumpable, its permitted caps a subset of ours), else CAP_SYS_PTRACE; Yama does not apply.
 * Check order: ESRCH (either pid not in our PID namespace) → EPERM → EINVAL (type) / EBADF (fd) / EFAULT.
 * Seccomp: Docker's default profile gives EPERM without CAP_SYS_PTRACE, even on self/self; some sandboxes
 * give ENOSYS, or kill with SIGSYS. ENOSYS also means a kernel without CONFIG_KCMP (≥5.12) or
 * CONFIG_CHECKPOINT_RESTORE (<5.12).
 *
 * The kernel truncates: `type` to int, fds to unsigned int (2^32+n aliases fd n). Callers validate first.
 * Only the raw pointer is compared, no reference is held: a concurrent close can recycle a struct file.
 */
import { libc } from './libc.js';
import { syscallNumbers } from './platform.js';

/** enum kcmp_type from include/uapi/linux/kcmp.h. */
export const KCMP = {
  FILE: 0,
  VM: 1,
  FILES: 2,
  FS: 3,
  SIGHAND: 4,
  IO: 5,
  SYSVSEM: 6,
  EPOLL_TFD: 7,
} as const;

let nr: number | undefined;

/** Returns 0, 1, 2 (or 3) from the kernel, or the negated errno. The hot path of every grouping. */
export function sysKcmp(pid1: number, pid2: number, type: number, idx1: number, idx2: number): number {
  nr ??= syscallNumbers().kcmp;
  return libc().syscall(nr, pid1, pid2, type, idx1, idx2);
}

/**
 * KCMP_EPOLL_TFD (since 4.13; EINVAL before; EOPNOTSUPP without CONFIG_EPOLL): is fd `fd1` of pid1 the
 * target file of the epoll item (tfd, toff) of epoll fd `efd` in pid2? Same cookies as KCMP_FILE, so 1/2
 * follow the KCMP_FILE order.
 *
 * The slot is `struct kcmp_epoll_slot { __u32 efd, tfd, toff; }`: 12 bytes, native endianness, no padding.
 * The man page's `__u64 toff` is wrong (the kernel copies 12 bytes); on big-endian it would read the wrong
 * half.
 * `toff` indexes items registered under the same fd number, in rb-tree (kernel address) order.
 * Errors: EFAULT (slot unreadable, checked first), EBADF (fd1 not open in pid1, efd not open in pid2),
 * EINVAL (efd is not an epoll fd), ENOENT (no item (tfd, toff)).
 */
export function sysKcmpEpollTfd(
  pid1: number,
  pid2: number,
  fd1: number,
  slot: { efd: number; tfd: number; toff: number },
): number {
  const buf = new Uint8Array(12);
  const view = new DataView(buf.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  view.setUint32(0, slot.efd, little);
  view.setUint32(4, slot.tfd, little);
  view.setUint32(8, slot.toff, little);
  return libc().syscallWithBuffer(syscallNumbers().kcmp, pid1, pid2, KCMP.EPOLL_TFD, fd1, buf);
}

/** The same call with a NULL slot pointer: EFAULT, checked before any fd lookup. For probes and tests. */
export function sysKcmpEpollTfdNullSlot(pid1: number, pid2: number, fd1: number): number {
  return libc().syscallWithBuffer(syscallNumbers().kcmp, pid1, pid2, KCMP.EPOLL_TFD, fd1, null);
}

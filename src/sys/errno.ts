/**
 * errno names, numbers and meanings, and the classes the rest of the code branches on.
 *
 * The numbers are those of asm-generic/errno{-base}.h, which x86, arm, arm64, riscv, loongarch, powerpc
 * and s390 share for every value listed here (alpha, mips, sparc and parisc differ and are not supported,
 * see platform.ts). Code outside src/sys never compares errno values directly: it asks a class
 * (`isNotSupported`, `isPrivilege`, `isGone`), in the manner of systemd's ERRNO_IS_* predicates.
 */

const ERRNOS = {
  EPERM: [1, 'operation not permitted'],
  ENOENT: [2, 'no such file or directory'],
  ESRCH: [3, 'no such process'],
  EINTR: [4, 'interrupted system call'],
  EIO: [5, 'input/output error'],
  ENXIO: [6, 'no such device or address'],
  E2BIG: [7, 'argument list too long'],
  EBADF: [9, 'bad file descriptor'],
  ECHILD: [10, 'no child processes'],
  EAGAIN: [11, 'resource temporarily unavailable'],
  ENOMEM: [12, 'cannot allocate memory'],
  EACCES: [13, 'permission denied'],
  EFAULT: [14, 'bad address'],
  EBUSY: [16, 'device or resource busy'],
  EEXIST: [17, 'file exists'],
  ENODEV: [19, 'no such device'],
  ENOTDIR: [20, 'not a directory'],
  EISDIR: [21, 'is a directory'],
  EINVAL: [22, 'invalid argument'],
  ENFILE: [23, 'too many open files in system'],
  EMFILE: [24, 'too many open files'],
  ENOTTY: [25, 'inappropriate ioctl for device'],
  ENOSPC: [28, 'no space left on device'],
  ESPIPE: [29, 'illegal seek'],
  EROFS: [30, 'read-only file system'],
  EPIPE: [32, 'broken pipe'],
  ERANGE: [34, 'numerical result out of range'],
  ENAMETOOLONG: [36, 'file name too long'],
  ENOSYS: [38, 'function not implemented'],
  ELOOP: [40, 'too many levels of symbolic links'],
  EOPNOTSUPP: [95, 'operation not supported'],
} as const satisfies Record<string, readonly [number, string]>;

/** A known errno name, or `E<number>` for one this table does not list. */
export type ErrnoName = keyof typeof ERRNOS | `E${number}`;

const BY_NUMBER = new Map<number, keyof typeof ERRNOS>(
  Object.entries(ERRNOS).map(([name, [num]]) => [num, name as keyof typeof ERRNOS]),
);

export function errnoName(errno: number): ErrnoName {
  return BY_NUMBER.get(errno) ?? `E${errno}`;
}

export function errnoNumber(name: ErrnoName): number | undefined {
  if (name in ERRNOS) return ERRNOS[name as keyof typeof ERRNOS][0];
  const n = Number(name.slice(1));
  return Number.isInteger(n) ? n : undefined;
}

/** strerror(3)-like text: "no such process". */
export function errnoMessage(name: ErrnoName): string {
  return name in ERRNOS ? ERRNOS[name as keyof typeof ERRNOS][1] : `error ${name.slice(1)}`;
}

/**
 * The kernel (or a seccomp filter standing in for it) does not offer the operation at all: ENOSYS (no
 * such syscall, e.g. a kernel built without CONFIG_KCMP), EOPNOTSUPP (a kcmp type whose subsystem is not
 * built), ENOTTY.
 *
 * @example
 * try { kcmp(process.pid, process.pid, 'sysvsem'); }
 * catch (e) { if (e instanceof SysError && isNotSupported(e.errno)) console.log('no SysV IPC here'); }
 */
export function isNotSupported(name: ErrnoName): boolean {
  return name === 'ENOSYS' || name === 'EOPNOTSUPP' || name === 'ENOTTY';
}

/**
 * The caller lacks the right: ptrace access mode, capabilities, an LSM, or a seccomp ERRNO(EPERM) filter.
 *
 * @example
 * try { kcmp(process.pid, 1, 'vm'); }
 * catch (e) { if (e instanceof SysError && isPrivilege(e.errno)) console.log('may not inspect pid 1'); }
 */
export function isPrivilege(name: ErrnoName): boolean {
  return name === 'EPERM' || name === 'EACCES';
}

/**
 * The process, task or fd went away (or never existed): ESRCH for tasks, EBADF for fds, ENOENT in /proc.
 *
 * @example
 * try { sameFile({ pid: 1234, fd: 3 }, { pid: 1234, fd: 4 }); }
 * catch (e) { if (e instanceof SysError && isGone(e.errno)) console.log(`fd ${e.fd} is not open`); }
 */
export function isGone(name: ErrnoName): boolean {
  return name === 'ESRCH' || name === 'EBADF' || name === 'ENOENT';
}

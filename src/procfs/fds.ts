/**
 * Reading fd tables through /proc (proc(5)): which fds a task has open (readdir of /proc/TID/fd), for each
 * the file it refers to (stat, following the link: dev, ino, mode), and its link target (readlink).
 *
 * A tid works wherever a pid does — /proc/TID is reachable though not listed — and /proc/TID/fd is that
 * task's own fd table, which differs from its leader's after unshare(CLONE_FILES) (kcmp-spec.md §4.5).
 * Access needs ptrace READ_FSCREDS on the task (the directory belongs to root when the task is not
 * dumpable): EACCES. ENOENT: the fd was closed, or the task exited (a zombie's table is already released).
 *
 * Results go into caller-owned parallel arrays (`FdColumns`), one slot per fd: a 50,000-fd scan makes no
 * per-fd object, and a worker thread can transfer the arrays back without copying (native-access.md §3).
 * Node has no readlinkat/fstatat, so each call resolves the path again; that is most of the gap to C.
 */
import { readdirSync, statSync } from 'node:fs';
import { FdDir } from './fd-dir.js';
import { kindOf } from './kinds.js';

/** The directory of a task's fd links. */
export function fdDir(tid: number): string {
  return `/proc/${tid}/fd`;
}

/** The fd numbers open in task `tid`'s table, ascending. Throws the fs error (EACCES, ENOENT). */
export function listFds(tid: number): Int32Array {
  const names = readdirSync(fdDir(tid));
  const fds = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) fds[i] = Number(names[i]);
  return fds.sort();
}

/**
 * How many fds task `tid` has open, without listing them: st_size of /proc/TID/fd counts them since
 * Linux 6.2 (0 before, and 0 when unreadable). Cheap; used to decide whether a scan is worth worker threads.
 */
export function countFds(tid: number): number {
  try {
    return statSync(fdDir(tid)).size;
  } catch {
    return 0;
  }
}

/** Parallel arrays, one slot per fd. `dev` is st_dev as the kernel encodes it (see formatDev). */
export interface FdColumns {
  fd: Int32Array;
  dev: Float64Array;
  ino: Float64Array;
  mode: Uint32Array;
  /**
   * The st_mode of the fd's /proc link itself (fd-access.ts: its r/w bits are the fd's f_mode), read only
   * for kinds whose shortcut needs it (kinds.ts: sockets) right after the stat; 0 for the others.
   */
  linkMode: Uint16Array;
  /** 1 when the stat of the slot failed. */
  failed: Uint8Array;
  /** The errno of a failed slot; '' when it did not fail. */
  errno: string[];
}

export function allocFdColumns(size: number): FdColumns {
  return {
    fd: new Int32Array(size),
    dev: new Float64Array(size),
    ino: new Float64Array(size),
    mode: new Uint32Array(size),
    linkMode: new Uint16Array(size),
    failed: new Uint8Array(size),
    errno: new Array<string>(size).fill(''),
  };
}

/**
 * stat()s fds `fds` of task `tid` into `out` from slot `at` on: (dev, ino) for bucketing, st_mode for the
 * kind, and for a socket the mode of its link too (one more statx, right after the first, so both describe
 * the same file unless its number was closed and reused within those microseconds). A failing stat marks
 * the slot and the scan goes on. The link target is read later, and only for the fds whose description is
 * reported: half the syscalls of a 50,000-fd scan.
 */
export function scanFds(tid: number, fds: Int32Array, out: FdColumns, at: number): void {
  const dir = new FdDir(tid);
  try {
    for (let i = 0; i < fds.length; i++) {
      const slot = at + i;
      const fd = fds[i] as number;
      out.fd[slot] = fd;
      let errno = dir.stat(fd);
      if (errno === undefined && kindOf(dir.mode, '').oneIoDescriptionPerInode) {
        const linkMode = dir.linkMode(fd);
        if (typeof linkMode === 'string') errno = linkMode;
        else out.linkMode[slot] = linkMode;
      }
      if (errno === undefined) {
        out.dev[slot] = dir.dev;
        out.ino[slot] = dir.ino;
        out.mode[slot] = dir.mode;
      } else {
        out.failed[slot] = 1;
        out.errno[slot] = errno;
      }
    }
  } finally {
    dir.close();
  }
}

/** The major number of st_dev, decoded as glibc's gnu_dev_major does (64-bit encoding). */
export function devMajor(dev: number): number {
  const lo = dev >>> 0;
  const hi = Math.floor(dev / 2 ** 32) >>> 0;
  return (((lo >>> 8) & 0xfff) | (hi & 0xfffff000)) >>> 0;
}

/** st_dev as "major:minor", decoded as glibc's gnu_dev_major/minor do (64-bit encoding). */
export function formatDev(dev: number): string {
  const lo = dev >>> 0;
  const hi = Math.floor(dev / 2 ** 32) >>> 0;
  const minor = (lo & 0xff) | (((lo >>> 12) | (hi << 20)) & ~0xff);
  return `${devMajor(dev)}:${minor >>> 0}`;
}

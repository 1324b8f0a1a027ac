/**
 * Reading fd tables through /proc (proc(5)): which fds a task has open (readdir of /proc/TID/fd), for each
 * the file it refers to (stat, following the link: dev, ino, mode), and its link target (readlink).
 *
 * A tid works wherever a pid does — /proc/TID is reachable though not listed — and /proc/TID/fd is that
 * task's own fd table, which differs from its leader's after unshare(CLONE_FILES).
 * Access needs ptrace READ_FSCREDS on the task (the directory belongs to root when the task is not
 * dumpable): EACCES. ENOENT: the fd was closed, or the task exited (a zombie's table is already released).
 *
 * Results go into caller-owned parallel arrays (`FdColumns`), one slot per fd: a 50,000-fd scan makes no
 * per-fd object, and a worker thread can transfer the arrays back without copying.
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

/**
 * The numeric per-fd fields, declared once: the type of each column. Allocating, concatenating,
 * reordering and transferring columns between threads all go through this list, so a new stat-derived
 * field is one entry here and the line of scanFds that fills it.
 */
const NUMERIC_COLUMNS = {
  fd: Int32Array,
  /** st_dev as the kernel encodes it (see formatDev). */
  dev: Float64Array,
  ino: Float64Array,
  /** st_mode of the file the fd refers to. */
  mode: Uint32Array,
  /**
   * The st_mode of the fd's /proc link itself (fd-access.ts: its r/w bits are the fd's f_mode), read only
   * for kinds whose shortcut needs it (kinds.ts: sockets) right after the stat; 0 for the others.
   */
  linkMode: Uint16Array,
  /** 1 when the stat of the slot failed. */
  failed: Uint8Array,
} as const;

/** The names of the numeric columns. */
export type NumericColumn = keyof typeof NUMERIC_COLUMNS;

/** The numeric columns, in declaration order. */
export const NUMERIC_COLUMN_NAMES = Object.keys(NUMERIC_COLUMNS) as NumericColumn[];

/** Parallel arrays, one slot per fd (see NUMERIC_COLUMNS), and the errno of each failed slot ('' if none). */
export type FdColumns = { [K in NumericColumn]: InstanceType<(typeof NUMERIC_COLUMNS)[K]> } & {
  errno: string[];
};

export function allocFdColumns(size: number): FdColumns {
  const cols = { errno: new Array<string>(size).fill('') } as Partial<FdColumns>;
  for (const name of NUMERIC_COLUMN_NAMES) Object.assign(cols, { [name]: new NUMERIC_COLUMNS[name](size) });
  return cols as FdColumns;
}

/** The columns of consecutive parts, as one. */
export function concatFdColumns(parts: readonly FdColumns[]): FdColumns {
  if (parts.length === 1) return parts[0] as FdColumns;
  const out = allocFdColumns(parts.reduce((n, p) => n + p.fd.length, 0));
  let at = 0;
  for (const part of parts) {
    for (const name of NUMERIC_COLUMN_NAMES) out[name].set(part[name], at);
    for (let i = 0; i < part.fd.length; i++) out.errno[at + i] = part.errno[i] as string;
    at += part.fd.length;
  }
  return out;
}

/** Reorders slots [from, from + order.length) of `cols` so that slot from + i holds what slot order[i] held. */
export function permuteFdColumns(cols: FdColumns, from: number, order: readonly number[]): void {
  for (const name of NUMERIC_COLUMN_NAMES) {
    const column = cols[name];
    column.set(
      order.map((s) => column[s] as number),
      from,
    );
  }
  const errno = order.map((s) => cols.errno[s] as string);
  errno.forEach((e, i) => {
    cols.errno[from + i] = e;
  });
}

/** The buffers of the numeric columns, to transfer them to another thread without copying. */
export function fdColumnBuffers(cols: FdColumns): ArrayBuffer[] {
  return NUMERIC_COLUMN_NAMES.map((name) => cols[name].buffer as ArrayBuffer);
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

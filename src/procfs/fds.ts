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
 * per-fd object, and worker threads write their slots of shared columns in place.
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
 * The per-fd fields, declared once: the type of each column. Allocating, reordering and sharing columns
 * between threads all go through this list, so a new stat-derived field is one entry here and the line of
 * scanFds that fills it. Every column is a typed array, so all of them can live in shared memory.
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
  /** The errno number the stat of the slot failed with (errnoName() names it); 0 when it did not fail. */
  errno: Uint16Array,
} as const;

/** The names of the numeric columns. */
export type NumericColumn = keyof typeof NUMERIC_COLUMNS;

/** The numeric columns, in declaration order. */
export const NUMERIC_COLUMN_NAMES = Object.keys(NUMERIC_COLUMNS) as NumericColumn[];

/** Parallel arrays, one slot per fd (see NUMERIC_COLUMNS). */
export type FdColumns = { [K in NumericColumn]: InstanceType<(typeof NUMERIC_COLUMNS)[K]> };

/**
 * Columns of `size` slots, zeroed. `shared`: in SharedArrayBuffers, so that worker threads write their
 * slots in place (a SharedArrayBuffer is zero-filled too) and nothing is copied back.
 */
export function allocFdColumns(size: number, shared = false): FdColumns {
  const cols: Partial<Record<NumericColumn, unknown>> = {};
  for (const name of NUMERIC_COLUMN_NAMES) {
    const Column = NUMERIC_COLUMNS[name];
    const bytes = size * Column.BYTES_PER_ELEMENT;
    cols[name] = new Column((shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)) as ArrayBuffer);
  }
  return cols as FdColumns;
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
}

/**
 * stat()s the fds in slots [from, to) of `cols` (their `fd` already set) of task `tid`: (dev, ino) for
 * bucketing, st_mode for the kind, and for a socket the mode of its link too (one more statx, right after
 * the first, so both describe the same file unless its number was closed and reused within those
 * microseconds). A failing stat sets the slot's errno and the scan goes on. The link target is read
 * later, and only for the fds whose description is reported: half the syscalls of a 50,000-fd scan.
 */
export function scanFds(tid: number, cols: FdColumns, from: number, to: number): void {
  const dir = new FdDir(tid);
  try {
    for (let slot = from; slot < to; slot++) {
      const fd = cols.fd[slot] as number;
      let errno = dir.stat(fd);
      if (errno === 0 && kindOf(dir.mode, '').oneIoDescriptionPerInode) {
        errno = dir.statLink(fd);
        if (errno === 0) cols.linkMode[slot] = dir.linkMode;
      }
      if (errno === 0) {
        cols.dev[slot] = dir.dev;
        cols.ino[slot] = dir.ino;
        cols.mode[slot] = dir.mode;
      } else cols.errno[slot] = errno;
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

/**
 * What the group stage decided, per row of the scan: the description each fd holds, or why it has none.
 * Every failure carries the call that failed and the errno that call returned; what no call explains
 * (a bucket that never held still, an fd number reused) has a kind of its own, never a made-up errno.
 */
import type { FdDir } from '../../procfs/fd-dir.js';
import { type ErrnoName, errnoName } from '../../sys/errno.js';
import type { FdsMethod } from './fds-report.js';

/** The calls that compare two fds: kcmp(KCMP_FILE), or pidfd_getfd to borrow them for F_DUPFD_QUERY. */
export type ComparingCall = 'kcmp' | 'pidfd_getfd';

export type FdOutcome =
  /** Holds description `description`, as its method decided. */
  | { kind: 'member'; description: number }
  /** Could not be compared (`syscall` refused: privilege, not supported, no fd left to borrow into): a
   * description of its own, uncertain. */
  | { kind: 'uncompared'; description: number; syscall: ComparingCall; errno: ErrnoName }
  /** Its bucket gave other answers each time it was grouped and checked: a description of its own,
   * uncertain; no call failed. */
  | { kind: 'unsettled'; description: number }
  /** Not compared, and no call made: kcmp cannot be used in this run and answered no errno (a seccomp
   * filter kills any process calling it). A description of its own, uncertain. */
  | { kind: 'uncalled'; description: number }
  /** Read or compared, it failed (`syscall`: gone, or unreadable): left out, an error row (readlink:
   * only its description's name is left out, names.ts). */
  | { kind: 'failed'; syscall: 'stat' | 'readlink' | ComparingCall; errno: ErrnoName }
  /** Its number names another file than when it was read (closed and reused meanwhile): left out. */
  | { kind: 'reused' };

/** Why a row is not a plain member, before the group stage numbers descriptions (workers report these). */
export type Fate =
  | { kind: 'uncompared'; syscall: ComparingCall; errno: ErrnoName }
  | { kind: 'unsettled' }
  | { kind: 'uncalled' }
  | Extract<FdOutcome, { kind: 'failed' | 'reused' }>;

/**
 * Does fd `fd` of `dir`'s task still refer to inode (dev, ino)? undefined if so; else the row's fate: the
 * stat failed (closed, exited), or its number now names another file (closed and reused since it was read).
 */
export function restatFate(dir: FdDir, fd: number, dev: number, ino: number): Fate | undefined {
  const errno = dir.stat(fd);
  if (errno !== 0) return { kind: 'failed', syscall: 'stat', errno: errnoName(errno) };
  return dir.holds(dev, ino) ? undefined : { kind: 'reused' };
}

/** The outcomes of one scan. */
export interface Outcomes {
  /** Per row (fd) of the scan. */
  of: FdOutcome[];
  /** Per description found (the `description` of the outcomes): how it was decided, and whether for sure. */
  descriptions: { method: FdsMethod; certain: boolean }[];
  /** The comparisons (kcmp or F_DUPFD_QUERY calls) it took. */
  comparisons: number;
}

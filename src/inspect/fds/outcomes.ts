/**
 * What the group stage decided, per row of the scan: the description each fd holds, or why it has none.
 * Every failure carries the call that failed and the errno that call returned; what no call explains
 * (a bucket that never held still, an fd number reused) has a kind of its own, never a made-up errno.
 */
import type { ErrnoName } from '../../sys/errno.js';
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
  /** Read or compared, it failed (`syscall`: gone, or unreadable): left out, an error row. */
  | { kind: 'failed'; syscall: 'stat' | ComparingCall; errno: ErrnoName }
  /** Its number names another file than when it was read (closed and reused meanwhile): left out. */
  | { kind: 'reused' };

/** Why a row is not a plain member, before the group stage numbers descriptions (workers report these). */
export type Fate =
  | { kind: 'uncompared'; syscall: ComparingCall; errno: ErrnoName }
  | { kind: 'unsettled' }
  | { kind: 'uncalled' }
  | Extract<FdOutcome, { kind: 'failed' | 'reused' }>;

/** The outcomes of one scan. */
export interface Outcomes {
  /** Per row (fd) of the scan. */
  of: FdOutcome[];
  /** Per description found (the `description` of the outcomes): how it was decided, and whether for sure. */
  descriptions: { method: FdsMethod; certain: boolean }[];
  /** The comparisons (kcmp or F_DUPFD_QUERY calls) it took. */
  comparisons: number;
}

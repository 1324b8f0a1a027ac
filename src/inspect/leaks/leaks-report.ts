/**
 * The `kcmp.leaks/1` report: open file descriptions a child process shares with its parent or another
 * ancestor, other than stdin/stdout/stderr — across an exec, the signature of a missing O_CLOEXEC or a
 * forgotten close; after a fork without exec, only where the sharing is risky (`--fork`). Stable JSON
 * contract (README "kcmp leaks"); additive changes only: `case`, `reader`, the ends' `cloexec`,
 * `undecided` and the stats `forkShared`/`undecided` were added to /1 without changing a field's meaning
 * or type (`fix` was always "the fix for this leak"; it is now written for the fd it is printed for).
 */
import type { Method } from '../../compare/types.js';
import type { ScanError, ScanErrorReason } from '../fds/fds-report.js';

export const LEAKS_SCHEMA = 'kcmp.leaks/1';

/** What leaked, most likely a bug first (see LEAK_KINDS for the tiers and the fix of each). */
export type LeakKind =
  | 'listening-socket'
  | 'pipe-write-end'
  | 'socket'
  | 'pipe-read-end'
  | 'pipe'
  | 'log-file'
  | 'file'
  | 'lock-file'
  | 'other';

/** How the child came to share it (leak-case.ts): across an exec, by a fork without exec, or unknown. */
export type LeakCase = 'exec' | 'fork' | 'unknown';

/** One fd of one process. */
export interface LeakEnd {
  pid: number;
  fd: number;
  command: string;
  /** This fd's close-on-exec bit (per fd, from fdinfo); null when fdinfo could not be read. */
  cloexec: boolean | null;
}

export interface Leak {
  kind: LeakKind;
  /** 1 (most likely a bug) … 6; the list is sorted by it. */
  tier: number;
  /** The description's id in the fds scan ("d3"), its type and name as in kcmp.fds/1. */
  description: string;
  type: string;
  name: string;
  /** "r", "w", "rw", "-" (O_PATH), or null when fdinfo could not be read. */
  mode: string | null;
  /** The nearest ancestor holding the description, and the fd it holds it under (the lowest above 2). */
  ancestor: LeakEnd;
  child: LeakEnd;
  /** 1: the ancestor is the child's parent; 2: its grandparent; … */
  generations: number;
  /** The child runs the same executable file as the ancestor (/proc/PID/exe). null: unknown. */
  sameProgram: boolean | null;
  /** exec: an exec happened between them (the leak O_CLOEXEC prevents); fork: none did, and this fork
   * case is listed only with `--fork`, where it is risky; unknown: /proc could not tell. */
  case: LeakCase;
  /** In the fork case: the process that reads this pipe while holding its write end (it never sees EOF). */
  reader: { pid: number; fd: number } | null;
  /** From the fds scan: false when the holders are proven to share, but the description could not be told
   * apart from others of its inode. */
  certain: boolean;
  method: Method;
  /** The fix, in one line, true of these fds (their case and close-on-exec bits). */
  fix: string;
}

/** A selected process whose fds could not all be read or compared, so leaks to or from it are undecided. */
export interface UndecidedProcess {
  pid: number;
  command: string;
  /** Its first error row: what failed (null when no call failed: then `reason` says what happened). */
  syscall: string | null;
  errno: string | null;
  reason?: ScanErrorReason;
  message: string;
  /** The selected processes below it, whose fds could not be compared with its own. */
  descendants: number[];
}

export interface LeaksStats {
  processes: number;
  /** Descriptions held by more than one fd. */
  shared: number;
  leaks: number;
  /** Child fds shared with an ancestor after a fork without exec and not listed (not a leak, or not risky). */
  forkShared: number;
  undecided: number;
  errors: number;
  elapsedMs: number;
}

export interface LeaksReport {
  schema: typeof LEAKS_SCHEMA;
  leaks: Leak[];
  /** The fds scan's error rows: processes and fds that could not be read or compared. */
  errors: ScanError[];
  /** Processes with a selected ancestor or descendant whose fds could not be read or compared. */
  undecided: UndecidedProcess[];
  stats: LeaksStats;
}

/**
 * The `kcmp.leaks/1` report: open file descriptions a child process shares with its parent or another
 * ancestor, other than stdin/stdout/stderr — the signature of a missing O_CLOEXEC or a forgotten close
 * before exec. Stable JSON contract (README "kcmp leaks"); additive changes only.
 */
import type { Method } from '../../compare/types.js';
import type { ScanError } from '../fds/fds-report.js';

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

/** One fd of one process. */
export interface LeakEnd {
  pid: number;
  fd: number;
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
}

export interface Leak {
  kind: LeakKind;
  /** 1 (most likely a bug) … 6; the list is sorted by it. */
  tier: number;
  /** The description's id in the fds scan ("d3"), its type and name as in kcmp.fds/1. */
  description: string;
  type: string;
  name: string;
  /** The exact bytes of `name`, base64, when they are not valid UTF-8 (`name` has U+FFFD for each bad one). */
  nameBytes?: string;
  /** "r", "w", "rw", "-" (O_PATH), or null when fdinfo could not be read. */
  mode: string | null;
  /** The nearest ancestor holding the description, and the fd it holds it under (the lowest above 2). */
  ancestor: LeakEnd;
  child: LeakEnd;
  /** 1: the ancestor is the child's parent; 2: its grandparent; … */
  generations: number;
  /** Heuristic: the child runs the same executable as the ancestor (/proc/PID/exe), as after a fork
   * without exec — then the sharing may be deliberate (a pre-fork server's workers). null: unknown. */
  sameProgram: boolean | null;
  /** From the fds scan: false when the holders are proven to share, but the description could not be told
   * apart from others of its inode. */
  certain: boolean;
  method: Method;
  /** The fix, in one line. */
  fix: string;
}

export interface LeaksStats {
  processes: number;
  /** Descriptions held by more than one fd. */
  shared: number;
  leaks: number;
  errors: number;
  elapsedMs: number;
}

export interface LeaksReport {
  schema: typeof LEAKS_SCHEMA;
  leaks: Leak[];
  /** The fds scan's error rows: processes and fds that could not be read or compared. */
  errors: ScanError[];
  stats: LeaksStats;
}

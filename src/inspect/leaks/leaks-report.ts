/**
 * The `kcmp.leaks/1` report: open file descriptions a child process shares with its parent or another
 * ancestor, other than stdin/stdout/stderr — the signature of a missing O_CLOEXEC or a forgotten close
 * before exec. Stable JSON contract (README "kcmp leaks"); additive changes only.
 */
import type { Method } from '../../compare/types.js';
import type { ScanError } from '../fds/fds-report.js';

/** The `schema` of a {@link LeaksReport}. */
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
  /** The process. */
  pid: number;
  /** Its fd number holding the leaked description. */
  fd: number;
  /** The process's command (`comm`). */
  command: string;
}

/**
 * One open file description that a child shares with an ancestor (other than stdin, stdout, stderr): most
 * often an fd opened without O_CLOEXEC before a fork + exec.
 */
export interface Leak {
  /** What leaked, by how likely it is a bug. */
  kind: LeakKind;
  /** 1 (most likely a bug) … 6; the list is sorted by it. */
  tier: number;
  /** The description's id in the fds scan ("d3"), its type and name as in kcmp.fds/1. */
  description: string;
  /** The description's type, as in kcmp.fds/1 ("FIFO", "SOCK", "REG", …). */
  type: string;
  /** The description's name: the /proc/PID/fd/N link target ("pipe:[123]", a path). */
  name: string;
  /** "r", "w", "rw", "-" (O_PATH), or null when fdinfo could not be read. */
  mode: string | null;
  /** The nearest ancestor holding the description, and the fd it holds it under (the lowest above 2). */
  ancestor: LeakEnd;
  /** The process that inherited it, and the fd it holds it under (the lowest above 2). */
  child: LeakEnd;
  /** 1: the ancestor is the child's parent; 2: its grandparent; … */
  generations: number;
  /** Heuristic: the child runs the same executable as the ancestor (/proc/PID/exe), as after a fork
   * without exec — then the sharing may be deliberate (a pre-fork server's workers). null: unknown. */
  sameProgram: boolean | null;
  /** From the fds scan: false when the holders are proven to share, but the description could not be told
   * apart from others of its inode. */
  certain: boolean;
  /** How the sharing was decided (kcmp, socket-inode, …), as in kcmp.fds/1. */
  method: Method;
  /** The fix, in one line. */
  fix: string;
}

/** What a leaks scan found and cost. */
export interface LeaksStats {
  /** Processes scanned. */
  processes: number;
  /** Descriptions held by more than one fd. */
  shared: number;
  /** Leaks found. */
  leaks: number;
  /** Error rows. */
  errors: number;
  /** Wall-clock time of the scan, in milliseconds. */
  elapsedMs: number;
}

/**
 * What {@link inspectLeaks} returns (`kcmp leaks --json`): every description a child shares with an
 * ancestor beyond fds 0–2, most likely bugs first, each with its fix.
 */
export interface LeaksReport {
  /** Always {@link LEAKS_SCHEMA}. */
  schema: typeof LEAKS_SCHEMA;
  /** The leaks, sorted by `tier` (most likely a bug first). */
  leaks: Leak[];
  /** The fds scan's error rows: processes and fds that could not be read or compared. */
  errors: ScanError[];
  /** What the scan found and cost. */
  stats: LeaksStats;
}

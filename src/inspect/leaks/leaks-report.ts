/**
 * The `kcmp.leaks/2` report: open file descriptions a child process shares with its parent or another
 * ancestor, other than stdin/stdout/stderr — across an exec, the signature of a missing O_CLOEXEC or a
 * forgotten close; after a fork without exec, only where the sharing is risky (`--fork`). Stable JSON
 * contract (README "kcmp leaks"); additive changes only: `case`, `reader`, the ends' `cloexec`,
 * `undecided` and the stats `forkShared`/`undecided` were added to /1 without changing a field's meaning
 * or type (`fix` was always "the fix for this leak"; it is now written for the fd it is printed for).
 */
import type { FileTypeName, StatTypeName } from '../../procfs/kinds.js';
import type { FdsMethod, ScanError, ScanErrorReason } from '../fds/fds-report.js';

/** The `schema` of a {@link LeaksReport}. */
export const LEAKS_SCHEMA = 'kcmp.leaks/2';

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

/** How the child came to share it: across an exec (its program file differs from the ancestor's, or its
 * argv, environment and stack were built anew), by a fork without exec (all the same), or unknown (/proc
 * of one of them could not be read). */
export type LeakCase = 'exec' | 'fork' | 'unknown';

/** One fd of one process. */
export interface LeakEnd {
  /** The process. */
  pid: number;
  /** Its fd number holding the leaked description. */
  fd: number;
  /** The process's command (`comm`). */
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** This fd's close-on-exec bit (per fd, from fdinfo); null when fdinfo could not be read. */
  cloexec: boolean | null;
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
  /** The description's id in the fds scan ("d3"), its type and name as in kcmp.fds. */
  description: string;
  /** The description's type, as in kcmp.fds/2 ("FIFO", "REG", a socket's protocol: "TCP", …). */
  type: FileTypeName;
  /** The description's file type in st_mode, as in kcmp.fds/2 ("FIFO", "REG", "SOCK", …). */
  stType: StatTypeName;
  /** The description's name: the /proc/PID/fd/N link target ("pipe:[123]", a path). */
  name: string;
  /** The exact bytes of `name`, base64, when they are not valid UTF-8 (`name` has U+FFFD for each bad one). */
  nameBytes?: string;
  /** "r", "w", "rw", "-" (O_PATH), or null when fdinfo could not be read. */
  mode: string | null;
  /** The nearest ancestor holding the description, and the fd it holds it under (the lowest above 2). */
  ancestor: LeakEnd;
  /** The process that inherited it, and the fd it holds it under (the lowest above 2). */
  child: LeakEnd;
  /** 1: the ancestor is the child's parent; 2: its grandparent; … */
  generations: number;
  /** The child runs the same executable file as the ancestor (/proc/PID/exe). null: unknown. */
  sameProgram: boolean | null;
  /** exec: an exec happened between them (the leak O_CLOEXEC prevents); fork: none did, and this fork
   * case is listed only with `--fork`, where it is risky; unknown: /proc could not tell. */
  case: LeakCase;
  /** In the fork case: the process that reads this pipe while holding its write end (it never sees EOF). */
  reader: {
    /** The reading process. */
    pid: number;
    /** Its fd on the read end. */
    fd: number;
  } | null;
  /** From the fds scan: false when the holders are proven to share, but the description could not be told
   * apart from others of its inode. */
  certain: boolean;
  /** How the sharing was decided (kcmp, socket-inode, …), as in kcmp.fds. */
  method: FdsMethod;
  /** The fix, in one line, true of these fds (their case and close-on-exec bits). */
  fix: string;
  /** Only with `-J -o PROGRAM`: `sameProgram` as the table shows it: "same", "other", or "?" (unknown). */
  program?: string;
  /** Only with `-J -o CLOEXEC`: the ends' `cloexec` as the table shows them, ancestor's/child's: "n/y"
   * (y: set, n: clear, ?: unknown). */
  cloexecs?: string;
}

/** A selected process whose fds could not all be read or compared, so leaks to or from it are undecided. */
export interface UndecidedProcess {
  /** The process. */
  pid: number;
  /** Its command (`comm`). */
  command: string;
  /** Its first error row: what failed (null when no call failed: then `reason` says what happened). */
  syscall: string | null;
  /** The errno of that error row, or null when no call failed. */
  errno: string | null;
  /** Why, when no call failed: as in the fds scan's error rows. */
  reason?: ScanErrorReason;
  /** One line for people: what failed. */
  message: string;
  /** The selected processes below it, whose fds could not be compared with its own. */
  descendants: number[];
}

/** What a leaks scan found and cost. */
export interface LeaksStats {
  /** Processes scanned. */
  processes: number;
  /** Descriptions held by more than one fd. */
  shared: number;
  /** Leaks found. */
  leaks: number;
  /** Child fds shared with an ancestor after a fork without exec and not listed (not a leak, or not risky). */
  forkShared: number;
  /** Processes whose leaks are undecided (`undecided`). */
  undecided: number;
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
  /** Processes with a selected ancestor or descendant whose fds could not be read or compared. */
  undecided: UndecidedProcess[];
  /** What the scan found and cost. */
  stats: LeaksStats;
}

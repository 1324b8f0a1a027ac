/**
 * The `kcmp.fds/1` report: every fd of the selected processes, grouped into open file descriptions.
 * This is the JSON contract of DESIGN.md (stable; additive changes only, anything else bumps the schema).
 */
import type { Method } from '../../compare/types.js';
import type { EngineName } from './fd-engine.js';

export const FDS_SCHEMA = 'kcmp.fds/1';

/** One fd that holds a description. `tid` is set when the fd table was reached through a thread. */
export interface Holder {
  pid: number;
  fd: number;
  command: string;
  tid?: number;
  /** From /proc/TID/fdinfo/FD, only when asked for (a table column needs it); absent if unreadable. */
  pos?: number;
  /** The description's f_flags without O_CLOEXEC (octal in fdinfo), e.g. 0o100002. */
  flags?: number;
  /** This fd's close-on-exec bit (per fd, not per description). */
  cloexec?: boolean;
  mntId?: number;
}

export interface Description {
  /** "d1", "d2", … in output order; stable only within one report. */
  id: string;
  /** REG, DIR, FIFO, SOCK, CHR, BLK, LNK, or an anon-inode kind: eventfd, eventpoll, timerfd, signalfd,
   * inotify, pidfd, … ; UNKNOWN otherwise. */
  type: string;
  /** The /proc/PID/fd/N link target: a path, "pipe:[123]", "socket:[456]", "anon_inode:[eventfd]". */
  name: string;
  /** "major:minor" of st_dev. */
  dev: string;
  ino: number;
  /** false: the holders are proven to share this description, but it could not be told apart from other
   * `certain: false` descriptions of the same (dev, ino) bucket (kcmp unavailable). */
  certain: boolean;
  /** How membership was decided; 'none' when nothing could decide. */
  method: Method;
  holders: Holder[];
}

/** A process or fd that could not be read or compared: an error row, never a verdict. */
export interface ScanError {
  pid: number;
  fd: number | null;
  /** readdir, readlink, stat, fdinfo, kcmp, identity (pid reused), … */
  syscall: string;
  errno: string;
  message: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  /** Set when this process shares its fd table with process `fdTableOf` (CLONE_FILES): its fds are
   * listed once, under that process. */
  fdTableOf?: number;
}

/** Counts over the whole scan, also when only shared descriptions are listed. */
export interface FdsStats {
  processes: number;
  /** fds grouped into descriptions (errors not included) */
  fds: number;
  descriptions: number;
  /** descriptions held by more than one fd */
  shared: number;
  errors: number;
  /** kcmp calls (fd tables and fds) */
  comparisons: number;
  /** The identity engine that ran (fd-engine.ts): kcmp, borrow, bpf, or none (nothing could compare). */
  engine: EngineName;
  elapsedMs: number;
}

export interface FdsReport {
  schema: typeof FDS_SCHEMA;
  /** Every scanned process (for pictures and leak reports: parent links). */
  processes: ProcessInfo[];
  descriptions: Description[];
  errors: ScanError[];
  stats: FdsStats;
}

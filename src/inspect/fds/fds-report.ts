/**
 * The `kcmp.fds/1` report: every fd of the selected processes, grouped into open file descriptions.
 * This is the JSON contract of DESIGN.md (stable; additive changes only, anything else bumps the schema).
 */
import type { Method } from '../../compare/types.js';
import type { SocketInfo } from '../../netlink/socket-info.js';
import type { EngineName } from './fd-engine.js';

export const FDS_SCHEMA = 'kcmp.fds/1';

/** One fd that holds a description. `tid` is set when the fd table was reached through a thread. */
export interface Holder {
  pid: number;
  fd: number;
  command: string;
  tid?: number;
  /** Set when this process shares its fd table with another (CLONE_FILES): the pid the table was read
   * under, which holds this same fd. The fd is one table entry, listed under every process holding it. */
  fdTable?: number;
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
  /** REG, DIR, FIFO, SOCK, CHR, BLK, LINK, mqueue, memfd_secret, or an anon-inode kind: eventfd,
   * eventpoll, timerfd, signalfd, inotify, pidfd, bpf-link, kvm-vcpu, … ; UNKNOWN otherwise (kinds.ts). */
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
  /** When asked for (a column needs them): the holders of the other end(s) — pipe ends, UNIX peers,
   * loopback TCP/UDP connections, ptys — among every fd scanned (fds-peers.ts). */
  peers?: Peer[];
  /** When asked for: the epoll fds watching this description, verified with KCMP_EPOLL_TFD. */
  watchers?: Peer[];
  /** On an epoll instance, when asked for: the holders of the descriptions it watches (verified). */
  watching?: Peer[];
  /** On an eventfd, when asked for: fdinfo `eventfd-id` (Linux 6.8+), one per eventfd. An eventfd cannot be
   * reopened for I/O (ENXIO), so one id is one such description: its holders are its sharers, and it has no
   * peers. An O_PATH open of its /proc link is a description of its own without this line (kinds.ts). */
  eventfdId?: number;
  /** A pipe read end all of whose writers also hold this read end: it waits for an EOF it prevents. */
  onlyWriterIsReader?: true;
  /** For a socket, when asked for (a table column needs it): what it is, from sock_diag or /proc/PID/net. */
  socket?: SocketInfo;
}

/** An fd of another description in a relation with this one (`description`: its id, null if not listed). */
export interface Peer {
  pid: number;
  fd: number;
  command: string;
  description: string | null;
}

/** A process or fd that could not be read or compared: an error row, never a verdict. */
export interface ScanError {
  pid: number;
  /** The task whose fd table the failing call read, when it was not the process's leader. */
  tid?: number;
  fd: number | null;
  /** readdir, readlink, stat, fdinfo, kcmp, identity (pid reused), …; null when no call failed (`reason`). */
  syscall: string | null;
  /** The errno the call failed with; null when none did: then `reason` says what happened. */
  errno: string | null;
  /** Set when `errno` is null: `zombie` (exited, not reaped: no fd table left), `unsettled` (what was read
   * kept changing: the fds of one file while they were compared, or a table replaced while it was listed). */
  reason?: ScanErrorReason;
  message: string;
}

export type ScanErrorReason = 'zombie' | 'unsettled';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  /** Set when this process shares its fd table with process `fdTableOf` (CLONE_FILES): the table was read
   * once, under that process, and its fds are holders of this process too (with `fdTable`). */
  fdTableOf?: number;
  /** false: its fd table could not be compared with the others' (KCMP_FILES refused, or kcmp blocked):
   * it may be one table with another process listed apart, so their fds being shared proves no leak. */
  fdTableCompared?: false;
}

/** Counts over the whole scan, also when only shared descriptions are listed. */
export interface FdsStats {
  processes: number;
  /** fds grouped into descriptions (errors not included), one per holder: an fd of a table that two
   * processes share counts for each */
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

/**
 * The `kcmp.fds/2` report: every fd of the selected processes, grouped into open file descriptions.
 * This is a JSON contract (stable; additive changes only, anything else bumps the schema).
 */
import type { Method } from '../../compare/types.js';
import type { SocketInfo } from '../../netlink/socket-info.js';
import type { FileStat } from '../../procfs/file-stat.js';
import type { FileTypeName, StatTypeName } from '../../procfs/kinds.js';
import type { ErrnoName } from '../../sys/errno.js';
import type { EngineName } from './fd-engine.js';

/** The `schema` of an {@link FdsReport}. */
export const FDS_SCHEMA = 'kcmp.fds/2';

/** One fd that holds a description. `tid` is set when the fd table was reached through a thread, and on
 * every holder of a process that has more than one fd table (a thread unshared it). */
export interface Holder {
  /** The process holding the fd. */
  pid: number;
  /** The fd number in its table. */
  fd: number;
  /** The process's command (`comm`). */
  command: string;
  /** The thread whose fd table was read, when it was not the leader (a thread that unshared its table). */
  tid?: number;
  /** Set when this process shares its fd table with another (CLONE_FILES): the pid this same fd is listed
   * under without `fdTable` (the table's reader, or the first sharer still holding it if the reader exited
   * after it was read). The fd is one table entry, listed under every process holding it and counted once:
   * counts (`stats.fds`, HOLDERS) leave out the holders that have `fdTable`. */
  fdTable?: number;
  /** From /proc/TID/fdinfo/FD, only when asked for (a table column needs it); absent if unreadable. */
  pos?: number;
  /** The description's f_flags without O_CLOEXEC (octal in fdinfo), e.g. 0o100002. */
  flags?: number;
  /** This fd's close-on-exec bit (per fd, not per description). */
  cloexec?: boolean;
  /** The mount id of the file (fdinfo `mnt_id:`), as in /proc/PID/mountinfo. */
  mntId?: number;
  /** Only with `-J -o MODE`: the access mode (`r`, `w`, `rw`, `-` for O_PATH), as the table shows it. */
  mode?: string;
  /** Only with `-J -o PPID`: the holder's parent process. */
  ppid?: number;
  /** Only with `-J -o USER`: the name of the holder's effective uid (the number when it has none). */
  user?: string;
  /** Only with `-J -o UID`: the holder's effective uid (as ps shows it). */
  uid?: number;
  /** Only with `-J -o CMDLINE`: the holder's /proc/PID/cmdline, arguments joined by spaces. */
  cmdline?: string;
  /** The exact bytes of `cmdline`, base64, when they are not valid UTF-8 (`cmdline` has U+FFFD for each bad one). */
  cmdlineBytes?: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
}

/**
 * What decided a description: kcmp (kcmp calls proved its holders share it and told it from the others of
 * its inode), borrowed-dupfd-query (`--borrow`), bpf-pass (the bpf engine's pass alone: its one fd held a
 * struct file no other fd of its inode held in the pass — a live description has one address — and no
 * kcmp call was needed), different-inode (alone in its (dev, ino) bucket), socket-inode (the one I/O
 * description of a socket), o-path (an O_PATH fd beside I/O ones on a socket), or none (nothing could
 * decide).
 */
export type FdsMethod =
  | Extract<Method, 'kcmp' | 'borrowed-dupfd-query' | 'different-inode' | 'socket-inode' | 'o-path' | 'none'>
  | 'bpf-pass';

/** One open file description (the kernel's `struct file`) and every scanned fd that holds it. */
export interface Description {
  /** "d1", "d2", … in output order; stable only within one report. */
  id: string;
  /** What kind of file (lsfd's TYPE): a {@link KindName} — REG, DIR, FIFO, CHR, BLK, LINK, mqueue,
   * memfd_secret, or an anon-inode kind: eventfd, eventpoll, timerfd, signalfd, inotify, pidfd, bpf-link,
   * kvm-vcpu, … ; UNKNOWN otherwise — or, for a socket, its protocol as the kernel names it (TCP, TCPv6,
   * UDP, UDP-Lite, PING, UNIX-STREAM, UNIX, NETLINK, …; SOCK when that name could not be read), as lsfd
   * prints it since 2.39. `stType` says what it is on disk: SOCK for every socket. */
  type: FileTypeName;
  /** The file type in st_mode (lsfd's STTYPE): REG, DIR, FIFO, SOCK, CHR, BLK, LINK, or UNKN (an anonymous
   * inode). Test `stType === 'SOCK'` for a socket, whatever its protocol. */
  stType: StatTypeName;
  /** The /proc/PID/fd/N link target: a path, "pipe:[123]", "socket:[456]", "anon_inode:[eventfd]". */
  name: string;
  /** The exact bytes of `name`, base64, when they are not valid UTF-8 (`name` has U+FFFD for each bad one). */
  nameBytes?: string;
  /** "major:minor" of st_dev. */
  dev: string;
  /** st_ino: shared by every description of the same inode, so equal inodes prove no sharing. */
  ino: number;
  /** false: the holders are proven to share this description, but it could not be told apart from other
   * `certain: false` descriptions of the same (dev, ino) bucket (kcmp unavailable). */
  certain: boolean;
  /** How membership was decided; 'none' when nothing could decide. */
  method: FdsMethod;
  /** The scanned fds that hold it; an fd of a table several processes share under each of them, all but
   * one marked `fdTable`. */
  holders: Holder[];
  /** When asked for (SIZE, NLINK): what stat(2) says of the file, read once for the description. */
  file?: FileStat;
  /** When asked for (a column needs them): the holders of the other end(s) — pipe ends, UNIX peers,
   * loopback TCP/UDP connections, ptys — among every process the user may read (ends held outside the
   * selection are marked `outside`; pty ends of a container's own devpts are looked for in the selection). */
  peers?: Peer[];
  /** When peers were looked for beyond the selection and a pipe, socket or pty has none: why no other end
   * is seen — {@link PeerUnseen}. */
  peerUnseen?: PeerUnseen;
  /** When asked for: the epoll fds watching this description, verified with KCMP_EPOLL_TFD. */
  watchers?: Peer[];
  /** On an epoll instance, when asked for: the holders of the descriptions it watches (verified). */
  watching?: Peer[];
  /** On an eventfd, when asked for: fdinfo `eventfd-id` (Linux 6.8+), one per eventfd. An eventfd cannot be
   * reopened for I/O (ENXIO), so one id is one such description: its holders are its sharers, and it has no
   * peers. An O_PATH open of its /proc link is a description of its own without this line. */
  eventfdId?: number;
  /** A pipe read end all of whose writers also hold this read end: it waits for an EOF it prevents. */
  onlyWriterIsReader?: true;
  /** For a socket, when asked for (a table column needs it): what it is, from sock_diag or /proc/PID/net. */
  socket?: SocketInfo;
}

/** An fd of another description in a relation with this one (`description`: its id, null if not listed). */
export interface Peer {
  /** The process holding the other fd. */
  pid: number;
  /** Its fd number. */
  fd: number;
  /** The process's command. */
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** The id of the description that fd holds, or null when it is not listed. */
  description: string | null;
  /** The process is outside the selection: found when the other end was looked for machine-wide. */
  outside?: true;
}

/**
 * Why a pipe, socket or pty shows no other end: `listening` (a listening socket: its connections are sockets of
 * their own), `unconnected` (a socket with no peer: unbound, or not connected), `remote` (connected to a socket this network namespace does not hold: another host or
 * namespace), `unreadable` (no readable process holds it, and some processes could not be read: it may be
 * held there), `no-holder` (every process was read and none holds it: closed, or held only by the kernel —
 * an fd in flight in an SCM_RIGHTS message), `unknown` (the socket could not be looked up: its family is
 * not read, or its namespace could not be entered).
 */
export type PeerUnseen = 'listening' | 'unconnected' | 'remote' | 'unreadable' | 'no-holder' | 'unknown';

/** A process or fd that could not be read or compared: an error row, never a verdict. */
export interface ScanError {
  /** The process the error concerns. */
  pid: number;
  /** The task whose fd table the failing call read, when it was not the process's leader. */
  tid?: number;
  /** The fd the error concerns, or null when it concerns the whole process or table. */
  fd: number | null;
  /** readdir, readlink, stat, fdinfo, kcmp, pidfd_getfd, …; null when no call failed (`reason`). */
  syscall: string | null;
  /** The errno the call failed with; null when none did: then `reason` says what happened. */
  errno: ErrnoName | null;
  /** Set when `errno` is null: `zombie` (exited, not reaped: no fd table left), `unsettled` (what was read
   * kept changing: the fds of one file while they were compared), `missed` (the scan saw no fd of a live
   * process whose /proc/PID/fd lists some: its fds are missing from the report, and the scan is no answer
   * for it), `reused` (the fd's number names another file than when it was read: closed and reused meanwhile),
   * `seccomp-kill` (not compared, and kcmp not called: a seccomp filter kills any process calling it, so
   * no errno exists), `probe-failed` (likewise, kcmp blocked and the probe that tells how could not run),
   * `not-stopped` (--stop did not hold it still: another process traces it, or it had not stopped by the
   * deadline; its fds were read, but not as an exact snapshot), `replaced` (the process exited, or its pid
   * now names another process, during the scan: its start time changed; its fds are left out). */
  reason?: ScanErrorReason;
  /** One line for people: what failed and what it means for the report. */
  message: string;
}

/** Why a scan error has no errno: see {@link ScanError.reason}. */
export type ScanErrorReason =
  | 'zombie'
  | 'unsettled'
  | 'missed'
  | 'reused'
  | 'seccomp-kill'
  | 'probe-failed'
  | 'not-stopped'
  | 'replaced';

/** A scanned process. */
export interface ProcessInfo {
  /** Its pid. */
  pid: number;
  /** Its parent's pid (0 for pid 1 and for processes whose parent is outside our PID namespace). */
  ppid: number;
  /** Its command (`comm`). */
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** Set when this process shares its fd table with process `fdTableOf` (CLONE_FILES): the table was read
   * once, its fds are counted under that process, and they are holders of this process too (with
   * `fdTable`). */
  fdTableOf?: number;
  /** false: its fd table could not be compared with the others' (KCMP_FILES refused, or kcmp blocked):
   * it may be one table with another process listed apart, so their fds being shared proves no leak. */
  fdTableCompared?: false;
}

/** Counts over the whole scan, also when only shared descriptions are listed. */
export interface FdsStats {
  /** Processes scanned. */
  processes: number;
  /** fds grouped into descriptions (errors not included), each once: an fd of a table that several
   * processes share (CLONE_FILES) counts once, though it is a holder under each. */
  fds: number;
  /** descriptions found (also those not listed) */
  descriptions: number;
  /** descriptions held by more than one fd, counted as in `fds`: two processes that share one fd table
   * hold one fd of it, not two */
  shared: number;
  /** error rows */
  errors: number;
  /** kcmp calls (fd tables and fds) */
  comparisons: number;
  /** The identity engine that ran: kcmp, borrow, bpf, or none (nothing could compare). */
  engine: EngineName;
  /** Processes searched without being named (outside the selection, or every process for objects with
   * the machine-wide selection) that could not be read: what they hold is not seen, and their errors are
   * not rows. Absent when none. */
  unsearched?: number;
  /** wall-clock time of the scan, in milliseconds */
  elapsedMs: number;
}

/**
 * What {@link inspectFds} returns (`kcmp fds --json`): the open file descriptions of the selected
 * processes with the fds holding each (only the shared ones unless `all`), and what could not be read.
 */
export interface FdsReport {
  /** Always {@link FDS_SCHEMA}. */
  schema: typeof FDS_SCHEMA;
  /** Every scanned process (for pictures and leak reports: parent links). */
  processes: ProcessInfo[];
  /** The descriptions listed: those held by more than one fd, or all of them with `all`. */
  descriptions: Description[];
  /** Processes and fds that could not be read or compared. */
  errors: ScanError[];
  /** Counts over the whole scan. */
  stats: FdsStats;
}

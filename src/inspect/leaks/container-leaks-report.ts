/**
 * The `kcmp.container-leaks/2` report: host files running containers can reach. Stable JSON contract
 * (README "kcmp leaks --container"); additive changes only.
 */
import type { FileTypeName, StatTypeName } from '../../procfs/kinds.js';
import type { FdsMethod, ScanError } from '../fds/fds-report.js';
import type { Container } from './containers.js';
import type { UndecidedProcess } from './leaks-report.js';

/** The `schema` of a {@link ContainerLeaksReport}. */
export const CONTAINER_LEAKS_SCHEMA = 'kcmp.container-leaks/2';

/**
 * What a container can reach, most dangerous first:
 *   host-directory  a directory fd shared with a process outside (CVE-2024-21626: openat(fd, "..") walks
 *                   the host's tree);
 *   foreign-cwd, foreign-root  the process's cwd or root is on a mount outside its mount namespace (what
 *                   that CVE's exploit ends in: a cwd in the host's filesystem);
 *   host-fd         any other description shared with a process outside;
 *   foreign-mount   an fd on a mount outside the container's mount namespace, shared with no one we saw;
 *   runtime-stdio   fd 0, 1 or 2 shared outside or on an outside mount: the runtime's console or log pipe,
 *                   passed on purpose — listed, not counted as found.
 */
export type ContainerLeakKind =
  | 'host-directory'
  | 'foreign-cwd'
  | 'foreign-root'
  | 'host-fd'
  | 'foreign-mount'
  | 'runtime-stdio';

export const CONTAINER_LEAK_TIER: Readonly<Record<ContainerLeakKind, number>> = {
  'host-directory': 1,
  'foreign-cwd': 1,
  'foreign-root': 1,
  'host-fd': 2,
  'foreign-mount': 2,
  'runtime-stdio': 3,
};

/** One host file a container's process can reach. */
export interface ContainerLeak {
  /** What it is, most dangerous first. */
  kind: ContainerLeakKind;
  /** 1 (most dangerous) … 3; the list is sorted by it. */
  tier: number;
  /** The container's pid (its `containers[].pid`). */
  container: number;
  /** The container process (host pid) and fd; fd null for its cwd or root. */
  pid: number;
  /** The fd (null for the cwd or root). */
  fd: number | null;
  /** The process's command (`comm`). */
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** The description's type, as in kcmp.fds/2 ("DIR", "REG", "FIFO", a socket's protocol: "TCP", …). */
  type: FileTypeName;
  /** The description's file type in st_mode, as in kcmp.fds/2 ("DIR", "REG", "SOCK", …). */
  stType: StatTypeName;
  /** The fd's link as the host reads it (a path, "pipe:[…]"), or where the cwd or root is. */
  name: string;
  /** The exact bytes of `name`, base64, when they are not valid UTF-8 (`name` has U+FFFD for each bad one). */
  nameBytes?: string;

  /** For a shared description: one holder outside the container. */
  outside: {
    /** The process outside the container (host pid). */
    pid: number;
    /** Its fd holding the same description. */
    fd: number;
    /** Its command. */
    command: string;
    /** The exact bytes of `command`, base64, when they are not valid UTF-8. */
    commandBytes?: string;
  } | null;
  /** For a file on a foreign mount: its mount id (mountinfo's first field). */
  mountId: number | null;
  /** false: the holders are proven to share, but the description could not be told apart from others. */
  certain: boolean;
  /** How the sharing was proven; 'none' for mount findings, which compare mount ids only. */
  method: FdsMethod;
}

/** An error row of the audit: one of the fds scan's, or several of them summed up in one (`fds`). */
export interface ContainerAuditError extends ScanError {
  /** Set on a row that stands for this many fds of process `pid` (`fd` is then null), each of whose
   * `syscall` failed with `errno`: an audit that compares with every host process (no -p or --tree) sums up
   * so the fds of a host process it was not asked about, one row per process and cause. */
  fds?: number;
}

/**
 * What {@link inspectContainerLeaks} returns (`kcmp leaks --container --json`): the audited containers and
 * every host file their processes can reach, most dangerous first.
 */
export interface ContainerLeaksReport {
  /** Always {@link CONTAINER_LEAKS_SCHEMA}. */
  schema: typeof CONTAINER_LEAKS_SCHEMA;
  /** The containers audited. */
  containers: Container[];
  /** The findings, sorted by `tier`. */
  leaks: ContainerLeak[];
  /** Processes and fds that could not be read or compared. Compared with every host process (no -p or
   * --tree), the rows of a host process outside the audited containers that exited, turned zombie or
   * closed an fd during the scan are left out (it holds nothing any more), and its fds' rows are summed up
   * per cause (`fds`). */
  errors: ContainerAuditError[];
  /** What leaves the audit undecided: processes that may be in an audited container but could not be
   * placed (their namespaces unreadable), container processes that could not be wholly read, and processes
   * above them (the runtime) that could not. `descendants`: the audited processes below one. */
  undecided: UndecidedProcess[];
  /** What the audit found and cost. */
  stats: {
    /** Containers audited. */
    containers: number;
    /** Processes in the fds scan: the containers' and those outside compared against. */
    processes: number;
    /** Findings other than runtime-stdio: what makes the exit code 1. */
    found: number;
    /** Findings beyond the list's limit, left out. */
    truncated: number;
    /** Error rows. */
    errors: number;
    /** Processes in `undecided`: what makes the exit code 2, whatever was found. */
    undecided: number;
    /** kcmp calls made. */
    comparisons: number;
    /** Wall-clock time of the audit, in milliseconds. */
    elapsedMs: number;
  };
}

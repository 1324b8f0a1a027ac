/**
 * The `kcmp.container-leaks/1` report: host files running containers can reach. Stable JSON contract
 * (README "kcmp leaks --container"); additive changes only.
 */
import type { Method } from '../../compare/types.js';
import type { ScanError } from '../fds/fds-report.js';
import type { Container } from './containers.js';

export const CONTAINER_LEAKS_SCHEMA = 'kcmp.container-leaks/1';

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

export interface ContainerLeak {
  kind: ContainerLeakKind;
  tier: number;
  /** The container's pid (its `containers[].pid`). */
  container: number;
  /** The container process (host pid) and fd; fd null for its cwd or root. */
  pid: number;
  fd: number | null;
  command: string;
  type: string;
  /** The fd's link as the host reads it (a path, "pipe:[…]"), or where the cwd or root is. */
  name: string;
  /** For a shared description: one holder outside the container. */
  outside: { pid: number; fd: number; command: string } | null;
  /** For a file on a foreign mount: its mount id (mountinfo's first field). */
  mountId: number | null;
  certain: boolean;
  /** How the sharing was proven; 'none' for mount findings, which compare mount ids only. */
  method: Method;
}

export interface ContainerLeaksReport {
  schema: typeof CONTAINER_LEAKS_SCHEMA;
  containers: Container[];
  leaks: ContainerLeak[];
  errors: ScanError[];
  stats: {
    containers: number;
    /** Processes in the fds scan: the containers' and those outside compared against. */
    processes: number;
    /** Findings other than runtime-stdio: what makes the exit code 1. */
    found: number;
    /** Findings beyond the list's limit, left out. */
    truncated: number;
    errors: number;
    comparisons: number;
    elapsedMs: number;
  };
}

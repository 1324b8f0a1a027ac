/**
 * "Why does my child's pipe never reach EOF?" — who holds the other end of one of this process's own fds.
 * A read end reaches EOF only when every fd of every write-end description is closed; a grandchild that
 * inherited the child's stdout keeps it open after the child exits (tinyexec #138, behind lint-staged
 * #1800). One fd scan of this process narrowed to that fd (objects.ts), its peers looked for among every
 * process this one may read (narrow.ts): each holder of the other end with its relation to this process.
 */
import { readStat } from '../../procfs/stat.js';
import type { EngineRequest } from './fd-engine.js';
import { inspectFds } from './fds.js';
import type { Description, PeerUnseen } from './fds-report.js';

/** One fd of the other end, and who holds it. */
export interface OtherEndHolder {
  /** The process holding it. */
  pid: number;
  /** Its fd number there. */
  fd: number;
  /** The process's command (`comm`). */
  command: string;
  /**
   * `self`: this process (a copy of the write end it never closed); `child`: a child of this process;
   * `descendant`: a deeper descendant; `other`: anyone else — including a descendant whose parent exited,
   * reparented to init or a subreaper (its `pgrp` equal to this process's hints it was started from here).
   */
  relation: 'self' | 'child' | 'descendant' | 'other';
  /** Its process group. */
  pgrp: number;
}

/** What {@link otherEndOf} found. */
export interface OtherEnd {
  /** The description this process's fd holds (a pipe end, a socket), as `kcmp fds PID:FD` lists it. */
  description: Description;
  /** Every fd of the other end(s), machine-wide (as far as this process may read). */
  holders: OtherEndHolder[];
  /** When `holders` is empty: why no other end is seen (see {@link PeerUnseen}). */
  unseen?: PeerUnseen;
  /** Processes that could not be read: an end held there is not seen. */
  unsearched: number;
}

/**
 * Who holds the other end of this process's fd `fd` (a pipe end, a socket): every process this one may
 * read is searched, and each holder is proven with kcmp to hold that other end's description.
 *
 * @example
 * import { spawn } from 'node:child_process';
 * const child = spawn('sh', ['-c', 'sleep 60 & echo started'], { stdio: ['ignore', 'pipe', 'inherit'] });
 * // …the child has exited, yet 'end' never comes:
 * const { holders } = await otherEndOf((child.stdout as any)._handle.fd);
 * for (const h of holders) console.log(`${h.pid} (${h.command}, ${h.relation}) holds fd ${h.fd}`);
 * @throws ProcessGoneError when `fd` is not open; InvalidArgumentError for a malformed fd.
 */
export async function otherEndOf(fd: number, options: { engine?: EngineRequest } = {}): Promise<OtherEnd> {
  const self = process.pid;
  const report = await inspectFds({
    selection: { kind: 'pids', pids: [self] },
    objects: [{ pid: self, fd }],
    peers: true,
    ...options,
  });
  const description = report.descriptions[0] as Description;
  const holders = (description.peers ?? []).map((p) => ({
    pid: p.pid,
    fd: p.fd,
    command: p.command,
    ...kinship(p.pid, self),
  }));
  return {
    description,
    holders,
    ...(description.peerUnseen && { unseen: description.peerUnseen }),
    unsearched: report.stats.unsearched ?? 0,
  };
}

/** How process `pid` is related to `self`, by its chain of parents. */
function kinship(pid: number, self: number): Pick<OtherEndHolder, 'relation' | 'pgrp'> {
  let pgrp = 0;
  let relation: OtherEndHolder['relation'] = 'other';
  try {
    const stat = readStat(pid);
    pgrp = stat.pgrp;
    if (pid === self) relation = 'self';
    else if (stat.ppid === self) relation = 'child';
    else {
      for (let p = stat.ppid, depth = 0; p > 1 && depth < 4096; depth++) {
        const parent = readStat(p).ppid;
        if (parent === self) {
          relation = 'descendant';
          break;
        }
        p = parent;
      }
    }
  } catch {
    // exited meanwhile: its relation can no longer be read
  }
  return { relation, pgrp };
}

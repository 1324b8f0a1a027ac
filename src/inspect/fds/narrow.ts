/**
 * What a scan reads beyond its selection, and which rows it keeps. Two questions reach past the selected
 * processes' own fds:
 *
 *   objects   `kcmp fds FILE…` / `PID:FD` (objects.ts): only the fds of those inodes are kept, the rest
 *             of each table is dropped right after it is read — before any kcmp call or name is read.
 *   peers     the other end of a pipe or socket may be held by a process outside the selection (a
 *             backend's client, a runner's grandchild): every other process the user may read is read
 *             too, and of its fds only those that are another end of a kept one are kept, as context —
 *             grouped like the others (so a peer is a proven description), never listed, their holders
 *             marked `outside`.
 *
 * Errors of processes the scan merely searched — the outside ones, and with objects every process of a
 * machine-wide selection — are not rows: one that exits or cannot be read is counted (`stats.unsearched`
 * when it could not be read) instead of printed one line per fd, as lsof leaves out what it cannot read.
 * A process named with -p or --tree keeps its error rows, and so does every process of a plain
 * machine-wide scan: what it could not read is part of its answer (the leak audits decide by it).
 */

import { statSync } from 'node:fs';
import type { SocketTables } from '../../netlink/socket-tables.js';
import { S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK } from '../../procfs/kinds.js';
import { type SelectedProcess, selectProcesses } from '../../procfs/select.js';
import { type FdRows, keepRows, tableOf } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';
import { inodeKey, type ResolvedObject } from './objects.js';

/**
 * The pty devices of our mount namespace's devpts instance: its /dev/pts/N (one st_dev: the instance's)
 * and the ptmx nodes that open its masters (/dev/ptmx, /dev/pts/ptmx). A pty's two ends have different
 * inodes, and which master serves which /dev/pts/N only fdinfo's tty-index tells (fds-peers.ts), so when a
 * selected fd is a pty end, every fd of this instance is kept as a possible other end. A container with a
 * devpts of its own numbers its ptys apart: its ends are looked for inside the selection only.
 */
class Ptys {
  private readonly dev: number | undefined;
  private readonly masters = new Set<string>();

  constructor() {
    this.dev = statOrUndefined('/dev/pts')?.dev;
    for (const path of ['/dev/ptmx', '/dev/pts/ptmx']) {
      const st = statOrUndefined(path);
      if (st) this.masters.add(inodeKey(st.dev, st.ino));
    }
  }

  has(dev: number, key: string): boolean {
    return dev === this.dev || this.masters.has(key);
  }
}

function statOrUndefined(path: string): { dev: number; ino: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // no devpts mounted here
  }
}

export interface Scope {
  /** The processes read: the selection, then the outside ones. */
  processes: SelectedProcess[];
  /** Processes read only for the other ends of the selection's fds (not selected). */
  outside: ReadonlySet<number>;
  /** Processes whose errors are counted, not listed: those the user did not name. */
  quiet(pid: number): boolean;
  objects: readonly ResolvedObject[];
  /** Other ends are looked for among every process the user may read. */
  peersOutside: boolean;
}

/**
 * The processes a scan reads: `selected`, and when other ends are looked for beyond a selection that is
 * not the whole machine, every other visible process (kcmp itself left out, as every listing does).
 */
export function scopeOf(
  selected: SelectedProcess[],
  machineWide: boolean,
  options: { peers: boolean | 'selection' },
  objects: readonly ResolvedObject[],
): Scope {
  const peersOutside = options.peers === true;
  const chosen = new Set(selected.map((p) => p.pid));
  const others =
    peersOutside && !machineWide ? selectProcesses({ kind: 'all' }).filter((p) => !chosen.has(p.pid)) : [];
  const outside = new Set(others.map((p) => p.pid));
  const searchedOnly = machineWide && objects.length > 0;
  return {
    processes: [...selected, ...others],
    outside,
    quiet: (pid) => searchedOnly || outside.has(pid),
    objects,
    peersOutside,
  };
}

/**
 * The rows the scope keeps: the selection's (those of the objects' inodes, when objects are asked; an fd
 * whose stat failed stays, an error row), then, when other ends are looked for, every row of another
 * end of a kept row — a pipe's inode (its other descriptions: the other access mode), a socket's peer
 * (unix_diag's peer inode, or the loopback connection's other socket), the ptys of our devpts — marked as
 * context.
 */
export function narrowRows(rows: FdRows, scope: Scope, sockets: SocketTables): FdRows {
  if (scope.objects.length === 0 && scope.outside.size === 0) return rows;
  const selected = (t: FdTable) =>
    !scope.outside.has(t.pid) || t.sharedBy.some((pid) => !scope.outside.has(pid));
  const objectKeys = new Set(scope.objects.map((o) => inodeKey(o.dev, o.ino)));
  const n = rows.fd.length;
  const keep = new Uint8Array(n);
  const wanted = new Set<string>();
  const askedSockets = new Set<number>();
  const ptys = new Ptys();
  let wantPtys = false;
  for (let row = 0; row < n; row++) {
    const table = tableOf(rows, row);
    if (!selected(table)) continue;
    if (rows.errno[row] !== 0) {
      keep[row] = 1;
      continue;
    }
    const [dev, ino] = [rows.dev[row] as number, rows.ino[row] as number];
    const key = inodeKey(dev, ino);
    if (objectKeys.size > 0 && !objectKeys.has(key)) continue;
    keep[row] = 1;
    if (!scope.peersOutside) continue;
    const type = (rows.mode[row] as number) & S_IFMT;
    if (type === S_IFIFO) wanted.add(key);
    else if (type === S_IFCHR && ptys.has(dev, key)) wantPtys = true;
    else if (type === S_IFSOCK && !askedSockets.has(ino)) {
      askedSockets.add(ino);
      // Every socket lives on the one sockfs superblock: its peer has the same st_dev.
      const other = sockets.otherEnd(table.tid, ino);
      if (other !== undefined) wanted.add(inodeKey(dev, other));
    }
  }
  for (let row = 0; row < n; row++) {
    if (keep[row] !== 0 || rows.errno[row] !== 0) continue;
    const [dev, key] = [rows.dev[row] as number, inodeKey(rows.dev[row] as number, rows.ino[row] as number)];
    if (wanted.has(key) || (wantPtys && ptys.has(dev, key))) keep[row] = 2;
  }
  return keepRows(rows, keep);
}

/**
 * Peers: the holders of the OTHER end of a description — a relation apart from sharing (holders of the
 * SAME description, proven with kcmp). Found among every description of the scan (listed or not):
 *
 *   pipe, FIFO   one inode, two kinds of description: those opened for reading and those opened for
 *                writing (O_RDWR: both), told apart by the access mode in fdinfo `flags`. The readers'
 *                peers are the writers and back. A read end every writer of which also holds that read end
 *                is flagged (`onlyWriterIsReader`): it waits for an EOF it prevents itself.
 *   UNIX socket  unix_diag's UNIX_DIAG_PEER inode: socketpair ends, a client and its accepted socket.
 *   TCP, UDP     a connected socket whose (local, remote) is another's (remote, local) in the same network
 *                namespace: both ends of a loopback connection inside the selection.
 *   pty          a /dev/ptmx description's fdinfo `tty-index: N` (4.17+) and the /dev/pts/N descriptions
 *                of holders in the same mount namespace (one devpts instance numbers its ptys uniquely).
 *   epoll        the epoll instances watching a description (`watchers`), from each epoll's fdinfo `tfd`
 *                lines, each verified with kcmp(KCMP_EPOLL_TFD) against the candidate (fds-watchers.ts).
 * An eventfd cannot be reopened (ENXIO) and an O_PATH fd on one is not an eventfd: its only other
 * "ends" are its sharers. O_PATH descriptions are no end of anything.
 */

import type { SocketInfo } from '../../netlink/socket-info.js';
import type { SocketTables } from '../../netlink/socket-tables.js';
import { accessMode, readFdInfo, readFdInfoLine } from '../../procfs/fdinfo.js';
import type { FdColumns } from '../../procfs/fds.js';
import { S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK } from '../../procfs/kinds.js';
import { namespaceOf } from '../../procfs/namespaces.js';
import type { PeerUnseen } from './fds-report.js';

/** One fd of a description, as the peer finders need it. */
export interface Slot {
  pid: number;
  tid: number;
  fd: number;
}

export interface PeerScan<D> {
  /** Every description of the scan, with its fds. */
  descriptions: readonly D[];
  slots(d: D): ArrayLike<number>;
  at(slot: number): Slot;
  cols: FdColumns;
  /** The link target of a slot's fd ('' if it is gone). */
  link(slot: number): string;
  sockets: SocketTables;
}

export interface Peers<D> {
  peers: Map<D, D[]>;
  onlyWriterIsReader: Set<D>;
}

export function findPeers<D>(scan: PeerScan<D>): Peers<D> {
  const found: Peers<D> = { peers: new Map(), onlyWriterIsReader: new Set() };
  const link = (a: D, b: D) => {
    if (a === b) return;
    const list = found.peers.get(a) ?? [];
    if (!list.includes(b)) found.peers.set(a, [...list, b]);
  };
  // one pass over every description: only these three kinds have other ends
  const pipes: D[] = [];
  const sockets: D[] = [];
  const devices: D[] = [];
  for (const d of scan.descriptions) {
    const type = (scan.cols.mode[first(scan, d)] as number) & S_IFMT;
    if (type === S_IFIFO) pipes.push(d);
    else if (type === S_IFSOCK) sockets.push(d);
    else if (type === S_IFCHR) devices.push(d);
  }
  pipePeers(scan, pipes, found, link);
  socketPeers(scan, sockets, link);
  ptyPeers(scan, devices, link);
  return found;
}

function both<D>(link: (a: D, b: D) => void, a: D, b: D): void {
  link(a, b);
  link(b, a);
}

function first<D>(scan: PeerScan<D>, d: D): number {
  return scan.slots(d)[0] as number;
}

/** The access mode of a description ('' if its fdinfo could not be read: it is then no end). */
function modeOf<D>(scan: PeerScan<D>, d: D): string {
  const { tid, fd } = scan.at(first(scan, d));
  try {
    return accessMode(readFdInfo(tid, fd).flags);
  } catch {
    return '';
  }
}

function pipePeers<D>(scan: PeerScan<D>, pipes: readonly D[], found: Peers<D>, link: (a: D, b: D) => void) {
  const byInode = new Map<string, D[]>();
  for (const d of pipes) {
    const s = first(scan, d);
    const key = `${scan.cols.dev[s]}:${scan.cols.ino[s]}`;
    const group = byInode.get(key);
    if (group) group.push(d);
    else byInode.set(key, [d]);
  }
  for (const group of byInode.values()) {
    if (group.length < 2) continue;
    const modes = group.map((d) => modeOf(scan, d));
    const readers = group.filter((_, i) => modes[i]?.includes('r'));
    const writers = group.filter((_, i) => modes[i]?.includes('w'));
    for (const r of readers) for (const w of writers) both(link, r, w);
    const pids = (d: D) => Array.from(scan.slots(d), (s) => scan.at(s).pid);
    for (const r of readers) {
      const readerPids = new Set(pids(r));
      const others = writers.filter((w) => w !== r);
      if (others.length > 0 && others.every((w) => pids(w).every((p) => readerPids.has(p))))
        found.onlyWriterIsReader.add(r);
    }
  }
}

function socketPeers<D>(scan: PeerScan<D>, sockets: readonly D[], link: (a: D, b: D) => void) {
  const byInode = new Map<number, D>();
  const byTuple = new Map<string, D>();
  const info = new Map<D, SocketInfo>();
  const tuple = (s: SocketInfo, local: boolean) => {
    const [a, b] = local ? [s.local, s.remote] : [s.remote, s.local];
    return `${s.netns} ${s.protocol} ${a?.address}:${a?.port} ${b?.address}:${b?.port}`;
  };
  for (const d of sockets) {
    const s = first(scan, d);
    byInode.set(scan.cols.ino[s] as number, d);
    const socket = scan.sockets.find(scan.at(s).tid, scan.cols.ino[s] as number);
    if (socket === undefined || !('ino' in socket)) continue;
    info.set(d, socket);
    if (socket.remote && socket.local) byTuple.set(tuple(socket, true), d);
  }
  for (const [d, socket] of info) {
    const other =
      socket.peer !== undefined
        ? byInode.get(socket.peer)
        : socket.remote
          ? byTuple.get(tuple(socket, false))
          : undefined;
    if (other !== undefined) link(d, other);
  }
}

function mountNamespace(pid: number): string {
  try {
    return namespaceOf(pid, 'mnt');
  } catch {
    return `unreadable ${pid}`; // matches nothing else
  }
}

function ptyPeers<D>(scan: PeerScan<D>, devices: readonly D[], link: (a: D, b: D) => void) {
  const masters = new Map<string, D[]>();
  const slaves: [string, D][] = [];
  for (const d of devices) {
    const s = first(scan, d);
    const name = scan.link(s);
    const { pid, tid, fd } = scan.at(s);
    const pts = /^\/dev\/pts\/(\d+)$/.exec(name);
    if (pts) slaves.push([`${mountNamespace(pid)} ${pts[1]}`, d]);
    else if (/^\/dev\/(pts\/)?ptmx$/.test(name)) {
      let index = '';
      try {
        index = readFdInfoLine(tid, fd, 'tty-index');
      } catch {
        // closed since the scan
      }
      if (index === '') continue;
      const key = `${mountNamespace(pid)} ${index}`;
      masters.set(key, [...(masters.get(key) ?? []), d]);
    }
  }
  for (const [key, slave] of slaves) {
    for (const master of masters.get(key) ?? []) both(link, master, slave);
  }
}

/**
 * Why description `d`, a pipe, socket or pty end, shows no other end after every process the user may read was
 * searched; undefined for other kinds, and for a FIFO opened O_RDWR (it is its own other end). A pipe end
 * with no other end found has no holder (`no-holder`; the caller turns it into `unreadable` when some
 * processes could not be read). A socket says what its table says: no peer, a remote one, or one no
 * process was found holding.
 */
export function peerUnseen<D>(scan: PeerScan<D>, d: D): PeerUnseen | undefined {
  const s = first(scan, d);
  const type = (scan.cols.mode[s] as number) & S_IFMT;
  if (type === S_IFIFO) return modeOf(scan, d) === 'rw' ? undefined : 'no-holder';
  if (type === S_IFCHR)
    return /^\/dev\/pts\/(\d+|ptmx)$|^\/dev\/ptmx$/.test(scan.link(s)) ? 'no-holder' : undefined;
  if (type !== S_IFSOCK) return undefined;
  const { tid } = scan.at(s);
  const ino = scan.cols.ino[s] as number;
  const socket = scan.sockets.find(tid, ino);
  if (socket === undefined || !('ino' in socket)) return 'unknown';
  if (socket.peer !== undefined && socket.peer !== 0) return 'no-holder';
  if (socket.state === 'LISTEN') return 'listening';
  if (!socket.remote) return 'unconnected';
  return scan.sockets.otherEnd(tid, ino) === undefined ? 'remote' : 'no-holder';
}

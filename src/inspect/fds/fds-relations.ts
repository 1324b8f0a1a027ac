/**
 * Socket names (fds-sockets.ts), then peers, epoll watchers (and, on each epoll, what it watches) and
 * eventfd ids, added to the listed descriptions (by their key, the first holder's row): the finders
 * (fds-peers.ts, fds-watchers.ts) look at every description the scan kept, by key, so the other end of a
 * listed pipe is found even where that end is held once and not listed itself (its `description` is then
 * null).
 */

import type { SocketTables } from '../../netlink/socket-tables.js';
import { readFdInfoLine } from '../../procfs/fdinfo.js';
import { S_IFMT } from '../../procfs/kinds.js';
import { type FdRows, tableOf } from './fd-rows.js';
import { findPeers, peerUnseen, type Slot } from './fds-peers.js';
import type { Description, Peer, ScanError } from './fds-report.js';
import { nameSockets } from './fds-sockets.js';
import { findWatchers } from './fds-watchers.js';
import { LinkReader } from './names.js';

export interface RelationScan {
  rows: FdRows;
  /** Every description the scan kept, by its key (its first holder's row), with its rows (describe.ts). */
  kept: { keys: readonly number[]; members(key: number): ArrayLike<number> };
  command(pid: number): string;
  /** Processes read only for the other ends: their holders are peers marked `outside`. */
  outside: ReadonlySet<number>;
  /** The scan's socket tables (read for the narrowing already, narrow.ts). */
  sockets: SocketTables;
}

/**
 * Names the sockets and/or finds the peers of the listed descriptions (`listed`, by key), as asked (`borrow`:
 * a socket may be borrowed to name it), adding them to those descriptions; the socket tables are read once
 * for both. The error rows it makes.
 */
export function describeRelations(
  listed: ReadonlyMap<number, Description>,
  scan: RelationScan,
  options: { sockets: boolean; peers: boolean | 'selection'; borrow: boolean },
): ScanError[] {
  const errors = options.sockets ? nameSockets(listed.values(), scan.sockets, options.borrow) : [];
  if (options.peers) addRelations(listed, scan, options.peers === true);
  return errors;
}

/** fdinfo `eventfd-id` (6.8+; '' before, or if the fd is gone): one id per eventfd context. */
function eventfdIdOf({ tid, fd }: Slot): string {
  try {
    return readFdInfoLine(tid, fd, 'eventfd-id');
  } catch {
    return '';
  }
}

/** Adds peers, watchers and eventfd ids; `searched`: other ends were looked for beyond the selection,
 * so a pipe or socket without one says why (peerUnseen). */
function addRelations(listed: ReadonlyMap<number, Description>, scan: RelationScan, searched: boolean) {
  const { kept } = scan;
  const links = new LinkReader(scan.rows);
  try {
    const at = (row: number): Slot => {
      const { pid, tid } = tableOf(scan.rows, row);
      return { pid, tid, fd: scan.rows.fd[row] as number };
    };
    const link = (row: number) => links.of(row);
    const peerScan = {
      descriptions: kept.keys,
      slots: (key: number) => kept.members(key),
      at,
      cols: scan.rows,
      link,
      sockets: scan.sockets,
    };
    const { peers, onlyWriterIsReader } = findPeers(peerScan);
    const first = (key: number) => kept.members(key)[0] as number;
    const anonymous = kept.keys.filter((key) => ((scan.rows.mode[first(key)] as number) & S_IFMT) === 0);
    const epolls = anonymous.filter((key) => link(first(key)) === 'anon_inode:[eventpoll]');
    const watchers = findWatchers(peerScan, epolls);

    // The fds `slots` of description `key` appended to `out` as peers (one array per relation written,
    // not one per description related and another to join them).
    const addHolders = (out: Peer[], key: number, slots: ArrayLike<number> = kept.members(key)): Peer[] => {
      const description = listed.get(key)?.id ?? null;
      for (let i = 0; i < slots.length; i++) {
        const { pid, fd } = at(slots[i] as number);
        const peer: Peer = { pid, fd, command: scan.command(pid), description };
        if (scan.outside.has(pid)) peer.outside = true;
        out.push(peer);
      }
      return out;
    };
    const holders = (keys: readonly number[]): Peer[] => {
      const out: Peer[] = [];
      for (const key of keys) addHolders(out, key);
      return out;
    };
    const watching = new Map<number, number[]>();
    for (const [target, list] of watchers) {
      for (const { epoll } of list) {
        const targets = watching.get(epoll);
        if (targets) targets.push(target);
        else watching.set(epoll, [target]);
      }
    }
    const none: readonly number[] = [];
    for (const [key, description] of listed) {
      const eventfdId = description.type === 'eventfd' ? eventfdIdOf(at(first(key))) : '';
      description.peers = holders(peers.get(key) ?? none);
      const unseen = searched && description.peers.length === 0 ? peerUnseen(peerScan, key) : undefined;
      if (unseen) description.peerUnseen = unseen;
      description.watchers = [];
      for (const w of watchers.get(key) ?? []) addHolders(description.watchers, w.epoll, [w.slot]);
      const watched = watching.get(key);
      if (watched) description.watching = holders(watched);
      if (onlyWriterIsReader.has(key)) description.onlyWriterIsReader = true;
      if (eventfdId !== '') description.eventfdId = Number(eventfdId);
    }
  } finally {
    links.close();
  }
}

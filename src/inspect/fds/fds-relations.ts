/**
 * Socket names (fds-sockets.ts), then peers, epoll watchers (and, on each epoll, what it watches) and
 * eventfd ids, attached to the listed descriptions of a finished report: the finders
 * (fds-peers.ts, fds-watchers.ts) look at every description the scan kept, so the other end of a listed
 * pipe is found even where that end is held once and not listed itself (its `description` is then null).
 */
import { SocketTables } from '../../netlink/socket-tables.js';
import { readFdInfoLine } from '../../procfs/fdinfo.js';
import { type FdRows, tableOf } from './fd-rows.js';
import { findPeers, type Slot } from './fds-peers.js';
import type { FdsReport, Peer } from './fds-report.js';
import { nameSockets } from './fds-sockets.js';
import { findWatchers } from './fds-watchers.js';
import { LinkReader } from './names.js';

/** A description of the scan, as its rows (first holder first). */
export interface DescriptionRows {
  rows: readonly number[];
}

export interface RelationScan {
  rows: FdRows;
  kept: readonly DescriptionRows[];
  /** The listed drafts, in the order of the report's descriptions. */
  listed: readonly DescriptionRows[];
  command(pid: number): string;
}

/** Names the sockets and/or finds the peers, as asked; the socket tables are read once for both. */
export function describeRelations(
  report: FdsReport,
  scan: RelationScan,
  options: { sockets: boolean; peers: boolean },
): FdsReport {
  const tables = new SocketTables();
  try {
    const named = options.sockets ? nameSockets(report, tables) : report;
    return options.peers ? withRelations(named, scan, tables) : named;
  } finally {
    tables.close();
  }
}

/** fdinfo `eventfd-id` (6.8+; '' before, or if the fd is gone): one id per eventfd context. */
function eventfdIdOf({ tid, fd }: Slot): string {
  try {
    return readFdInfoLine(tid, fd, 'eventfd-id');
  } catch {
    return '';
  }
}

function withRelations(report: FdsReport, scan: RelationScan, sockets: SocketTables): FdsReport {
  const links = new LinkReader(scan.rows);
  try {
    const at = (row: number): Slot => {
      const { pid, tid } = tableOf(scan.rows, row);
      return { pid, tid, fd: scan.rows.fd[row] as number };
    };
    const link = (row: number) => links.of(row);
    const peerScan = {
      descriptions: scan.kept,
      slots: (d: DescriptionRows) => d.rows,
      at,
      cols: scan.rows,
      link,
      sockets,
    };
    const { peers, onlyWriterIsReader } = findPeers(peerScan);
    const anonymous = scan.kept.filter(
      (d) => ((scan.rows.mode[d.rows[0] as number] as number) & 0o170000) === 0,
    );
    const epolls = anonymous.filter((d) => link(d.rows[0] as number) === 'anon_inode:[eventpoll]');
    const watchers = findWatchers(peerScan, epolls);

    const ids = new Map(scan.listed.map((d, i) => [d, report.descriptions[i]?.id ?? null]));
    const holders = (d: DescriptionRows, slots: readonly number[] = d.rows): Peer[] =>
      slots.map((slot) => {
        const { pid, fd } = at(slot);
        return { pid, fd, command: scan.command(pid), description: ids.get(d) ?? null };
      });
    const watching = new Map<DescriptionRows, DescriptionRows[]>();
    for (const [target, list] of watchers) {
      for (const { epoll } of list) watching.set(epoll, [...(watching.get(epoll) ?? []), target]);
    }
    const descriptions = report.descriptions.map((description, i) => {
      const draft = scan.listed[i] as DescriptionRows;
      const eventfdId = description.type === 'eventfd' ? eventfdIdOf(at(draft.rows[0] as number)) : '';
      return {
        ...description,
        peers: (peers.get(draft) ?? []).flatMap((p) => holders(p)),
        watchers: (watchers.get(draft) ?? []).flatMap((w) => holders(w.epoll, [w.slot])),
        ...(watching.has(draft) && { watching: (watching.get(draft) ?? []).flatMap((t) => holders(t)) }),
        ...(onlyWriterIsReader.has(draft) && { onlyWriterIsReader: true as const }),
        ...(eventfdId !== '' && { eventfdId: Number(eventfdId) }),
      };
    });
    return { ...report, descriptions };
  } finally {
    links.close();
  }
}

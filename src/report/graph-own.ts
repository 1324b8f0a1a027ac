/**
 * What a process holds alone — descriptions with one holder — as lines of its box. They are never nodes of
 * their own (a server's picture stays the size of its sharing), but some are always named: listening
 * sockets, also when only one process holds them (a PostgreSQL postmaster's listeners are its own), since
 * a reader looks for them first; and an end whose other end is drawn (a pipe's read end, where the write
 * end is a node), since a peer edge ends in this box and the line says which fd it is. The rest are
 * counted ("+4 unshared fds"), or with `--all` listed, the first UNSHARED_LISTED by fd.
 */
import type { Description } from '../inspect/fds/fds-report.js';
import { socketName } from '../netlink/socket-info.js';
import { plural } from './graph.js';
import { shortName } from './graph-names.js';

/** At most this many unshared fds are listed on a process's node (with `--all`); the rest are counted. */
export const UNSHARED_LISTED = 6;

/** What a box says of the fds its process holds alone. */
export interface OwnFds {
  /** "fd 5 SOCK TCP 127.0.0.1:5432 (LISTEN)": its listeners and linked ends, with `--all` its other fds. */
  lines: string[];
  /** How many are neither listed nor listeners: counted in the box. */
  rest: number;
}

const fdOf = (d: Description): number => d.holders[0]?.fd ?? -1;

/** A description's name as the table's NAME shows it: a socket as sock_diag names it ("TCP
 * 127.0.0.1:8080 (LISTEN)"), anything else by its /proc/PID/fd link ("/var/log/x.log", "pipe:[123]"). */
export function descriptionName(d: Description): string {
  return d.socket ? socketName(d.socket) : d.name;
}

/** A description's TYPE and `name` in one line: "fd 3 REG /var/log/x.log" — but "TCP 127.0.0.1:80
 * (LISTEN)", not "TCP TCP …", for a socket whose name begins with its protocol (its TYPE). */
export function typeAndName(d: Description, name: string): string {
  return d.stType === 'SOCK' && name.startsWith(d.type) ? name : `${d.type} ${name}`;
}

/** A listening socket (TCP, UNIX, …), as sock_diag named it. */
function listening(d: Description): boolean {
  return d.socket?.state === 'LISTEN';
}

/**
 * The lines and count of a process's unshared fds: listeners and the ends `linked` says a peer edge joins,
 * then with `listAll` (`--all`) the others up to UNSHARED_LISTED.
 */
export function ownFds(
  own: readonly Description[],
  listAll: boolean,
  linked: (d: Description) => boolean,
): OwnFds {
  const sorted = [...own].sort((a, b) => fdOf(a) - fdOf(b));
  const always = sorted.filter((d) => listening(d) || linked(d));
  const others = sorted.filter((d) => !always.includes(d));
  const more = listAll ? others.slice(0, Math.max(0, UNSHARED_LISTED - always.length)) : [];
  const listed = new Set([...always, ...more]);
  return {
    lines: sorted
      .filter((d) => listed.has(d))
      .map((d) => `fd ${fdOf(d)} ${typeAndName(d, shortName(descriptionName(d), 40))}`),
    rest: sorted.length - listed.size,
  };
}

/**
 * The line counting what a box leaves unlisted, or none: "+4 unshared fds", "+2 more unshared fds" after
 * listed ones; on a folded box the count of each member, "+3 unshared fds each" or "+2–5 … each".
 */
export function restLine(rests: readonly number[], listAll: boolean): string[] {
  const low = Math.min(...rests);
  const high = Math.max(...rests);
  if (high === 0) return [];
  const what = listAll ? 'more unshared fd' : 'unshared fd';
  const each = rests.length > 1 ? ' each' : '';
  if (low === high) return [`+${plural(high, what)}${each}`];
  return [`+${low}–${high} ${what}s${each}`];
}

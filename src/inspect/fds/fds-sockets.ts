/**
 * Sockets named: each listed socket description gains its `socket` object (protocol, state, addresses,
 * UNIX path and peer, network namespace and how it was found) from the socket tables (src/netlink), looked
 * for where the socket can be, cheapest first:
 *
 *   holder     the namespaces of its holders — where a socket almost always is;
 *   scan       ours, then the namespace of every process this user may read: a socket passed over
 *              SCM_RIGHTS, or inherited across unshare(CLONE_NEWNET), lives in the namespace it was created
 *              in, not necessarily its holders';
 *   borrowed   only when asked (`--borrow`): a copy of the socket borrowed with pidfd_getfd names its own
 *              namespace (SIOCGSKNS) — found even when no process is in it. Borrowing re-tags the
 *              target's socket (cgroup classid and netprio, __receive_sock), so it is never done unasked.
 *
 * The description's `type` is the protocol the kernel named the socket after (describe.ts), so the family
 * to read is known; a socket no table lists (unbound, or in a namespace not reached) keeps that protocol
 * alone (`source: 'protoname'`), as lsfd's TYPE does. A socket whose holders' namespaces could not be read
 * at all, or that is missing from the /proc/PID/net tables read instead of sock_diag (setns refused), and
 * that no other namespace lists, is an error row; so is a borrowing that failed.
 */

import { fstatSync } from 'node:fs';
import { withBorrowedFd } from '../../compare/borrow.js';
import { ProcessGoneError } from '../../errors.js';
import type { NetnsFrom, SocketInfo } from '../../netlink/socket-info.js';
import type { SocketTables } from '../../netlink/socket-tables.js';
import { type ErrnoName, errnoMessage, errnoName } from '../../sys/errno.js';
import { O_PATH, sysClose, sysGetFl } from '../../sys/fcntl.js';
import { sysSocketNetns } from '../../sys/netlink.js';
import { SysError } from '../../sys/sys-error.js';
import type { Description, ScanError } from './fds-report.js';

/** Why a socket has no name: the call that failed and its errno (null: the call was not made, since a
 * seccomp filter would kill this process for it). */
interface Why {
  syscall: string;
  errno: string | null;
}

/**
 * Adds its `socket` to each socket description of `descriptions`, borrowing a copy of a socket that no
 * table of a namespace reached lists if `borrow` (the user asked for the borrow engine); the error rows of
 * those left unnamed.
 */
export function nameSockets(
  descriptions: Iterable<Description>,
  tables: SocketTables,
  borrow: boolean,
): ScanError[] {
  const sockets: Description[] = [];
  const located: Located[] = [];
  // A socket's namespace found for one of its descriptions is that of its others (O_PATH opens of its
  // /proc link, which no borrowed copy can be asked about)
  const inNamespace = new Map<number, SocketInfo>();
  for (const d of descriptions) {
    if (d.stType !== 'SOCK') continue;
    const found = locate(d, tables, borrow);
    sockets.push(d);
    located.push(found);
    if (found.socket?.netns !== undefined) inNamespace.set(d.ino, found.socket);
  }
  const errors: ScanError[] = [];
  sockets.forEach((d, i) => {
    const found = located[i] as Located;
    const socket =
      found.socket?.netns === undefined ? (inNamespace.get(d.ino) ?? found.socket) : found.socket;
    if (socket) d.socket = socket;
    const first = d.holders[0];
    if (found.why && socket?.netns === undefined && first)
      errors.push(unnamed(d, first.pid, first.fd, found.why));
  });
  return errors;
}

/** Where a socket was found, and why it was not where it was looked for. */
interface Located {
  socket: SocketInfo | undefined;
  why: Why | undefined;
}

/** The socket of `d` where it is found, cheapest place first (see the header), and why it is not. */
function locate(d: Description, tables: SocketTables, borrow: boolean): Located {
  const protocol = d.type === 'SOCK' ? undefined : d.type;
  let why: Why | undefined;
  for (const h of d.holders) {
    const tid = h.tid ?? h.pid;
    const found = tables.find(tid, d.ino, protocol);
    if (found !== undefined && 'ino' in found) return { socket: foundFrom(found, 'holder'), why: undefined };
    why ??= found ?? tables.fallback(tid);
  }
  const elsewhere = tables.findElsewhere(d.ino, protocol);
  if (elsewhere) return { socket: foundFrom(elsewhere, 'scan'), why: undefined };
  const borrowed = borrow ? borrowedSocket(d, tables, protocol) : undefined;
  if (borrowed === undefined || 'errno' in borrowed)
    return { socket: protocolOnly(d.ino, protocol), why: borrowed ?? why };
  // its namespace read, and in none of its tables: unbound (or of a family no table lists)
  const socket = borrowed.socket
    ? foundFrom(borrowed.socket, 'borrowed')
    : protocolOnly(d.ino, protocol, borrowed.netns);
  return { socket, why: undefined };
}

/** A socket found in a table, said how its namespace was found: the tables' own object, which a socket
 * is almost always found through once (a copy when it was found another way before). */
function foundFrom(found: SocketInfo, netnsFrom: NetnsFrom): SocketInfo {
  if (found.netnsFrom === undefined) found.netnsFrom = netnsFrom;
  return found.netnsFrom === netnsFrom ? found : { ...found, netnsFrom };
}

/** What is known of a socket no table lists: its protocol, and its namespace when borrowing told it. */
function protocolOnly(ino: number, protocol: string | undefined, netns?: number): SocketInfo | undefined {
  if (protocol === undefined) return undefined;
  if (netns === undefined) return { ino, protocol, source: 'protoname' };
  return { ino, protocol, netns, netnsFrom: 'borrowed', source: 'protoname' };
}

/**
 * The socket of `d` in its own network namespace, asked of a copy borrowed from one of its holders:
 * SIOCGSKNS names the namespace, its tables the socket (absent when they do not list it); or why not. A
 * holder gone, whose fd no longer holds the socket (closed, or reused since the scan), or whose fd is an
 * O_PATH one, is passed over: undefined when none is left.
 */
function borrowedSocket(
  d: Description,
  tables: SocketTables,
  protocol: string | undefined,
): { netns: number; socket?: SocketInfo } | Why | undefined {
  let why: Why | undefined;
  for (const h of d.holders) {
    let asked: ReturnType<typeof withBorrowedFd<number | undefined>>;
    try {
      // an O_PATH copy is no socket to ask (SIOCGSKNS on it: EBADF): its I/O description is asked instead
      asked = withBorrowedFd({ pid: h.pid, task: h.tid ?? h.pid, fd: h.fd }, (fd) =>
        fstatSync(fd).ino === d.ino && (sysGetFl(fd) & O_PATH) === 0 ? sysSocketNetns(fd) : undefined,
      );
    } catch (error) {
      if (error instanceof ProcessGoneError || (error instanceof SysError && error.errno === 'EBADF'))
        continue;
      if (error instanceof SysError) return { syscall: error.syscall, errno: error.errno };
      throw error;
    }
    if (asked === undefined) continue;
    if (typeof asked !== 'number') return asked;
    if (asked >= 0) {
      const nsfd = asked;
      // a raw fd of ours, not node:fs's: closed with close(2); fstat reads its inode all the same
      const close = () => sysClose(nsfd);
      return tables.findInNamespace({ fd: nsfd, netns: fstatSync(nsfd).ino, close }, d.ino, protocol);
    }
    why = { syscall: 'ioctl(SIOCGSKNS)', errno: errnoName(-asked) };
  }
  return why;
}

function unnamed(d: Description, pid: number, fd: number, why: Why): ScanError {
  const call = { pid, fd, syscall: why.syscall };
  const what = `${d.name} (fd ${fd} of process ${pid}) could not be named`;
  if (why.errno === null) {
    return {
      ...call,
      errno: null,
      reason: 'seccomp-kill',
      message: `${what}: ${why.syscall} was not called (a seccomp filter would kill this process for it)`,
    };
  }
  const errno = why.errno as ErrnoName;
  const via =
    why.syscall === 'setns'
      ? `entering the network namespace of process ${pid} was refused (setns needs CAP_SYS_ADMIN) and /proc/${pid}/net does not list it`
      : `${why.syscall} failed: ${errno} (${errnoMessage(errno)})`;
  return { ...call, errno, message: `${what}: ${via}` };
}

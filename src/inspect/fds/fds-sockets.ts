/**
 * Sockets named: each listed SOCK description gains its `socket` object (protocol, state, addresses, UNIX
 * path and peer, network namespace) from the socket tables of its holders' network namespaces
 * (src/netlink). The holders' namespaces are tried in order, then ours — a socket passed over SCM_RIGHTS,
 * or inherited across unshare(CLONE_NEWNET), lives in the namespace it was created in, not necessarily its
 * holders'.
 *
 * A socket no table knows (a family not read, or closed since) stays unnamed without an error. A socket
 * whose holders' namespaces could not be read at all, or that is missing from the /proc/PID/net tables
 * read instead of sock_diag (setns refused), is an error row: that socket could not be named.
 */

import type { SocketTables, Unnamed } from '../../netlink/socket-tables.js';
import { type ErrnoName, errnoMessage } from '../../sys/errno.js';
import type { Description, ScanError } from './fds-report.js';

/** Adds its `socket` to each SOCK description of `descriptions`; the error rows of those left unnamed. */
export function nameSockets(descriptions: Iterable<Description>, tables: SocketTables): ScanError[] {
  const errors: ScanError[] = [];
  for (const d of descriptions) {
    if (d.type !== 'SOCK') continue;
    let why: Unnamed | undefined;
    for (const tid of [...d.holders.map((x) => x.tid ?? x.pid), 'self' as const]) {
      const found = tables.find(tid, d.ino);
      if (found !== undefined && 'ino' in found) {
        d.socket = found;
        why = undefined;
        break;
      }
      why ??= found ?? tables.fallback(tid);
    }
    const first = d.holders[0];
    if (why && first) errors.push(unnamed(d, first.pid, first.fd, why));
  }
  return errors;
}

function unnamed(d: Description, pid: number, fd: number, why: Unnamed): ScanError {
  const errno = why.errno as ErrnoName;
  const via =
    why.syscall === 'setns'
      ? `entering the network namespace of process ${pid} was refused (setns needs CAP_SYS_ADMIN) and /proc/${pid}/net does not list it`
      : `${why.syscall} failed: ${errno} (${errnoMessage(errno)})`;
  return {
    pid,
    fd,
    syscall: why.syscall,
    errno,
    message: `${d.name} (fd ${fd} of process ${pid}) could not be named: ${via}`,
  };
}

/**
 * Sockets by inode, per network namespace, read lazily: a family is dumped only when a socket asked for
 * was not in the families dumped so far (UNIX first, then TCP, UDP, NETLINK, PACKET, RAW), so naming one
 * UNIX socket costs one dump, and nothing is read when no socket is asked for.
 *
 *   holder task ─stat /proc/TID/ns/net─▶ netns inode ─┬─ ours ──────────▶ sock_diag socket here
 *                                                      ├─ other, setns ok ─▶ socket created inside it
 *                                                      └─ setns refused ──▶ /proc/TID/net/* tables
 *
 * A sock_diag socket answers for the namespace it was created in, so entering a namespace lasts only as
 * long as socket(2): setns(target), socket, setns(back) — on this thread, the one that makes every call.
 * setns needs CAP_SYS_ADMIN (over the target's user namespace); without it the holder's /proc/TID/net
 * tables name the sockets instead (no UNIX peers there), and `fallback` says why.
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { fsErrno } from '../procfs/errors.js';
import { errnoName } from '../sys/errno.js';
import { sysClose } from '../sys/fcntl.js';
import { sysSetNetns, sysSockDiagSocket } from '../sys/netlink.js';
import { SysError } from '../sys/sys-error.js';
import { AF_INET, AF_INET6, type InetProtocol, inetRequest, parseInet } from './inet-diag.js';
import { dump, dumpRequest } from './messages.js';
import { netlinkRequest, packetRequest, parseNetlink, parsePacket } from './netlink-diag.js';
import { PROC_NET_TABLES, type ProcNetTable, readProcNet } from './proc-net.js';
import type { Endpoint, SocketInfo } from './socket-info.js';
import { parseUnix, unixRequest } from './unix-diag.js';

/** Why a socket has no name: the call that failed and its errno. */
export interface Unnamed {
  syscall: string;
  errno: string;
}

/** A sock_diag family, and the /proc/PID/net table that lists the same sockets. */
type Family = {
  request: Uint8Array;
  parse(payload: DataView, netns: number): SocketInfo | undefined;
  table: ProcNetTable;
};

function inet(family: number, protocol: InetProtocol, table: ProcNetTable): Family {
  return {
    request: dumpRequest(inetRequest(family, protocol)),
    parse: (p, netns) => parseInet(p, protocol, netns),
    table,
  };
}

/** The families in the order they are dumped (PROC_NET_TABLES' order). */
const FAMILIES: readonly Family[] = [
  { request: dumpRequest(unixRequest()), parse: parseUnix, table: 'unix' },
  inet(AF_INET, 'TCP', 'tcp'),
  inet(AF_INET6, 'TCP', 'tcp6'),
  inet(AF_INET, 'UDP', 'udp'),
  inet(AF_INET6, 'UDP', 'udp6'),
  { request: dumpRequest(netlinkRequest()), parse: parseNetlink, table: 'netlink' },
  { request: dumpRequest(packetRequest()), parse: parsePacket, table: 'packet' },
  inet(AF_INET, 'RAW', 'raw'),
  inet(AF_INET6, 'RAW', 'raw6'),
];

/** The sockets of one network namespace, read one family (or /proc/net table) at a time. */
class Namespace {
  readonly sockets = new Map<number, SocketInfo>();
  private next = 0;

  constructor(
    readonly netns: number,
    private readonly read: (index: number) => SocketInfo[],
    private readonly count: number,
    readonly fallback?: Unnamed,
    readonly fd = -1,
  ) {}

  find(ino: number): SocketInfo | undefined {
    while (!this.sockets.has(ino) && this.next < this.count) {
      for (const s of this.read(this.next++)) this.sockets.set(s.ino, s);
    }
    return this.sockets.get(ino);
  }

  /** Every family read (a full dump), once: what a search by anything but the inode needs. */
  all(): Map<number, SocketInfo> {
    this.find(-1); // no socket has inode -1: reads every family
    return this.sockets;
  }

  private tuples: Map<string, number> | undefined;

  /** The socket of this namespace whose (local, remote) is `s`'s (remote, local): the other end of a
   * connection that stays inside the namespace (loopback); undefined for a remote end. */
  connectedTo(s: SocketInfo): number | undefined {
    if (!s.remote || !s.local) return undefined;
    if (!this.tuples) {
      this.tuples = new Map();
      for (const t of this.all().values())
        if (t.remote && t.local) this.tuples.set(tupleOf(t, t.local, t.remote), t.ino);
    }
    return this.tuples.get(tupleOf(s, s.remote, s.local));
  }
}

function tupleOf(s: SocketInfo, a: Endpoint, b: Endpoint): string {
  return `${s.protocol} ${a.address}:${a.port} ${b.address}:${b.port}`;
}

/** A task id, or 'self' for this process (its pid may mean nothing in a /proc of another PID namespace). */
export type Task = number | 'self';

function netnsOf(tid: Task): number {
  return statSync(`/proc/${tid}/ns/net`).ino;
}

export class SocketTables {
  private readonly namespaces = new Map<number, Namespace | Unnamed>();
  /** Each task's network namespace, looked up once per scan (one stat for thousands of its sockets). A
   * task that setns(2)s meanwhile has its sockets looked for in the old namespace: not found there, they
   * are named from another holder's or said unnamed, never named wrong (a socket is found by inode). */
  private readonly netnsOfTask = new Map<Task, number>();
  private readonly ours = netnsOf('self');

  /**
   * The socket `ino` held by task `tid`, undefined when no family dumped knows it (a family not read —
   * vsock, SCTP, Bluetooth — or closed since), or why its namespace could not be read.
   */
  find(tid: Task, ino: number): SocketInfo | Unnamed | undefined {
    const ns = this.namespaceOf(tid);
    return 'errno' in ns ? ns : ns.find(ino);
  }

  /**
   * The inode of the other end of socket `ino` held by task `tid`: a UNIX socket's peer (unix_diag), or
   * the socket of the same namespace at the other end of its connection. undefined when it has none that
   * this namespace can show: unconnected, listening, connected to another host or namespace, or unknown.
   */
  otherEnd(tid: Task, ino: number): number | undefined {
    const ns = this.namespaceOf(tid);
    if ('errno' in ns) return undefined;
    const s = ns.find(ino);
    if (s === undefined) return undefined;
    return s.peer !== undefined && s.peer !== 0 ? s.peer : ns.connectedTo(s);
  }

  /** Why sockets of `tid`'s namespace are named from /proc/TID/net instead of sock_diag, if they are. */
  fallback(tid: Task): Unnamed | undefined {
    const ns = this.namespaceOf(tid);
    return 'errno' in ns ? undefined : ns.fallback;
  }

  /** Closes the sock_diag sockets. */
  close(): void {
    for (const ns of this.namespaces.values()) if ('fd' in ns && ns.fd >= 0) sysClose(ns.fd);
    this.namespaces.clear();
  }

  private namespaceOf(tid: Task): Namespace | Unnamed {
    let netns = this.netnsOfTask.get(tid);
    if (netns === undefined) {
      try {
        netns = netnsOf(tid);
      } catch (error) {
        return { syscall: 'stat', errno: fsErrno(error) };
      }
      this.netnsOfTask.set(tid, netns);
    }
    let ns = this.namespaces.get(netns);
    if (ns === undefined) {
      ns = this.open(tid, netns);
      this.namespaces.set(netns, ns);
    }
    return ns;
  }

  private open(tid: Task, netns: number): Namespace | Unnamed {
    const entered = netns === this.ours ? sysSockDiagSocket() : socketInside(tid);
    if (typeof entered === 'number' && entered >= 0) {
      const fd = entered;
      // a family without a diag handler (CONFIG_INET_RAW_DIAG unset, say) is read from its /proc table
      const read = (i: number) => {
        const family = FAMILIES[i] as Family;
        return dumpFamily(fd, family, netns) ?? procTable(tid, family.table, netns);
      };
      return new Namespace(netns, read, FAMILIES.length, undefined, fd);
    }
    const refused: Unnamed =
      typeof entered === 'number' ? { syscall: 'socket', errno: errnoName(-entered) } : entered;
    const read = (i: number) => procTable(tid, PROC_NET_TABLES[i] as ProcNetTable, netns);
    return new Namespace(netns, read, PROC_NET_TABLES.length, refused);
  }
}

/** A sock_diag socket created inside the network namespace of task `tid`, or why it could not be. */
function socketInside(tid: Task): number | Unnamed {
  let target: number;
  let home: number;
  try {
    target = openSync(`/proc/${tid}/ns/net`, 'r');
  } catch (error) {
    return { syscall: 'open', errno: fsErrno(error) };
  }
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (error) {
    closeSync(target);
    return { syscall: 'open', errno: fsErrno(error) };
  }
  try {
    const entered = sysSetNetns(target);
    if (entered < 0) return { syscall: 'setns', errno: errnoName(-entered) };
    const fd = sysSockDiagSocket();
    const back = sysSetNetns(home);
    if (back < 0) throw new SysError('setns', errnoName(-back), ['/proc/thread-self/ns/net']);
    return fd;
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

function procTable(tid: Task, table: ProcNetTable, netns: number): SocketInfo[] {
  try {
    return readProcNet(tid, table, netns);
  } catch {
    return []; // a table the kernel lacks (no IPv6, no packet sockets): nothing of that family
  }
}

/** One family's dump; undefined when the kernel has no diag handler for it (ENOENT). */
function dumpFamily(fd: number, family: Family, netns: number): SocketInfo[] | undefined {
  const found: SocketInfo[] = [];
  try {
    dump(fd, family.request, (payload) => {
      const s = family.parse(payload, netns);
      if (s) found.push(s);
    });
  } catch (error) {
    if (!(error instanceof SysError) || error.errno !== 'ENOENT') throw error;
    return undefined;
  }
  return found;
}

/**
 * Sockets by inode, per network namespace, read lazily: a family is dumped only when a socket asked for
 * may be in it and was not in the families read so far — the family its protocol name says (a TCP socket:
 * the TCP dump), or every family in turn (UNIX, TCP, UDP, NETLINK, PACKET, RAW, UDP-Lite, ping) when the
 * name is not known. Naming one UNIX socket costs one dump; nothing is read when no socket is asked for.
 *
 *   where the namespace comes from           its nsfs fd          what reads its sockets
 *   a holder task, or another readable     ─ /proc/PID/ns/net ─┬─ ours ──────────▶ sock_diag socket here
 *     process (`findElsewhere`)                                ├─ other, setns ok ─▶ socket created inside
 *   a borrowed socket (`findInNamespace`)  ─ SIOCGSKNS ────────┘                      it; its /proc tables
 *                                                              └─ setns refused ──▶ /proc/PID/net/* tables
 *
 * A sock_diag socket answers for the namespace it was created in, so entering a namespace lasts only as
 * long as socket(2) (or reading the namespace's /proc/thread-self/net table, for a family sock_diag has
 * no handler for): setns(target), socket, setns(back) — on this thread, the one that makes every call.
 * setns needs CAP_SYS_ADMIN (over the target's user namespace); without it the /proc/PID/net tables of a
 * process in the namespace name the sockets instead (no UNIX peers there), and `fallback` says why. The
 * namespace of an nsfs fd is its inode (fstat), read from the fd itself: a pid reused meanwhile cannot
 * lend its namespace to another's inode.
 *
 * A socket inode names one live socket machine-wide (sockfs numbers its inodes with get_next_ino()), so a
 * socket found by inode in any namespace is that socket.
 */
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { fsErrno } from '../procfs/errors.js';
import { listPids } from '../procfs/processes.js';
import { errnoName } from '../sys/errno.js';
import { sysClose } from '../sys/fcntl.js';
import { sysSetNetns, sysSockDiagSocket } from '../sys/netlink.js';
import { SysError } from '../sys/sys-error.js';
import {
  AF_INET,
  AF_INET6,
  type InetProtocol,
  inetProtocolName,
  inetRequest,
  parseInet,
} from './inet-diag.js';
import { dump, dumpRequest } from './messages.js';
import { netlinkRequest, packetRequest, parseNetlink, parsePacket } from './netlink-diag.js';
import { type ProcNetTable, readProcNet } from './proc-net.js';
import type { Endpoint, SocketInfo } from './socket-info.js';
import { parseUnix, unixRequest } from './unix-diag.js';

/** Why a socket has no name: the call that failed and its errno. */
export interface Unnamed {
  syscall: string;
  errno: string;
}

/**
 * A socket family: the protocol names of its sockets (the kernel's, as socket-protocol.ts reads them), its
 * sock_diag request (none for ping sockets: no handler) and the /proc/PID/net table that lists the same
 * sockets.
 */
type Family = {
  names: readonly string[];
  diag?: { request: Uint8Array; parse(payload: DataView, netns: number): SocketInfo | undefined };
  table: ProcNetTable;
};

function inet(family: number, protocol: InetProtocol, table: ProcNetTable): Family {
  const name = inetProtocolName(family, protocol);
  return {
    // IPV6_ADDRFORM turns an IPv6 TCP, UDP or UDP-Lite socket into an IPv4 one: listed with IPv4's, it
    // keeps the name of the protocol that created it
    names: family === AF_INET ? [name, inetProtocolName(AF_INET6, protocol)] : [name],
    diag: {
      request: dumpRequest(inetRequest(family, protocol)),
      parse: (p, ns) => parseInet(p, protocol, ns),
    },
    table,
  };
}

/** The families in the order they are read when a socket's protocol is not known. */
const FAMILIES: readonly Family[] = [
  {
    names: ['UNIX-STREAM', 'UNIX'],
    diag: { request: dumpRequest(unixRequest()), parse: parseUnix },
    table: 'unix',
  },
  inet(AF_INET, 'TCP', 'tcp'),
  inet(AF_INET6, 'TCP', 'tcp6'),
  inet(AF_INET, 'UDP', 'udp'),
  inet(AF_INET6, 'UDP', 'udp6'),
  {
    names: ['NETLINK'],
    diag: { request: dumpRequest(netlinkRequest()), parse: parseNetlink },
    table: 'netlink',
  },
  { names: ['PACKET'], diag: { request: dumpRequest(packetRequest()), parse: parsePacket }, table: 'packet' },
  inet(AF_INET, 'RAW', 'raw'),
  inet(AF_INET6, 'RAW', 'raw6'),
  inet(AF_INET, 'UDP-Lite', 'udplite'),
  inet(AF_INET6, 'UDP-Lite', 'udplite6'),
  { names: ['PING'], table: 'icmp' },
  { names: ['PINGv6'], table: 'icmp6' },
];

const EVERY_FAMILY = FAMILIES.map((_, i) => i);
const familiesByProtocol = new Map<string, readonly number[]>();

/**
 * The families a socket of protocol `protocol` can be listed in, the one it was made in first; none for a
 * protocol no family here lists (SCTP, MPTCP, vsock, …), every one when the protocol is not known.
 */
function familiesOf(protocol: string | undefined): readonly number[] {
  if (protocol === undefined) return EVERY_FAMILY;
  let found = familiesByProtocol.get(protocol);
  if (found === undefined) {
    const place = (i: number) => FAMILIES[i]?.names.indexOf(protocol) ?? -1;
    found = [...EVERY_FAMILY.filter((i) => place(i) === 0), ...EVERY_FAMILY.filter((i) => place(i) > 0)];
    familiesByProtocol.set(protocol, found);
  }
  return found;
}

/** The sockets of one network namespace, read one family at a time. */
class Namespace {
  readonly sockets = new Map<number, SocketInfo>();
  private readonly read = new Set<number>();

  constructor(
    readonly netns: number,
    private readonly readFamily: (family: Family) => SocketInfo[],
    /** Closes its nsfs fd and its sock_diag socket. */
    readonly close: () => void,
    readonly fallback?: Unnamed,
  ) {}

  find(ino: number, protocol: string | undefined): SocketInfo | undefined {
    for (const i of familiesOf(protocol)) {
      if (this.sockets.has(ino)) break;
      if (this.read.has(i)) continue;
      this.read.add(i);
      for (const s of this.readFamily(FAMILIES[i] as Family)) this.sockets.set(s.ino, s);
    }
    return this.sockets.get(ino);
  }

  /** Every family read (a full dump), once: what a search by anything but the inode needs. */
  all(): Map<number, SocketInfo> {
    this.find(-1, undefined); // no socket has inode -1: reads every family
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

/**
 * An open nsfs fd of a network namespace, with its inode, and how to close it: as it was opened — node:fs
 * keeps the fds it opened and warns when one is closed behind its back, or reused without its knowing.
 */
export interface NamespaceFd {
  fd: number;
  netns: number;
  close(): void;
}

/** Opens /proc/TID/ns/net: its fd and inode, or why it could not be opened (the task gone, not readable). */
function openNamespaceOf(tid: Task): NamespaceFd | Unnamed {
  let fd: number;
  try {
    fd = openSync(`/proc/${tid}/ns/net`, 'r');
  } catch (error) {
    return { syscall: 'open', errno: fsErrno(error) };
  }
  return { fd, netns: fstatSync(fd).ino, close: () => closeSync(fd) };
}

const HOME = '/proc/thread-self/ns/net';

export class SocketTables {
  private readonly namespaces = new Map<number, Namespace | Unnamed>();
  /** Each task's network namespace, looked up once per scan (one stat for thousands of its sockets). A
   * task that setns(2)s meanwhile has its sockets looked for in the old namespace: not found there, they
   * are named from another holder's or another process's, or said unnamed, never named wrong (a socket is
   * found by inode). */
  private readonly netnsOfTask = new Map<Task, number>();
  /** The processes whose namespaces `findElsewhere` has not looked at yet (listed on its first call). */
  private unscanned: Task[] | undefined;
  /** Our thread's namespace: its inode, and an fd to return to it (opened when first needed). */
  /** Our thread's namespace inode, read at the first namespace opened: a scan that names no socket and
   * finds no peer pays nothing for its tables. */
  private oursIno: number | undefined;
  private get ours(): number {
    this.oursIno ??= statSync(HOME).ino;
    return this.oursIno;
  }
  private home: number | undefined;

  /**
   * The socket `ino` held by task `tid`, in `tid`'s network namespace: undefined when no family read
   * there knows it (`protocol`, its kernel name where known, says which family to read), or why that
   * namespace could not be read.
   */
  find(tid: Task, ino: number, protocol?: string): SocketInfo | Unnamed | undefined {
    const ns = this.namespaceOf(tid);
    return 'errno' in ns ? ns : ns.find(ino, protocol);
  }

  /**
   * The socket `ino` looked for in every other network namespace this user can reach: ours, then those
   * of every process it may read (/proc/PID/ns/net), each opened once, when first needed. For a socket
   * that lives in another namespace than its holders' — passed over SCM_RIGHTS, or inherited across
   * unshare(CLONE_NEWNET) — while some process is still in it. (/proc/PID/ns/net is the namespace of
   * PID's leader: one of its threads that setns(2)ed elsewhere is not looked at.)
   */
  findElsewhere(ino: number, protocol?: string): SocketInfo | undefined {
    for (const ns of this.namespaces.values()) {
      const found = 'errno' in ns ? undefined : ns.find(ino, protocol);
      if (found) return found;
    }
    this.unscanned ??= ['self', ...listPids()];
    for (let tid = this.unscanned.shift(); tid !== undefined; tid = this.unscanned.shift()) {
      const opened = openNamespaceOf(tid);
      if ('errno' in opened) continue; // gone, or not ours to read
      if (this.namespaces.has(opened.netns)) {
        opened.close();
        continue;
      }
      const ns = this.open(opened, tid);
      this.namespaces.set(opened.netns, ns);
      const found = 'errno' in ns ? undefined : ns.find(ino, protocol);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The socket `ino` in the network namespace of `nsfd` (SIOCGSKNS of a borrowed copy of it), which this
   * call takes (and closes with the tables): its namespace's inode and the socket when a table there lists
   * it, or why that namespace could not be read.
   */
  findInNamespace(
    nsfd: NamespaceFd,
    ino: number,
    protocol?: string,
  ): { netns: number; socket?: SocketInfo } | Unnamed {
    const { netns } = nsfd;
    let ns = this.namespaces.get(netns);
    if (ns === undefined) {
      ns = this.open(nsfd, undefined);
      this.namespaces.set(netns, ns);
    } else {
      nsfd.close();
    }
    if ('errno' in ns) return ns;
    const socket = ns.find(ino, protocol);
    return socket ? { netns, socket } : { netns };
  }

  /**
   * The inode of the other end of socket `ino` held by task `tid`: a UNIX socket's peer (unix_diag), or
   * the socket of the same namespace at the other end of its connection. undefined when it has none that
   * this namespace can show: unconnected, listening, connected to another host or namespace, or unknown.
   */
  otherEnd(tid: Task, ino: number): number | undefined {
    const ns = this.namespaceOf(tid);
    if ('errno' in ns) return undefined;
    const s = ns.find(ino, undefined);
    if (s === undefined) return undefined;
    return s.peer !== undefined && s.peer !== 0 ? s.peer : ns.connectedTo(s);
  }

  /** Why sockets of `tid`'s namespace are named from /proc/TID/net instead of sock_diag, if they are. */
  fallback(tid: Task): Unnamed | undefined {
    const ns = this.namespaceOf(tid);
    return 'errno' in ns ? undefined : ns.fallback;
  }

  /** Closes the sock_diag sockets and namespace fds. */
  close(): void {
    for (const ns of this.namespaces.values()) if (!('errno' in ns)) ns.close();
    this.namespaces.clear();
    if (this.home !== undefined) closeSync(this.home);
    this.home = undefined;
  }

  private namespaceOf(tid: Task): Namespace | Unnamed {
    let netns = this.netnsOfTask.get(tid);
    if (netns === undefined) {
      try {
        netns = statSync(`/proc/${tid}/ns/net`).ino;
      } catch (error) {
        return { syscall: 'stat', errno: fsErrno(error) };
      }
      this.netnsOfTask.set(tid, netns);
    }
    const known = this.namespaces.get(netns);
    if (known !== undefined) return known;
    const opened = openNamespaceOf(tid);
    if ('errno' in opened) return opened;
    // the namespace opened is the one the task is in now: its own inode, whatever stat said before
    this.netnsOfTask.set(tid, opened.netns);
    const existing = this.namespaces.get(opened.netns);
    if (existing !== undefined) {
      opened.close();
      return existing;
    }
    const created = this.open(opened, tid);
    this.namespaces.set(opened.netns, created);
    return created;
  }

  /**
   * The tables of the namespace of `ns` (whose fd it takes): read inside it where setns is allowed (ours
   * needs none), else from /proc/TID/net of `tid`, a task in it; nothing without a task (a borrowed
   * socket's namespace that cannot be entered).
   */
  private open(ns: NamespaceFd, tid: Task | undefined): Namespace | Unnamed {
    const diag = ns.netns === this.ours ? sysSockDiagSocket() : this.inside(ns.fd, sysSockDiagSocket);
    if (typeof diag === 'number' && diag >= 0) {
      const table =
        ns.netns === this.ours
          ? (t: ProcNetTable) => procTable('thread-self', t, ns.netns)
          : (t: ProcNetTable) => this.inside(ns.fd, () => procTable('thread-self', t, ns.netns));
      // a family without a diag handler (ping; raw without CONFIG_INET_RAW_DIAG) is read from its table
      const read = (family: Family) => {
        const listed = family.diag && dumpFamily(diag, family.diag, ns.netns);
        if (listed) return listed;
        const rows = table(family.table);
        return 'errno' in rows ? [] : rows;
      };
      return new Namespace(ns.netns, read, () => {
        sysClose(diag);
        ns.close();
      });
    }
    const refused: Unnamed = typeof diag === 'number' ? { syscall: 'socket', errno: errnoName(-diag) } : diag;
    if (tid === undefined) {
      ns.close();
      return refused;
    }
    const read = (family: Family) => procTable(tid, family.table, ns.netns);
    return new Namespace(ns.netns, read, () => ns.close(), refused);
  }

  /**
   * `call()` made on this thread inside the network namespace of `nsfd`, or why it could not be entered.
   * `call` must not throw (socket(2), a table read that answers [] on failure): this thread goes back home
   * right after it.
   */
  private inside<T>(nsfd: number, call: () => T): T | Unnamed {
    this.home ??= openSync(HOME, 'r');
    const entered = sysSetNetns(nsfd);
    if (entered < 0) return { syscall: 'setns', errno: errnoName(-entered) };
    const result = call();
    const back = sysSetNetns(this.home);
    if (back < 0) throw new SysError('setns', errnoName(-back), [HOME]);
    return result;
  }
}

function procTable(tid: Task | 'thread-self', table: ProcNetTable, netns: number): SocketInfo[] {
  try {
    return readProcNet(tid === 'self' ? 'thread-self' : tid, table, netns);
  } catch {
    return []; // a table the kernel lacks (no IPv6, no packet sockets): nothing of that family
  }
}

/** One family's dump; undefined when the kernel has no diag handler for it (ENOENT). */
function dumpFamily(fd: number, diag: NonNullable<Family['diag']>, netns: number): SocketInfo[] | undefined {
  const found: SocketInfo[] = [];
  try {
    dump(fd, diag.request, (payload) => {
      const s = diag.parse(payload, netns);
      if (s) found.push(s);
    });
  } catch (error) {
    if (!(error instanceof SysError) || error.errno !== 'ENOENT') throw error;
    return undefined;
  }
  return found;
}

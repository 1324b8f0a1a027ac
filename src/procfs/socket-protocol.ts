/**
 * A socket's protocol as the kernel names it, read without touching the socket: the `system.sockprotoname`
 * extended attribute of its /proc/TID/fd/N link — what lsfd (2.39+) shows as TYPE and SOCK.PROTONAME.
 *
 * net/socket.c: sock_alloc_file() names the socket's sockfs dentry after the protocol that created it
 * (sk->sk_prot_creator->name: "TCP", "TCPv6", "UDP", "UDPv6", "UDP-Lite", "UDPLITEv6", "RAW", "RAWv6",
 * "PING", "PINGv6", "UNIX-STREAM", "UNIX" for datagram and seqpacket UNIX sockets, "NETLINK", "PACKET",
 * "MPTCP", "AF_VSOCK", …: any name a protocol module registers), and sockfs_xattr_get() returns that name
 * with its NUL. The creator is kept for the socket's life: an IPv6 TCP socket turned IPv4 by IPV6_ADDRFORM
 * still says "TCPv6". getxattr(2) follows the fd link as readlink does (ptrace read access to the process).
 */
import { errnoName } from '../sys/errno.js';
import { sysGetXattr } from '../sys/xattr.js';

/** The protocol name the kernel gave a socket (its `system.sockprotoname`): TCP, TCPv6, UDP, UDPv6,
 * UDP-Lite, UDPLITEv6, RAW, RAWv6, PING, PINGv6, UNIX-STREAM, UNIX (datagram and seqpacket), NETLINK, PACKET,
 * or any other name a protocol module registers (MPTCP, SCTP, AF_VSOCK, …). */
export type SocketProtocolName =
  | 'TCP'
  | 'TCPv6'
  | 'UDP'
  | 'UDPv6'
  | 'UDP-Lite'
  | 'UDPLITEv6'
  | 'RAW'
  | 'RAWv6'
  | 'PING'
  | 'PINGv6'
  | 'UNIX-STREAM'
  | 'UNIX'
  | 'NETLINK'
  | 'PACKET'
  | (string & {});

const XATTR_NAME_SOCKPROTONAME = 'system.sockprotoname';
/** Protocol names are short (struct proto's name is char[32]). */
const buffer = new Uint8Array(64);
const decoder = new TextDecoder();
const names = new Map<string, string>();
/** No name to read, which is no failure: a socket without a protocol (""), or a kernel without the
 * attribute. */
const NO_NAME = new Set(['ENODATA', 'EOPNOTSUPP', 'ERANGE']);

/**
 * The protocol name of the socket the fd link `path` (/proc/TID/fd/N) refers to: the name ('' when the
 * socket has none to read), or the errno number of the failed getxattr (ENOENT: the fd was closed; EACCES:
 * no ptrace read access). Whether the fd still holds the socket meant is the caller's to check.
 */
export function socketProtocolAt(path: string): SocketProtocolName | number {
  const length = sysGetXattr(path, XATTR_NAME_SOCKPROTONAME, buffer);
  if (length < 0) return NO_NAME.has(errnoName(-length)) ? '' : -length;
  const end = buffer.subarray(0, length).indexOf(0);
  const bytes = buffer.subarray(0, end >= 0 ? end : length);
  // one string per protocol, not one per socket (a scan may name 100,000 sockets after a dozen protocols)
  const key = String.fromCharCode(...bytes);
  let name = names.get(key);
  if (name === undefined) {
    name = decoder.decode(bytes);
    names.set(key, name);
  }
  return name;
}

/**
 * The protocol name of the socket fd `fd` of task `tid` holds, or undefined when it cannot be read (the fd
 * closed, no ptrace read access, no name). Unchecked: an fd closed and reused for another socket since
 * names that one.
 */
export function readSocketProtocol(tid: number, fd: number): SocketProtocolName | undefined {
  const name = socketProtocolAt(`/proc/${tid}/fd/${fd}`);
  return typeof name === 'string' && name !== '' ? name : undefined;
}

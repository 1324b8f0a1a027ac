/**
 * What one socket is, as sock_diag (or /proc/PID/net/*) tells it — or, for a socket no table of a
 * namespace read lists, its protocol alone: the `socket` object of a kcmp.fds/2 description, and the text
 * of its NAME (`TCP 127.0.0.1:8080 (LISTEN)`, `UNIX-STREAM /run/x.sock`, `UNIX-STREAM @abstract`,
 * `NETLINK route portid=123`, `TCP` for an unbound one), in the manner of lsof and ss.
 */

/** An inet address and port; IPv6 addresses in their shortest form (RFC 5952). */
export interface Endpoint {
  address: string;
  port: number;
}

export interface SocketInfo {
  /** The socket inode: N of the fd link `socket:[N]`. */
  ino: number;
  /** From a table: TCP, TCPv6, UDP, UDPv6, UDP-Lite, UDPLITEv6, RAW, RAWv6, PING, PINGv6, UNIX-STREAM,
   * UNIX-DGRAM, UNIX-SEQPACKET, NETLINK, PACKET. From the protocol name alone (`source: 'protoname'`): the
   * kernel's name, the description's `type` (UNIX for a datagram or seqpacket UNIX socket). */
  protocol: string;
  /** LISTEN, ESTABLISHED, CLOSE, … (the kernel's TCP state names, which UNIX and UDP sockets reuse). */
  state?: string;
  local?: Endpoint;
  /** Absent while not connected (the kernel shows port 0). */
  remote?: Endpoint;
  /** UNIX: the bound path, or `@name` for an abstract name. */
  path?: string;
  /** UNIX: the inode of the peer socket (connected or socketpair ends). */
  peer?: number;
  /** NETLINK: the netlink protocol (route, sock_diag, …). PACKET: the socket type and ethertype. */
  subprotocol?: string;
  /** NETLINK: the port id. */
  portid?: number;
  /** The inode of the network namespace the socket belongs to; absent when it is not known (see
   * `netnsFrom`). */
  netns?: number;
  /**
   * How its network namespace was found: `holder` (a namespace of a process holding it), `scan` (the
   * namespace of another process this user may read: a socket passed, or inherited, out of the namespace it
   * was made in), `borrowed` (asked of the socket itself, SIOCGSKNS on a copy of it: only with `--borrow`).
   * Absent when none was found: the socket is then in no table of any namespace read (unbound, or never
   * listed: TCP and UDP sockets are listed once bound), or in a namespace no readable process is in.
   */
  netnsFrom?: NetnsFrom;
  /** Where it was read: NETLINK_SOCK_DIAG; the /proc/PID/net tables (setns refused, or a family sock_diag
   * has no handler for: ping sockets); or `protoname`: nothing but the protocol's name, as the kernel gave
   * it (the socket's `system.sockprotoname`), since no table read lists the socket. */
  source: 'sock_diag' | 'procfs' | 'protoname';
}

/** How a socket's network namespace was found: see {@link SocketInfo.netnsFrom}. */
export type NetnsFrom = 'holder' | 'scan' | 'borrowed';

/** A TCP-states table index → name (include/net/tcp_states.h). */
export const TCP_STATES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export function tcpState(n: number): string {
  return TCP_STATES[n] ?? `STATE${n}`;
}

/** `{ remote }` for a connected socket, `{}` for one that is not (remote port 0: listening, unconnected). */
export function remoteOf(remote: Endpoint): { remote?: Endpoint } {
  return remote.port === 0 ? {} : { remote };
}

function endpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** The NAME column: what the socket is, in one line. */
export function socketName(s: SocketInfo): string {
  if (s.protocol.startsWith('UNIX')) {
    const parts = [s.protocol, s.path ?? ''];
    if (s.state === 'LISTEN') parts.push('(LISTEN)');
    return parts.filter((p) => p !== '').join(' ');
  }
  if (s.protocol === 'NETLINK' || s.protocol === 'PACKET') {
    return [s.protocol, s.subprotocol, s.portid === undefined ? '' : `portid=${s.portid}`]
      .filter((p) => p)
      .join(' ');
  }
  let text = s.protocol;
  if (s.local) text += ` ${endpoint(s.local)}`;
  if (s.remote) text += `->${endpoint(s.remote)}`;
  if (s.state && s.protocol.startsWith('TCP')) text += ` (${s.state})`;
  return text;
}

/**
 * What one socket is, as sock_diag (or, as a fallback, /proc/PID/net/*) tells it: the `socket` object of a
 * kcmp.fds/2 description, and the text of its NAME (`TCP 127.0.0.1:8080 (LISTEN)`, `UNIX-STREAM /run/x.sock`,
 * `UNIX-STREAM @abstract`, `NETLINK route portid=123`), in the manner of lsof and ss.
 */

/** An inet address and port; IPv6 addresses in their shortest form (RFC 5952). */
export interface Endpoint {
  address: string;
  port: number;
}

export interface SocketInfo {
  /** The socket inode: N of the fd link `socket:[N]`. */
  ino: number;
  /** TCP, TCPv6, UDP, UDPv6, RAW, RAWv6, UNIX-STREAM, UNIX-DGRAM, UNIX-SEQPACKET, NETLINK, PACKET. */
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
  /** The network namespace inode the socket was found in. */
  netns: number;
  /** Where it was read: NETLINK_SOCK_DIAG, or the /proc/PID/net tables when setns was refused. */
  source: 'sock_diag' | 'procfs';
}

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

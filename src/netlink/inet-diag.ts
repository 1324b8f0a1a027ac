/**
 * inet_diag (include/uapi/linux/inet_diag.h; since 2.6.14, as a SOCK_DIAG family since 3.3): every TCP,
 * UDP, UDP-Lite or raw socket of one address family in the socket's network namespace, as ss(8) reads them.
 *
 *   struct inet_diag_req_v2 { u8 family, protocol, ext, pad (raw: the raw protocol); u32 states;
 *                             struct inet_diag_sockid id }                                      56 bytes
 *   struct inet_diag_sockid { be16 sport, dport; be32 src[4], dst[4]; u32 if; u32 cookie[2] }    48 bytes
 *   struct inet_diag_msg    { u8 family, state, timer, retrans; inet_diag_sockid id;
 *                             u32 expires, rqueue, wqueue, uid, inode }                         72 bytes
 *
 * `states` is a bit mask over TCP states: all of them (~0) here, TIME_WAIT and NEW_SYN_RECV included —
 * those are mini-sockets without an inode (0), which no fd can hold. UDP reuses TCP_ESTABLISHED for a
 * connected socket and TCP_CLOSE for an unconnected one. Raw sockets need raw_diag (CONFIG_INET_RAW_DIAG,
 * 4.10); with `pad` = IPPROTO_RAW it dumps raw sockets of every protocol. UDP-Lite is udp_diag's second
 * handler (IPPROTO_UDPLITE, 3.3, CONFIG_INET_UDP_DIAG). Ping (ICMP echo) sockets have no handler: their
 * requests answer ENOENT, and /proc/net/icmp lists them (proc-net.ts).
 */

import { ipv4, ipv6 } from './inet-address.js';
import { HOST_LITTLE } from './messages.js';
import { remoteOf, type SocketInfo, tcpState } from './socket-info.js';

export const AF_INET = 2;
export const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_UDPLITE = 136;
const IPPROTO_RAW = 255;

export type InetProtocol = 'TCP' | 'UDP' | 'UDP-Lite' | 'RAW';
const NUMBERS: Record<InetProtocol, number> = {
  TCP: IPPROTO_TCP,
  UDP: IPPROTO_UDP,
  'UDP-Lite': IPPROTO_UDPLITE,
  RAW: IPPROTO_RAW,
};

/** The kernel's name of each protocol's struct proto for IPv4 and IPv6: what a socket of it is called. */
const NAMES: Record<InetProtocol, readonly [v4: string, v6: string]> = {
  TCP: ['TCP', 'TCPv6'],
  UDP: ['UDP', 'UDPv6'],
  'UDP-Lite': ['UDP-Lite', 'UDPLITEv6'],
  RAW: ['RAW', 'RAWv6'],
};

/** "TCP", "TCPv6", "UDPLITEv6", …: the protocol name of an inet socket (as socket-protocol.ts reads it). */
export function inetProtocolName(family: number, protocol: InetProtocol): string {
  return NAMES[protocol][family === AF_INET6 ? 1 : 0];
}

export function inetRequest(family: number, protocol: InetProtocol): Uint8Array {
  const body = new Uint8Array(56);
  const view = new DataView(body.buffer);
  body[0] = family;
  body[1] = NUMBERS[protocol];
  body[3] = protocol === 'RAW' ? IPPROTO_RAW : 0;
  view.setUint32(4, 0xffffffff, HOST_LITTLE);
  view.setUint32(48, 0xffffffff, HOST_LITTLE); // no cookie: INET_DIAG_NOCOOKIE
  view.setUint32(52, 0xffffffff, HOST_LITTLE);
  return body;
}

/** One inet_diag_msg, or undefined for a mini-socket without an inode. */
export function parseInet(payload: DataView, protocol: InetProtocol, netns: number): SocketInfo | undefined {
  const ino = payload.getUint32(68, HOST_LITTLE);
  if (ino === 0) return undefined;
  const family = payload.getUint8(0);
  const bytes = new Uint8Array(payload.buffer, payload.byteOffset, 72);
  const address = family === AF_INET6 ? ipv6 : ipv4;
  const size = family === AF_INET6 ? 16 : 4;
  return {
    ino,
    protocol: inetProtocolName(family, protocol),
    state: tcpState(payload.getUint8(1)),
    local: { address: address(bytes.slice(8, 8 + size)), port: payload.getUint16(4, false) },
    ...remoteOf({ address: address(bytes.slice(24, 24 + size)), port: payload.getUint16(6, false) }),
    netns,
    source: 'sock_diag',
  };
}

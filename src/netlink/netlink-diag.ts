/**
 * netlink_diag and packet_diag (include/uapi/linux/netlink_diag.h, packet_diag.h; since 3.10): every
 * AF_NETLINK and AF_PACKET socket of the socket's network namespace, as `ss -0` and `ss --netlink` read them.
 *
 *   struct netlink_diag_req { u8 family (AF_NETLINK), protocol (NDIAG_PROTO_ALL 255); u16 pad; u32 ino,
 *                             show; u32 cookie[2] }                                            20 bytes
 *   struct netlink_diag_msg { u8 family, type, protocol, state; u32 portid, dst_portid, dst_group, ino;
 *                             u32 cookie[2] }                                                  28 bytes
 *   struct packet_diag_req  { u8 family (AF_PACKET), protocol; u16 pad; u32 ino, show; u32 cookie[2] } 20
 *   struct packet_diag_msg  { u8 family, type; u16 num (the ethertype, ntohs()ed: host order); u32 ino;
 *                             u32 cookie[2] }                                                  16 bytes
 */
import { HOST_LITTLE } from './messages.js';
import type { SocketInfo } from './socket-info.js';

const AF_NETLINK = 16;
const AF_PACKET = 17;
const NDIAG_PROTO_ALL = 255;

/** include/uapi/linux/netlink.h protocol numbers. */
const NETLINK_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'route',
  1: 'unused',
  2: 'usersock',
  3: 'firewall',
  4: 'sock_diag',
  5: 'nflog',
  6: 'xfrm',
  7: 'selinux',
  8: 'iscsi',
  9: 'audit',
  10: 'fib_lookup',
  11: 'connector',
  12: 'netfilter',
  13: 'ip6_fw',
  14: 'dnrtmsg',
  15: 'kobject_uevent',
  16: 'generic',
  18: 'scsitransport',
  19: 'ecryptfs',
  20: 'rdma',
  21: 'crypto',
  22: 'smc',
};

export function netlinkProtocolName(protocol: number): string {
  return NETLINK_PROTOCOLS[protocol] ?? `protocol${protocol}`;
}

export function netlinkRequest(): Uint8Array {
  const body = new Uint8Array(20);
  body[0] = AF_NETLINK;
  body[1] = NDIAG_PROTO_ALL;
  return body;
}

export function parseNetlink(payload: DataView, netns: number): SocketInfo {
  const protocol = payload.getUint8(2);
  return {
    ino: payload.getUint32(16, HOST_LITTLE),
    protocol: 'NETLINK',
    subprotocol: netlinkProtocolName(protocol),
    portid: payload.getUint32(4, HOST_LITTLE),
    netns,
    source: 'sock_diag',
  };
}

export function packetRequest(): Uint8Array {
  const body = new Uint8Array(20);
  body[0] = AF_PACKET;
  return body;
}

const PACKET_TYPES: Readonly<Record<number, string>> = { 2: 'DGRAM', 3: 'RAW' };

export function parsePacket(payload: DataView, netns: number): SocketInfo {
  const type = payload.getUint8(1);
  return {
    ino: payload.getUint32(4, HOST_LITTLE),
    protocol: 'PACKET',
    subprotocol: `${PACKET_TYPES[type] ?? `type${type}`} 0x${payload.getUint16(2, HOST_LITTLE).toString(16).padStart(4, '0')}`,
    netns,
    source: 'sock_diag',
  };
}

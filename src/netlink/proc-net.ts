/**
 * The socket tables of a network namespace in /proc/PID/net (proc(5)): the fallback when the namespace
 * cannot be entered (setns needs CAP_SYS_ADMIN), which anyone allowed to read that process's /proc entries
 * may read, and the only list of the families sock_diag has no handler for (ping sockets; raw sockets
 * without CONFIG_INET_RAW_DIAG). They name sockets as sock_diag does, but carry no UNIX peer: UNIX peers
 * are not found this way.
 *
 *   tcp, udp, udplite, raw, icmp (and *6): "sl local_address rem_address st … inode": addresses as the
 *     32-bit words of the address in HOST order, printed %08X ("0100007F:1F90" is 127.0.0.1:8080 on
 *     little-endian), ports in hex, `st` the TCP state number in hex;
 *   unix: "Num RefCount Protocol Flags Type St Inode Path": Flags 00010000 = listening (__SO_ACCEPTCON),
 *     Type 1/2/5 = stream/dgram/seqpacket, St 03 = connected (SS_CONNECTED); abstract names begin with '@';
 *   netlink: "sk Eth Pid Groups …  Inode": Eth = the netlink protocol, Pid = the port id;
 *   packet: "sk RefCnt Type Proto Iface R Rmem User Inode".
 */
import { readFileSync } from 'node:fs';
import { ipv4, ipv6 } from './inet-address.js';
import { HOST_LITTLE } from './messages.js';
import { netlinkProtocolName } from './netlink-diag.js';
import { type Endpoint, remoteOf, type SocketInfo, tcpState } from './socket-info.js';

/** The table files read: one per socket family (socket-tables.ts). */
export type ProcNetTable =
  | 'unix'
  | 'tcp'
  | 'tcp6'
  | 'udp'
  | 'udp6'
  | 'udplite'
  | 'udplite6'
  | 'netlink'
  | 'packet'
  | 'raw'
  | 'raw6'
  | 'icmp'
  | 'icmp6';

function hexEndpoint(text: string): Endpoint {
  const [hex = '', port = '0'] = text.split(':');
  const bytes = new Uint8Array(hex.length / 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < hex.length / 8; i++)
    view.setUint32(i * 4, Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16), HOST_LITTLE);
  return { address: bytes.length === 16 ? ipv6(bytes) : ipv4(bytes), port: Number.parseInt(port, 16) };
}

/** The protocol of each inet table's sockets, as the kernel names it. icmp and icmp6 list ping (ICMP echo)
 * sockets in udp's format, the echo identifier as the local "port" (net/ipv4/ping.c). */
const INET_PROTOCOL: Readonly<Record<string, string>> = {
  tcp: 'TCP',
  tcp6: 'TCPv6',
  udp: 'UDP',
  udp6: 'UDPv6',
  udplite: 'UDP-Lite',
  udplite6: 'UDPLITEv6',
  raw: 'RAW',
  raw6: 'RAWv6',
  icmp: 'PING',
  icmp6: 'PINGv6',
};
const UNIX_TYPES: Readonly<Record<number, string>> = {
  1: 'UNIX-STREAM',
  2: 'UNIX-DGRAM',
  5: 'UNIX-SEQPACKET',
};
const SO_ACCEPTCON = 0x10000;
const SS_CONNECTED = 3;

/** The sockets of one table text. */
export function parseProcNet(table: ProcNetTable, text: string, netns: number): SocketInfo[] {
  const sockets: SocketInfo[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6) continue;
    const base = { netns, source: 'procfs' as const };
    if (table === 'unix') {
      const flags = Number.parseInt(cols[3] as string, 16);
      const connected = Number.parseInt(cols[5] as string, 16) === SS_CONNECTED;
      const path = cols.slice(7).join(' ');
      sockets.push({
        ino: Number(cols[6]),
        protocol: UNIX_TYPES[Number.parseInt(cols[4] as string, 16)] ?? 'UNIX',
        state: flags & SO_ACCEPTCON ? 'LISTEN' : connected ? 'ESTABLISHED' : 'CLOSE',
        ...(path !== '' && { path }),
        ...base,
      });
    } else if (table === 'netlink') {
      sockets.push({
        ino: Number(cols[9]),
        protocol: 'NETLINK',
        subprotocol: netlinkProtocolName(Number(cols[1])),
        portid: Number(cols[2]),
        ...base,
      });
    } else if (table === 'packet') {
      sockets.push({ ino: Number(cols[8]), protocol: 'PACKET', ...base });
    } else {
      const ino = Number(cols[9]);
      if (ino === 0) continue;
      sockets.push({
        ino,
        protocol: INET_PROTOCOL[table] as string,
        state: tcpState(Number.parseInt(cols[3] as string, 16)),
        local: hexEndpoint(cols[1] as string),
        ...remoteOf(hexEndpoint(cols[2] as string)),
        ...base,
      });
    }
  }
  return sockets;
}

/** Reads /proc/TID/net/TABLE ('thread-self': of the namespace this thread is in now). Throws the fs error. */
export function readProcNet(tid: number | 'thread-self', table: ProcNetTable, netns: number): SocketInfo[] {
  return parseProcNet(table, readFileSync(`/proc/${tid}/net/${table}`, 'latin1'), netns);
}

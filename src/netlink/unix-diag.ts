/**
 * unix_diag (include/uapi/linux/unix_diag.h; since 3.3): every AF_UNIX socket of the socket's network
 * namespace, with its bound name and its peer, as `ss -x` reads them.
 *
 *   struct unix_diag_req { u8 family (AF_UNIX), protocol (0); u16 pad; u32 states, ino, show;
 *                          u32 cookie[2] }                                                     24 bytes
 *   struct unix_diag_msg { u8 family, type, state, pad; u32 ino; u32 cookie[2] }               16 bytes
 *   attributes: UNIX_DIAG_NAME (sun_path bytes; a leading NUL marks an abstract name), UNIX_DIAG_PEER (u32
 *   inode of the peer: both ends of a socketpair, a connected client and its accepted socket)
 *
 * A socket bound to a path is named with the path it was bound with (relative paths stay relative). The
 * peer of an unconnected DGRAM socket is absent; a listener's pending connections are not its peers.
 */
import { attribute, HOST_LITTLE } from './messages.js';
import { type SocketInfo, tcpState } from './socket-info.js';

const AF_UNIX = 1;
const UDIAG_SHOW_NAME = 0x1;
const UDIAG_SHOW_PEER = 0x4;
const UNIX_DIAG_NAME = 0;
const UNIX_DIAG_PEER = 2;

const TYPES: Readonly<Record<number, string>> = { 1: 'UNIX-STREAM', 2: 'UNIX-DGRAM', 5: 'UNIX-SEQPACKET' };

export function unixRequest(): Uint8Array {
  const body = new Uint8Array(24);
  const view = new DataView(body.buffer);
  body[0] = AF_UNIX;
  view.setUint32(4, 0xffffffff, HOST_LITTLE);
  view.setUint32(12, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, HOST_LITTLE);
  return body;
}

const decoder = new TextDecoder();

/** A sun_path as text: "/run/x.sock", or "@name" for an abstract one (its NULs shown as "@", like ss). */
export function unixPath(bytes: Uint8Array): string {
  if (bytes[0] === 0) return `@${decoder.decode(bytes.subarray(1)).replaceAll('\0', '@')}`;
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function parseUnix(payload: DataView, netns: number): SocketInfo {
  const type = payload.getUint8(1);
  const info: SocketInfo = {
    ino: payload.getUint32(4, HOST_LITTLE),
    protocol: TYPES[type] ?? `UNIX-TYPE${type}`,
    state: tcpState(payload.getUint8(2)),
    netns,
    source: 'sock_diag',
  };
  const name = attribute(payload, 16, UNIX_DIAG_NAME);
  if (name && name.byteLength > 0) {
    info.path = unixPath(new Uint8Array(name.buffer, name.byteOffset, name.byteLength));
  }
  const peer = attribute(payload, 16, UNIX_DIAG_PEER);
  if (peer && peer.byteLength >= 4 && peer.getUint32(0, HOST_LITTLE) !== 0)
    info.peer = peer.getUint32(0, HOST_LITTLE);
  return info;
}

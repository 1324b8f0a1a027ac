/**
 * Netlink framing for sock_diag (include/uapi/linux/netlink.h, sock_diag.h): one request out, a dump back.
 *
 *   request:  nlmsghdr{len, type=SOCK_DIAG_BY_FAMILY, flags=REQUEST|DUMP, seq, pid=0} + family request
 *   answer:   datagrams of nlmsghdr + payload, each padded to 4 bytes, until a message of type NLMSG_DONE;
 *             NLMSG_ERROR, or NLMSG_DONE's int payload, carries a negated errno (ENOENT: that family has no
 *             diag handler, e.g. raw sockets without CONFIG_INET_RAW_DIAG).
 *   payload:  a fixed family message, then attributes: rtattr{u16 len, u16 type} + data, 4-byte aligned.
 *
 * Netlink headers and attributes are in host byte order; inet addresses and ports are in network order.
 */
import { KcmpError } from '../errors.js';
import { errnoName } from '../sys/errno.js';
import { sysNetlinkReceive, sysNetlinkSend } from '../sys/netlink.js';
import { SysError } from '../sys/sys-error.js';

export const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const NLMSG_HDRLEN = 16;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const SOCK_DIAG_BY_FAMILY = 20;

/** Large enough for one dump datagram (the kernel fills at most 32 KiB: netlink_dump's max_recvmsg_len). */
const receiveBuffer = new Uint8Array(64 * 1024);
let sequence = 1;

/** A sock_diag dump request around the family-specific `body`. */
export function dumpRequest(body: Uint8Array): Uint8Array {
  const message = new Uint8Array(NLMSG_HDRLEN + body.length);
  const view = new DataView(message.buffer);
  view.setUint32(0, message.length, HOST_LITTLE);
  view.setUint16(4, SOCK_DIAG_BY_FAMILY, HOST_LITTLE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, HOST_LITTLE);
  view.setUint32(8, sequence++, HOST_LITTLE);
  message.set(body, NLMSG_HDRLEN);
  return message;
}

/**
 * Sends `request` on sock_diag socket `fd` and calls `onMessage` with each answer's payload (a view into a
 * reused buffer: copy what must outlive the call). Throws SysError for a failed call or an NLMSG_ERROR.
 */
export function dump(fd: number, request: Uint8Array, onMessage: (payload: DataView) => void): void {
  const sent = sysNetlinkSend(fd, request);
  if (sent < 0) throw new SysError('sendto', errnoName(-sent));
  for (;;) {
    const length = sysNetlinkReceive(fd, receiveBuffer);
    if (length < 0) throw new SysError('recv', errnoName(-length));
    const view = new DataView(receiveBuffer.buffer, 0, length);
    for (let at = 0; at + NLMSG_HDRLEN <= length; ) {
      const size = view.getUint32(at, HOST_LITTLE);
      const type = view.getUint16(at + 4, HOST_LITTLE);
      if (size < NLMSG_HDRLEN || at + size > length) throw new KcmpError('malformed netlink message');
      if (type === NLMSG_DONE) {
        // its int payload is the dump's result: a negative errno when the dump failed (netlink_dump_done)
        const result = size >= NLMSG_HDRLEN + 4 ? view.getInt32(at + NLMSG_HDRLEN, HOST_LITTLE) : 0;
        if (result < 0) throw new SysError('sock_diag', errnoName(-result));
        return;
      }
      if (type === NLMSG_ERROR) {
        const errno = -view.getInt32(at + NLMSG_HDRLEN, HOST_LITTLE);
        if (errno !== 0) throw new SysError('sock_diag', errnoName(errno));
      } else {
        onMessage(new DataView(receiveBuffer.buffer, at + NLMSG_HDRLEN, size - NLMSG_HDRLEN));
      }
      at += align4(size);
    }
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The data of attribute `type` after a family message of `headerSize` bytes (undefined if absent). A
 * scan per attribute asked for, allocating only the view returned: a dump of a busy machine's AF_UNIX
 * sockets has tens of thousands of messages, each with one or two attributes.
 */
export function attribute(payload: DataView, headerSize: number, type: number): DataView | undefined {
  for (let at = headerSize; at + 4 <= payload.byteLength; ) {
    const size = payload.getUint16(at, HOST_LITTLE);
    if (size < 4 || at + size > payload.byteLength) return undefined;
    // without NLA_F_NESTED, NLA_F_NET_BYTEORDER
    if ((payload.getUint16(at + 2, HOST_LITTLE) & 0x3fff) === type)
      return new DataView(payload.buffer, payload.byteOffset + at + 4, size - 4);
    at += align4(size);
  }
  return undefined;
}

/**
 * AF_NETLINK sockets, setns(2) and SIOCGSKNS: what the sock_diag queries of src/netlink need from the
 * kernel. Node has no netlink sockets, so these go through the C library (libc.ts). Every call returns the
 * kernel's value or the negated errno; nothing here parses a message.
 *
 * - socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_SOCK_DIAG): needs no privilege. The socket belongs to
 *   the network namespace of the calling THREAD at creation and stays there: sock_diag dumps only sockets
 *   of that namespace (net/core/sock_diag.c). NETLINK_SOCK_DIAG is the old NETLINK_INET_DIAG number; the
 *   per-family handlers came with 3.3 (inet, unix) and 3.10 (netlink, packet). A family whose module is
 *   absent (CONFIG_UNIX_DIAG, CONFIG_PACKET_DIAG, …) answers its request with ENOENT.
 * - sendto(fd, request, sockaddr_nl{nl_family=AF_NETLINK, nl_pid=0}): pid 0 is the kernel.
 * - recv(fd, buf): one datagram of one or more netlink messages; a dump is answered by datagrams that end
 *   with NLMSG_DONE. A datagram larger than `buf` is truncated (MSG_TRUNC): the caller's buffer must hold
 *   the kernel's chunk size (the dump fills up to max(PAGE_SIZE, 8 KiB) per datagram; 32 KiB is safe).
 * - setns(fd, CLONE_NEWNET): moves the calling thread into the network namespace of the nsfs fd `fd`
 *   (an open /proc/PID/ns/net). Needs CAP_SYS_ADMIN in the target namespace's owning user namespace and in
 *   ours (EPERM otherwise). Since 3.0. Only this thread moves: the caller must move back at once.
 * - ioctl(fd, SIOCGSKNS) on a socket of OURS (4.9): a new close-on-exec nsfs fd of the network namespace the
 *   socket was created in (sock_net(sk), fixed for its life), the fd setns(2) takes. Needs CAP_NET_ADMIN
 *   in the user namespace owning that network namespace (EPERM otherwise); ENOTTY before 4.9.
 */
import { libc } from './libc.js';

export const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_SOCK_DIAG = 4;
const CLONE_NEWNET = 0x40000000;
/** include/uapi/linux/sockios.h */
const SIOCGSKNS = 0x894c;

/** struct sockaddr_nl of the kernel: family AF_NETLINK, pid 0, groups 0 (12 bytes). */
const KERNEL_ADDRESS = new Uint8Array(12);
new DataView(KERNEL_ADDRESS.buffer).setUint16(0, AF_NETLINK, true);

/** A NETLINK_SOCK_DIAG socket in the calling thread's network namespace: the fd, or the negated errno. */
export function sysSockDiagSocket(): number {
  return libc().socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

/** Sends one request to the kernel: bytes sent, or the negated errno. */
export function sysNetlinkSend(fd: number, message: Uint8Array): number {
  return libc().sendto(fd, message, message.length, 0, KERNEL_ADDRESS, KERNEL_ADDRESS.length);
}

/** Receives one datagram into `buffer`: its length, or the negated errno. */
export function sysNetlinkReceive(fd: number, buffer: Uint8Array): number {
  return libc().recv(fd, buffer, buffer.length, 0);
}

/** setns(nsfd, CLONE_NEWNET) for the calling thread: 0, or the negated errno (EPERM without CAP_SYS_ADMIN). */
export function sysSetNetns(nsfd: number): number {
  return libc().setns(nsfd, CLONE_NEWNET);
}

/** ioctl(fd, SIOCGSKNS) on our socket `fd`: an nsfs fd of its network namespace, or the negated errno. */
export function sysSocketNetns(fd: number): number {
  return libc().ioctl(fd, SIOCGSKNS);
}

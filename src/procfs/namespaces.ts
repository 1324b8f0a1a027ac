/** Which namespaces a process is in, as far as it changes whom kcmp can name and inspect. */
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { ProcNamespaceError } from '../errors.js';

/**
 * True when `pid` is in the initial user namespace: its uid_map maps all 2^32-1 ids onto themselves.
 * Inside another user namespace, processes outside it fail kcmp's ptrace check (commoncap: different
 * user namespace, no CAP_SYS_PTRACE in the initial one; kcmp-spec.md §4.3).
 */
export function inInitialUserNamespace(pid: number | 'self' = 'self'): boolean {
  const map = readFileSync(`/proc/${pid}/uid_map`, 'latin1').trim().split(/\s+/);
  return map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295';
}

/** The namespaces a container is told apart by: a process's pid and mount namespace. */
export type NamespaceKind = 'pid' | 'mnt';

/**
 * The namespace `kind` of `pid` as its /proc/PID/ns/KIND link names it: "pid:[4026531836]". Two
 * processes are in the same namespace exactly when the links read the same (the nsfs inode; proc(5)), for
 * as long as both live. Throws the fs error (ENOENT: gone; EACCES: no ptrace read access).
 */
export function namespaceOf(pid: number | 'self', kind: NamespaceKind): string {
  return readlinkSync(`/proc/${pid}/ns/${kind}`);
}

/**
 * The inode number of the initial PID namespace on /proc/PID/ns/pid: PROC_PID_INIT_INO (0xEFFFFFFC) in
 * include/linux/proc_ns.h, fixed since Linux 3.8. Every other PID namespace gets an inode from the nsfs
 * allocator, never this one. (NSpid cannot tell: it lists pids from the namespace /proc belongs to inward,
 * so inside `unshare --pid --fork --mount-proc` it has one entry, as in the initial namespace.)
 */
export const INITIAL_PID_NAMESPACE_INO = 0xeffffffc;

/** True when the calling process is in the initial PID namespace. */
export function inInitialPidNamespace(): boolean {
  return statSync('/proc/self/ns/pid').ino === INITIAL_PID_NAMESPACE_INO;
}

/**
 * Why the pids /proc shows are not the caller's pids, or undefined when they are.
 *
 * kcmp(2), pidfd_open(2) and kill(2) take pids in the CALLER's PID namespace; /proc shows the pids of the
 * namespace it was mounted in. They differ after `unshare --pid --fork` without --mount-proc, or in a
 * container that bind-mounts the host's /proc: pid 2 in /proc is then another process than pid 2 for
 * kcmp, and every answer would be about the wrong processes. The kernel gives two facts to tell:
 *  - /proc/self is our pid in /proc's namespace (proc_self_get_link); it does not resolve at all when we
 *    are not visible there (/proc of a namespace below ours, or of an unrelated one);
 *  - NSpid in /proc/self/status lists our pid in each namespace from /proc's down to our own (Linux 4.1):
 *    one entry exactly when /proc's namespace is ours. With no NSpid line (older kernels), /proc/self
 *    against getpid() is all there is.
 * A procfs superblock belongs to one PID namespace for its whole life, fixed at mount time, and our own
 * PID namespace never changes, so the answer is kept per /proc superblock (its st_dev): a /proc mounted
 * over this one, or another mount namespace, is checked again.
 */
export function procPidNamespaceMismatch(): string | undefined {
  let dev: number;
  try {
    dev = statSync('/proc').dev;
  } catch {
    return '/proc is not mounted';
  }
  if (checked?.dev !== dev) checked = { dev, mismatch: mismatchNow() };
  return checked.mismatch;
}

let checked: { dev: number; mismatch: string | undefined } | undefined;

function mismatchNow(): string | undefined {
  let self: string;
  try {
    self = readlinkSync('/proc/self');
  } catch {
    return '/proc/self does not resolve, so /proc belongs to a PID namespace this process is not in';
  }
  if (Number(self) !== process.pid) {
    return `/proc belongs to another PID namespace: /proc/self is ${self}, but this process is pid ${process.pid} in its own`;
  }
  const nspid = /^NSpid:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1]?.trim();
  if (nspid !== undefined && /\s/.test(nspid)) {
    return `/proc belongs to an outer PID namespace: NSpid in /proc/self/status is ${nspid.replace(/\s+/g, ' ')}, our pid there and in each namespace down to ours`;
  }
  return undefined;
}

/**
 * Throws ProcNamespaceError when /proc shows another PID namespace's pids (procPidNamespaceMismatch):
 * every command and library call that reads pids from /proc, or is given pids a user read there, calls
 * this first, once.
 */
export function assertProcPidsAreOurs(): void {
  const mismatch = procPidNamespaceMismatch();
  if (mismatch) throw new ProcNamespaceError(mismatch);
}

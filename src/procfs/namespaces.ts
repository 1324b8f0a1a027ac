/** Which namespaces a process is in, as far as it changes whom kcmp can name and inspect. */
import { readFileSync, readlinkSync } from 'node:fs';

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

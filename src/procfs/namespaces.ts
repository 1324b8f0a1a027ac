/** Which namespaces a process is in, as far as it changes whom kcmp can name and inspect. */
import { readFileSync } from 'node:fs';

/**
 * True when `pid` is in the initial user namespace: its uid_map maps all 2^32-1 ids onto themselves.
 * Inside another user namespace, processes outside it fail kcmp's ptrace check (commoncap: different
 * user namespace, no CAP_SYS_PTRACE in the initial one; kcmp-spec.md §4.3).
 */
export function inInitialUserNamespace(pid: number | 'self' = 'self'): boolean {
  const map = readFileSync(`/proc/${pid}/uid_map`, 'latin1').trim().split(/\s+/);
  return map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295';
}

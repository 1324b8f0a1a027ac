/** /proc/sys (sysctl) values that change what kcmp and its neighbours may do. */
import { readFileSync } from 'node:fs';

/** Reads /proc/sys/NAME (e.g. 'kernel/yama/ptrace_scope'), trimmed; undefined if it does not exist. */
export function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name}`, 'latin1').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

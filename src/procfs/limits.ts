/** Resource limits of this process, from /proc/self/limits (proc(5)). */
import { readFileSync } from 'node:fs';

export interface Limit {
  soft: number;
  hard: number;
}

/** Parses one row of /proc/PID/limits ("Max open files  1024  4096  files"); "unlimited" is Infinity. */
export function parseLimit(text: string, name: string): Limit | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (!line) return undefined;
  const [soft, hard] = line
    .slice(name.length)
    .trim()
    .split(/\s+/)
    .map((v) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v)));
  if (soft === undefined || hard === undefined || Number.isNaN(soft) || Number.isNaN(hard)) return undefined;
  return { soft, hard };
}

/**
 * RLIMIT_NOFILE of this process: how many fds it may hold. Node raises the soft limit to the hard one at
 * start-up, so both are usually equal. An unreadable file gives the traditional default, 1024.
 */
export function openFileLimit(): Limit {
  let text = '';
  try {
    text = readFileSync('/proc/self/limits', 'latin1');
  } catch {
    // no /proc: assume the default
  }
  return parseLimit(text, 'Max open files') ?? { soft: 1024, hard: 1024 };
}

/**
 * Walking up the process tree: a process's parent and its ancestors, nearest first. A parent is what
 * /proc/PID/stat (field 4) says when it is read: a process whose parent exited has been reparented (to the
 * nearest subreaper, prctl PR_SET_CHILD_SUBREAPER, or to init), and 0 is the parent of pid 1 and of a
 * process whose parent is outside our PID namespace. A pid read twice may name another process by then
 * (reuse), so a walk stops after MAX_GENERATIONS: a loop cannot spin.
 */
import { readStat } from '../../procfs/stat.js';

/** Ancestor walks stop here: a pid loop (pid reuse between two reads) cannot spin. */
const MAX_GENERATIONS = 64;

/** `read`, called once per key. */
export function memo<K, V>(read: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = read(key);
    cache.set(key, value);
    return value;
  };
}

/** The parent of `pid` as /proc reads it now; undefined when it cannot be read (gone, or refused). */
export function parentFromProc(pid: number): number | undefined {
  try {
    return readStat(pid).ppid;
  } catch {
    return undefined;
  }
}

/** Each pid's ancestors, nearest first, up to MAX_GENERATIONS, from `parentOf` (memoised, as is each chain). */
export function ancestorsOf(parentOf: (pid: number) => number | undefined): (pid: number) => number[] {
  const parent = memo(parentOf);
  return memo((pid: number): number[] => {
    const chain: number[] = [];
    for (let p = parent(pid); p !== undefined && p > 0 && chain.length < MAX_GENERATIONS; p = parent(p))
      chain.push(p);
    return chain;
  });
}

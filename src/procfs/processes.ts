/**
 * Which processes and tasks exist: all visible pids, a pid's descendants, a process's threads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readStat } from './stat.js';

const NUMERIC = /^\d+$/;

/** Every pid visible in our PID namespace's /proc, ascending. */
export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => NUMERIC.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The tids of a process (its threads, leader first), or [] if it is gone. */
export function listTasks(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .filter((name) => NUMERIC.test(name))
      .map(Number)
      .sort((a, b) => (a === pid ? -1 : b === pid ? 1 : a - b));
  } catch {
    return [];
  }
}

/**
 * `root` and all its descendants, root first then breadth-first. Uses /proc/PID/task/TID/children where
 * the kernel has it (CONFIG_PROC_CHILDREN), which lists children per thread; otherwise a ppid scan.
 */
export function processTree(root: number): number[] {
  const result: number[] = [];
  const seen = new Set<number>();
  const queue = [root];
  let byParent: Map<number, number[]> | undefined;
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    result.push(pid);
    let children = childrenFromProc(pid);
    if (children === undefined) {
      byParent ??= parentMap();
      children = byParent.get(pid) ?? [];
    }
    queue.push(...children);
  }
  return result;
}

function childrenFromProc(pid: number): number[] | undefined {
  const children: number[] = [];
  for (const tid of listTasks(pid)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && tid === pid) return undefined;
      continue;
    }
    for (const word of text.split(' ')) if (NUMERIC.test(word)) children.push(Number(word));
  }
  return children;
}

function parentMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const pid of listPids()) {
    try {
      const { ppid } = readStat(pid);
      const list = map.get(ppid);
      if (list) list.push(pid);
      else map.set(ppid, [pid]);
    } catch {
      // exited while we looked
    }
  }
  return map;
}

/**
 * The holders of one description summarised by process, for the description view (HELDBY): each process
 * once with the fds it holds the description under, and processes that share a title and hold it under the
 * same fds folded into one entry with their count — what a pre-fork tree looks like:
 *
 *   961 postgres: postmaster fds 1,2; 36 × postgres: backend fds 1,2
 *
 * Entries come in the order of their lowest pid (a master before the workers it forked, as a rule).
 */
import { fdLabel } from './graph.js';

/** One fd of a process: a holder, or the fd of an error row (null: the error is not about one fd). */
export interface HeldFd {
  pid: number;
  fd: number | null;
  command: string;
}

/** The entries: "PID TITLE fds N,…" for a process alone, "COUNT × TITLE fds N,…" for a fold. */
export function heldBy(
  holders: readonly HeldFd[],
  titleOf: (pid: number, command: string) => string,
): string[] {
  const processes = new Map<number, { title: string; fds: number[] }>();
  for (const h of holders) {
    const p = processes.get(h.pid) ?? { title: titleOf(h.pid, h.command), fds: [] };
    processes.set(h.pid, p);
    if (h.fd !== null) p.fds.push(h.fd);
  }
  const folds = new Map<string, { lowest: number; count: number; title: string; fds: number[] }>();
  for (const [pid, { title, fds }] of processes) {
    fds.sort((a, b) => a - b);
    const key = `${fds.join(',')} ${title}`;
    const fold = folds.get(key);
    if (!fold) folds.set(key, { lowest: pid, count: 1, title, fds });
    else {
      fold.count++;
      fold.lowest = Math.min(fold.lowest, pid);
    }
  }
  return [...folds.values()]
    .sort((a, b) => a.lowest - b.lowest)
    .map(({ lowest, count, title, fds }) => {
      const who = count === 1 ? [lowest] : [count, '×'];
      return [...who, title, fds.length === 0 ? '' : fdLabel(fds)].filter((part) => part !== '').join(' ');
    });
}

/**
 * The holders of one description summarised by process, for the description view (HELDBY): each process
 * once with the fds it holds the description under, and processes that share a title and hold it under the
 * same fds folded into one entry with their count — what a pre-fork tree looks like:
 *
 *   961 postgres: postmaster fds 1,2; 36 × postgres: backend fds 1,2
 *
 * A process that shares another's fd table (CLONE_FILES, a holder with `fdTable`) holds that one's fds,
 * not more: it is named beside it, and its fds are not counted again (table-entries.ts):
 *
 *   1234 logger fds 5,6 (fd table shared with 1235)
 *
 * Entries come in the order of their lowest pid (a master before the workers it forked, as a rule).
 */
import { fdLabel, plural } from './graph.js';

/** One fd of a process: a holder, or the fd of an error row (null: the error is not about one fd). */
export interface HeldFd {
  pid: number;
  fd: number | null;
  command: string;
  /** A holder's `fdTable`: the fd is that process's table entry, which this process shares. */
  fdTable?: number;
}

/** The entries: "PID TITLE fds N,…" for a process alone, "COUNT × TITLE fds N,…" for a fold. */
export function heldBy(
  holders: readonly HeldFd[],
  titleOf: (pid: number, command: string) => string,
): string[] {
  const processes = new Map<number, { title: string; fds: number[]; sharers: number[] }>();
  for (const h of holders) {
    if (h.fdTable !== undefined) continue;
    const p = processes.get(h.pid) ?? { title: titleOf(h.pid, h.command), fds: [], sharers: [] };
    processes.set(h.pid, p);
    if (h.fd !== null) p.fds.push(h.fd);
  }
  // Every fd a sharer holds is listed under its table's process too (describe.ts): that entry names it.
  for (const h of holders) {
    const sharers = h.fdTable === undefined ? undefined : processes.get(h.fdTable)?.sharers;
    if (sharers && !sharers.includes(h.pid)) sharers.push(h.pid);
  }
  const folds = new Map<
    string,
    { lowest: number; count: number; title: string; fds: number[]; sharers: number[] }
  >();
  for (const [pid, { title, fds, sharers }] of processes) {
    fds.sort((a, b) => a - b);
    sharers.sort((a, b) => a - b);
    const key = `${fds.join(',')} ${sharers.length} ${title}`;
    const fold = folds.get(key);
    if (!fold) folds.set(key, { lowest: pid, count: 1, title, fds, sharers });
    else {
      fold.count++;
      fold.lowest = Math.min(fold.lowest, pid);
    }
  }
  return [...folds.values()]
    .sort((a, b) => a.lowest - b.lowest)
    .map(({ lowest, count, title, fds, sharers }) => {
      const who = count === 1 ? [lowest] : [count, '×'];
      const shared =
        sharers.length === 0
          ? ''
          : count === 1
            ? `(fd table shared with ${sharers.join(',')})`
            : `(each fd table shared with ${plural(sharers.length, 'process', 'processes')})`;
      return [...who, title, fds.length === 0 ? '' : fdLabel(fds), shared]
        .filter((part) => part !== '')
        .join(' ');
    });
}

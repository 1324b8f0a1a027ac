/**
 * Names for the listed descriptions: the link target of each one's first holder, or of the next holder
 * when that fd has been closed since. Read on the worker threads when there are any, in even shares.
 */
import { type FdColumns, readLinks } from '../procfs/fds.js';
import type { Draft } from './fds-drafts.js';
import type { WorkerPool } from './fds-pool.js';

export async function descriptionNames(
  listed: readonly Draft[],
  cols: FdColumns,
  tidOf: (slot: number) => number,
  pool: WorkerPool | undefined,
): Promise<string[]> {
  const tids = Int32Array.from(listed, (d) => tidOf(d.slots[0] as number));
  const fds = Int32Array.from(listed, (d) => cols.fd[d.slots[0] as number] as number);
  let names: string[];
  if (pool && listed.length > 0) {
    const share = Math.ceil(listed.length / pool.size);
    const parts = await Promise.all(
      Array.from({ length: pool.size }, (_, i) => {
        const range = [i * share, (i + 1) * share] as const;
        return pool.run<string[]>(i, { op: 'names', tids: tids.slice(...range), fds: fds.slice(...range) });
      }),
    );
    names = parts.flat();
  } else {
    names = readLinks(tids, fds);
  }
  names.forEach((name, i) => {
    if (name !== '') return;
    for (const slot of (listed[i] as Draft).slots.slice(1)) {
      const [next] = readLinks(Int32Array.of(tidOf(slot)), Int32Array.of(cols.fd[slot] as number));
      if (next) {
        names[i] = next;
        return;
      }
    }
  });
  return names;
}

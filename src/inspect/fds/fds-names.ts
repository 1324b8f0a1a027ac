/**
 * Names for the listed descriptions: the link target of each one's first holder, as read during grouping
 * (fds-grouping.ts), or read now when that was not possible — the fd was gone, or the first holder changed
 * because its process was dropped — trying the next holder if that fd is gone too.
 */
import { FdDirs } from '../../procfs/fd-dir.js';
import type { FdColumns } from '../../procfs/fds.js';
import type { Draft } from './fds-drafts.js';

export function descriptionNames(
  listed: readonly Draft[],
  read: readonly string[],
  cols: FdColumns,
  tidOf: (slot: number) => number,
): string[] {
  const dirs = new FdDirs();
  try {
    return listed.map((draft) => {
      const first = draft.slots[0] as number;
      if (read[first]) return read[first] as string;
      for (const slot of draft.slots) {
        const name = dirs.get(tidOf(slot)).readlink(cols.fd[slot] as number);
        if (name !== '') return name;
      }
      return '';
    });
  } finally {
    dirs.close();
  }
}

/**
 * A table that several processes share (CLONE_FILES) is read through one of them, its reader
 * (fd-tables.ts). When the reader exits during the scan, exit_files drops only its own reference: the
 * table lives on, unchanged, in the other sharers — but everything read through the reader from then on
 * fails (/proc/READER/fd lists nothing, stat answers ENOENT, kcmp EBADF or ESRCH), and the sharers' fds,
 * which are that table's, would be missing with no word about them.
 *
 *   table {reader A, sharedBy [B, C]}   A exits mid-scan   ─▶  table {reader B, sharedBy [C]}, A exited
 *
 * So once the fds are read and grouped, the reader of each shared table is checked (still the selected
 * process, not a zombie: identity.ts stillLive). If it exited and a sharer lives, the table is handed to
 * that sharer and the scan reads again (fds.ts); sharers that exited are said as exited. A table still
 * losing its reader when no reading is left is given up: its rows are left out and each living sharer gets
 * an error row, never silence. A reader that exits later, while the report is written, changes nothing:
 * what was read through it was read while it was alive (describe.ts keeps the rows of a table any of whose
 * holders is still the same process).
 */
import { type ProcessIdentity, stillLive } from '../../procfs/identity.js';
import type { FdTable } from './fd-tables.js';

export interface Handover {
  /** The tables, each shared one read through a sharer that lives. */
  tables: FdTable[];
  /** Did a table change reader? Then what was read through the old reader must be read again. */
  reread: boolean;
  /** Sharers that exited during the scan (readers or not): they hold nothing now. */
  exited: number[];
}

/** Checks the reader and sharers of each shared table, and hands each table whose reader exited to a
 * sharer that lives (see the header). */
export function handOver(tables: readonly FdTable[], selected: readonly ProcessIdentity[]): Handover {
  const startTime = new Map(selected.map((p) => [p.pid, p.startTime]));
  const live = (pid: number, tid = pid) => stillLive({ pid, startTime: startTime.get(pid) ?? -1 }, tid);
  const exited: number[] = [];
  let reread = false;
  const handed = tables.map((table) => {
    if (table.sharedBy.length === 0) return table;
    const readerLives = live(table.pid, table.tid);
    const sharers = table.sharedBy.filter((pid) => live(pid));
    exited.push(...table.sharedBy.filter((pid) => !sharers.includes(pid)));
    if (readerLives)
      return sharers.length === table.sharedBy.length ? table : { ...table, sharedBy: sharers };
    const [reader, ...rest] = sharers;
    if (reader === undefined) return table; // every holder exited: the identity check says so
    exited.push(table.pid);
    reread = true;
    return { ...table, pid: reader, tid: reader, sharedBy: rest };
  });
  return { tables: handed, reread, exited };
}

/** The sharers of each table whose reader exited (`before` and `after` of the same handOver, in order):
 * their fds were read through a process that had exited, so they are left out and said. */
export function orphans(
  before: readonly FdTable[],
  after: readonly FdTable[],
): { table: FdTable; survivors: number[] }[] {
  return before.flatMap((table, i) => {
    const now = after[i] as FdTable;
    return now.pid === table.pid ? [] : [{ table, survivors: [now.pid, ...now.sharedBy] }];
  });
}

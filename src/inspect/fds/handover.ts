/**
 * A table that several processes share (CLONE_FILES) is read through one of them, its reader
 * (fd-tables.ts). When the reader exits during the scan, exit_files drops only its own reference: the
 * table lives on, unchanged, in the other sharers — but everything read through the reader from then on
 * fails (/proc/READER/fd lists nothing, stat answers ENOENT, kcmp EBADF or ESRCH), and the sharers' fds,
 * which are that table's, would be missing with no word about them.
 *
 *   table {reader A, sharedBy [B, C]}   A exits mid-scan   ─▶  table {reader B, sharedBy [C]}, A exited
 *
 * So once the fds are read and grouped, the reader and the sharers of each shared table are checked
 * (identity.ts processState). If the reader no longer runs and a sharer does, the table is handed to that
 * sharer and the scan reads again (fds.ts). A process that exited (gone, a zombie, its pid reused) is said
 * as exited. One that lives on but left the table mid-scan — its leader a zombie while other threads live,
 * as in a thread's execve, which also gives the exec'ing process a copy of the table of its own
 * (unshare_files) — is no holder any more and is said as unsettled: its own fds are unknown. A reader that
 * exits later, while the report is written, changes nothing: what was read through it was read while it
 * ran (describe.ts keeps the rows of a table any of whose holders is still the process selected).
 */
import { type ProcessIdentity, processState } from '../../procfs/identity.js';
import { readStat } from '../../procfs/stat.js';
import type { FdTable } from './fd-tables.js';

export interface Handover {
  /** The tables, in the order given: each shared one read through a process that runs, and shared by
   * those that still run. */
  tables: FdTable[];
  /** Did a table change reader? Then what was read through the old reader must be read again. */
  reread: boolean;
  /** Sharers that exited during the scan (readers or not): they hold nothing now. */
  exited: number[];
  /** Sharers that live on but left the table during the scan: their own fds are unknown. */
  unsettled: number[];
}

/** Checks the reader and the sharers of each shared table, and hands each table whose reader no longer
 * runs to a sharer that does (see the header). */
export function handOver(tables: readonly FdTable[], selected: readonly ProcessIdentity[]): Handover {
  const startTime = new Map(selected.map((p) => [p.pid, p.startTime]));
  const stateOf = (pid: number) => processState({ pid, startTime: startTime.get(pid) ?? -1 });
  const exited: number[] = [];
  const unsettled: number[] = [];
  const left = (pid: number, state = stateOf(pid)) => {
    if (state === 'running' || state === 'in-flux') unsettled.push(pid);
    else exited.push(pid);
  };
  let reread = false;
  const handed = tables.map((table) => {
    if (table.sharedBy.length === 0) return table;
    const states = table.sharedBy.map((pid) => [pid, stateOf(pid)] as const);
    const sharers = states.filter(([, state]) => state === 'running').map(([pid]) => pid);
    for (const [pid, state] of states) if (state !== 'running') left(pid, state);
    if (readsStill(table, stateOf(table.pid))) {
      return sharers.length === table.sharedBy.length ? table : { ...table, sharedBy: sharers };
    }
    const [reader, ...rest] = sharers;
    if (reader === undefined) return table; // no holder runs: the identity check says what became of each
    left(table.pid);
    reread = true;
    return { ...table, pid: reader, tid: reader, sharedBy: rest };
  });
  return { tables: handed, reread, exited, unsettled };
}

/** Can the table still be read through the task it was read through? Its process runs — or, read through
 * a thread because the leader is a zombie (fd-tables.ts), that thread is still there. */
function readsStill(table: FdTable, state: ReturnType<typeof processState>): boolean {
  if (table.tid === table.pid) return state === 'running';
  if (state !== 'in-flux') return false;
  try {
    readStat(table.pid, table.tid);
    return true;
  } catch {
    return false;
  }
}

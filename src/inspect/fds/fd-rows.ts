/**
 * Stage 2, read rows: every fd of every fd table, one row each, as parallel arrays (FdRows: the per-fd
 * fields of procfs/fds.ts, and the table each row was read from). This is the kcmp engine's /proc path:
 * each table is listed (readdir of /proc/TID/fd) here, then stat'ed in jobs of row ranges (work-split.ts:
 * on worker threads when the scan has them, writing the shared rows in place). The bpf engine makes the same rows from one iterator pass instead
 * (fd-rows-bpf.ts). Rows are in (table, fd) order, tables in (pid, tid) order.
 *
 * A table that cannot be listed is an error row, and so is every fd whose stat fails (later, in the
 * describe stage): nothing is guessed.
 */
import { fsErrno } from '../../procfs/errors.js';
import { allocFdColumns, type FdColumns, listFds, NUMERIC_COLUMN_NAMES, scanFds } from '../../procfs/fds.js';
import { type ErrnoName, isGone } from '../../sys/errno.js';
import type { FdTable } from './fd-tables.js';
import type { Problems } from './fds-problems.js';
import { JOB_SIZE, runJobs, type StatJob, type WorkerPool } from './work-split.js';

/** Every fd read, one row each: the per-fd columns, and for each row the index of its table in `tables`. */
export interface FdRows extends FdColumns {
  /** The tables that could be listed. */
  tables: readonly FdTable[];
  table: Int32Array;
  /** The bpf engine's proposal: per row, the opaque per-run key of the fd's struct file. */
  fileKey?: Int32Array;
  /** The bpf engine's name of a row's file, read in the same visit as its inode (task-file-program.ts);
   * undefined where the pass wrote none (names.ts then reads the link). */
  nameOf?: (row: number) => string | undefined;
  /** The bpf engine's protocol name of a socket row, read in the pass (its sockfs dentry's name, what
   * getxattr(system.sockprotoname) answers); undefined where the pass read none (names.ts then reads it). */
  protocolOf?: (row: number) => string | undefined;
  /** 1 for a row read only as a possible other end of a listed row (a peer), never listed itself
   * (narrow.ts); absent when every row is the selection's. */
  context?: Uint8Array;
}

/**
 * The rows `keep` keeps (a code per row: 0 drop, 1 keep, 2 keep as context), in their order, every column
 * with them; the tables stay as they are (a table may keep no row: missedTables has looked at it before).
 */
export function keepRows(rows: FdRows, keep: Uint8Array): FdRows {
  const kept: number[] = [];
  for (let row = 0; row < keep.length; row++) if (keep[row] !== 0) kept.push(row);
  const cols = allocFdColumns(kept.length);
  for (const name of NUMERIC_COLUMN_NAMES) {
    const from = rows[name];
    const to = cols[name];
    kept.forEach((row, i) => {
      to[i] = from[row] as number;
    });
  }
  const { fileKey, nameOf, protocolOf } = rows;
  return {
    ...cols,
    tables: rows.tables,
    table: Int32Array.from(kept, (row) => rows.table[row] as number),
    context: Uint8Array.from(kept, (row) => (keep[row] === 2 ? 1 : 0)),
    ...(fileKey && { fileKey: Int32Array.from(kept, (row) => fileKey[row] as number) }),
    ...(nameOf && { nameOf: (i: number) => nameOf(kept[i] as number) }),
    ...(protocolOf && { protocolOf: (i: number) => protocolOf(kept[i] as number) }),
  };
}

/** The table row `row` was read from. */
export function tableOf(rows: FdRows, row: number): FdTable {
  return rows.tables[rows.table[row] as number] as FdTable;
}

/** Lists and reads every table; a table that cannot be listed, or that is replaced while listed, is said.
 * Every table is listed first (here), then the rows are allocated once, in shared memory when the scan
 * has workers, and each stat job — a table's rows [from, to) — is written in place by whoever runs it. */
export async function readRows(
  tables: readonly FdTable[],
  pool: WorkerPool | undefined,
  problems: Problems,
  onProgress?: (done: number, total: number) => void,
): Promise<FdRows> {
  const listed: FdTable[] = [];
  const lists: Int32Array[] = [];
  const unlisted: { table: FdTable; errno: ErrnoName }[] = [];
  for (const table of tables) {
    try {
      lists.push(listFds(table.tid));
    } catch (error) {
      unlisted.push({ table, errno: fsErrno(error) });
      continue;
    }
    listed.push(table);
  }
  noteUnlisted(unlisted, listed, problems);
  const total = lists.reduce((n, fds) => n + fds.length, 0);
  const cols = allocFdColumns(total, pool !== undefined);
  const table = new Int32Array(
    (pool ? new SharedArrayBuffer(total * 4) : new ArrayBuffer(total * 4)) as ArrayBuffer,
  );
  const jobs: StatJob[] = [];
  let at = 0;
  lists.forEach((fds, t) => {
    cols.fd.set(fds, at);
    table.fill(t, at, at + fds.length);
    for (let from = 0; from < fds.length; from += JOB_SIZE) {
      const to = Math.min(from + JOB_SIZE, fds.length);
      jobs.push({ tid: (listed[t] as FdTable).tid, cols, from: at + from, to: at + to });
    }
    at += fds.length;
  });
  let done = 0;
  const stat = {
    request: (job: StatJob) => ({ op: 'stat', job }) as const,
    here: statFds,
  };
  await runJobs(pool, jobs, stat, (job) => {
    done += job.to - job.from;
    onProgress?.(done, total);
  });
  return { ...cols, tables: listed, table };
}

/** Reads one job (a stat of each fd of its rows) into its rows: the work a worker thread does. */
export function statFds(job: StatJob): void {
  scanFds(job.tid, job.cols, job.from, job.to);
}

/**
 * A table that could not be listed is an error row — unless it was reached through a thread that is gone
 * (exited, or exec'd: execve hands the process's pid to the exec'ing thread, and its tid disappears) while
 * the process's table was listed through another task: then nothing of the process is missing.
 */
function noteUnlisted(
  unlisted: readonly { table: FdTable; errno: ErrnoName }[],
  listed: readonly FdTable[],
  problems: Problems,
): void {
  const read = new Set(listed.map((t) => t.pid));
  for (const { table, errno } of unlisted) {
    const threadGone = table.tid !== table.pid && isGone(errno);
    if (!(threadGone && read.has(table.pid))) problems.add(table.pid, null, 'readdir', errno, table.tid);
  }
}

/** A table that yielded no row, as /proc lists it again: the fds it holds now, or why it cannot be listed. */
export type MissedTable = { table: FdTable; fds: number } | { table: FdTable; errno: ErrnoName };

/**
 * Tables that yielded no row, listed again: those that hold fds now, and those that cannot be listed for
 * another reason than their task being gone (that the identity check reports). Either engine can miss a
 * live table: /proc/PID/fd lists nothing once a table is released (exit_files), and a non-leader thread's
 * execve releases the leader's before handing the pid, and the same fds, to that thread (de_thread), so a
 * listing in between is empty though the process never was; a BPF pass whose records name a process
 * otherwise than /proc does sees none of its fds. A table with no fds is rare, so asking again costs next
 * to nothing, and a scan never reports a live process it did not read as holding none.
 */
export function missedTables(rows: Pick<FdRows, 'tables' | 'table'>): MissedTable[] {
  const read = new Uint8Array(rows.tables.length);
  for (const i of rows.table) read[i] = 1;
  const missed: MissedTable[] = [];
  rows.tables.forEach((table, i) => {
    if (read[i] === 1) return;
    let fds: number;
    try {
      fds = listFds(table.tid).length;
    } catch (error) {
      const errno = fsErrno(error);
      if (!isGone(errno)) missed.push({ table, errno });
      return;
    }
    if (fds > 0) missed.push({ table, fds });
  });
  return missed;
}

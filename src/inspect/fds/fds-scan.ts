/**
 * The /proc part of an fd scan. Each fd table is listed (readdir) on this thread and cut into slices of at
 * most SLICE fds; each slice goes to a worker thread as soon as it is listed — to the one with the fewest
 * fds so far — so workers start reading while later tables are still being listed, and five processes of
 * 10,000 fds split evenly over two workers. Without workers the slices are read here, in the same order.
 */

import { fsErrno } from '../../procfs/errors.js';
import { allocFdColumns, type FdColumns, listFds, scanFds } from '../../procfs/fds.js';
import type { FdTable } from './fd-tables.js';
import type { WorkerPool } from './fds-pool.js';

const SLICE = 4096;

export interface ScanSlice {
  tid: number;
  fds: Int32Array;
}

export interface TableScan {
  /** The tables that could be listed, and for each slot of `cols` the index of its table there. */
  listed: FdTable[];
  tableOf: Int32Array;
  cols: FdColumns;
}

/** Lists and reads every table; `unlisted` hears of each table whose readdir failed. */
export async function scanTables(
  tables: readonly FdTable[],
  pool: WorkerPool | undefined,
  unlisted: (table: FdTable, errno: string) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<TableScan> {
  const listed: FdTable[] = [];
  const parts: (FdColumns | Promise<FdColumns>)[] = [];
  const owners: number[] = [];
  const load = new Array<number>(pool?.size ?? 0).fill(0);
  let listedFds = 0;
  for (const table of tables) {
    let fds: Int32Array;
    try {
      fds = listFds(table.tid);
    } catch (error) {
      unlisted(table, fsErrno(error));
      continue;
    }
    listed.push(table);
    listedFds += fds.length;
    for (let from = 0; from < fds.length; from += SLICE) {
      const slice = { tid: table.tid, fds: fds.subarray(from, from + SLICE) };
      owners.push(listed.length - 1);
      if (!pool) {
        parts.push(scanSlice(slice));
        continue;
      }
      const i = load.indexOf(Math.min(...load));
      load[i] = (load[i] as number) + slice.fds.length;
      parts.push(pool.run<FdColumns>(i, { op: 'scan', slice: { tid: slice.tid, fds: slice.fds.slice() } }));
    }
  }
  let read = 0;
  const counted = parts.map((part) =>
    Promise.resolve(part).then((cols) => {
      read += cols.fd.length;
      onProgress?.(read, listedFds);
      return cols;
    }),
  );
  const done = await Promise.all(counted);
  const cols = concatColumns(done);
  const tableOf = new Int32Array(cols.fd.length);
  let at = 0;
  done.forEach((part, p) => {
    tableOf.fill(owners[p] as number, at, at + part.fd.length);
    at += part.fd.length;
  });
  return { listed, tableOf, cols };
}

/**
 * Leaders' tables that listed no fds, listed again: how many fds each holds now (only those that hold
 * some). A leader's /proc/PID/fd lists nothing once its table is released (exit_files), and a
 * non-leader thread's execve releases it before handing the pid, and the same fds, to that thread
 * (de_thread): a listing in between is empty, though the process never was. An empty leader table is
 * rare, so asking again costs next to nothing.
 */
export function refilledTables(
  scan: Pick<TableScan, 'listed' | 'tableOf'>,
): { table: FdTable; fds: number }[] {
  const read = new Uint8Array(scan.listed.length);
  for (const i of scan.tableOf) read[i] = 1;
  const refilled: { table: FdTable; fds: number }[] = [];
  scan.listed.forEach((table, i) => {
    if (read[i] === 1 || table.tid !== table.pid) return;
    let fds = 0;
    try {
      fds = listFds(table.tid).length;
    } catch {
      return; // gone now: the identity check reports a process that exited
    }
    if (fds > 0) refilled.push({ table, fds });
  });
  return refilled;
}

/** Reads one slice (stat of each fd) into fresh columns. */
export function scanSlice(slice: ScanSlice): FdColumns {
  const out = allocFdColumns(slice.fds.length);
  scanFds(slice.tid, slice.fds, out, 0);
  return out;
}

/** The columns of consecutive slices, as one. */
function concatColumns(parts: readonly FdColumns[]): FdColumns {
  if (parts.length === 1) return parts[0] as FdColumns;
  const out = allocFdColumns(parts.reduce((n, p) => n + p.fd.length, 0));
  let at = 0;
  for (const part of parts) {
    out.fd.set(part.fd, at);
    out.dev.set(part.dev, at);
    out.ino.set(part.ino, at);
    out.mode.set(part.mode, at);
    out.linkMode.set(part.linkMode, at);
    out.failed.set(part.failed, at);
    for (let i = 0; i < part.fd.length; i++) out.errno[at + i] = part.errno[i] as string;
    at += part.fd.length;
  }
  return out;
}

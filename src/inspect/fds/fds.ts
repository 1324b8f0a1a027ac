/**
 * `kcmp fds`: every fd of the selected processes, grouped into open file descriptions (kcmp.fds/2).
 * One pipeline, read top to bottom in inspectFds; each stage is one module, and five types flow between
 * them:
 *
 *   Selection ─ select ─▶ SelectedProcess[] ─ fd tables ─▶ FdTable[]      (fd-tables.ts: one per KCMP_FILES class;
 *                                                                          unheld.ts: no live process left without one)
 *     ─ read rows ─▶ FdRows        (fd-rows.ts: readdir + stat of /proc/TID/fd, or fd-rows-bpf.ts: one BPF pass)
 *     ─ identify ──▶ Buckets       (buckets.ts: (dev, ino), and the plan that decides each bucket)
 *     ─ group ─────▶ Verdicts      (grouping.ts: binary insertion by kcmp order, or BPF proposals kcmp proves)
 *       (handover.ts: a shared table whose reader left is handed to a sharer that runs, and read again)
 *     ─ describe ──▶ FdsReport     (describe.ts: error rows, identity check, names, holders, sockets, peers)
 *
 * The identity engine (fd-engine.ts) is chosen once, before anything is read: it decides how rows are
 * read and how compare buckets are grouped; everything else is shared. How work is split between
 * threads is decided in one place (work-split.ts). Every call that can fail records an error row in
 * Problems (fds-problems.ts) and the scan goes on: fds that vanish (ESRCH, EBADF, ENOENT) or cannot be
 * read (EACCES, EPERM) are rows, never guesses, and a process whose start time changed during the scan
 * (it exited, maybe its pid was reused) is dropped, fds and all.
 */
import type { TaskFileIterator } from '../../bpf/task-file-iter.js';
import { type ScanMethod, scanMethod } from '../../compare/fd-scan-method.js';
import { SocketTables } from '../../netlink/socket-tables.js';
import { countFds } from '../../procfs/fds.js';
import { assertProcPidsAreOurs } from '../../procfs/namespaces.js';
import { type SelectedProcess, selectProcesses } from '../../procfs/select.js';
import { nowMs } from '../../util/clock.js';
import { type Frozen, freeze, type NotStopped } from '../freeze.js';
import { identify } from './buckets.js';
import { describe, namesEveryDescription } from './describe.js';
import { chooseEngine, type EngineChoice, openBpf } from './fd-engine.js';
import { type FdRows, missedTables, readRows } from './fd-rows.js';
import { readRowsBpf } from './fd-rows-bpf.js';
import type { AssumedTable, FdTable } from './fd-tables.js';
import {
  type FdsOptions,
  type FdsProgress,
  type FdsScanOptions,
  normalizeFdsOptions,
} from './fds-options.js';

export type { FdsOptions, FdsProgress, FdsScanOptions };

import { Problems } from './fds-problems.js';
import type { FdsReport } from './fds-report.js';
import { group } from './grouping.js';
import { handOver } from './handover.js';
import { narrowRows, scopeOf } from './narrow.js';
import { resolveObjects } from './objects.js';
import { type SettledTables, settledFdTables } from './unheld.js';
import { WorkerPool, workerCount } from './work-split.js';

/**
 * Scans the fd tables of the selected processes and groups their fds into open file descriptions: fds
 * with different (dev, ino) hold different descriptions without a syscall; inside a (dev, ino) bucket,
 * kcmp(KCMP_FILE)'s order places each fd by binary insertion (about log2 of the bucket's descriptions
 * calls per fd). Each description says which method decided it; what could not be read or decided is an
 * error row, never a guess.
 *
 * @example
 * const report = await inspectFds({ selection: { kind: 'tree', root: 1234 } });
 * for (const d of report.descriptions) console.log(d.id, d.name, d.holders.map((h) => `${h.pid}:${h.fd}`));
 * @throws ProcessGoneError / InvalidArgumentError for a named pid that does not exist, a refused --stop, or a
 * selection with no user-space process (kernel threads only).
 */
export async function inspectFds(partial: FdsScanOptions): Promise<FdsReport> {
  const options = normalizeFdsOptions(partial);
  assertProcPidsAreOurs();
  const started = nowMs();
  const objects = resolveObjects(options.objects);
  const selected = selectProcesses(options.selection);
  const scope = scopeOf(selected, options.selection.kind === 'all', options, objects);
  const run = await startRun(selected, scope.processes, options);
  const sockets = new SocketTables();
  try {
    const found = settledFdTables(scope.processes, run.how.blocked);
    const read = await readTables(found, run, options, (rows) => narrowRows(rows, scope, sockets));
    run.iterator?.close();
    return await describe(read.rows, read.grouped, {
      processes: found.processes,
      problems: read.problems,
      exited: read.exited,
      left: read.left,
      pool: run.pool,
      options,
      scope,
      sockets,
      engine: run.choice.engine,
      comparisons: found.comparisons,
      started,
    });
  } finally {
    sockets.close();
    await run.close();
  }
}

/** How many times a scan reads its tables: once, and again for each time a shared table's reader exits
 * (handover.ts), up to this many. */
const READINGS = 3;

/**
 * Reads the tables and groups their fds — again, with the table handed to a sharer that runs, when a
 * shared table's reader left during the reading (handover.ts), up to READINGS times. The problems are the
 * last reading's, with what was known before it.
 */
async function readTables(
  found: SettledTables,
  run: Run,
  options: FdsOptions,
  narrow: (rows: FdRows) => FdRows,
) {
  const progress = (phase: FdsProgress['phase']) => (done: number, total: number) =>
    options.onProgress?.({ phase, done, total });
  let tables = byPidAndTid(found.tables);
  const exited = new Set<number>();
  const left = new Set<number>();
  for (let reading = 1; ; reading++) {
    const problems = problemsBefore(found, run);
    const read = run.iterator
      ? readRowsBpf(run.iterator, tables)
      : await readRows(tables, run.pool, problems, progress('scan'));
    noteMissed(read, run.iterator ? 'bpf' : 'proc', problems);
    noteAssumed(found.assumed, read.tables, problems);
    const rows = narrow(read);
    const buckets = identify(rows, options.paranoid);
    const onProgress = progress('group');
    const namesAll = namesEveryDescription(rows, options.all);
    const grouped = await group(rows, buckets, { ...run, processes: found.processes, onProgress, namesAll });
    const handover = handOver(tables, found.processes);
    for (const pid of handover.exited) exited.add(pid);
    for (const pid of handover.unsettled) left.add(pid);
    if (handover.reread && reading < READINGS) {
      tables = byPidAndTid(handover.tables);
      continue;
    }
    for (const pid of left) if (!exited.has(pid)) problems.leftTable(pid);
    return { rows: handedOver(rows, tables, handover.tables, problems), grouped, problems, exited, left };
  }
}

/** What is known before a reading: processes --stop left running, zombies, processes found in flux. */
function problemsBefore(found: SettledTables, run: Run): Problems {
  const problems = new Problems(run.how.blocked);
  for (const p of run.notStopped) problems.notStopped(p);
  for (const p of found.zombies) problems.zombie(p.pid, p.command);
  for (const p of found.unsettled) problems.leaderless(p.pid);
  return problems;
}

function byPidAndTid(tables: readonly FdTable[]): FdTable[] {
  return [...tables].sort((a, b) => a.pid - b.pid || a.tid - b.tid);
}

/**
 * The rows, each table as the last check left it (`before` and `after`: the tables of that reading and
 * what handOver made of them, in one order). A table that only lost sharers was read through a process
 * that runs: its rows stand, held by the sharers that remain. A table whose reader left in the last
 * reading keeps its rows under that reader alone (who exited or left, so they are left out), and each
 * sharer that runs gets an error row instead.
 */
function handedOver(
  rows: FdRows,
  before: readonly FdTable[],
  after: readonly FdTable[],
  problems: Problems,
): FdRows {
  const now = new Map<FdTable, FdTable>();
  before.forEach((table, i) => {
    const next = after[i] as FdTable;
    if (next === table) return;
    if (next.pid === table.pid) now.set(table, next);
    else {
      for (const pid of [next.pid, ...next.sharedBy]) problems.orphaned(pid, table.pid);
      now.set(table, { ...table, sharedBy: [] });
    }
  });
  return now.size === 0 ? rows : { ...rows, tables: rows.tables.map((t) => now.get(t) ?? t) };
}

/** What one scan holds from start to end: its engine, its comparison method, workers, stopped processes. */
interface Run {
  choice: EngineChoice;
  how: ScanMethod;
  iterator: TaskFileIterator | undefined;
  pool: WorkerPool | undefined;
  /** With --stop: the processes left running because another process traces them (freeze.ts). */
  notStopped: readonly NotStopped[];
  close(): Promise<void>;
}

/** Chooses the engine, opens what it needs, and stops the processes when asked: everything that can fail
 * (workers, probes, the watchdog) before the first SIGSTOP (freeze.ts). */
async function startRun(
  selected: readonly SelectedProcess[],
  processes: readonly SelectedProcess[],
  options: FdsOptions,
): Promise<Run> {
  let estimate: number | undefined;
  const estimateFds = () => {
    estimate ??= processes.reduce((n, p) => n + countFds(p.pid), 0);
    return estimate;
  };
  let choice = chooseEngine(options.engine, { ...options, estimateFds });
  let iterator: TaskFileIterator | undefined;
  if (choice.engine === 'bpf') {
    const opened = openBpf(options.btfPath);
    if ('iterator' in opened) iterator = opened.iterator;
    else choice = opened.fallback;
  }
  options.onEngine?.(choice);
  // Workers take ~50 ms to start: start them first, so they boot while the fd tables are listed.
  const pool = iterator ? undefined : WorkerPool.start(workerCount(options.workers, estimateFds));
  let how: ScanMethod | undefined;
  let frozen: Frozen | undefined;
  const close = async () => {
    iterator?.close();
    how?.session?.close();
    frozen?.resume();
    await pool?.close();
  };
  try {
    how = scanMethod(options.engine === 'borrow');
    if (options.stop) {
      await pool?.ready();
      frozen = await freeze(selected); // never a process outside the selection
    }
    return { choice, how, iterator, pool, notStopped: frozen?.notStopped ?? [], close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A live table that yielded no row while /proc lists fds in it is an error row, never "0 fds". */
function noteMissed(rows: FdRows, rowsFrom: 'bpf' | 'proc', problems: Problems): void {
  for (const missed of missedTables(rows)) {
    const { pid, tid } = missed.table;
    if ('errno' in missed) problems.add(pid, null, 'readdir', missed.errno, tid);
    else problems.missed(missed.table, missed.fds, rowsFrom);
  }
}

/** Threads taken to share their leader's table are an error row when that table could be read. */
function noteAssumed(assumed: readonly AssumedTable[], listed: readonly FdTable[], problems: Problems): void {
  const read = new Set(listed.map((t) => t.pid));
  const groups = new Map<string, AssumedTable[]>();
  for (const a of assumed) {
    if (!read.has(a.pid)) continue;
    const key = `${a.pid} ${a.errno}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  for (const group of groups.values()) {
    const { pid, errno } = group[0] as AssumedTable;
    problems.assumedShared(
      pid,
      group.map((a) => a.tid),
      errno,
    );
  }
}

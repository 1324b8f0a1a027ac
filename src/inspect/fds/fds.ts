/**
 * `kcmp fds`: every fd of the selected processes, grouped into open file descriptions (kcmp.fds/1).
 *
 *   select processes ─▶ fd tables (one per KCMP_FILES class) ─▶ readdir ─▶ stat every fd
 *     ─▶ buckets by (dev, ino) ─▶ group each bucket by kcmp order, verify, re-stat, readlink its first fd
 *     ─▶ identities again
 *
 * That is the kcmp engine's path. The identity engine is chosen once per run (fd-engine.ts): with `bpf`, one
 * BPF iterator pass replaces the readdir and the stats, and kcmp proves what it proposes (fds-bpf.ts); the
 * rest is shared. The /proc reads and the grouping run on worker threads when the scan is large
 * (fds-pool.ts); the result is the same either way. Nothing is merged on a guess: fds that vanish (ESRCH, EBADF, ENOENT) or cannot be
 * read (EACCES, EPERM) become error rows and the scan goes on; a process whose start time changed during
 * the scan (it exited, maybe its pid was reused) is dropped as an error, fds and all.
 */
import { availableParallelism, loadavg } from 'node:os';
import { BpfUnavailableError, TaskFileIterator } from '../../bpf/task-file-iter.js';
import type { FdMethod } from '../../compare/fd-comparator.js';
import { type ScanMethod, scanMethod } from '../../compare/fd-scan-method.js';
import { countFds } from '../../procfs/fds.js';
import { stillSame } from '../../procfs/identity.js';
import { assertProcPidsAreOurs } from '../../procfs/namespaces.js';
import { type SelectedProcess, type Selection, selectProcesses } from '../../procfs/select.js';
import { type ErrnoName, isGone } from '../../sys/errno.js';
import { type Frozen, freeze } from '../freeze.js';
import { chooseEngine, type EngineChoice, type EngineRequest } from './fd-engine.js';
import { type AssumedTable, type FdTable, fdTables } from './fd-tables.js';
import { scanWithBpf } from './fds-bpf.js';
import { bucketize } from './fds-buckets.js';
import { finish, settle } from './fds-build.js';
import { groupAll } from './fds-grouping.js';
import { descriptionNames } from './fds-names.js';
import { WorkerPool } from './fds-pool.js';
import { Problems } from './fds-problems.js';
import { describeRelations } from './fds-relations.js';
import type { FdsReport } from './fds-report.js';
import { refilledTables, scanTables } from './fds-scan.js';
import { splitSocketBuckets } from './fds-socket-buckets.js';

/** Every option of {@link inspectFds}; a caller passes {@link FdsScanOptions} (only `selection` required). */
export interface FdsOptions {
  /** Which processes to scan; never implied (`{ kind: 'all' }` scans every visible process). */
  selection: Selection;
  /** List every description, not only those held more than once. */
  all: boolean;
  /** Read fdinfo (pos, flags, mnt_id) for the holders of the listed descriptions. */
  fdinfo: boolean;
  /** Name the sockets of the listed descriptions (their `socket` object), from sock_diag (fds-sockets.ts). */
  sockets: boolean;
  /** Find the other ends (peers) and epoll watchers of the listed descriptions (fds-relations.ts). */
  peers: boolean;
  /** Compare socket inodes with kcmp too, instead of trusting "one description per socket" (kinds.ts). */
  paranoid: boolean;
  /** SIGSTOP the selected processes while scanning (refused for ourselves and our ancestors). */
  stop: boolean;
  /** Worker threads (at most as many as cores); 'auto': as many as cores (≤ 4), when the scan has ≥ WORKER_THRESHOLD fds. */
  workers: number | 'auto';
  /** 'auto': kcmp if usable, else (with `borrow`) pidfd_getfd + F_DUPFD_QUERY, else none (run-method.ts). */
  method: FdMethod | 'auto';
  /** Where kcmp cannot be used, borrow each fd with pidfd_getfd to compare it (fd-borrow-comparator.ts). */
  borrow: boolean;
  /** The identity engine (fd-engine.ts); 'auto' takes bpf where it can run and pays, else kcmp. */
  engine: EngineRequest;
  /** The kernel BTF the bpf engine reads struct layouts from (default /sys/kernel/btf/vmlinux). */
  btfPath?: string;
  /** Told once which engine runs and why, before the scan starts. */
  onEngine?: (choice: EngineChoice) => void;
  /** Called as fds are read and grouped, e.g. to draw a progress bar. */
  onProgress?: (progress: FdsProgress) => void;
}

/** How far a scan is, as passed to {@link FdsOptions.onProgress}. */
export interface FdsProgress {
  /** 'scan': reading fd tables from /proc; 'group': comparing the fds into descriptions. */
  phase: 'scan' | 'group';
  /** Fds done so far in this phase. */
  done: number;
  /** Fds this phase will handle. */
  total: number;
}

/** Below this many fds, starting workers (~30–80 ms) costs more than the 1.6× faster /proc reads save. */
export const WORKER_THRESHOLD = 10_000;

/** What a caller passes: the selection (never implied: `{ kind: 'all' }` scans every visible process),
 * and any of the other options, whose defaults live in normalizeFdsOptions. */
export type FdsScanOptions = Partial<FdsOptions> & Pick<FdsOptions, 'selection'>;

/** The only place defaults live. */
function normalizeFdsOptions(options: FdsScanOptions): FdsOptions {
  return {
    selection: options.selection,
    all: options.all ?? false,
    fdinfo: options.fdinfo ?? false,
    sockets: options.sockets ?? false,
    peers: options.peers ?? false,
    paranoid: options.paranoid ?? false,
    stop: options.stop ?? false,
    workers: options.workers ?? 'auto',
    method: options.method ?? 'auto',
    borrow: options.borrow ?? false,
    engine: options.engine ?? 'auto',
    ...(options.btfPath ? { btfPath: options.btfPath } : {}),
    ...(options.onEngine ? { onEngine: options.onEngine } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

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
 * @throws ProcessGoneError / InvalidArgumentError for a named pid that does not exist or a refused --stop.
 */
export async function inspectFds(partial: FdsScanOptions): Promise<FdsReport> {
  const options = normalizeFdsOptions(partial);
  assertProcPidsAreOurs();
  const started = performance.now();
  const processes = selectProcesses(options.selection);
  let how: ScanMethod | undefined;
  let pool: WorkerPool | undefined;
  let closing: Promise<unknown> | undefined;
  let iterator: TaskFileIterator | undefined;
  let frozen: Frozen | undefined;
  try {
    let estimate: number | undefined;
    const estimateFds = () => {
      estimate ??= processes.reduce((n, p) => n + countFds(p.pid), 0);
      return estimate;
    };
    let choice = chooseEngine(options.engine, { ...options, estimateFds });
    if (choice.engine === 'bpf') {
      try {
        iterator = TaskFileIterator.load(options.btfPath);
      } catch (error) {
        if (!(error instanceof BpfUnavailableError)) throw error;
        choice = { engine: 'kcmp', reason: `bpf cannot run: ${error.message}` };
      }
    }
    options.onEngine?.(choice);
    // Workers take ~50 ms to start: start them first, so they boot while the fd tables are listed.
    if (!iterator) pool = WorkerPool.start(workerCount(options.workers, estimateFds));
    how = scanMethod(options.method, options.borrow || options.engine === 'borrow');
    if (options.stop) {
      // Everything that can fail (workers, probes, the watchdog) before the first SIGSTOP (freeze.ts).
      await pool?.ready();
      frozen = await freeze(processes);
    }
    const problems = new Problems();
    const found = fdTables(processes, how.blocked);
    noteZombies(processes, found.tables, problems);
    const tables = found.tables.sort((a, b) => a.pid - b.pid || a.tid - b.tid);

    const { listed, tableOf, cols, buckets, grouped } = iterator
      ? scanWithBpf(iterator, tables, { paranoid: options.paranoid, nameAll: options.all })
      : await scanWithKcmp(tables, { pool, how, options, processes, problems });
    iterator?.close();
    for (const { table, fds } of refilledTables({ listed, tableOf })) problems.refilled(table.pid, fds);
    noteAssumed(found.assumed, listed, problems);
    const tidOf = (slot: number) => (listed[tableOf[slot] as number] as FdTable).tid;
    closing = pool?.close(); // done with the workers: let them exit while the report is built
    how.session?.close();
    const scan = {
      processes,
      tables: listed,
      tableOf,
      cols,
      buckets,
      grouped,
      method: how.method,
      problems,
    };
    const settled = settle(scan, { all: options.all, stillSame });
    const names = descriptionNames(settled.listed, grouped.name, cols, tidOf);
    const comparisons = found.comparisons + grouped.comparisons;
    const engine = choice.engine;
    const report = finish(scan, settled, names, { fdinfo: options.fdinfo, comparisons, started, engine });
    if (!options.sockets && !options.peers) return report;
    const commands = new Map(processes.map((p) => [p.pid, p.command]));
    const at = (slot: number) => {
      const table = listed[tableOf[slot] as number] as FdTable;
      return { pid: table.pid, tid: table.tid, fd: cols.fd[slot] as number };
    };
    const relations = { ...settled, cols, at, command: (pid: number) => commands.get(pid) ?? '' };
    const related = describeRelations(report, relations, options);
    return { ...related, stats: { ...related.stats, elapsedMs: Math.round(performance.now() - started) } };
  } finally {
    iterator?.close();
    how?.session?.close();
    frozen?.resume();
    await (closing ?? pool?.close());
  }
}

/**
 * For each slot, the fd table its fds were most likely inherited from: its parent's, when the parent is
 * scanned, else the previous scanned sibling's (a pre-fork server's workers, when the master is not
 * selected or has closed them); 0 for none. Only a hint for the grouping: kcmp decides.
 */
function inheritedTables(
  processes: readonly SelectedProcess[],
  listed: readonly FdTable[],
  tableOf: Int32Array,
) {
  const ppidOf = new Map(processes.map((p) => [p.pid, p.ppid]));
  const tidOfPid = new Map(listed.map((t) => [t.pid, t.tid]));
  const lastChild = new Map<number, number>();
  const from = listed.map((t) => {
    const ppid = ppidOf.get(t.pid) ?? 0;
    const sibling = lastChild.get(ppid) ?? 0;
    if (t.tid === t.pid) lastChild.set(ppid, t.tid);
    return tidOfPid.get(ppid) ?? sibling;
  });
  return (slot: number) => from[tableOf[slot] as number] as number;
}

/**
 * Never more workers than cores: each extra one costs its own V8 heap (~10 MB) and start-up, and adds
 * nothing. Auto starts them only where they pay: a scan of ≥ WORKER_THRESHOLD fds, on a machine whose
 * cores are not already busy — with the 1-minute load average at or above the core count a worker only
 * takes turns with us (measured at 50,000 fds on 2 cores at load 19: 1.23× slower with 2 workers).
 */
/** The kcmp engine: /proc reads, (dev, ino) buckets, grouping by kcmp order (on workers when `pool`). */
async function scanWithKcmp(
  tables: readonly FdTable[],
  run: {
    pool: WorkerPool | undefined;
    how: ScanMethod;
    options: FdsOptions;
    processes: readonly SelectedProcess[];
    problems: Problems;
  },
) {
  const { pool, how, options, processes, problems } = run;
  const progress = options.onProgress;
  const unlisted: { table: FdTable; errno: string }[] = [];
  const { listed, tableOf, cols } = await scanTables(
    tables,
    pool,
    (table, errno) => unlisted.push({ table, errno }),
    (done, total) => progress?.({ phase: 'scan', done, total }),
  );
  noteUnlisted(unlisted, listed, problems);
  const buckets = splitSocketBuckets(bucketize(cols, options.paranoid), cols);
  const grouped = await groupAll(
    buckets,
    cols,
    (slot) => (listed[tableOf[slot] as number] as FdTable).tid,
    pool,
    {
      method: how.method,
      ...(how.comparator ? { comparator: how.comparator } : {}),
      ...(how.blocked ? { blocked: how.blocked } : {}),
      nameAll: options.all,
      inheritedTidOf: inheritedTables(processes, listed, tableOf),
      onProgress: (done, total) => progress?.({ phase: 'group', done, total }),
    },
  );
  return { listed, tableOf, cols, buckets, grouped };
}

function workerCount(workers: number | 'auto', estimateFds: () => number): number {
  const cores = availableParallelism();
  if (workers !== 'auto') return Math.min(workers, cores);
  if (cores < 2 || (loadavg()[0] ?? 0) >= cores) return 0;
  return estimateFds() >= WORKER_THRESHOLD ? Math.min(cores, 4) : 0;
}

/**
 * A table that could not be listed is an error row — unless it was reached through a thread that is gone
 * (exited, or exec'd: execve hands the process's pid to the exec'ing thread, and its tid disappears) while
 * the process's table was listed through another task: then nothing of the process is missing.
 */
function noteUnlisted(
  unlisted: readonly { table: FdTable; errno: string }[],
  listed: readonly FdTable[],
  problems: Problems,
): void {
  const read = new Set(listed.map((t) => t.pid));
  for (const { table, errno } of unlisted) {
    const threadGone = table.tid !== table.pid && isGone(errno as ErrnoName);
    if (!(threadGone && read.has(table.pid))) problems.add(table.pid, null, 'readdir', errno, table.tid);
  }
}

/** A zombie has no live task, so no fd table to read: an error row says so, as `kcmp tasks` does. */
function noteZombies(
  processes: readonly SelectedProcess[],
  tables: readonly FdTable[],
  problems: Problems,
): void {
  const held = new Set(tables.flatMap((t) => [t.pid, ...t.sharedBy]));
  for (const p of processes) if (p.zombie && !held.has(p.pid)) problems.zombie(p.pid, p.command);
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

/**
 * Stage 5, describe: from rows and their outcomes to the kcmp.fds/1 report.
 *
 *   outcomes ─▶ error rows for what failed ─▶ identity check (a process whose start time changed is
 *     dropped, fds and all) ─▶ descriptions in the order of their first holder (pid, then fd), numbered
 *     d1, d2, … ─▶ the listed ones (all, or those held more than once) named (names.ts), typed (kinds.ts),
 *     with their holders (and fdinfo, when asked) ─▶ sockets named, peers found, when asked (fds-relations.ts)
 *
 * An fd of a table that several processes share (CLONE_FILES) is read once, and listed under each of
 * them: every process holding it is a holder, the others marked with the pid the table was read under
 * (`fdTable`), as lsfd lists both.
 */
import assert from 'node:assert/strict';
import { fsErrno } from '../../procfs/errors.js';
import { readFdInfo } from '../../procfs/fdinfo.js';
import { formatDev } from '../../procfs/fds.js';
import { fileStatOf } from '../../procfs/file-stat.js';
import { FsMagics } from '../../procfs/fs-magic.js';
import { stillSame } from '../../procfs/identity.js';
import { kindOf } from '../../procfs/kinds.js';
import type { SelectedProcess } from '../../procfs/select.js';
import type { EngineName } from './fd-engine.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';
import type { Problems } from './fds-problems.js';
import { describeRelations } from './fds-relations.js';
import { type Description, FDS_SCHEMA, type FdsReport, type Holder, type ProcessInfo } from './fds-report.js';
import { readNames } from './names.js';
import type { Outcomes } from './outcomes.js';
import type { WorkerPool } from './work-split.js';

/** One description's rows (first holder first), and how it was decided. */
export interface Draft {
  rows: number[];
  certain: boolean;
  method: Description['method'];
}

export interface DescribeRun {
  processes: readonly SelectedProcess[];
  problems: Problems;
  /** Processes known to have exited during the scan (handover.ts): left out as the identity check does. */
  exited: ReadonlySet<number>;
  /** Processes that live on but left a shared table during the scan (handover.ts): no holders of it. */
  left: ReadonlySet<number>;
  pool: WorkerPool | undefined;
  options: { all: boolean; fdinfo: boolean; fileStat: boolean; sockets: boolean; peers: boolean };
  engine: EngineName;
  /** kcmp calls made before the group stage (KCMP_FILES, for the fd tables). */
  comparisons: number;
  started: number;
}

export async function describe(rows: FdRows, outcomes: Outcomes, run: DescribeRun): Promise<FdsReport> {
  const drafts = draftsOf(rows, outcomes, run.problems);
  const replaced = new Set<number>();
  for (const p of run.processes) {
    if (run.exited.has(p.pid) || !stillSame({ pid: p.pid, startTime: p.startTime })) {
      replaced.add(p.pid);
      run.problems.replaced(p.pid);
    }
  }
  // A row stays while any holder of its table still holds it: a shared table's reader that exits after
  // it was read (handover.ts) takes only its own holders along.
  const holding = (pid: number) => !replaced.has(pid) && !run.left.has(pid);
  const heldStill = (row: number) => holdersOf(tableOf(rows, row)).some(holding);
  const kept: Draft[] = [];
  for (const draft of drafts) {
    const live = replaced.size + run.left.size === 0 ? draft.rows : draft.rows.filter(heldStill);
    if (live.length > 0) kept.push(live === draft.rows ? draft : { ...draft, rows: live });
  }
  const listed = run.options.all ? kept : kept.filter((d) => d.rows.length > 1);
  const names = await readNames(
    rows,
    listed.map((d) => d.rows),
    run.pool,
    run.problems,
  );
  const commands = new Map(run.processes.map((p) => [p.pid, p.command]));
  const command = (pid: number) => commands.get(pid) ?? '';
  const report = reportOf(
    rows,
    { kept, listed, names, replaced, holding, command },
    outcomes.comparisons,
    run,
  );
  if (!run.options.sockets && !run.options.peers) return report;
  const related = describeRelations(report, { rows, kept, listed, command }, run.options);
  return { ...related, stats: { ...related.stats, elapsedMs: Math.round(performance.now() - run.started) } };
}

/** Every description with its rows, in the order of its first row; an error row for each fd left out. */
function draftsOf(rows: FdRows, outcomes: Outcomes, problems: Problems): Draft[] {
  const drafts = new Map<number, Draft>();
  for (let row = 0; row < outcomes.of.length; row++) {
    const outcome = outcomes.of[row];
    // every row is failed (stat) or in a bucket that the group stage decided
    assert(outcome, `fds: row ${row} was given no outcome by the group stage`);
    const { pid, tid } = tableOf(rows, row);
    const fd = rows.fd[row] as number;
    switch (outcome.kind) {
      case 'failed':
        problems.add(pid, fd, outcome.syscall, outcome.errno, tid);
        continue;
      case 'reused':
        problems.reused(pid, fd, tid);
        continue;
      case 'uncompared':
        problems.uncomparedFd(pid, outcome.syscall, outcome.errno);
        break;
      case 'unsettled':
        problems.unsettled(pid);
        break;
      case 'uncalled':
        problems.uncalledFd(pid);
        break;
      case 'member':
        break;
    }
    const draft = drafts.get(outcome.description);
    if (draft) draft.rows.push(row);
    else {
      const { method, certain } = outcomes.descriptions[outcome.description] as Outcomes['descriptions'][0];
      drafts.set(outcome.description, { rows: [row], method, certain });
    }
  }
  return [...drafts.values()];
}

function reportOf(
  rows: FdRows,
  found: {
    kept: Draft[];
    listed: Draft[];
    names: string[];
    replaced: ReadonlySet<number>;
    /** Does process `pid` still hold the tables it was read with? */
    holding(pid: number): boolean;
    command(pid: number): string;
  },
  comparisons: number,
  run: DescribeRun,
): FdsReport {
  const { command, holding } = found;
  // A process with more than one fd table (a thread unshare(CLONE_FILES)d) has fds that look alike in
  // each: every holder of such a process names its tid, the leader's too, so pid:fd never collides.
  const tablesOf = new Map<number, number>();
  for (const t of rows.tables) tablesOf.set(t.pid, (tablesOf.get(t.pid) ?? 0) + 1);
  const holders = (members: readonly number[]): Holder[] => {
    const out: Holder[] = [];
    let shared = false;
    for (const row of members) {
      const table = tableOf(rows, row);
      const fd = rows.fd[row] as number;
      const h: Holder = { pid: table.pid, fd, command: command(table.pid) };
      if (table.tid !== table.pid || (tablesOf.get(table.pid) ?? 0) > 1) h.tid = table.tid;
      if (run.options.fdinfo) addFdInfo(h, table, run.problems);
      if (holding(table.pid)) out.push(h);
      // One fd of one table: the same description, position, flags and close-on-exec bit for every sharer.
      const { tid: _, ...details } = h;
      for (const pid of table.sharedBy.filter(holding)) {
        shared = true;
        out.push({ ...details, pid, command: command(pid), fdTable: table.pid });
      }
    }
    return shared ? out.sort((a, b) => a.pid - b.pid) : out; // stable: fds stay in order
  };
  // Ids number every kept description, listed or not, so one description has the same id with --all and
  // without (the default view lists the shared ones, with gaps in their numbers).
  const number = new Map(found.kept.map((draft, i) => [draft, i + 1]));
  const magics = new FsMagics();
  const descriptions: Description[] = found.listed.map((draft, i) => {
    const first = draft.rows[0] as number;
    const name = found.names[i] as string;
    const [mode, dev] = [rows.mode[first] as number, rows.dev[first] as number];
    const [tid, fd, ino] = [tableOf(rows, first).tid, rows.fd[first] as number, rows.ino[first] as number];
    const file = run.options.fileStat ? fileStatOf(tid, fd, dev, ino) : undefined;
    return {
      id: `d${number.get(draft)}`,
      type: kindOf(mode, name, magics.of(tid, fd, dev, mode)).name,
      name,
      dev: formatDev(dev),
      ino,
      certain: draft.certain,
      method: draft.method,
      holders: holders(draft.rows),
      ...(file && { file }),
    };
  });
  const errors = run.problems.list().filter((e) => !found.replaced.has(e.pid) || e.reason === 'replaced');
  const heldBy = (d: Draft) =>
    d.rows.reduce((n, row) => n + holdersOf(tableOf(rows, row)).filter(holding).length, 0);
  return {
    schema: FDS_SCHEMA,
    processes: processInfo(run.processes, rows.tables),
    descriptions,
    errors,
    stats: {
      processes: run.processes.length,
      fds: found.kept.reduce((n, d) => n + heldBy(d), 0),
      descriptions: found.kept.length,
      shared: found.kept.reduce((n, d) => n + (d.rows.length > 1 ? 1 : 0), 0),
      errors: errors.length,
      comparisons: run.comparisons + comparisons,
      engine: run.engine,
      elapsedMs: Math.round(performance.now() - run.started),
    },
  };
}

/** Every process that holds a table: the one it is read under, and the others that share it. */
function holdersOf(table: FdTable): number[] {
  return [table.pid, ...table.sharedBy];
}

/** pos, flags, mnt_id from fdinfo; left out, with an error row, if it cannot be read (the fd is gone by
 * now: these are details, not verdicts, so the holder stays). */
function addFdInfo(holder: Holder, table: FdTable, problems: Problems): void {
  let info: ReturnType<typeof readFdInfo>;
  try {
    info = readFdInfo(table.tid, holder.fd);
  } catch (error) {
    problems.add(table.pid, holder.fd, 'fdinfo', fsErrno(error), table.tid);
    return;
  }
  holder.pos = info.pos;
  holder.flags = info.flags;
  holder.cloexec = info.cloexec;
  holder.mntId = info.mntId;
}

function processInfo(processes: readonly SelectedProcess[], tables: readonly FdTable[]): ProcessInfo[] {
  const owners = new Map<number, number>();
  const uncompared = new Set<number>();
  for (const t of tables) {
    for (const pid of t.sharedBy) owners.set(pid, t.pid);
    if (!t.compared) uncompared.add(t.pid);
  }
  return processes.map((p) => {
    const info: ProcessInfo = { pid: p.pid, ppid: p.ppid, command: p.command };
    const owner = owners.get(p.pid);
    if (owner !== undefined) info.fdTableOf = owner;
    if (uncompared.has(p.pid)) info.fdTableCompared = false;
    return info;
  });
}

/**
 * Stage 5, describe: from rows and their verdicts to the kcmp.fds/2 report.
 *
 *   verdicts ─▶ error rows for what failed ─▶ identity check (a process whose start time changed is
 *     dropped, fds and all) ─▶ descriptions in the order of their first holder (pid, then fd), numbered
 *     d1, d2, … ─▶ the listed ones (all, or those held more than once) named (names.ts: a socket's protocol
 *     too), typed (kinds.ts; a socket by its protocol),
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
import { kindOf, statTypeOf } from '../../procfs/kinds.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { errnoName } from '../../sys/errno.js';
import type { EngineName, EngineRequest } from './fd-engine.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';
import type { Problems } from './fds-problems.js';
import { describeRelations } from './fds-relations.js';
import { type Description, FDS_SCHEMA, type FdsReport, type Holder, type ProcessInfo } from './fds-report.js';
import type { Grouped } from './grouping.js';
import { readNames } from './names.js';
import { CALLS, FATE, METHODS, type Verdicts } from './verdicts.js';
import type { WorkerPool } from './work-split.js';

export interface DescribeRun {
  processes: readonly SelectedProcess[];
  problems: Problems;
  /** Processes known to have exited during the scan (handover.ts): left out as the identity check does. */
  exited: ReadonlySet<number>;
  /** Processes that live on but left a shared table during the scan (handover.ts): no holders of it. */
  left: ReadonlySet<number>;
  pool: WorkerPool | undefined;
  /** `engine: 'borrow'`: the user asked for borrowing, which may then name a socket too (fds-sockets.ts). */
  options: {
    all: boolean;
    fdinfo: boolean;
    fileStat: boolean;
    sockets: boolean;
    peers: boolean;
    engine: EngineRequest;
  };
  engine: EngineName;
  /** kcmp calls made before the group stage (KCMP_FILES, for the fd tables). */
  comparisons: number;
  started: number;
}

export async function describe(rows: FdRows, grouped: Grouped, run: DescribeRun): Promise<FdsReport> {
  const replaced = new Set<number>();
  for (const p of run.processes) {
    if (run.exited.has(p.pid) || !stillSame({ pid: p.pid, startTime: p.startTime })) replaced.add(p.pid);
  }
  // A row stays while any holder of its table still holds it: a shared table's reader that exits after
  // it was read (handover.ts) takes only its own holders along.
  const holding = (pid: number) => !replaced.has(pid) && !run.left.has(pid);
  const kept = keptDescriptions(
    rows,
    grouped.verdicts,
    replaced.size + run.left.size > 0 && holding,
    run.problems,
  );
  for (const pid of replaced) run.problems.replaced(pid);
  const listed = run.options.all ? kept.keys : kept.keys.filter((key) => kept.members(key).length > 1);
  const { names, protocols } = await readNames(
    rows,
    listed.map((key) => kept.members(key)),
    run.pool,
    run.problems,
  );
  const commands = new Map(run.processes.map((p) => [p.pid, p.command]));
  const command = (pid: number) => commands.get(pid) ?? '';
  const byKey = new Map<number, Description>();
  const describeOne = descriptionOf(rows, grouped.verdicts, kept, holding, command, run);
  listed.forEach((key, i) => {
    byKey.set(key, describeOne(key, names[i] as string, protocols[i] as string));
  });
  const relationErrors =
    run.options.sockets || run.options.peers
      ? describeRelations(
          byKey,
          { rows, kept, command },
          { ...run.options, borrow: run.options.engine === 'borrow' },
        )
      : [];
  const errors = [
    ...run.problems.list().filter((e) => !replaced.has(e.pid) || e.reason === 'replaced'),
    ...relationErrors,
  ];
  let fds = 0;
  let shared = 0;
  for (const key of kept.keys) {
    const members = kept.members(key);
    for (const row of members) fds += holdersOf(tableOf(rows, row)).filter(holding).length;
    if (members.length > 1) shared++;
  }
  return {
    schema: FDS_SCHEMA,
    processes: processInfo(run.processes, rows.tables),
    descriptions: [...byKey.values()],
    errors,
    stats: {
      processes: run.processes.length,
      fds,
      descriptions: kept.keys.length,
      shared,
      errors: errors.length,
      comparisons: run.comparisons + grouped.comparisons,
      engine: run.engine,
      elapsedMs: Math.round(performance.now() - run.started),
    },
  };
}

/**
 * The descriptions kept, each by its key — its first holder's row as the verdicts name it — with its
 * members: the rows still held by a process that is the one selected (a shared table's reader that exits
 * after it was read, handover.ts, takes only its own holders along), in row order. Keys in row order: the
 * order of the descriptions' first holders (pid, then fd). A description none of whose rows is kept is
 * none. One pass over the rows, which also makes the error row of each fd left out.
 */
export interface Kept {
  keys: number[];
  members(key: number): Int32Array;
  /** The description's number (1, 2, …: its place among the kept ones). */
  number(key: number): number;
}

function keptDescriptions(
  rows: FdRows,
  v: Verdicts,
  holding: false | ((pid: number) => boolean),
  problems: Problems,
): Kept {
  const n = rows.fd.length;
  // false: every process read still holds its tables
  const heldStill = (row: number) => !holding || holdersOf(tableOf(rows, row)).some(holding);
  const count = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    if (!noteFate(rows, v, row, problems)) continue;
    const key = v.description[row] as number;
    // every row is failed (stat) or in a bucket that the group stage decided
    assert(key >= 0 && key <= row, `fds: row ${row} was given no description by the group stage`);
    if (heldStill(row)) count[key] = (count[key] as number) + 1;
  }
  // CSR: the members of key k are members[start[k] .. start[k] + count[k]).
  const keys: number[] = [];
  const start = new Int32Array(n);
  const numberOf = new Int32Array(n);
  let at = 0;
  for (let row = 0; row < n; row++) {
    if (count[row] === 0) continue;
    keys.push(row);
    numberOf[row] = keys.length;
    start[row] = at;
    at += count[row] as number;
  }
  const members = new Int32Array(at);
  const filled = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    if (v.fate[row] === FATE.failed || v.fate[row] === FATE.reused) continue;
    const key = v.description[row] as number;
    if (count[key] === 0 || !heldStill(row)) continue;
    members[(start[key] as number) + (filled[key] as number)] = row;
    filled[key] = (filled[key] as number) + 1;
  }
  return {
    keys,
    members: (key) => members.subarray(start[key], (start[key] as number) + (count[key] as number)),
    number: (key) => numberOf[key] as number,
  };
}

/** The error row a row's fate calls for; false when the row is left out (failed, reused). */
function noteFate(rows: FdRows, v: Verdicts, row: number, problems: Problems): boolean {
  const fate = v.fate[row] as number;
  if (fate === FATE.member) return true;
  const { pid, tid } = tableOf(rows, row);
  const fd = rows.fd[row] as number;
  const call = CALLS[v.call[row] as number] as (typeof CALLS)[number];
  const errno = errnoName(v.errno[row] as number);
  switch (fate) {
    case FATE.failed:
      problems.add(pid, fd, call, errno, tid);
      return false;
    case FATE.reused:
      problems.reused(pid, fd, tid);
      return false;
    case FATE.uncompared:
      problems.uncomparedFd(pid, call, errno);
      return true;
    case FATE.unsettled:
      problems.unsettled(pid);
      return true;
    default:
      assert.equal(fate, FATE.uncalled, `fds: row ${row} has an unknown fate ${fate}`);
      problems.uncalledFd(pid);
      return true;
  }
}

/** How one listed description is written: by its key, with its name. */
function descriptionOf(
  rows: FdRows,
  v: Verdicts,
  kept: Kept,
  holding: (pid: number) => boolean,
  command: (pid: number) => string,
  run: DescribeRun,
): (key: number, name: string, protocol: string) => Description {
  // A process with more than one fd table (a thread unshare(CLONE_FILES)d) has fds that look alike in
  // each: every holder of such a process names its tid, the leader's too, so pid:fd never collides.
  const tablesOf = new Map<number, number>();
  for (const t of rows.tables) tablesOf.set(t.pid, (tablesOf.get(t.pid) ?? 0) + 1);
  const holders = (members: Int32Array): Holder[] => {
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
  const magics = new FsMagics();
  return (key, name, protocol) => {
    const members = kept.members(key);
    const first = members[0] as number;
    const [mode, dev] = [rows.mode[first] as number, rows.dev[first] as number];
    const [tid, fd, ino] = [tableOf(rows, first).tid, rows.fd[first] as number, rows.ino[first] as number];
    const file = run.options.fileStat ? fileStatOf(tid, fd, dev, ino) : undefined;
    // Ids number every kept description, listed or not, so one description has the same id with --all
    // and without (the default view lists the shared ones, with gaps in their numbers).
    const kind = kindOf(mode, name, magics.of(tid, fd, dev, mode)).name;
    return {
      id: `d${kept.number(key)}`,
      // a socket's TYPE is its protocol (lsfd 2.39+), where the kernel's name for it could be read (names.ts)
      type: kind === 'SOCK' && protocol !== '' ? protocol : kind,
      stType: statTypeOf(mode),
      name,
      dev: formatDev(dev),
      ino,
      certain: v.certain[key] === 1,
      method: METHODS[v.method[key] as number] as Description['method'],
      holders: holders(members),
      ...(file && { file }),
    };
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

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
 * them, as lsfd lists both: every process holding it is a holder — first the one it is counted under (the
 * table's reader, or, if that one exited after the table was read, the first sharer that still holds it),
 * then the others, marked `fdTable` with that pid (table-entries.ts). `stats.fds` counts it once.
 */
import type { SocketTables } from '../../netlink/socket-tables.js';
import { fsErrno } from '../../procfs/errors.js';
import { readFdInfo } from '../../procfs/fdinfo.js';
import { formatDev } from '../../procfs/fds.js';
import { fileStatOf } from '../../procfs/file-stat.js';
import { FsMagics } from '../../procfs/fs-magic.js';
import { stillSame } from '../../procfs/identity.js';
import { kindOf, statTypeOf } from '../../procfs/kinds.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { errnoName, isGone } from '../../sys/errno.js';
import { nowMs } from '../../util/clock.js';
import type { EngineName, EngineRequest } from './fd-engine.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';
import type { Problems } from './fds-problems.js';
import { describeRelations } from './fds-relations.js';
import {
  type Description,
  FDS_SCHEMA,
  type FdsReport,
  type Holder,
  type ProcessInfo,
  type ScanError,
} from './fds-report.js';
import type { Grouped } from './grouping.js';
import { confirmByName, readNames } from './names.js';
import type { Scope } from './narrow.js';
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
    fdinfo: boolean | 'shared';
    fileStat: boolean;
    sockets: boolean;
    peers: boolean | 'selection';
    engine: EngineRequest;
  };
  /** What was read beyond the selection, and whose errors are counted rather than listed (narrow.ts). */
  scope: Scope;
  /** The socket tables the narrowing read (narrow.ts), read again by nothing here. */
  sockets: SocketTables;
  engine: EngineName;
  /** kcmp calls made before the group stage (KCMP_FILES, for the fd tables). */
  comparisons: number;
  started: number;
}

export async function describe(rows: FdRows, grouped: Grouped, run: DescribeRun): Promise<FdsReport> {
  // before anything is counted: a row this finds gone or reused is left out like any other
  const confirmed = await confirmByName(rows, grouped.verdicts, run.pool);
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
  const own = (key: number) => ownMembers(rows, kept.members(key));
  const ownSize = (key: number) => ownCount(rows, kept, key);
  const listed = kept.keys.filter(listedBy(rows, run, own, ownSize));
  // one view per listed description, shared by the naming and the writing (a subarray is an object)
  const members = listed.map(own);
  const { names, protocols } = await readNames(rows, members, run.pool, run.problems, confirmed);
  const commands = new Map(run.processes.map((p) => [p.pid, p.command]));
  const command = (pid: number) => commands.get(pid) ?? '';
  const byKey = new Map<number, Description>();
  const describeOne = descriptionOf(rows, grouped.verdicts, kept.number, holding, command, run);
  for (let i = 0; i < listed.length; i++) {
    const key = listed[i] as number;
    byKey.set(key, describeOne(key, members[i] as Int32Array, names[i] as string, protocols[i] as string));
  }
  const { quiet, outside } = run.scope;
  const relationErrors =
    run.options.sockets || run.options.peers
      ? describeRelations(
          byKey,
          { rows, kept, command, outside, sockets: run.sockets },
          { ...run.options, borrow: run.options.engine === 'borrow' },
        )
      : [];
  const all = [
    ...run.problems.list().filter((e) => !replaced.has(e.pid) || e.reason === 'replaced'),
    ...relationErrors,
  ];
  const errors = all.filter((e) => !quiet(e.pid));
  const unsearched = new Set(all.filter((e) => quiet(e.pid) && unread(e)).map((e) => e.pid)).size;
  // A member is one table entry (kept: some process still holds its table), however many processes share it.
  let fds = 0;
  let shared = 0;
  let descriptions = 0;
  for (const key of kept.keys) {
    const size = ownSize(key);
    if (size === 0) continue;
    descriptions++;
    fds += size;
    if (size > 1) shared++;
  }
  if (unsearched > 0)
    for (const d of byKey.values()) if (d.peerUnseen === 'no-holder') d.peerUnseen = 'unreadable';
  return {
    schema: FDS_SCHEMA,
    processes: processInfo(run.processes.filter(reported(run, byKey)), rows.tables, holding),
    descriptions: [...byKey.values()],
    errors,
    stats: {
      processes: run.processes.length - outside.size,
      fds,
      descriptions,
      shared,
      errors: errors.length,
      ...(unsearched > 0 && { unsearched }),
      comparisons: run.comparisons + grouped.comparisons,
      engine: run.engine,
      elapsedMs: Math.round(nowMs() - run.started),
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
  /** How many members: members(key).length, without making the view. */
  size(key: number): number;
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
  // false: every process read still holds its tables; else whether some process still holds each table
  const tableHeld = holding && rows.tables.map((t) => holdersOf(t).some(holding));
  const heldStill = (row: number) => !tableHeld || (tableHeld[rows.table[row] as number] as boolean);
  const count = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    if (!noteFate(rows, v, row, problems)) continue;
    const key = v.description[row] as number;
    // every row is failed (stat) or in a bucket that the group stage decided
    if (key < 0 || key > row) throw new Error(`fds: row ${row} was given no description by the group stage`);
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
    size: (key) => count[key] as number,
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
      if (fate !== FATE.uncalled) throw new Error(`fds: row ${row} has an unknown fate ${fate}`);
      problems.uncalledFd(pid);
      return true;
  }
}

/** The members of a description the selection holds: its rows less those read only as other ends. */
function ownMembers(rows: FdRows, members: Int32Array): Int32Array {
  const context = rows.context;
  if (!context) return members;
  let all = true;
  for (const row of members) if (context[row] === 1) all = false;
  return all ? members : members.filter((row) => context[row] !== 1);
}

/** How many members ownMembers keeps, without making a view. */
function ownCount(rows: FdRows, kept: Kept, key: number): number {
  const context = rows.context;
  if (!context) return kept.size(key);
  let size = 0;
  for (const row of kept.members(key)) if (context[row] !== 1) size++;
  return size;
}

/**
 * Which kept descriptions are listed: those the selection holds — all of them (`all`, implied by
 * objects), or those held more than once — and, when an fd was named (`PID:FD`), only the one it holds.
 */
function listedBy(
  rows: FdRows,
  run: DescribeRun,
  own: (key: number) => Int32Array,
  ownSize: (key: number) => number,
): (key: number) => boolean {
  const fds = run.scope.objects.flatMap((o) => (o.fd ? [o.fd] : []));
  const files = run.scope.objects.some((o) => !o.fd);
  const named = (key: number) =>
    own(key).some((row) => {
      const table = tableOf(rows, row);
      const fd = rows.fd[row] as number;
      return fds.some((o) => o.fd === fd && holdersOf(table).includes(o.pid));
    });
  return (key) => {
    const size = ownSize(key);
    if (size === 0 || (!run.options.all && size < 2)) return false;
    if (fds.length === 0) return true;
    // A FILE operand lists every description of its inode; a PID:FD one only its own.
    return named(key) || (files && isObjectFile(rows, own(key)[0] as number, run.scope.objects));
  };
}

/**
 * Whether every description of `rows` that is kept will be listed by listedBy, and so named (names.ts):
 * `all`, and rows neither narrowed to objects nor widened by other ends (narrow.ts: then some are not).
 */
export function namesEveryDescription(rows: FdRows, all: boolean): boolean {
  return all && rows.context === undefined;
}

/** Whether the row refers to one of the FILE operands (not only to a PID:FD one's inode). */
function isObjectFile(rows: FdRows, row: number, objects: Scope['objects']): boolean {
  const [dev, ino] = [rows.dev[row] as number, rows.ino[row] as number];
  return objects.some((o) => !o.fd && o.dev === dev && o.ino === ino);
}

/** The processes the report lists: the selection's — with objects, only those holding them (a search of
 * the machine names what it found, not every process it read). */
function reported(
  run: DescribeRun,
  listed: ReadonlyMap<number, Description>,
): (p: SelectedProcess) => boolean {
  if (run.scope.objects.length === 0) return (p) => !run.scope.outside.has(p.pid);
  const holders = new Set([...listed.values()].flatMap((d) => d.holders.map((h) => h.pid)));
  return (p) => holders.has(p.pid);
}

/** An error that means "this process could not be read" (not that it exited meanwhile). */
function unread(e: ScanError): boolean {
  return e.reason === 'missed' || (e.errno !== null && !isGone(e.errno) && e.reason !== 'replaced');
}

/** How one listed description is written: by its key, with its members and its name. */
function descriptionOf(
  rows: FdRows,
  v: Verdicts,
  number: (key: number) => number,
  holding: (pid: number) => boolean,
  command: (pid: number) => string,
  run: DescribeRun,
): (key: number, members: Int32Array, name: string, protocol: string) => Description {
  const writers = rows.tables.map(tableWriter(rows.tables, holding, command));
  const holders = (members: Int32Array): Holder[] => {
    const fdinfo = run.options.fdinfo === true || (run.options.fdinfo === 'shared' && members.length > 1);
    if (members.length === 1) {
      const row = members[0] as number;
      const w = writers[rows.table[row] as number] as TableWriter; // kept: one holds it
      if (w.sharers.length === 0) return [w.holder(rows.fd[row] as number, fdinfo, run.problems)];
    }
    const out: Holder[] = [];
    let shared = false;
    for (const row of members) {
      const w = writers[rows.table[row] as number] as TableWriter;
      const h = w.holder(rows.fd[row] as number, fdinfo, run.problems);
      out.push(h);
      if (w.sharers.length === 0) continue;
      // One fd of one table: the same description, position, flags and close-on-exec bit for every sharer.
      const { tid: _, ...details } = h;
      for (const sharer of w.sharers) {
        shared = true;
        out.push({ ...details, pid: sharer, command: command(sharer), fdTable: w.pid });
      }
    }
    if (shared) out.sort((a, b) => a.pid - b.pid); // stable: fds stay in order
    // A copy its own size: an array grown by push keeps room for 16 more elements (8 bytes each), 150
    // bytes for a lone holder — 11 MB of a 100,000-fd report, most of whose descriptions have one.
    return out.slice();
  };
  const magics = new FsMagics();
  // st_dev formatted once per run of descriptions on one device (a scan has a handful of devices)
  let lastDev = -1;
  let lastDevName = '';
  return (key, members, name, protocol) => {
    const first = members[0] as number;
    const mode = rows.mode[first] as number;
    const dev = rows.dev[first] as number;
    const ino = rows.ino[first] as number;
    const fd = rows.fd[first] as number;
    const tid = tableOf(rows, first).tid;
    if (dev !== lastDev) {
      lastDev = dev;
      lastDevName = formatDev(dev);
    }
    const file = run.options.fileStat ? fileStatOf(tid, fd, dev, ino) : undefined;
    const kind = kindOf(mode, name, magics.of(tid, fd, dev, mode)).name;
    const description: Description = {
      // Ids number every kept description, listed or not, so one description has the same id with --all
      // and without (the default view lists the shared ones, with gaps in their numbers).
      id: `d${number(key)}`,
      // a socket's TYPE is its protocol (lsfd 2.39+), where the kernel's name for it could be read (names.ts)
      type: kind === 'SOCK' && protocol !== '' ? protocol : kind,
      stType: statTypeOf(mode),
      name,
      dev: lastDevName,
      ino,
      certain: v.certain[key] === 1,
      method: METHODS[v.method[key] as number] as Description['method'],
      holders: holders(members),
    };
    if (file) description.file = file;
    return description;
  };
}

/** How the fds of one table are written as holders: under the process that holds it now (the one it is
 * counted under first), then the other processes sharing it (CLONE_FILES). */
interface TableWriter {
  pid: number;
  sharers: number[];
  holder(fd: number, fdinfo: boolean, problems: Problems): Holder;
}

/** Each table's writer, decided once per table rather than per fd. */
function tableWriter(
  tables: readonly FdTable[],
  holding: (pid: number) => boolean,
  command: (pid: number) => string,
): (table: FdTable) => TableWriter {
  // A process with more than one fd table (a thread unshare(CLONE_FILES)d) has fds that look alike in
  // each: every holder of such a process names its tid, the leader's too, so pid:fd never collides.
  const tablesOf = new Map<number, number>();
  for (const t of tables) tablesOf.set(t.pid, (tablesOf.get(t.pid) ?? 0) + 1);
  return (table) => {
    // undefined for a table nobody holds now: none of its rows is kept, so none is written
    const [pid, ...sharers] = holdersNow(table, holding) as [number, ...number[]];
    // Through the table's reader, or the sharer that holds it now: its /proc/PID/fd is the same table.
    const tid = pid === table.pid ? table.tid : pid;
    const withTid = tid !== pid || (tablesOf.get(pid) ?? 0) > 1;
    const name = command(pid);
    return {
      pid,
      sharers,
      holder: (fd, fdinfo, problems) => {
        const h: Holder = { pid, fd, command: name };
        if (withTid) h.tid = tid;
        if (fdinfo) addFdInfo(h, tid, problems);
        return h;
      },
    };
  };
}

/** Every process that holds a table: the one it is read under, and the others that share it. */
function holdersOf(table: FdTable): number[] {
  return [table.pid, ...table.sharedBy];
}

/** The processes that still hold a table, the one its fds are counted under first. */
function holdersNow(table: FdTable, holding: (pid: number) => boolean): number[] {
  return holdersOf(table).filter(holding);
}

/** pos, flags, mnt_id from fdinfo; left out, with an error row, if it cannot be read (the fd is gone by
 * now: these are details, not verdicts, so the holder stays). */
function addFdInfo(holder: Holder, tid: number, problems: Problems): void {
  let info: ReturnType<typeof readFdInfo>;
  try {
    info = readFdInfo(tid, holder.fd);
  } catch (error) {
    problems.add(holder.pid, holder.fd, 'fdinfo', fsErrno(error), tid);
    return;
  }
  holder.pos = info.pos;
  holder.flags = info.flags;
  holder.cloexec = info.cloexec;
  holder.mntId = info.mntId;
}

/** The processes, each that shares a table still held marked with the pid its fds are counted under. */
function processInfo(
  processes: readonly SelectedProcess[],
  tables: readonly FdTable[],
  holding: (pid: number) => boolean,
): ProcessInfo[] {
  const owners = new Map<number, number>();
  const uncompared = new Set<number>();
  for (const t of tables) {
    const [owner, ...sharers] = holdersNow(t, holding);
    for (const pid of sharers) owners.set(pid, owner as number);
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

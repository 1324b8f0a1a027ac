/**
 * The last steps of an fd scan, in two halves around the reading of link targets:
 *
 *   settle — error rows for what failed; the identity check (a process whose start time changed is
 *            dropped, fds and all); which descriptions are listed (all, or those held more than once);
 *   finish — the kcmp.fds/1 report: descriptions in the order of their first holder (pid, then fd),
 *            numbered d1, d2, … in output order, named after their first holder's link; fdinfo for the
 *            listed holders when asked. An fd of a table that several processes share (CLONE_FILES) is
 *            read once, and listed under each of them: every process holding it is a holder, the others
 *            marked with the pid the table was read under (`fdTable`), as lsfd lists both.
 *
 * Link targets are read between the two, for listed descriptions only (the caller does it, on worker
 * threads when it has them): a description's name is its first holder's link.
 */

import type { FdMethod } from '../../compare/fd-comparator.js';
import { readFdInfo } from '../../procfs/fdinfo.js';
import type { FdColumns } from '../../procfs/fds.js';
import { formatDev } from '../../procfs/fds.js';
import { FsMagics } from '../../procfs/fs-magic.js';
import type { ProcessIdentity } from '../../procfs/identity.js';
import { kindOf } from '../../procfs/kinds.js';
import type { SelectedProcess } from '../../procfs/select.js';
import type { EngineName } from './fd-engine.js';
import type { FdTable } from './fd-tables.js';
import type { Buckets } from './fds-buckets.js';
import { type Draft, draftDescriptions } from './fds-drafts.js';
import type { Grouped } from './fds-group.js';
import type { Problems } from './fds-problems.js';
import { type Description, FDS_SCHEMA, type FdsReport, type Holder, type ProcessInfo } from './fds-report.js';

export interface ScanResult {
  processes: readonly SelectedProcess[];
  /** The fd tables read, and for each slot the index of its table. */
  tables: readonly FdTable[];
  tableOf: Int32Array;
  cols: FdColumns;
  buckets: Buckets;
  grouped: Grouped;
  method: FdMethod;
  problems: Problems;
}

export interface Settled {
  /** Every description left after the identity check. */
  kept: Draft[];
  /** The ones to list. */
  listed: Draft[];
  replaced: ReadonlySet<number>;
}

export function settle(
  scan: ScanResult,
  options: { all: boolean; stillSame(identity: ProcessIdentity): boolean },
): Settled {
  const { cols, problems } = scan;
  const pidOf = (slot: number) => tableAt(scan, slot).pid;
  // Each row names the fd, its process and the task its table was read through.
  const failed = (slot: number, syscall: string, errno: string) => {
    const { pid, tid } = tableAt(scan, slot);
    const fd = cols.fd[slot] as number;
    if (errno === 'changed') problems.reused(pid, fd, tid);
    else problems.add(pid, fd, syscall, errno, tid);
  };
  const drafts = draftDescriptions(scan.buckets, scan.grouped, scan.method, {
    gone: failed,
    uncompared: (slot, syscall, errno) => problems.uncomparedFd(pidOf(slot), syscall, errno),
    unsettled: (slot) => problems.unsettled(pidOf(slot)),
  });
  for (let slot = 0; slot < cols.fd.length; slot++) {
    if (cols.failed[slot]) failed(slot, 'stat', cols.errno[slot] as string);
  }
  const replaced = new Set<number>();
  for (const p of scan.processes) {
    if (!options.stillSame({ pid: p.pid, startTime: p.startTime })) {
      replaced.add(p.pid);
      problems.replaced(p.pid);
    }
  }
  const kept: Draft[] = [];
  for (const draft of drafts) {
    const slots = replaced.size === 0 ? draft.slots : draft.slots.filter((s) => !replaced.has(pidOf(s)));
    if (slots.length > 0) kept.push(slots === draft.slots ? draft : { ...draft, slots });
  }
  const listed = options.all ? kept : kept.filter((d) => d.slots.length > 1);
  return { kept, listed, replaced };
}

/** `names[i]`: the link target of listed description i ('' if none of its fds could be read). */
export function finish(
  scan: ScanResult,
  settled: Settled,
  names: readonly string[],
  options: { fdinfo: boolean; comparisons: number; started: number; engine: EngineName },
): FdsReport {
  const { cols } = scan;
  const commands = new Map(scan.processes.map((p) => [p.pid, p.command]));
  // A process with more than one fd table (a thread unshare(CLONE_FILES)d) has fds that look alike in
  // each: every holder of such a process names its tid, the leader's too, so pid:fd never collides.
  const tablesOf = new Map<number, number>();
  for (const t of scan.tables) tablesOf.set(t.pid, (tablesOf.get(t.pid) ?? 0) + 1);
  const holders = (slots: readonly number[]): Holder[] => {
    const out: Holder[] = [];
    for (const slot of slots) {
      const table = tableAt(scan, slot);
      const fd = cols.fd[slot] as number;
      const h: Holder = { pid: table.pid, fd, command: commands.get(table.pid) ?? '' };
      if (table.tid !== table.pid || (tablesOf.get(table.pid) ?? 0) > 1) h.tid = table.tid;
      if (options.fdinfo) addFdInfo(h, table.tid);
      out.push(h);
      // One fd of one table: the same description, position, flags and close-on-exec bit for every sharer.
      const { tid: _, ...details } = h;
      for (const pid of table.sharedBy) {
        out.push({ ...details, pid, command: commands.get(pid) ?? '', fdTable: table.pid });
      }
    }
    return out.length === slots.length ? out : out.sort((a, b) => a.pid - b.pid); // stable: fds stay in order
  };
  // Ids number every kept description, listed or not, so one description has the same id with --all and
  // without (the default view lists the shared ones, with gaps in their numbers).
  const number = new Map(settled.kept.map((draft, i) => [draft, i + 1]));
  const magics = new FsMagics();
  const descriptions: Description[] = settled.listed.map((draft, i) => {
    const first = draft.slots[0] as number;
    const name = names[i] as string;
    const [mode, dev] = [cols.mode[first] as number, cols.dev[first] as number];
    const magic = magics.of(tableAt(scan, first).tid, cols.fd[first] as number, dev, mode);
    return {
      id: `d${number.get(draft)}`,
      type: kindOf(mode, name, magic).name,
      name,
      dev: formatDev(cols.dev[first] as number),
      ino: cols.ino[first] as number,
      certain: draft.certain,
      method: draft.method,
      holders: holders(draft.slots),
    };
  });
  const errors = scan.problems.list().filter((e) => !settled.replaced.has(e.pid) || e.syscall === 'identity');
  const { kept } = settled;
  return {
    schema: FDS_SCHEMA,
    processes: processInfo(scan.processes, scan.tables),
    descriptions,
    errors,
    stats: {
      processes: scan.processes.length,
      fds: kept.reduce((n, d) => n + heldBy(scan, d.slots), 0),
      descriptions: kept.length,
      shared: kept.reduce((n, d) => n + (d.slots.length > 1 ? 1 : 0), 0),
      errors: errors.length,
      comparisons: options.comparisons,
      engine: options.engine,
      elapsedMs: Math.round(performance.now() - options.started),
    },
  };
}

/** How many holders these slots have: one per process holding their fd table. */
function heldBy(scan: Pick<ScanResult, 'tables' | 'tableOf'>, slots: readonly number[]): number {
  let n = 0;
  for (const slot of slots) n += 1 + tableAt(scan, slot).sharedBy.length;
  return n;
}

function tableAt(scan: Pick<ScanResult, 'tables' | 'tableOf'>, slot: number): FdTable {
  return scan.tables[scan.tableOf[slot] as number] as FdTable;
}

/** pos, flags, mnt_id from fdinfo; left out if the fd is gone by now (these are details, not verdicts). */
function addFdInfo(holder: Holder, tid: number): void {
  try {
    const info = readFdInfo(tid, holder.fd);
    holder.pos = info.pos;
    holder.flags = info.flags;
    holder.cloexec = info.cloexec;
    holder.mntId = info.mntId;
  } catch {
    // closed since the scan
  }
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

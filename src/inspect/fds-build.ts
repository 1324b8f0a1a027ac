/**
 * The last step of an fd scan: error rows for what failed, the identity check (a process whose start time
 * changed is dropped, fds and all), then the kcmp.fds/1 report — descriptions in the order of their first
 * holder (pid, then fd), numbered d1, d2, … in output order; fdinfo for the listed holders when asked.
 */

import { readFdInfo } from '../procfs/fdinfo.js';
import type { FdColumns } from '../procfs/fds.js';
import { FAILED_SYSCALL, FD_OK, formatDev } from '../procfs/fds.js';
import type { ProcessIdentity } from '../procfs/identity.js';
import type { SelectedProcess } from '../procfs/select.js';
import type { FdMethod } from './fd-comparator.js';
import type { FdTable } from './fd-tables.js';
import type { Buckets } from './fds-buckets.js';
import { type Draft, draftDescriptions, type Grouped } from './fds-drafts.js';
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
  comparisons: number;
  started: number;
}

export interface BuildOptions {
  all: boolean;
  fdinfo: boolean;
  /** Is the process still the one selected? (procfs/identity.ts stillSame) */
  stillSame(identity: ProcessIdentity): boolean;
}

export function buildReport(scan: ScanResult, options: BuildOptions): FdsReport {
  const { cols, tables, tableOf, problems } = scan;
  const tableAt = (slot: number) => tables[tableOf[slot] as number] as FdTable;
  const drafts = draftDescriptions(scan.buckets, scan.grouped, scan.method, {
    gone(slot, syscall, errno) {
      const { pid } = tableAt(slot);
      if (errno === 'changed') problems.reused(pid, cols.fd[slot] as number);
      else problems.add(pid, cols.fd[slot] as number, syscall, errno);
    },
    uncompared: (slot, errno) => problems.uncomparedFd(tableAt(slot).pid, errno),
  });
  for (let slot = 0; slot < cols.fd.length; slot++) {
    const failed = cols.failed[slot] as number;
    if (failed !== FD_OK) {
      problems.add(
        tableAt(slot).pid,
        cols.fd[slot] as number,
        FAILED_SYSCALL[failed] as string,
        cols.errno[slot] as string,
      );
    }
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
    const slots =
      replaced.size === 0 ? draft.slots : draft.slots.filter((s) => !replaced.has(tableAt(s).pid));
    if (slots.length > 0) kept.push(slots === draft.slots ? draft : { ...draft, slots });
  }

  const commands = new Map(scan.processes.map((p) => [p.pid, p.command]));
  const holder = (slot: number): Holder => {
    const table = tableAt(slot);
    const h: Holder = { pid: table.pid, fd: cols.fd[slot] as number, command: commands.get(table.pid) ?? '' };
    if (table.tid !== table.pid) h.tid = table.tid;
    if (options.fdinfo) addFdInfo(h, table.tid);
    return h;
  };
  const listed = options.all ? kept : kept.filter((d) => d.slots.length > 1);
  const descriptions: Description[] = listed.map((draft, i) => {
    const first = draft.slots[0] as number;
    return {
      id: `d${i + 1}`,
      type: draft.kind.name,
      name: cols.name[first] as string,
      dev: formatDev(cols.dev[first] as number),
      ino: cols.ino[first] as number,
      certain: draft.certain,
      method: draft.method,
      holders: draft.slots.map(holder),
    };
  });

  const errors = problems.list().filter((e) => !replaced.has(e.pid) || e.syscall === 'identity');
  return {
    schema: FDS_SCHEMA,
    processes: processInfo(scan.processes, tables),
    descriptions,
    errors,
    stats: {
      processes: scan.processes.length,
      fds: kept.reduce((n, d) => n + d.slots.length, 0),
      descriptions: kept.length,
      shared: kept.reduce((n, d) => n + (d.slots.length > 1 ? 1 : 0), 0),
      errors: errors.length,
      comparisons: scan.comparisons,
      elapsedMs: Math.round(performance.now() - scan.started),
    },
  };
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
  const tableOf = new Map<number, number>();
  for (const t of tables) for (const pid of t.sharedBy) tableOf.set(pid, t.pid);
  return processes.map((p) => {
    const info: ProcessInfo = { pid: p.pid, ppid: p.ppid, command: p.command };
    const owner = tableOf.get(p.pid);
    if (owner !== undefined) info.fdTableOf = owner;
    return info;
  });
}

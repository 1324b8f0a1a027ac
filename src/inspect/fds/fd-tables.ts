/**
 * Which fd tables to read: tasks that share one table — the threads of a process, or processes cloned
 * with CLONE_FILES — are read once, through one of them (lsfd does the same, with KCMP_FILES).
 *
 * Every live task of the selection is grouped by kcmp(KCMP_FILES) order with the group engine (one bucket:
 * there is no cheap key for an fd table), about log2(tables) calls per task. A thread that called
 * unshare(CLONE_FILES) has a table of its own and is read through /proc/TID/fd (an fd opened in the leader
 * afterwards is EBADF through that thread's tid). A zombie leader is left out: its `files` is NULL, and NULL
 * == NULL would make every zombie "share" a table; its live threads still hold the process's table.
 *
 * When KCMP_FILES fails for a task (no ptrace access, kcmp unavailable), nothing is merged on a guess: a
 * leader becomes a table of its own (reading it will report why it cannot be read, if it cannot), and a
 * non-leader thread is assumed to share its leader's table — what threads do unless they unshare — and
 * returned in `assumed`, so the scan can say so. When kcmp cannot be used at all in this run (`blocked`,
 * compare/run-method.ts), it is not called: every process is a table of its own and its other threads are
 * assumed alike. Such tables are marked `compared: false`: a process listed apart may still share one
 * table with another (CLONE_FILES), which a leak report must not take for an inherited copy.
 */

import { kcmpComparison } from '../../compare/kcmp-comparison.js';
import type { ProbeResult } from '../../compare/probe.js';
import { groupItems } from '../../group/engine.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { type ErrnoName, isGone } from '../../sys/errno.js';
import { KCMP } from '../../sys/kcmp.js';

export interface FdTable {
  /** The process its fds are listed under. */
  pid: number;
  /** The task it is read through: `pid` itself unless only a non-leader thread holds it. */
  tid: number;
  /** Other selected processes that hold this same table (CLONE_FILES). */
  sharedBy: number[];
  /** false: KCMP_FILES could not compare it with the other tasks' tables (refused, or kcmp blocked in this
   * run), so it may be one table with another listed apart. */
  compared: boolean;
}

interface Task {
  pid: number;
  tid: number;
}

/** A thread KCMP_FILES could not compare (not gone: refused), taken to share its leader's table. `errno`:
 * what kcmp answered; null when it was not called (blocked in this run without an errno: a kill policy). */
export interface AssumedTable {
  pid: number;
  tid: number;
  errno: ErrnoName | null;
}

/** The tables to read, the threads assumed to share one, and the KCMP_FILES calls it took. */
export interface FdTablesFound {
  tables: FdTable[];
  assumed: AssumedTable[];
  comparisons: number;
}

export function fdTables(processes: readonly SelectedProcess[], blocked?: ProbeResult): FdTablesFound {
  const tasks: Task[] = [];
  for (const p of processes) {
    for (const tid of p.tasks.length > 0 ? p.tasks : [p.pid]) {
      if (!(p.zombie && tid === p.pid)) tasks.push({ pid: p.pid, tid });
    }
  }
  if (blocked) return withoutKcmp(tasks, blocked.errno ?? null);
  const grouping = groupItems(tasks, () => 0, {
    ordered: true,
    compare: (a, b) => kcmpComparison(KCMP.FILES, a.tid, 0, b.tid, 0),
  });
  const tables = grouping.classes.map(tableOf);
  const assumed: AssumedTable[] = [];
  for (const { item, error } of grouping.unresolved) {
    if (item.tid === item.pid) tables.push({ pid: item.pid, tid: item.tid, sharedBy: [], compared: false });
    else if (!isGone(error)) assumed.push({ ...item, errno: error });
  }
  return { tables, assumed, comparisons: grouping.comparisons };
}

const byPidLeaderFirst = (a: Task, b: Task) => a.pid - b.pid || +(b.tid === b.pid) - +(a.tid === a.pid);

/** Each process's table read through its leader (or, for a zombie leader, its first live thread); the
 * other threads assumed to share it. */
function withoutKcmp(tasks: readonly Task[], errno: ErrnoName | null) {
  const tables = new Map<number, FdTable>();
  const assumed: AssumedTable[] = [];
  for (const task of [...tasks].sort(byPidLeaderFirst)) {
    if (tables.has(task.pid)) assumed.push({ ...task, errno });
    else tables.set(task.pid, { pid: task.pid, tid: task.tid, sharedBy: [], compared: false });
  }
  return { tables: [...tables.values()], assumed, comparisons: 0 };
}

/** One table from the tasks sharing it: listed under the first process, read through its leader if it can. */
function tableOf(members: Task[]): FdTable {
  const sorted = [...members].sort(byPidLeaderFirst);
  const first = sorted[0] as Task;
  const sharedBy = [...new Set(sorted.map((t) => t.pid))].filter((pid) => pid !== first.pid);
  return { pid: first.pid, tid: first.tid, sharedBy, compared: true };
}

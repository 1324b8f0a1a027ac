/**
 * The `kcmp tasks` table: one row per task, one column per resource kind naming the task's group
 * (`vm:3`; `none` when the task has no such object at all; `?` when the kind could not be compared),
 * and the RELATION in words. Tasks that could not be compared are rows too, with `ERROR reason` or
 * `ERROR syscall:ERRNO` as their relation (lsfd's error rows).
 */
import { isNullable } from '../compare/absence-probe.js';
import { TASK_RESOURCES, type TaskResource } from '../compare/types.js';
import type { TaskError, TaskInfo, TasksReport } from '../inspect/tasks/tasks-report.js';
import type { ProcessDetails } from '../procfs/process-details.js';
import { addColumnFields, type FieldColumn } from './column-fields.js';
import { detailColumns } from './process-columns.js';
import type { Columns } from './table.js';

export interface TaskRow {
  pid: number;
  tid: number;
  ppid: number | null;
  command: string;
  groups: Partial<Record<TaskResource, string>>;
  relation: string;
  /** An error row: the task could not be compared. */
  failed: boolean;
  /** Its process's user and command line, when a column shows them. */
  details?: ProcessDetails;
}

const IDENTITY = detailColumns<TaskRow>((row) => row.details);

function groupColumn(kind: TaskResource): Columns<TaskRow>[string] {
  return {
    help: `${kind} group: tasks with the same label share one ${kind} object; none = has none`,
    json: 'string',
    get: (row) => row.groups[kind] ?? null,
  };
}

export const TASK_COLUMNS = {
  PID: { help: 'process ID (thread group)', align: 'right', json: 'number', get: (r) => r.pid },
  TID: { help: 'task (thread) ID', align: 'right', json: 'number', get: (r) => r.tid },
  PPID: { help: 'parent process ID', align: 'right', json: 'number', get: (r) => r.ppid },
  USER: IDENTITY.USER,
  UID: IDENTITY.UID,
  COMMAND: { help: 'command name (comm)', json: 'string', get: (r) => r.command },
  CMDLINE: IDENTITY.CMDLINE,
  VM: groupColumn('vm'),
  FILES: groupColumn('files'),
  FS: groupColumn('fs'),
  SIGHAND: groupColumn('sighand'),
  IO: groupColumn('io'),
  SYSVSEM: groupColumn('sysvsem'),
  RELATION: {
    help: 'the clone()/unshare() relation inferred from what is shared',
    json: 'string',
    field: 'relation',
    get: (r) => r.relation,
  },
} satisfies Record<string, FieldColumn<TaskRow>>;

export const TASK_DEFAULT_COLUMNS = [
  'PID',
  'TID',
  'COMMAND',
  'VM',
  'FILES',
  'FS',
  'SIGHAND',
  'IO',
  'SYSVSEM',
  'RELATION',
];

function errorText(error: TaskError): string {
  return error.errno ? `ERROR ${error.syscall}:${error.errno}` : `ERROR ${error.reason}`;
}

/** The group labels of every task: numbered per kind in row order (`vm:1` is the first row's). */
function labelRows(report: TasksReport, rows: readonly TaskRow[]): void {
  for (const kind of TASK_RESOURCES) {
    const classes = report.groups[kind];
    const classOf = new Map<number, number>();
    classes?.forEach((members, i) => {
      for (const tid of members) classOf.set(tid, i);
    });
    const absent = new Set(isNullable(kind) ? (report.absent[kind] ?? []) : []);
    const numbers = new Map<number, number>();
    for (const row of rows) {
      if (row.failed) continue;
      const i = classOf.get(row.tid);
      if (!classes) row.groups[kind] = '?';
      else if (absent.has(row.tid)) row.groups[kind] = 'none';
      else if (i !== undefined) {
        if (!numbers.has(i)) numbers.set(i, numbers.size + 1);
        row.groups[kind] = `${kind}:${numbers.get(i)}`;
      }
    }
  }
}

/** Table rows in pid order, each process's leader first; task errors are rows, kind errors are not.
 * `details` by pid when a column shows them. */
export function taskRows(report: TasksReport, details?: ReadonlyMap<number, ProcessDetails>): TaskRow[] {
  const relations = new Map<number, string[]>();
  for (const relation of report.relations) {
    relations.set(relation.to, [...(relations.get(relation.to) ?? []), relation.text]);
  }
  const rows: TaskRow[] = report.tasks.map((t) => ({
    pid: t.pid,
    tid: t.tid,
    ppid: t.ppid,
    command: t.command,
    groups: {},
    relation: (relations.get(t.tid) ?? []).join('; '),
    failed: false,
  }));
  for (const error of report.errors) {
    if (error.pid === null) continue;
    const tid = error.tid ?? error.pid;
    rows.push({
      pid: error.pid,
      tid,
      ppid: null,
      command: error.command ?? '',
      groups: {},
      relation: errorText(error),
      failed: true,
    });
  }
  const rank = (r: TaskRow): number => (r.tid === r.pid ? -1 : r.tid);
  rows.sort((a, b) => a.pid - b.pid || rank(a) - rank(b));
  if (details) for (const row of rows) row.details = details.get(row.pid);
  labelRows(report, rows);
  return rows;
}

/**
 * For `-J -o LIST`: each task of kcmp.tasks/1 gains the fields of the listed columns it leaves out (user,
 * uid, cmdline, relation), as the table shows them; the group columns are the document's `groups`.
 */
export function addTaskFields(
  report: TasksReport,
  names: readonly string[],
  details?: ReadonlyMap<number, ProcessDetails>,
): void {
  const tasks = new Map<number, TaskInfo>(report.tasks.map((t) => [t.tid, t]));
  const rows = taskRows(report, details);
  addColumnFields<TaskRow>(TASK_COLUMNS, names, rows, (row) => (row.failed ? undefined : tasks.get(row.tid)));
}

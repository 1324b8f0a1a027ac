/**
 * `kcmp tasks`: which tasks share an address space (vm), fd table (files), fs info (fs), signal handlers
 * (sighand), I/O context (io) or SysV undo list (sysvsem).
 *
 * For each kind, every task is placed by the generic engine (src/group/engine.ts): one bucket per kind,
 * binary insertion among class representatives ordered by kcmp — ⌈log2(c+1)⌉ calls per task for c classes,
 * never pairwise. kcmp's order per type is a strict total order on Linux ≥ 3.17
 * (before, a subtraction that overflowed made it non-transitive).
 *
 *   kcmp unusable in this process (run-method.ts)? ─▶ every task listed, none grouped: certain: false
 *   tasks ─▶ stat (zombie? kernel thread? → error row) ─▶ kcmp(tid, tid, vm) (access? → error row)
 *         ─▶ per kind: engine(kcmp order)  ─▶ recheck every task (gone, zombie, pid reused → drop, redo)
 *                 io/sysvsem: tasks equal to a proven-NULL probe are `absent`; only the others are grouped
 *
 * NULL == NULL: io and sysvsem objects may be absent, and zombies have NULL vm/files/fs/io/sysvsem;
 * kcmp then says "equal" for tasks that share nothing. Zombies and kernel threads (no mm/files/fs of their
 * own) are therefore error rows, and io/sysvsem absence is decided against probe processes proven to
 * hold NULL (compare/absence-probe.ts; one kcmp per task and kind). A task that dies mid-scan could have
 * compared as NULL and misplaced others (the binary search relies on a stable order), so after grouping
 * every task is re-read; if any changed, it is dropped and the grouping is redone. A comparison that fails
 * blames the task that fails alone (kcmp-comparison.ts), so a vanished representative leaves its class
 * instead of poisoning it. Results are still a snapshot: kcmp holds no reference to what it compared.
 */
import { type AbsenceKind, AbsenceProbe, isNullable } from '../../compare/absence-probe.js';
import { KCMP_TYPE_VALUES, kcmp } from '../../compare/kcmp.js';
import { kcmpComparison } from '../../compare/kcmp-comparison.js';
import { detectRunMethod, type RunMethod, uncalledReason } from '../../compare/run-method.js';
import { TASK_RESOURCES, type TaskResource } from '../../compare/types.js';
import { KcmpError } from '../../errors.js';
import { groupItems } from '../../group/engine.js';
import { assertProcPidsAreOurs } from '../../procfs/namespaces.js';
import { type Selection, selectProcesses } from '../../procfs/select.js';
import { isNotSupported, isPrivilege } from '../../sys/errno.js';
import { SysError } from '../../sys/sys-error.js';
import { nowMs } from '../../util/clock.js';
import { assertScanOptions } from '../selection.js';
import { inferRelations } from './relations.js';
import { type Candidate, collectTasks, recheck } from './task-list.js';
import {
  type KcmpRefusedError,
  type KcmpUnusableError,
  TASKS_SCHEMA,
  type TaskCallError,
  type TaskError,
  type TaskInfo,
  type TasksReport,
} from './tasks-report.js';

/** Rounds of "group, recheck, drop what changed" before giving up on a churning set of tasks. */
const MAX_ROUNDS = 4;

function taskCallRow(task: Pick<TaskInfo, 'pid' | 'tid' | 'command'>, e: SysError): TaskCallError {
  return {
    pid: task.pid,
    tid: task.tid,
    command: task.command,
    kind: null,
    reason: e.errno === 'ESRCH' ? 'gone' : isPrivilege(e.errno) ? 'denied' : 'failed',
    syscall: e.syscall,
    errno: e.errno,
    message: `task ${task.tid} (${task.command}): ${e.message}`,
  };
}

/** The kinds this kernel can compare, probed on our own process (never refused for privilege). */
function supportedKinds(errors: TaskError[]): TaskResource[] {
  const kinds: TaskResource[] = [];
  for (const kind of TASK_RESOURCES) {
    try {
      kcmp(process.pid, process.pid, kind);
      kinds.push(kind);
    } catch (error) {
      // Without kcmp at all (ENOSYS, or a seccomp EPERM even on ourselves) nothing can be compared.
      if (!(error instanceof SysError) || kind === 'vm' || !isNotSupported(error.errno)) throw error;
      errors.push({
        pid: null,
        tid: null,
        command: null,
        kind,
        reason: 'unsupported',
        syscall: error.syscall,
        errno: error.errno,
        message: error.message,
      });
    }
  }
  return kinds;
}

interface Round {
  groups: TasksReport['groups'];
  absent: TasksReport['absent'];
  /** Tasks that failed a comparison: tid → its error. */
  failed: Map<number, SysError>;
  comparisons: number;
}

function newRound(): Round {
  return {
    groups: { vm: null, files: null, fs: null, sighand: null, io: null, sysvsem: null },
    absent: { io: null, sysvsem: null },
    failed: new Map(),
    comparisons: 0,
  };
}

/** The result for no tasks at all: every supported kind partitions the empty set. */
function emptyRound(kinds: readonly TaskResource[]): Round {
  const round = newRound();
  for (const kind of kinds) {
    round.groups[kind] = [];
    if (isNullable(kind)) round.absent[kind] = [];
  }
  return round;
}

/** Splits tasks into those without the object (equal to a proven-NULL probe) and those with one. */
function splitAbsent(tids: readonly number[], kind: AbsenceKind, probe: AbsenceProbe, round: Round) {
  const present: number[] = [];
  const absent: number[] = [];
  for (const tid of tids) {
    round.comparisons++;
    try {
      (probe.lacks(tid, kind) ? absent : present).push(tid);
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      round.failed.set(tid, error);
    }
  }
  return { present, absent };
}

/** One grouping of every kind. `decidable`: the io/sysvsem kinds whose absence the probe can prove. */
function groupRound(
  tids: readonly number[],
  kinds: readonly TaskResource[],
  probe: AbsenceProbe | undefined,
  decidable: ReadonlySet<AbsenceKind>,
): Round {
  const round = newRound();
  for (const kind of kinds) {
    let present = tids;
    if (isNullable(kind)) {
      if (!probe || !decidable.has(kind)) continue; // undecided: reported once, by the caller
      const split = splitAbsent(tids, kind, probe, round);
      present = split.present;
      round.absent[kind] = split.absent;
    }
    const type = KCMP_TYPE_VALUES[kind];
    const grouping = groupItems(present, () => kind, {
      ordered: true,
      compare: (a, b) => kcmpComparison(type, a, 0, b, 0),
    });
    round.comparisons += grouping.comparisons;
    for (const { item, error } of grouping.unresolved) {
      round.failed.set(item, new SysError('kcmp', error, [item, item, `KCMP_${kind.toUpperCase()}`]));
    }
    round.groups[kind] = grouping.classes;
  }
  return round;
}

/** What `inspectTasks` scans. */
export interface TasksOptions {
  /** Which processes: `{ kind: 'tree', root }`, `{ kind: 'pids', pids }`, or `{ kind: 'all' }` for every
   * visible process — never implied. */
  selection: Selection;
}

/**
 * Groups every task (thread) of the selected processes by every kind. Async like every scan of the
 * library (the work itself is synchronous /proc reads and kcmp calls).
 *
 * @example
 * const report = await inspectTasks({ selection: { kind: 'tree', root: 1234 } });
 * report.groups.files   // [[1234, 1236], [1235]]: 1236 shares 1234's fd table
 * report.absent.io      // tids with no I/O context at all
 * @throws ProcessGoneError / InvalidArgumentError for a named pid that does not exist or is a thread, or a
 *   selection with no user-space process (kernel threads only);
 *   never for kcmp itself being unavailable (ENOSYS, seccomp EPERM or SIGSYS): the report then has
 *   `certain: false`, no groups, and an error row saying why.
 */
export async function inspectTasks(options: TasksOptions): Promise<TasksReport> {
  assertScanOptions(options, 'inspectTasks');
  return scanTasks(options.selection);
}

function scanTasks(selection: Selection): TasksReport {
  assertProcPidsAreOurs();
  const started = nowMs();
  const errors: TaskError[] = [];
  const run = detectRunMethod({ borrow: false });
  if (run.method !== 'kcmp') {
    errors.push(blockedRow(run));
    const tasks = collectTasks(selectProcesses(selection), errors);
    return report(tasks, newRound(), errors, 0, 0, started, false);
  }
  const kinds = supportedKinds(errors);
  let tasks = collectTasks(selectProcesses(selection), errors);
  let comparisons = 0;

  // Access once per task: ptrace read mode is checked for both tasks of every call, so a task we may not
  // inspect would fail every comparison it takes part in (and poison its class as a representative).
  tasks = tasks.filter((task) => {
    comparisons++;
    try {
      kcmp(task.tid, task.tid, 'vm');
      return true;
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      errors.push(taskCallRow(task, error));
      return false;
    }
  });

  if (tasks.length === 0) return report([], emptyRound(kinds), errors, comparisons, 0, started);
  const probe = AbsenceProbe.start();
  const decidable = new Set<AbsenceKind>();
  try {
    for (const kind of ['io', 'sysvsem'] as const) {
      if (!kinds.includes(kind)) continue;
      // Our own process is always accessible: undefined means the probes are not proven NULL.
      if (probe?.lacks(process.pid, kind) !== undefined) {
        decidable.add(kind);
        continue;
      }
      const noun = kind === 'io' ? 'an I/O context' : 'a SysV undo list';
      errors.push({
        pid: null,
        tid: null,
        command: null,
        kind,
        reason: 'undecided',
        syscall: null,
        errno: null,
        message: probe
          ? `cannot tell tasks without ${noun} from tasks sharing one: two fresh \`sleep\` processes do not both lack one`
          : `cannot tell tasks without ${noun} from tasks sharing one: could not start the \`sleep\` probes (is it in PATH?)`,
      });
    }
    for (let retries = 0; retries < MAX_ROUNDS; retries++) {
      const round = groupRound(
        tasks.map((t) => t.tid),
        kinds,
        probe,
        decidable,
      );
      comparisons += round.comparisons;
      const changed = new Set<number>();
      for (const task of tasks) {
        const error = recheck(task);
        if (error) {
          errors.push(error);
          changed.add(task.tid);
        }
      }
      // A failure with no task changed is lasting (the item is blamed: its partner was checked above).
      if (changed.size === 0) {
        for (const task of tasks) {
          const failure = round.failed.get(task.tid);
          if (failure) errors.push(taskCallRow(task, failure));
        }
        if (round.failed.size === 0) return report(tasks, round, errors, comparisons, retries, started);
      }
      tasks = tasks.filter((t) => !changed.has(t.tid) && (changed.size > 0 || !round.failed.has(t.tid)));
    }
    throw new KcmpError(
      `tasks kept exiting or changing during ${MAX_ROUNDS} scans, so no consistent grouping was found`,
      { remedy: 'stop the processes (kill -STOP) or select fewer with -p/--tree' },
    );
  } finally {
    probe?.stop();
  }
}

/**
 * The row that says why no task was compared: kcmp cannot be used in this process at all. Only an errno
 * kcmp answered is reported: under a kill policy the probe child died of SIGSYS and no errno exists.
 */
function blockedRow({ kcmp: probe, remedy }: RunMethod): KcmpRefusedError | KcmpUnusableError {
  const row = {
    pid: null,
    tid: null,
    command: null,
    kind: null,
    message: `kcmp cannot be used: ${probe.detail}; no task can be compared with another, so none is grouped (certain: false); ${remedy}`,
  } as const;
  if (probe.errno === undefined) return { ...row, reason: uncalledReason(probe), syscall: null, errno: null };
  const reason =
    probe.outcome === 'eperm'
      ? 'denied'
      : probe.outcome === 'enosys' || probe.outcome === 'unsupported'
        ? 'unsupported'
        : 'failed';
  return { ...row, reason, syscall: 'kcmp', errno: probe.errno };
}

function report(
  tasks: readonly Candidate[],
  round: Round,
  errors: TaskError[],
  comparisons: number,
  retries: number,
  started: number,
  certain = true,
): TasksReport {
  const infos: TaskInfo[] = tasks.map(({ startTime: _, ...info }) => info);
  return {
    schema: TASKS_SCHEMA,
    certain,
    tasks: infos,
    groups: round.groups,
    absent: round.absent,
    relations: inferRelations(infos, round.groups),
    errors,
    stats: {
      processes: new Set(infos.map((t) => t.pid)).size,
      tasks: infos.length,
      errors: errors.length,
      comparisons,
      retries,
      elapsedMs: Math.round(nowMs() - started),
    },
  };
}

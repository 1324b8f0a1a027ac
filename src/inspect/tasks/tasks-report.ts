/**
 * The `kcmp.tasks/1` report: every selected task (thread), grouped per resource kind by the kernel object
 * it uses. This is a JSON contract (stable; additive changes only, anything else bumps the schema).
 */
import type { AbsenceKind } from '../../compare/absence-probe.js';
import type { TaskResource } from '../../compare/types.js';

/** The `schema` of a {@link TasksReport}. */
export const TASKS_SCHEMA = 'kcmp.tasks/1';

/** A task that was compared: `pid` is its thread group (process), `tid` the task itself. */
export interface TaskInfo {
  /** The thread group (process) id. */
  pid: number;
  /** The task (thread) id; equal to `pid` for the thread-group leader. */
  tid: number;
  /** The parent process (real parent's thread group), for relations. */
  ppid: number;
  /** The task's command (`comm`, /proc/TID/comm). */
  command: string;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** Only with `-J -o USER`: the name of the task's effective uid (the number when it has none). */
  user?: string;
  /** Only with `-J -o UID`: the task's effective uid (as ps shows it). */
  uid?: number;
  /** Only with `-J -o CMDLINE`: its process's /proc/PID/cmdline, arguments joined by spaces. */
  cmdline?: string;
  /** Only with `-J -o RELATION`: the `text` of the relations to this task, joined by "; " ("" for none). */
  relation?: string;
}

/** Why a task (or kind) could not be compared. */
export type TaskErrorReason =
  | 'zombie' // exited, not reaped: vm, files, fs, io and sysvsem are NULL and would all compare equal
  | 'kernel-thread' // no mm, files or fs of its own (all kernel threads compare equal on vm)
  | 'gone' // exited or vanished while we looked
  | 'reused' // the tid now belongs to another task (start time changed)
  | 'denied' // kcmp or /proc refused access (ptrace read mode, seccomp)
  | 'unsupported' // the kernel lacks this comparison kind (e.g. sysvsem without CONFIG_SYSVIPC)
  | 'undecided' // absence of io/sysvsem could not be proven, so its groups would mix NULLs with sharing
  | 'failed'; // any other failure

/** A task (or a whole kind, `tid: null`) that could not be compared: an error row, never a group. */
export interface TaskError {
  /** The task's process, or null when the error concerns a whole kind (or kcmp itself). */
  pid: number | null;
  /** The task, or null when the error concerns a whole kind (or kcmp itself). */
  tid: number | null;
  /** The task's command when it could be read. */
  command: string | null;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** The kind the error concerns, or null when it concerns the whole task. */
  kind: TaskResource | null;
  /** Why, in one word. */
  reason: TaskErrorReason;
  /** The failed call ("kcmp", "stat", "spawn"), or null when nothing failed (zombie, kernel thread). */
  syscall: string | null;
  /** The errno name the failed call answered, or null when nothing failed. */
  errno: string | null;
  /** One line for people: what happened and what it means. */
  message: string;
}

/** How two tasks are related, inferred from what they share (relations.ts). */
export interface TaskRelation {
  /** 'thread': a task of the same thread group (CLONE_THREAD); 'clone': another process sharing something. */
  kind: 'thread' | 'clone';
  /** thread: the thread-group leader; clone: the parent process when one is the other's parent, else the
   * lower pid. A tid. */
  from: number;
  /** The task this relation describes (the thread, or the child / later process). A tid. */
  to: number;
  /** Whether `from` is `to`'s parent process. */
  parent: boolean;
  /** The kinds for which both use the same kernel object (absent io/sysvsem never counts as shared). */
  shared: TaskResource[];
  /** Threads only: files, fs or sysvsem that differ from the leader's, i.e. the thread unshared them. */
  unshared: TaskResource[];
  /** The clone flags that produce this sharing: CLONE_THREAD, CLONE_VM, CLONE_FILES, … */
  flags: string[];
  /** The relation in words, from `to`'s point of view: "thread of 100 that unshared files, fs". */
  text: string;
}

/** What a tasks scan cost. */
export interface TasksStats {
  /** Processes selected. */
  processes: number;
  /** Tasks (threads) compared. */
  tasks: number;
  /** Error rows. */
  errors: number;
  /** kcmp calls made. */
  comparisons: number;
  /** Scans repeated because a task changed (exited, exec'd, pid reused) while it was compared. */
  retries: number;
  /** Wall-clock time of the scan, in milliseconds. */
  elapsedMs: number;
}

/**
 * What {@link inspectTasks} returns (`kcmp tasks --json`): per resource kind, which of the selected tasks
 * use one kernel object, how they are related, and what could not be compared.
 */
export interface TasksReport {
  /** Always {@link TASKS_SCHEMA}. */
  schema: typeof TASKS_SCHEMA;
  /** false when kcmp cannot be used here at all (seccomp, no CONFIG_KCMP): no task was compared, every
   * kind's `groups` is null and an error row (pid null, kind null) says why. Never a guessed grouping. */
  certain: boolean;
  /** Every task that was compared; tasks with errors are in `errors` instead. */
  tasks: TaskInfo[];
  /** Per kind, classes of tids using one kernel object. Together with `absent` they partition `tasks`.
   * null: the kind could not be compared (see `errors`). */
  groups: Record<TaskResource, number[][] | null>;
  /** Tasks with no I/O context / SysV undo list at all: they share nothing, though kcmp says "equal".
   * null when absence could not be proven (then `groups` of that kind is null too). */
  absent: Record<AbsenceKind, number[] | null>;
  /** How the tasks are related (thread, clone), inferred from what they share. */
  relations: TaskRelation[];
  /** Tasks and kinds that could not be compared, each with its reason. */
  errors: TaskError[];
  /** What the scan cost. */
  stats: TasksStats;
}

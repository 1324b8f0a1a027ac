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

/** Why a task, a kind or the whole run could not be compared: the `reason` of a {@link TaskError}. */
export type TaskErrorReason = TaskError['reason'];

/**
 * A task (or kind, or the whole run) that could not be compared: an error row, never a group. A union
 * told apart by who it concerns and by `reason`. Who: a task (`pid` set; `tid` null when a whole process
 * had no task left to read), a kind (`kind` set, `pid` null), or the whole run (`pid` and `kind` null:
 * kcmp cannot be used here, and the report is `certain: false`). In every member `syscall` and `errno` are
 * both set (a call failed with that errno) or both null (no call failed: `reason` says what was seen).
 */
export type TaskError =
  | TaskCallError
  | TaskStateError
  | KindUnsupportedError
  | KindUndecidedError
  | KcmpRefusedError
  | KcmpUnusableError;

/** Who a task-level error concerns: a task, or a whole process when `tid` is null. */
export interface TaskErrorScope {
  /** The task's process. */
  pid: number;
  /** The task, or null when the error concerns the whole process (it had no task left to read). */
  tid: number | null;
  /** The task's command when it could be read. */
  command: string | null;
  /** The exact bytes of `command`, base64, when they are not valid UTF-8 (`command` has U+FFFD for each bad one). */
  commandBytes?: string;
  /** A task-level error concerns every kind. */
  kind: null;
  /** One line for people: what happened and what it means. */
  message: string;
}

/** A call failed for one task or process: it exited meanwhile (`gone`), access was refused (`denied`:
 * ptrace read mode, an LSM), or anything else (`failed`). */
export interface TaskCallError extends TaskErrorScope {
  /** Why, in one word. */
  reason: 'gone' | 'denied' | 'failed';
  /** The call that failed: "readdir", "stat", "kcmp". */
  syscall: string;
  /** The errno name the call answered. */
  errno: string;
}

/** A task that cannot be compared though no call failed: a zombie (exited, not reaped: its vm, files, fs, io
 * and sysvsem are NULL and would all compare equal), a kernel thread (no mm, files or fs of its own), or a
 * tid that another task took during the scan (`reused`: its start time changed). */
export interface TaskStateError extends TaskErrorScope {
  /** Why, in one word. */
  reason: 'zombie' | 'kernel-thread' | 'reused';
  /** The task. */
  tid: number;
  /** The task's command. */
  command: string;
  /** No call failed. */
  syscall: null;
  /** No call failed. */
  errno: null;
}

/** Who a kind-level error concerns: one kind, for every task. */
export interface KindErrorScope {
  /** A kind-level error concerns every task. */
  pid: null;
  /** A kind-level error concerns every task. */
  tid: null;
  /** A kind-level error concerns every task. */
  command: null;
  /** The kind that could not be compared; its `groups` are null. */
  kind: TaskResource;
  /** One line for people: what happened and what it means. */
  message: string;
}

/** A kind the kernel cannot compare: kcmp on our own process fails (e.g. KCMP_SYSVSEM answers EOPNOTSUPP
 * without CONFIG_SYSVIPC). */
export interface KindUnsupportedError extends KindErrorScope {
  /** Why, in one word. */
  reason: 'unsupported';
  /** The call that failed: "kcmp". */
  syscall: string;
  /** The errno name it answered. */
  errno: string;
}

/** io or sysvsem, whose absence could not be proven: tasks without the object would be grouped with tasks
 * sharing one (kcmp calls two NULLs equal), so the kind is not grouped. */
export interface KindUndecidedError extends KindErrorScope {
  /** Why, in one word. */
  reason: 'undecided';
  /** No call failed. */
  syscall: null;
  /** No call failed. */
  errno: null;
}

/** Who a run-level error concerns: every task and every kind (kcmp cannot be used in this process). */
export interface KcmpErrorScope {
  /** A run-level error concerns every task. */
  pid: null;
  /** A run-level error concerns every task. */
  tid: null;
  /** A run-level error concerns every task. */
  command: null;
  /** A run-level error concerns every kind. */
  kind: null;
  /** One line for people: what happened, what it means and the remedy. */
  message: string;
}

/** kcmp fails even on our own process, where the kernel never refuses for privilege: a seccomp filter's
 * EPERM (`denied`), ENOSYS (`unsupported`: no CONFIG_KCMP, or a filter answering so), or another errno
 * (`failed`). */
export interface KcmpRefusedError extends KcmpErrorScope {
  /** Why, in one word. */
  reason: 'denied' | 'unsupported' | 'failed';
  /** The call that failed: "kcmp". */
  syscall: string;
  /** The errno name it answered. */
  errno: string;
}

/** kcmp is never called, and no errno was seen: a seccomp filter kills any process that calls it
 * (`seccomp-kill`: a probe child died of SIGSYS), or the probe that tells could not run (`probe-failed`). */
export interface KcmpUnusableError extends KcmpErrorScope {
  /** Why, in one word. */
  reason: 'seccomp-kill' | 'probe-failed';
  /** No call returned. */
  syscall: null;
  /** No call returned an errno. */
  errno: null;
}

/** How two tasks are related, in clone()/unshare() terms, inferred from the kinds they share now: each
 * shared kind names the clone flag that shares it (vm: CLONE_VM, files: CLONE_FILES, …). */
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

/**
 * A reference task that is known to have NO I/O context and NO SysV undo list, so that tasks without one
 * can be told apart from tasks sharing one.
 *
 * KCMP_IO compares `task->io_context` and KCMP_SYSVSEM `task->sysvsem.undo_list`; both may be NULL, and
 * the kernel answers 0 ("equal") for NULL vs NULL (kcmp-spec.md §2, scenarios 9, 23, 24). Grouping by kcmp
 * alone would put every task without the object into one big class, as if they shared it.
 *
 * The reference is a `sleep` we spawn. A child created without CLONE_SYSVSEM starts with a NULL undo list
 * (copy_semundo), and without CLONE_IO it gets an io_context only if its parent's has a valid ioprio
 * (copy_io); execve allocates neither, and sleep never calls semop or ioprio_set. We do not rely on that
 * reasoning alone: we spawn TWO such children. Two separately spawned processes can share neither object
 * (Node's spawn passes neither CLONE_IO nor CLONE_SYSVSEM), so if kcmp calls them equal, both are NULL —
 * proven on this kernel, per kind. A task equal to the reference then has no such object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { kcmp } from '../compare/kcmp.js';
import { isKcmpError } from '../errors.js';
import type { NullableResource } from './tasks-report.js';

export interface NullProbe {
  /** The reference task's pid, or undefined if it could not be started. */
  pid: number | undefined;
  /** The kinds for which the reference is proven to hold NULL. */
  proven: ReadonlySet<NullableResource>;
  /** Why a kind is not proven: the spawn failure, a kcmp error, or "the probes share one". */
  why: Partial<Record<NullableResource, string>>;
  /** Kills the probe processes. */
  close(): void;
}

const KINDS: readonly NullableResource[] = ['io', 'sysvsem'];

function start(): ChildProcess {
  const child = spawn('sleep', ['3600'], { stdio: 'ignore' });
  child.on('error', () => {}); // reported through the missing pid
  child.unref();
  return child;
}

export function startNullProbe(): NullProbe {
  const children = [start(), start()];
  const close = (): void => {
    for (const child of children) if (child.pid !== undefined) child.kill('SIGKILL');
  };
  const [a, b] = children.map((c) => c.pid);
  const why: Partial<Record<NullableResource, string>> = {};
  const proven = new Set<NullableResource>();
  for (const kind of KINDS) {
    if (a === undefined || b === undefined) {
      why[kind] = 'could not start the reference process `sleep` (is it in PATH?)';
      continue;
    }
    try {
      if (kcmp(a, b, kind) === 'equal') proven.add(kind);
      else why[kind] = `two fresh \`sleep\` processes have different ${kind} objects, so none is known NULL`;
    } catch (error) {
      if (!isKcmpError(error)) throw error;
      why[kind] = error.message;
    }
  }
  return { pid: a, proven, why, close };
}

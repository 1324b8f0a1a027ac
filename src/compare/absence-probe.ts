/**
 * Telling "both share one" from "both have none" for KCMP_IO and KCMP_SYSVSEM: the
 * kernel compares the raw pointers, and a task that never allocated an io_context (ioprio_set, CLONE_IO
 * from a parent with one) or a SysV undo list (semop SEM_UNDO, CLONE_SYSVSEM — every pthread_create)
 * holds NULL, so any two such tasks compare EQUAL while sharing nothing.
 *
 * The test: start two independent `sleep` processes. They share neither object (no CLONE_IO or
 * CLONE_SYSVSEM between them), so if kcmp calls them equal, both hold NULL — a proof, not a guess
 * (if our own process had an io_context with a set priority, fork gives each child its own, they compare
 * unequal, and the probe says it cannot tell). A task equal to such a probe holds NULL too.
 * `sleep` is single-threaded, so it never allocates an undo list; node itself would (pthread_create).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { kcmp } from './kcmp.js';
import type { TaskResource } from './types.js';

export type AbsenceKind = Extract<TaskResource, 'io' | 'sysvsem'>;

export function isNullable(kind: TaskResource): kind is AbsenceKind {
  return kind === 'io' || kind === 'sysvsem';
}

export class AbsenceProbe {
  readonly #children: ChildProcess[];
  readonly #proven = new Map<AbsenceKind, boolean>();

  private constructor(children: ChildProcess[]) {
    this.#children = children;
  }

  /** Starts the two probe processes; stop() them when done. Undefined if they cannot be started. */
  static start(): AbsenceProbe | undefined {
    const children: ChildProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const child = spawn('sleep', ['3600'], { stdio: 'ignore' });
      child.on('error', () => {}); // reported through the missing pid below
      child.unref();
      children.push(child);
    }
    const probe = new AbsenceProbe(children);
    if (children.some((c) => c.pid === undefined)) {
      probe.stop();
      return undefined;
    }
    return probe;
  }

  /**
   * true: `pid` has no object of this kind; false: it has one; undefined: the probes could not prove
   * they themselves hold none, so nothing can be concluded. Throws the kcmp errors.
   */
  lacks(pid: number, kind: AbsenceKind): boolean | undefined {
    const [p1, p2] = this.#children.map((c) => c.pid as number) as [number, number];
    let proven = this.#proven.get(kind);
    if (proven === undefined) {
      proven = kcmp(p1, p2, kind) === 'equal';
      this.#proven.set(kind, proven);
    }
    if (!proven) return undefined;
    return kcmp(pid, p1, kind) === 'equal';
  }

  stop(): void {
    for (const child of this.#children) child.kill('SIGKILL');
  }
}

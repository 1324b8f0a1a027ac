/**
 * sameTaskResource(): do two tasks share one address space, fd table, fs info (cwd, root, umask), signal
 * handler table, I/O context or SysV semaphore undo list? One kcmp call — with the kernel's NULL == NULL
 * cases handled:
 *
 *  - io, sysvsem: a task that never allocated the object holds NULL, and two such tasks compare equal
 *    while sharing nothing (two fresh forks do). An 'equal' is checked against two probe processes known
 *    to hold none (absence-probe.ts): if the tasks hold none either, the verdict is `same: null` with
 *    `absent: true`; if that cannot be proven, `same: null` with the caveat — never a guessed `true`.
 *  - zombies: after exit, vm/files/fs/io/sysvsem are NULL, so two zombies compare equal on all of them.
 *    A zombie (checked before and after the call) throws ZombieProcessError instead.
 *  - a pid that is reused between the checks and the call throws ProcessGoneError (start time changes).
 *
 * A tid works wherever a pid does: threads can differ in files and fs after unshare(2).
 */

import { InvalidArgumentError, ProcessGoneError } from '../errors.js';
import { type ProcessIdentity, readIdentity, stillSame } from '../procfs/identity.js';
import { assertProcPidsAreOurs } from '../procfs/namespaces.js';
import { isNotSupported, isPrivilege } from '../sys/errno.js';
import { SysError } from '../sys/sys-error.js';
import { AbsenceProbe, isNullable } from './absence-probe.js';
import { kcmp } from './kcmp.js';
import { assertAlive } from './liveness.js';
import { wouldBeKilled } from './probe.js';
import { killedReason, reasonOf } from './reason.js';
import { type StepReason, TASK_RESOURCES, type TaskResource } from './types.js';
import { assertPid } from './validate.js';

/**
 * Whether two tasks share one kernel object of `kind`: decided (`same` true or false); `absent` (io and
 * sysvsem only: NEITHER task has the object — kcmp compares their NULLs as equal, but nothing is shared);
 * or undecided (`same: null`, method 'none', with the failed call or the caveat that kept it open).
 *
 * @example
 * const v = sameTaskResource(1234, 1235, 'io');
 * if (v.same === null && v.absent) console.log('neither task has an I/O context');
 * else if (v.same === null) console.log(`undecided: ${v.caveat ?? v.reason?.message}`);
 */
export type TaskVerdict =
  | {
      /** The resource compared. */
      kind: TaskResource;
      /** true: both tasks use one object; false: each has its own. */
      same: boolean;
      /** 'identical': the same task; 'kcmp': kcmp(2) said so. */
      method: 'identical' | 'kcmp';
    }
  | {
      /** The resource compared (io or sysvsem). */
      kind: TaskResource;
      /** Neither task has the object, so nothing is shared, and "different" would be wrong too. */
      same: null;
      /** kcmp answered equal, and a probe process known to lack the object compared equal too: NULLs. */
      method: 'kcmp';
      /** Neither task has the object. */
      absent: true;
      /** Says so in one line. */
      caveat: string;
    }
  | {
      /** The resource compared. */
      kind: TaskResource;
      /** Undecided. */
      same: null;
      /** Nothing decided. */
      method: 'none';
      /** Not the absent case. */
      absent?: undefined;
      /** The call that failed (or was not made: `errno` null), when one did. */
      reason?: StepReason;
      /** What kept it open when no call failed (an 'equal' that NULL == NULL could explain). */
      caveat?: string;
    };

const NOUNS: Readonly<Record<'io' | 'sysvsem', string>> = {
  io: 'an I/O context',
  sysvsem: 'a SysV semaphore undo list',
};

function assertKind(kind: unknown): asserts kind is TaskResource {
  if (typeof kind === 'string' && (TASK_RESOURCES as readonly string[]).includes(kind)) return;
  if (kind === 'file' || kind === 'epoll-tfd') {
    throw new InvalidArgumentError(`${kind} is not a task resource: use sameFile() for fds`);
  }
  throw new InvalidArgumentError(
    `unknown task resource ${JSON.stringify(kind)}: use one of ${TASK_RESOURCES.join(', ')}`,
  );
}

function identityOf(pid: number): ProcessIdentity {
  assertAlive(pid);
  const id = readIdentity(pid);
  if (!id) throw new ProcessGoneError(pid);
  return id;
}

/**
 * Do tasks `pidA` and `pidB` share their `kind` object?
 *
 * @example
 * sameTaskResource(1234, 1240, 'vm')  // { kind: 'vm', same: true, method: 'kcmp' }: 1240 is a thread of 1234
 * sameTaskResource(1235, 1236, 'io')  // { same: null, absent: true, … } for two plain forks
 * @throws InvalidArgumentError (before any syscall), ProcessGoneError, ZombieProcessError
 */
export function sameTaskResource(pidA: number, pidB: number, kind: TaskResource): TaskVerdict {
  assertPid(pidA, 'first pid');
  assertPid(pidB, 'second pid');
  assertKind(kind);
  assertProcPidsAreOurs();
  const ids = [identityOf(pidA), identityOf(pidB)];
  // A task holds what it holds — except io and sysvsem, which it may not hold at all: those are checked
  // against the probe processes even for one task (`kcmp tasks` lists such a task under `none`).
  if (pidA === pidB && !isNullable(kind)) return { kind, same: true, method: 'identical' };

  const killed = wouldBeKilled('kcmp');
  if (killed) return { kind, same: null, method: 'none', reason: killedReason('kcmp', killed) };
  try {
    return compared(pidA, pidB, kind, ids);
  } catch (error) {
    if (!(error instanceof SysError)) throw error;
    if (isNotSupported(error.errno) || isPrivilege(error.errno)) {
      return { kind, same: null, method: 'none', reason: reasonOf(error) };
    }
    for (const id of ids) if (!stillSame(id)) assertAlive(id.pid, error);
    throw error;
  }
}

/** The verdict from kcmp (none for one task with itself), checked for NULL == NULL. Throws the kcmp errors. */
function compared(
  pidA: number,
  pidB: number,
  kind: TaskResource,
  ids: readonly ProcessIdentity[],
): TaskVerdict {
  const equal = pidA === pidB || kcmp(pidA, pidB, kind) === 'equal';
  // Became a zombie (NULL pointers) or was replaced by another process while we asked?
  for (const id of ids) {
    assertAlive(id.pid);
    if (!stillSame(id)) throw new ProcessGoneError(id.pid, `process ${id.pid} exited while being compared`);
  }
  if (!equal) return { kind, same: false, method: 'kcmp' };
  if (!isNullable(kind)) return { kind, same: true, method: 'kcmp' };
  return absenceVerdict(pidA, kind, pidA === pidB ? 'identical' : 'kcmp');
}

/** `present`: the method of the verdict when the task holds the object after all. */
function absenceVerdict(pid: number, kind: 'io' | 'sysvsem', present: 'identical' | 'kcmp'): TaskVerdict {
  const noun = NOUNS[kind];
  const probe = AbsenceProbe.start();
  let lacks: boolean | undefined;
  try {
    lacks = probe?.lacks(pid, kind);
  } finally {
    probe?.stop();
  }
  if (lacks === false) return { kind, same: true, method: present };
  if (lacks === true) {
    return {
      kind,
      same: null,
      method: 'kcmp',
      absent: true,
      caveat: `neither task has ${noun}: kcmp compares NULL == NULL as equal, but nothing is shared`,
    };
  }
  return {
    kind,
    same: null,
    method: 'none',
    caveat:
      `kcmp says equal, but that also happens when neither task has ${noun} (NULL == NULL), and ` +
      'no probe process could be shown to lack one, so sharing cannot be told from absence',
  };
}

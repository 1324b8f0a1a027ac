/**
 * Which task to ask, and why a lookup failed. kcmp, /proc and pidfd_getfd answer "not there" with
 * ESRCH, ENOENT or EBADF whether the process is gone, is a zombie or merely lacks the fd; these helpers
 * look at /proc/PID/stat to turn that into the typed error the caller can act on (psutil's model):
 * ProcessGoneError, ZombieProcessError, or a SysError naming the fd that is not open.
 *
 * A process whose leader thread called pthread_exit() while other threads live is a zombie by its pid:
 * its leader has released its fd table (kcmp FILE via the pid → EBADF, scenario 20), but the live threads
 * still hold it. `liveTask` then answers one of those threads, which every lookup accepts (spec §4.5).
 */
import { type KcmpError, ProcessGoneError, ZombieProcessError } from '../errors.js';
import { listTasks } from '../procfs/processes.js';
import { isZombie, readStat } from '../procfs/stat.js';
import { SysError } from '../sys/sys-error.js';

/** An fd as the caller named it (`pid`), and the task whose fd table holds it (`task`: pid or a tid). */
export interface TaskFd {
  pid: number;
  task: number;
  fd: number;
}

type State = 'gone' | 'zombie' | 'alive';

function stateOf(pid: number, tid?: number): State {
  try {
    return isZombie(readStat(pid, tid)) ? 'zombie' : 'alive';
  } catch {
    return 'gone';
  }
}

/**
 * The task to look fds up in for `pid`: the pid itself while its leader lives, otherwise a live thread.
 * @throws ProcessGoneError, ZombieProcessError (no live thread left)
 */
export function liveTask(pid: number): number {
  const state = stateOf(pid);
  if (state === 'alive') return pid;
  if (state === 'gone') throw new ProcessGoneError(pid);
  const live = listTasks(pid).find((tid) => tid !== pid && stateOf(pid, tid) === 'alive');
  if (live === undefined) throw new ZombieProcessError(pid);
  return live;
}

/** Throws ProcessGoneError/ZombieProcessError if `pid` is no longer a live process; returns otherwise. */
export function assertAlive(pid: number, cause?: unknown): void {
  const state = stateOf(pid);
  if (state === 'gone') throw new ProcessGoneError(pid, undefined, { cause });
  if (state === 'zombie') throw new ZombieProcessError(pid);
}

/**
 * The error for a failed lookup of `ref`: the process is gone or a zombie, or else the fd is not open.
 * For errors that name no fd (ESRCH), pass refs whose pids are checked in turn.
 */
export function lookupError(error: SysError, ref: TaskFd): KcmpError {
  liveTask(ref.pid); // throws when the process itself is the problem
  return new SysError(error.syscall, error.errno, error.args, {
    context: `fd ${ref.fd} is not open in process ${ref.pid}`,
    pid: ref.pid,
    fd: ref.fd,
    remedy: `list its open fds with: ls -l /proc/${ref.task}/fd`,
  });
}
